//! Strings that match a `regex` rule, from proptest's regex strategies.
//!
//! proptest generates from a pattern's syntax tree but refuses anchors and word boundaries.
//! The rule is checked with `Regex::is_match` (a match anywhere), so a string generated from
//! the pattern matches it; anchors are honoured by generating nothing for them where they
//! hold of every generated string: `^`/`\A` where nothing can come before, `$`/`\z` where
//! nothing can come after. Any other anchor or boundary is refused with a message naming the
//! claim.

use super::{Site, guard};
use proptest::strategy::{BoxedStrategy, Strategy};
use regex_syntax::hir::{Hir, HirKind, Look};

/// Strings the `regex` rule `pattern` accepts.
pub(super) fn matching(pattern: &'static str, site: &Site) -> BoxedStrategy<String> {
    match generator(pattern) {
        Ok(strategy) => strategy,
        Err(why) => guard::fail(format!(
            "{site:?}: cannot generate strings for regex {pattern:?}: {why}; name a generator \
             with validate(custom(check, strategy = path))"
        )),
    }
}

/// A pattern of this module's own: always one proptest generates.
pub(super) fn literal_pattern(pattern: &'static str) -> BoxedStrategy<String> {
    generator(pattern).unwrap_or_else(|why| guard::fail(format!("{pattern:?}: {why}")))
}

fn generator(pattern: &str) -> Result<BoxedStrategy<String>, String> {
    // The regex crate's defaults: Unicode, UTF-8.
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map_err(|err| err.to_string())?;
    let hir = strip(&hir, true, true)?;
    proptest::string::string_regex_parsed(&hir)
        .map(Strategy::boxed)
        .map_err(|err| err.to_string())
}

/// `hir` without the anchors that hold wherever they are: a start anchor when `at_start`
/// (nothing can have been generated before it), an end anchor when `at_end`.
fn strip(hir: &Hir, at_start: bool, at_end: bool) -> Result<Hir, String> {
    Ok(match hir.kind() {
        HirKind::Look(look) => {
            let start = matches!(look, Look::Start | Look::StartLF | Look::StartCRLF);
            let end = matches!(look, Look::End | Look::EndLF | Look::EndCRLF);
            if (start && at_start) || (end && at_end) {
                Hir::empty()
            } else if start || end {
                return Err("an anchor in the middle of the pattern".to_owned());
            } else {
                return Err("word boundaries (\\b, \\B, \\<, \\>) cannot be generated".to_owned());
            }
        }
        HirKind::Concat(parts) => {
            // A part is at the start when every part before it generates nothing.
            let empty: Vec<bool> = parts
                .iter()
                .map(|p| p.properties().maximum_len() == Some(0))
                .collect();
            let mut out = Vec::with_capacity(parts.len());
            for (i, part) in parts.iter().enumerate() {
                let first = at_start && empty[..i].iter().all(|e| *e);
                let last = at_end && empty[i + 1..].iter().all(|e| *e);
                out.push(strip(part, first, last)?);
            }
            Hir::concat(out)
        }
        HirKind::Alternation(branches) => Hir::alternation(
            branches
                .iter()
                .map(|branch| strip(branch, at_start, at_end))
                .collect::<Result<_, _>>()?,
        ),
        HirKind::Capture(capture) => {
            let mut capture = capture.clone();
            capture.sub = Box::new(strip(&capture.sub, at_start, at_end)?);
            Hir::capture(capture)
        }
        HirKind::Repetition(repetition) => {
            let mut repetition = repetition.clone();
            // Past its first round, a repetition's body follows and precedes itself.
            let once = repetition.max == Some(1);
            repetition.sub = Box::new(strip(&repetition.sub, at_start && once, at_end && once)?);
            Hir::repetition(repetition)
        }
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) => hir.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::generator;
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;

    fn samples(pattern: &str) -> Vec<String> {
        let strategy = generator(pattern).unwrap();
        let mut runner = TestRunner::deterministic();
        (0..200)
            .map(|_| strategy.new_tree(&mut runner).unwrap().current())
            .collect()
    }

    #[test]
    fn anchored_patterns_generate_matches() {
        for pattern in [
            r"^\d{5}$",
            r"\Aorg_[a-z]{3,8}\z",
            r"^(a|b)+$",
            r"^$",
            r"(?m)^x$",
            r"^(ab)?c$|^d",
        ] {
            let re = regex::Regex::new(pattern).unwrap();
            for s in samples(pattern) {
                assert!(re.is_match(&s), "{pattern:?} generated {s:?}");
            }
        }
    }

    #[test]
    fn anchors_that_do_not_always_hold_are_refused() {
        assert_eq!(
            generator(r"a^b").err().as_deref(),
            Some("an anchor in the middle of the pattern")
        );
        assert_eq!(
            generator(r"(^a)+").err().as_deref(),
            Some("an anchor in the middle of the pattern")
        );
        assert_eq!(
            generator(r"\bword\b").err().as_deref(),
            Some("word boundaries (\\b, \\B, \\<, \\>) cannot be generated")
        );
    }
}
