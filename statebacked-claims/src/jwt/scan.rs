//! The claims set's fast path: one hand-written scan that checks the JSON as strictly as the
//! strict walk ([`StrictValue`](super::json::StrictValue) under
//! [`parse_payload`](super::claims_set::parse_payload)) and reads what that walk reads: the
//! registered claims, `act`'s probe, and where `act`'s text is, for serde_json to read the
//! claims type from.
//!
//! The scan is an optimisation, not a second definition of a valid token: it only ever answers "the
//! strict walk accepts this, and reads these values" or "ask the strict walk". Whatever it is not
//! sure of, it leaves to the walk, which gives the precise error: any `\` in a member name or in a
//! string the walk would read (a registered claim, `auth`, `sid`, `did`), a `\u` escape of a
//! surrogate, a number with an exponent or more than 18 integer digits (serde_json may refuse those
//! as out of range), a time claim that is not a plain integer, a value nested deeper than the depth
//! limit. Every check of the walk is made here too: no duplicate member in any object, at most
//! `max_members` members or items, strings without control characters or bad escapes, JSON's
//! grammar, nothing after the object.

use super::claims_set::{Aud, Capture, Payload};
use super::json::{Context, Limits, Members};
use super::probe::ActProbe;
use crate::expires::MAX_TIME;
use std::borrow::Cow;

/// What the scan read beyond the registered claims (which it writes into the payload).
pub(super) struct Scanned<'de> {
    /// `act`'s JSON text, in [`Capture::Act`] when the claims set has one.
    pub act: Option<&'de str>,
    /// What `act` says about anonymity, as [`ActVisitor`](super::probe::ActVisitor) reads it.
    pub probe: ActProbe,
}

/// Scans `json` strictly, writing its registered claims into `payload`: `None` when the strict
/// walk must decide. `capture` is [`Capture::Act`] or [`Capture::Flat`] (anonymous identity
/// tokens' `sid`/`did` are not read here).
pub(super) fn scan<'de>(
    limits: Limits,
    json: &'de str,
    capture: Capture,
    payload: &mut Payload<'de>,
) -> Option<Scanned<'de>> {
    if capture == Capture::Session {
        return None;
    }
    let mut scanner = Scanner {
        text: json,
        at: 0,
        cx: Context::new(limits),
    };
    let mut scanned = Scanned {
        act: None,
        probe: ActProbe::default(),
    };
    scanner.space();
    scanner.claims_set(capture, payload, &mut scanned)?;
    scanner.space();
    (scanner.at == json.len()).then_some(scanned)
}

struct Scanner<'de> {
    text: &'de str,
    at: usize,
    /// The limits, and what [`Members`] counts against them.
    cx: Context,
}

impl<'de> Scanner<'de> {
    fn bytes(&self) -> &'de [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    /// Skips JSON's four whitespace bytes.
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// The top-level object, its members dispatched as `PayloadVisitor` dispatches them.
    fn claims_set(
        &mut self,
        capture: Capture,
        payload: &mut Payload<'de>,
        scanned: &mut Scanned<'de>,
    ) -> Option<()> {
        self.object(|scanner, name| {
            match name {
                "act" if capture == Capture::Flat => {
                    payload.has_act = true;
                    scanner.value(2)?;
                }
                "act" => {
                    let start = scanner.at;
                    scanned.probe = scanner.act()?;
                    scanned.act = Some(scanner.text.get(start..scanner.at)?);
                }
                "aud" => payload.aud = Some(scanner.audience()?),
                "exp" => payload.exp = Some(scanner.time()?),
                "nbf" => payload.nbf = Some(scanner.time()?),
                "iat" => payload.iat = Some(scanner.time()?),
                "iss" => payload.iss = Some(Cow::Borrowed(scanner.plain_string()?)),
                "sub" => payload.sub = Some(Cow::Borrowed(scanner.plain_string()?)),
                "jti" => payload.jti = Some(Cow::Borrowed(scanner.plain_string()?)),
                "scope" => payload.scope = Some(Cow::Borrowed(scanner.plain_string()?)),
                _ => scanner.value(2)?,
            }
            Some(())
        })
    }

    /// `act` at level 2, probed as `ActVisitor` probes it.
    fn act(&mut self) -> Option<ActProbe> {
        let mut probe = ActProbe::default();
        if self.peek()? != b'{' {
            self.value(2)?;
            probe.not_object = true;
            return Some(probe);
        }
        self.object(|scanner, name| {
            match probe.member(name) {
                Some(slot) if scanner.peek()? == b'"' => {
                    probe.string(slot, scanner.plain_string()?);
                }
                _ => scanner.value(3)?,
            }
            Some(())
        })?;
        Some(probe)
    }

    /// An object whose members' names have no escapes; `member` reads each value, the scanner
    /// at its first byte. Duplicates and width are checked as the strict walk checks them.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'de str) -> Option<()>) -> Option<()> {
        let mut names = Members::new();
        self.entries(b'{', b'}', |scanner| {
            let name = scanner.plain_string()?;
            names.admit(&scanner.cx, name).ok()?;
            scanner.space();
            scanner.eat(b':')?;
            scanner.space();
            member(scanner, name)
        })
    }

    /// An array's items, each read by `item`, at most `max_members` of them.
    fn items(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        let mut count = 0;
        self.entries(b'[', b']', |scanner| {
            count += 1;
            if count > scanner.cx.limits.max_members {
                return None;
            }
            item(scanner)
        })
    }

    /// Comma-separated entries between `open` and `close`, each read by `entry`, the scanner
    /// at its first byte.
    fn entries(
        &mut self,
        open: u8,
        close: u8,
        mut entry: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.eat(open)?;
        self.space();
        if self.eat(close).is_some() {
            return Some(());
        }
        loop {
            self.space();
            entry(self)?;
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                byte if byte == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Any value at nesting level `level` (the claims set being level 1), checked and skipped.
    fn value(&mut self, level: usize) -> Option<()> {
        if level > self.cx.limits.max_depth {
            return None;
        }
        match self.peek()? {
            b'"' => self.string(),
            b'{' => self.object(|scanner, _| scanner.value(level + 1)),
            b'[' => self.items(|scanner| scanner.value(level + 1)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// `aud`: a string or an array of strings, none with escapes.
    fn audience(&mut self) -> Option<Aud<Cow<'de, str>>> {
        if self.peek()? == b'"' {
            return Some(Aud::One(Cow::Borrowed(self.plain_string()?)));
        }
        let mut audiences = Vec::new();
        self.items(|scanner| {
            audiences.push(Cow::Borrowed(scanner.plain_string()?));
            Some(())
        })?;
        Some(Aud::Many(audiences))
    }

    /// A time claim: a plain integer in [0, 2^53).
    fn time(&mut self) -> Option<u64> {
        let start = self.at;
        let mut value: u64 = 0;
        while let Some(digit @ b'0'..=b'9') = self.peek() {
            value = value
                .checked_mul(10)?
                .checked_add(u64::from(digit - b'0'))?;
            self.at += 1;
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && self.bytes()[start] == b'0';
        if digits == 0 || leading_zero || value > MAX_TIME {
            return None;
        }
        match self.peek() {
            Some(b'.' | b'e' | b'E') => None,
            _ => Some(value),
        }
    }

    /// A string with no escapes and no control characters, borrowed from the text.
    fn plain_string(&mut self) -> Option<&'de str> {
        self.eat(b'"')?;
        let start = self.at;
        self.at += special(self.bytes().get(start..)?);
        if self.peek()? != b'"' {
            return None;
        }
        let string = self.text.get(start..self.at)?;
        self.at += 1;
        Some(string)
    }

    /// Any string: escapes checked as serde_json decodes them, surrogates left to the walk.
    fn string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            self.at += special(self.bytes().get(self.at..)?);
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => self.escape()?,
                _ => return None,
            }
        }
    }

    /// The escape at `\\`, as serde_json decodes it; surrogates are left to the walk.
    fn escape(&mut self) -> Option<()> {
        self.at += 1;
        match self.peek()? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
            b'u' => {
                let hex = self.bytes().get(self.at + 1..self.at + 5)?;
                let mut unit = 0u32;
                for &digit in hex {
                    unit = unit << 4 | char::from(digit).to_digit(16)?;
                }
                if (0xD800..=0xDFFF).contains(&unit) {
                    return None;
                }
                self.at += 5;
            }
            _ => return None,
        }
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes().get(self.at..end)? == word).then(|| self.at = end)
    }

    /// A number as JSON writes it, without an exponent and with at most 18 integer digits
    /// (so that serde_json reads it without overflowing).
    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        let start = self.at;
        self.digits();
        let digits = self.at - start;
        if digits == 0 || digits > 18 || (digits > 1 && self.bytes()[start] == b'0') {
            return None;
        }
        if self.eat(b'.').is_some() && self.digits() == 0 {
            return None;
        }
        match self.peek() {
            Some(b'e' | b'E') => None,
            _ => Some(()),
        }
    }

    /// Skips ASCII digits, returning how many.
    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }
}

/// How many bytes of `bytes` come before the first `"`, `\\` or control character (all of
/// them when there is none), eight at a time: the lowest byte a mask marks is the first
/// match (a borrow can mark bytes above a match, never below one).
fn special(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let found = (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | x.wrapping_sub(ONES * 0x20) & !x)
            & HIGH;
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + bytes[at..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(bytes.len() - at)
}

#[cfg(test)]
mod tests {
    //! The scan against the strict walk it stands in for, on generated claims sets: whatever
    //! the scan accepts, the walk accepts, reading the same registered claims and probe.

    use super::*;
    use crate::jwt::claims_set::parse_payload;
    use crate::jwt::json::Context;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    /// Small limits, so that generated JSON reaches them.
    const LIMITS: Limits = Limits {
        max_depth: 4,
        max_members: 3,
    };

    /// What a payload read, comparable.
    type Read = (
        Option<Vec<String>>,
        [Option<u64>; 3],
        [Option<String>; 4],
        bool,
    );

    fn read(payload: &Payload<'_>) -> Read {
        let owned = |s: &Option<Cow<'_, str>>| s.as_deref().map(str::to_owned);
        (
            payload
                .aud
                .as_ref()
                .map(|aud| aud.as_slice().iter().map(|a| a.to_string()).collect()),
            [payload.exp, payload.nbf, payload.iat],
            [
                owned(&payload.iss),
                owned(&payload.sub),
                owned(&payload.jti),
                owned(&payload.scope),
            ],
            payload.has_act,
        )
    }

    /// The scan's reading: the payload, the probe and `act`'s value, or `None`.
    fn scanned(
        limits: Limits,
        json: &str,
        capture: Capture,
    ) -> Option<(Read, Option<ActProbe>, Option<serde_json::Value>)> {
        let mut payload = Payload::default();
        let Scanned { act, probe } = scan(limits, json, capture, &mut payload)?;
        let act = act.map(|act| serde_json::from_str(act).expect("act's text is JSON"));
        let probe = (capture == Capture::Act && act.is_some()).then_some(probe);
        Some((read(&payload), probe, act))
    }

    /// The strict walk's reading of the same, or `None` when it refuses the claims set.
    fn walked(
        limits: Limits,
        json: &str,
        capture: Capture,
    ) -> Option<(Read, Option<ActProbe>, Option<serde_json::Value>)> {
        let mut payload = parse_payload(&Context::new(limits), json, capture).ok()?;
        let probe = payload.act.take();
        let act = match capture {
            Capture::Act => serde_json::from_str::<serde_json::Value>(json)
                .expect("the walk accepted it")
                .get("act")
                .cloned(),
            _ => None,
        };
        Some((read(&payload), probe, act))
    }

    fn assert_agrees(limits: Limits, json: &str) {
        for capture in [Capture::Act, Capture::Flat] {
            if let Some(scan) = scanned(limits, json, capture) {
                assert_eq!(Some(scan), walked(limits, json, capture), "{json}");
            }
        }
    }

    fn value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null"),
            Just("true"),
            Just("false"),
            Just("0"),
            Just("7"),
            Just("-1"),
            Just("-1.5"),
            Just("1e3"),
            Just("01"),
            Just("1."),
            Just("4102444800"),
            Just("9007199254740991"),
            Just("9007199254740992"),
            Just("123456789012345678901"),
            Just(r#""""#),
            Just(r#""anonymous""#),
            Just(r#""a b""#),
            Just(r#""s\u00e9""#),
            Just(r#""\n\"""#),
            Just(r#""\ud800""#),
            Just(r#""\ud83d\ude00""#),
            Just(r#""\x""#),
            Just("\"\u{1}\""),
            Just(r#""é""#),
        ]
        .prop_map(str::to_owned);
        let key = prop_oneof![
            Just("act"),
            Just("aud"),
            Just("exp"),
            Just("nbf"),
            Just("iat"),
            Just("iss"),
            Just("sub"),
            Just("jti"),
            Just("scope"),
            Just("auth"),
            Just("sid"),
            Just("did"),
            Just("x"),
            Just(r"\u0061ud"),
        ];
        let space = prop_oneof![Just(""), Just(" "), Just("\n\t"), Just("\r")];
        leaf.prop_recursive(5, 40, 4, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                proptest::collection::vec((key.clone(), space.clone(), inner), 0..6).prop_map(
                    |members| {
                        let members: Vec<_> = members
                            .iter()
                            .map(|(k, s, v)| format!(r#"{s}"{k}"{s}:{s}{v}{s}"#))
                            .collect();
                        format!("{{{}}}", members.join(","))
                    }
                ),
            ]
        })
    }

    /// What may follow the value: nothing, whitespace, or something that must be refused.
    fn tail() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just(""), Just(" "), Just("x"), Just("}")]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn the_scan_agrees_with_the_walk(json in value(), tail in tail()) {
            let json = format!("{json}{tail}");
            assert_agrees(LIMITS, &json);
            assert_agrees(Limits::default(), &json);
        }
    }

    /// The property above is not vacuous: the scan accepts a good share of what it is given.
    #[test]
    fn the_scan_accepts_much_of_the_generated_json() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = value();
        let (mut accepted, mut objects) = (0, 0);
        for _ in 0..1000 {
            let json = strategy.new_tree(&mut runner).unwrap().current();
            objects += usize::from(json.starts_with('{'));
            accepted += usize::from(scanned(LIMITS, &json, Capture::Act).is_some());
        }
        assert!(
            accepted * 5 > objects,
            "{accepted} of {objects} objects scanned"
        );
    }

    #[test]
    fn ordinary_claims_sets_are_scanned() {
        let json = concat!(
            r#"{"act":{"sid":null,"did":null,"sub":"user-82","email":"ada@example.com","#,
            r#""groups":["admin","member"]},"aud":"https://api.statebacked.dev/","#,
            r#""exp":4102444800,"iss":"https://sbk_bench.client.statebacked.dev/","#,
            r#""iat":1767225600}"#
        );
        let (read, probe, act) = scanned(Limits::default(), json, Capture::Act).expect("scanned");
        assert_eq!(read.1, [Some(4102444800), None, Some(1767225600)]);
        let probe = probe.expect("act probed");
        assert!(probe.has_sub && probe.other_claims && probe.auth.is_none());
        assert_eq!(act.unwrap()["groups"][1], "member");
        assert_agrees(Limits::default(), json);
        let anonymous = concat!(
            r#" { "act" : {"auth":"anonymous","sid":"s-1","did":"d-1"}, "exp": 0, "#,
            r#""aud": ["a", "b"], "x": [1, -2.5, {"y": [true, null]}], "scope": "read" } "#
        );
        let (read, probe, _) =
            scanned(Limits::default(), anonymous, Capture::Act).expect("scanned");
        assert_eq!(read.0, Some(vec!["a".to_owned(), "b".to_owned()]));
        let probe = probe.unwrap();
        assert_eq!(
            (probe.sid.as_deref(), probe.did.as_deref()),
            (Some("s-1"), Some("d-1"))
        );
        assert_agrees(Limits::default(), anonymous);
        // Wide objects spill their names into a set, and still find a duplicate there.
        let wide = |names: &[String]| {
            let members: Vec<_> = names.iter().map(|n| format!(r#""{n}":0"#)).collect();
            format!(r#"{{"exp":1,{}}}"#, members.join(","))
        };
        let names: Vec<String> = (0..20).map(|i| format!("n{i}")).collect();
        assert!(scanned(Limits::default(), &wide(&names), Capture::Flat).is_some());
        for at in [16, 19] {
            let mut duplicated = names.clone();
            duplicated[at] = names[3].clone();
            assert!(scanned(Limits::default(), &wide(&duplicated), Capture::Flat).is_none());
        }
    }

    #[test]
    fn what_the_scan_is_not_sure_of_is_left_to_the_walk() {
        for json in [
            r#"{"iss":"a\/b"}"#,
            r#"{"\u0065xp":1}"#,
            r#"{"x":"\ud83d\ude00"}"#,
            r#"{"x":1e2}"#,
            r#"{"x":1234567890123456789}"#,
            r#"{"act":{"sid":"s\u0031"}}"#,
        ] {
            assert!(
                scanned(Limits::default(), json, Capture::Act).is_none(),
                "{json}"
            );
            assert!(
                walked(Limits::default(), json, Capture::Act).is_some(),
                "{json}"
            );
        }
        for json in [
            r#"{"x":{"k":1,"k":2}}"#,
            r#"{"x":"\ud800"}"#,
            r#"{"x":01}"#,
            "{\"x\":\"\u{1f}\"}",
            r#"{"exp":-1}"#,
            r#"{"exp":1.0}"#,
            r#"{"exp":9007199254740992}"#,
            r#"{"a":1} {"a":2}"#,
            r#"[{"a":1}]"#,
        ] {
            assert!(
                scanned(Limits::default(), json, Capture::Act).is_none(),
                "{json}"
            );
            assert!(
                walked(Limits::default(), json, Capture::Act).is_none(),
                "{json}"
            );
        }
    }

    #[test]
    fn special_finds_the_first_special_byte() {
        for text in [
            "",
            "abc",
            "abcdefgh",
            "abcdefghij\"",
            "é\\",
            "0123456\u{1f}",
            "a\"b\\",
        ] {
            let expected = text
                .bytes()
                .position(|b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(text.len());
            assert_eq!(special(text.as_bytes()), expected, "{text:?}");
        }
        for at in 0..24 {
            for byte in [b'"', b'\\', 0, 0x1f] {
                let mut text = vec![b'a'; 24];
                text[at] = byte;
                text[23] = b'"';
                assert_eq!(special(&text), at);
            }
        }
    }
}
