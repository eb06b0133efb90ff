//! Claim validation: the errors users see, and the checks `#[claim(validate(...))]` expands to.

use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::OnceLock;

/// One claim that broke one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationError {
    path: String,
    rule: &'static str,
    message: String,
}

impl ValidationError {
    /// The claim's path as it appears on the wire: `act.roles[1]`, `act.address.zip`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The rule's name, as written in `validate(...)`: `length`, `email`, `one_of`, …
    pub fn rule(&self) -> &'static str {
        self.rule
    }

    /// What is wrong, for people. Claims marked `#[claim(sensitive)]` never have their value
    /// in it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.path, self.rule, self.message)
    }
}

/// Every rule a claims value broke, in field order. Serializes as
/// `{"errors":[{"path":…,"rule":…,"message":…}]}` for HTTP error bodies.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::Claims;
///
/// #[derive(Serialize, Deserialize, Claims)]
/// struct Viewer {
///     #[claim(validate(length(min = 1)))]
///     sub: String,
///     #[claim(validate(email))]
///     email: Option<String>,
/// }
///
/// let errors = Viewer { sub: String::new(), email: Some("nope".into()) }.validate().unwrap_err();
/// let paths: Vec<&str> = errors.errors().iter().map(|e| e.path()).collect();
/// assert_eq!(paths, ["act.sub", "act.email"]);
/// let body = serde_json::to_value(&errors)?;
/// assert_eq!(body["errors"][1]["rule"], "email");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ValidationErrors {
    errors: Vec<ValidationError>,
}

impl ValidationErrors {
    /// No errors yet.
    pub fn new() -> Self {
        ValidationErrors::default()
    }

    /// The errors, in field order.
    pub fn errors(&self) -> &[ValidationError] {
        &self.errors
    }

    /// Whether there is no error.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// How many errors there are.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// `Ok(())` when empty.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Records that the claim at `path` broke `rule`.
    pub fn push(&mut self, path: &ClaimPath<'_>, rule: &'static str, message: impl Into<String>) {
        self.errors.push(ValidationError {
            path: path.to_string(),
            rule,
            message: message.into(),
        });
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(f, "{n} invalid claim{}", if n == 1 { "" } else { "s" })?;
        for (i, error) in self.errors.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            fmt::Display::fmt(error, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a ValidationError;
    type IntoIter = std::slice::Iter<'a, ValidationError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

/// Where a claim sits, built on the stack while validating and only turned into a string
/// for an error.
#[derive(Clone, Copy, Debug)]
pub enum ClaimPath<'a> {
    /// The outermost claim: `act`.
    Root(&'static str),
    /// The claims set itself, for claims at the top level (the flat profile): its members'
    /// paths are their bare names.
    Top,
    /// A member of an object.
    Field(&'a ClaimPath<'a>, &'static str),
    /// An item of an array.
    Index(&'a ClaimPath<'a>, usize),
}

impl<'a> ClaimPath<'a> {
    /// The path of the member `name` of this claim.
    pub fn field(&'a self, name: &'static str) -> ClaimPath<'a> {
        ClaimPath::Field(self, name)
    }

    /// The path of item `index` of this claim.
    pub fn index(&'a self, index: usize) -> ClaimPath<'a> {
        ClaimPath::Index(self, index)
    }
}

impl fmt::Display for ClaimPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimPath::Root(name) => f.write_str(name),
            ClaimPath::Field(ClaimPath::Top, name) => f.write_str(name),
            ClaimPath::Top => Ok(()),
            ClaimPath::Field(parent, name) => write!(f, "{parent}.{name}"),
            ClaimPath::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// A bound of a `range` rule, as the schema records it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// An integer bound.
    Int(i128),
    /// A floating-point bound.
    Float(f64),
}

/// A value of a `one_of` rule, as the schema records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// A string.
    Str(&'static str),
    /// An integer.
    Int(i128),
}

/// A validation rule, as the schema records it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Rule {
    /// `non_empty`.
    NonEmpty,
    /// `length(min, max)`: characters of a string, items of a collection.
    Length {
        /// The least length.
        min: Option<u64>,
        /// The greatest length.
        max: Option<u64>,
    },
    /// `range(min, max)`, inclusive.
    Range {
        /// The least value.
        min: Option<Bound>,
        /// The greatest value.
        max: Option<Bound>,
    },
    /// `email`.
    Email,
    /// `url`: an absolute URL.
    Url,
    /// `regex = "…"`: the whole pattern must match somewhere in the string (anchor it with
    /// `^…$` to match all of it).
    Regex(&'static str),
    /// `one_of(…)`.
    OneOf(&'static [Choice]),
    /// `prefix = "…"`.
    Prefix(&'static str),
    /// `each(…)`: the rules every item must pass.
    Each(&'static [Rule]),
    /// `custom = path`: the function's path as written.
    Custom(&'static str),
    /// `#[claim(nested)]`: the field is itself `Claims` and validates itself.
    Nested,
}

impl Rule {
    /// The rule's name as written in `validate(...)`.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::NonEmpty => "non_empty",
            Rule::Length { .. } => "length",
            Rule::Range { .. } => "range",
            Rule::Email => "email",
            Rule::Url => "url",
            Rule::Regex(_) => "regex",
            Rule::OneOf(_) => "one_of",
            Rule::Prefix(_) => "prefix",
            Rule::Each(_) => "each",
            Rule::Custom(_) => "custom",
            Rule::Nested => "nested",
        }
    }
}

/// The rule as written in `validate(...)`: `length(min = 1, max = 128)`, `one_of("a", "b")`.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn bounds<T: fmt::Display>(
            f: &mut fmt::Formatter<'_>,
            name: &str,
            min: Option<T>,
            max: Option<T>,
        ) -> fmt::Result {
            let parts: Vec<String> = [("min", min), ("max", max)]
                .into_iter()
                .filter_map(|(key, bound)| bound.map(|bound| format!("{key} = {bound}")))
                .collect();
            write!(f, "{name}({})", parts.join(", "))
        }
        match self {
            Rule::Length { min, max } => bounds(f, "length", *min, *max),
            Rule::Range { min, max } => bounds(f, "range", *min, *max),
            Rule::Regex(pattern) => write!(f, "regex = {pattern:?}"),
            Rule::Prefix(prefix) => write!(f, "prefix = {prefix:?}"),
            Rule::Custom(path) => write!(f, "custom = {path}"),
            Rule::OneOf(choices) => {
                let choices: Vec<String> = choices.iter().map(ToString::to_string).collect();
                write!(f, "one_of({})", choices.join(", "))
            }
            Rule::Each(rules) => {
                let rules: Vec<String> = rules.iter().map(ToString::to_string).collect();
                write!(f, "each({})", rules.join(", "))
            }
            Rule::NonEmpty | Rule::Email | Rule::Url | Rule::Nested => f.write_str(self.name()),
        }
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Int(n) => write!(f, "{n}"),
            Bound::Float(x) => write!(f, "{x:?}"),
        }
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choice::Str(s) => write!(f, "{s:?}"),
            Choice::Int(n) => write!(f, "{n}"),
        }
    }
}

/// The checks generated code calls. Not public API.
#[doc(hidden)]
pub mod check {
    use super::*;

    /// The length a rule measures: characters of a string, items of a collection.
    pub trait Length {
        fn claim_len(&self) -> usize;
    }

    impl Length for str {
        fn claim_len(&self) -> usize {
            self.chars().count()
        }
    }
    impl Length for String {
        fn claim_len(&self) -> usize {
            self.as_str().claim_len()
        }
    }
    impl Length for Cow<'_, str> {
        fn claim_len(&self) -> usize {
            self.as_ref().claim_len()
        }
    }
    impl Length for Box<str> {
        fn claim_len(&self) -> usize {
            (**self).claim_len()
        }
    }
    impl<T> Length for [T] {
        fn claim_len(&self) -> usize {
            self.len()
        }
    }
    impl<T, const N: usize> Length for [T; N] {
        fn claim_len(&self) -> usize {
            N
        }
    }
    impl<T> Length for Vec<T> {
        fn claim_len(&self) -> usize {
            self.len()
        }
    }
    impl<T> Length for VecDeque<T> {
        fn claim_len(&self) -> usize {
            self.len()
        }
    }
    impl<T, S> Length for HashSet<T, S> {
        fn claim_len(&self) -> usize {
            self.len()
        }
    }
    impl<T> Length for BTreeSet<T> {
        fn claim_len(&self) -> usize {
            self.len()
        }
    }
    impl<K, V, S> Length for HashMap<K, V, S> {
        fn claim_len(&self) -> usize {
            self.len()
        }
    }
    impl<K, V> Length for BTreeMap<K, V> {
        fn claim_len(&self) -> usize {
            self.len()
        }
    }
    impl<T: Length + ?Sized> Length for &T {
        fn claim_len(&self) -> usize {
            (**self).claim_len()
        }
    }

    /// A string-valued claim.
    pub trait ClaimStr {
        fn claim_str(&self) -> &str;
    }

    impl ClaimStr for str {
        fn claim_str(&self) -> &str {
            self
        }
    }
    impl ClaimStr for String {
        fn claim_str(&self) -> &str {
            self
        }
    }
    impl ClaimStr for Cow<'_, str> {
        fn claim_str(&self) -> &str {
            self
        }
    }
    impl ClaimStr for Box<str> {
        fn claim_str(&self) -> &str {
            self
        }
    }
    impl<T: ClaimStr + ?Sized> ClaimStr for &T {
        fn claim_str(&self) -> &str {
            (**self).claim_str()
        }
    }

    fn unit(len_of_strings: bool) -> &'static str {
        if len_of_strings {
            "characters"
        } else {
            "items"
        }
    }

    pub fn non_empty<T: Length + ?Sized>(v: &T, path: &ClaimPath<'_>, e: &mut ValidationErrors) {
        if v.claim_len() == 0 {
            e.push(path, "non_empty", "must not be empty");
        }
    }

    pub fn length<T: Length + ?Sized>(
        v: &T,
        min: Option<usize>,
        max: Option<usize>,
        strings: bool,
        path: &ClaimPath<'_>,
        e: &mut ValidationErrors,
    ) {
        let len = v.claim_len();
        let unit = unit(strings);
        let message = match (min, max) {
            (Some(min), Some(max)) if len < min || len > max => {
                format!("must have {min} to {max} {unit} (has {len})")
            }
            (Some(min), None) if len < min => {
                format!("must have at least {min} {unit} (has {len})")
            }
            (None, Some(max)) if len > max => format!("must have at most {max} {unit} (has {len})"),
            _ => return,
        };
        e.push(path, "length", message);
    }

    pub fn range<T: PartialOrd + fmt::Display>(
        v: &T,
        min: Option<T>,
        max: Option<T>,
        sensitive: bool,
        path: &ClaimPath<'_>,
        e: &mut ValidationErrors,
    ) {
        use std::cmp::Ordering::{Greater, Less};
        // Incomparable values (NaN) are out of range.
        let below = min
            .as_ref()
            .is_some_and(|min| matches!(v.partial_cmp(min), Some(Less) | None));
        let above = max
            .as_ref()
            .is_some_and(|max| matches!(v.partial_cmp(max), Some(Greater) | None));
        if !(below || above) {
            return;
        }
        let mut message = match (&min, &max) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            (None, None) => return,
        };
        if !sensitive {
            message.push_str(&format!(" (is {v})"));
        }
        e.push(path, "range", message);
    }

    pub fn email<T: ClaimStr + ?Sized>(v: &T, path: &ClaimPath<'_>, e: &mut ValidationErrors) {
        if !is_email(v.claim_str()) {
            e.push(path, "email", "must be an email address");
        }
    }

    /// `email_address::EmailAddress::is_valid`, without the copy of the address it makes: a
    /// plain `local@domain` is checked part by part (what `is_valid` does for it), by
    /// [`ascii_local_part`] and [`ascii_domain`] when it holds only `atext`, dots and `@`s,
    /// else (a quoted local part, a domain literal, any other character) by the crate's own
    /// checks; one with a display name (`Name <a@b>`) goes to `is_valid`.
    pub(super) fn is_email(address: &str) -> bool {
        use email_address::EmailAddress;
        let bytes = address.as_bytes();
        if bytes.iter().all(|&c| is(c, ATEXT | SEPARATOR)) {
            return bytes.iter().rposition(|&c| c == b'@').is_some_and(|at| {
                ascii_local_part(&bytes[..at]) && ascii_domain(&bytes[at + 1..])
            });
        }
        if address.starts_with('<') || address.contains(" <") {
            return EmailAddress::is_valid(address);
        }
        address.rsplit_once('@').is_some_and(|(local, domain)| {
            EmailAddress::is_valid_local_part(local) && EmailAddress::is_valid_domain(domain)
        })
    }

    /// `email_address`'s `atext` in ASCII: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    const ATEXT: u8 = 1;
    /// A letter or a digit (also `ATEXT`).
    const ALPHANUMERIC: u8 = 2;
    /// `.` and `@`, the other bytes of a plain address.
    const SEPARATOR: u8 = 4;

    /// What each byte is in a plain address; 0 for any other.
    static CLASSES: [u8; 256] = {
        let mut table = [0; 256];
        let mut c = 0;
        while c < 128 {
            if (c as u8).is_ascii_alphanumeric() {
                table[c] = ATEXT | ALPHANUMERIC;
            }
            c += 1;
        }
        let specials = b"!#$%&'*+-/=?^_`{|}~";
        let mut i = 0;
        while i < specials.len() {
            table[specials[i] as usize] = ATEXT;
            i += 1;
        }
        table[b'.' as usize] = SEPARATOR;
        table[b'@' as usize] = SEPARATOR;
        table
    };

    fn is(c: u8, class: u8) -> bool {
        CLASSES[usize::from(c)] & class != 0
    }

    /// `email_address`'s unquoted local part, for bytes of a plain address: 1 to 64 bytes,
    /// dot-separated non-empty runs of `atext`.
    fn ascii_local_part(local: &[u8]) -> bool {
        (1..=64).contains(&local.len())
            && local
                .split(|&c| c == b'.')
                .all(|atom| !atom.is_empty() && atom.iter().all(|&c| is(c, ATEXT)))
    }

    /// `email_address`'s text domain, for bytes of a plain address: 1 to 254 bytes,
    /// dot-separated labels of 1 to 63 bytes of `atext` that begin and end with a letter or
    /// digit.
    fn ascii_domain(domain: &[u8]) -> bool {
        (1..=254).contains(&domain.len())
            && domain.split(|&c| c == b'.').all(|label| {
                let ends = [label.first(), label.last()];
                ends.iter()
                    .all(|end| end.is_some_and(|&c| is(c, ALPHANUMERIC)))
                    && label.len() <= 63
                    && label.iter().all(|&c| is(c, ATEXT))
            })
    }

    pub fn url<T: ClaimStr + ?Sized>(v: &T, path: &ClaimPath<'_>, e: &mut ValidationErrors) {
        if url::Url::parse(v.claim_str()).is_err() {
            e.push(path, "url", "must be an absolute URL");
        }
    }

    pub fn regex<T: ClaimStr + ?Sized>(
        v: &T,
        cache: &'static OnceLock<Option<regex::Regex>>,
        pattern: &'static str,
        path: &ClaimPath<'_>,
        e: &mut ValidationErrors,
    ) {
        // Checked during expansion; compiled once per process. A pattern over the regex
        // crate's size limits is reported, never a panic.
        match cache.get_or_init(|| regex::Regex::new(pattern).ok()) {
            Some(re) if re.is_match(v.claim_str()) => {}
            Some(_) => e.push(path, "regex", format!("must match the pattern {pattern:?}")),
            None => e.push(
                path,
                "regex",
                format!("the pattern {pattern:?} does not compile"),
            ),
        }
    }

    pub fn prefix<T: ClaimStr + ?Sized>(
        v: &T,
        prefix: &'static str,
        path: &ClaimPath<'_>,
        e: &mut ValidationErrors,
    ) {
        if !v.claim_str().starts_with(prefix) {
            e.push(path, "prefix", format!("must start with {prefix:?}"));
        }
    }

    pub fn one_of_str<T: ClaimStr + ?Sized>(
        v: &T,
        choices: &[&str],
        sensitive: bool,
        path: &ClaimPath<'_>,
        e: &mut ValidationErrors,
    ) {
        let v = v.claim_str();
        if !choices.contains(&v) {
            let mut message = format!("must be one of {choices:?}");
            if !sensitive {
                message.push_str(&format!(" (is {v:?})"));
            }
            e.push(path, "one_of", message);
        }
    }

    pub fn one_of<T: PartialEq + fmt::Display + fmt::Debug>(
        v: &T,
        choices: &[T],
        sensitive: bool,
        path: &ClaimPath<'_>,
        e: &mut ValidationErrors,
    ) {
        if !choices.contains(v) {
            let mut message = format!("must be one of {choices:?}");
            if !sensitive {
                message.push_str(&format!(" (is {v})"));
            }
            e.push(path, "one_of", message);
        }
    }

    /// What `custom = f` names: a `fn(&T) -> Result<(), String>`, with the derive's message
    /// (at the user's path) for anything else.
    ///
    /// `M` exists only for that message: with the one impl that matters, rustc would look
    /// through it and report the `Fn` signature mismatch (E0631) instead, which
    /// `#[diagnostic::do_not_recommend]` does not prevent; a second impl that no type meets
    /// (nothing implements [`Unimplemented`]) keeps the report on this trait.
    #[diagnostic::on_unimplemented(
        message = "a `custom` rule must be a `fn(&{T}) -> Result<(), String>`",
        label = "not a `fn(&{T}) -> Result<(), String>`",
        note = "it gets a reference to the claim's value (inside its `Option`s; to each item \
                under `each`) and returns `Err(message)` to refuse it"
    )]
    pub trait CustomRule<T: ?Sized, M> {
        fn check(&self, value: &T) -> Result<(), String>;
    }

    /// The marker of the impl every `fn(&T) -> Result<(), String>` takes.
    pub enum ByRef {}
    /// The marker of the impl no type takes.
    pub enum Never {}
    /// Implemented by no type.
    pub trait Unimplemented {}

    impl<T: ?Sized, F: Fn(&T) -> Result<(), String>> CustomRule<T, ByRef> for F {
        fn check(&self, value: &T) -> Result<(), String> {
            self(value)
        }
    }
    impl<T: ?Sized, F: Fn(&T) -> Result<(), String> + Unimplemented> CustomRule<T, Never> for F {
        fn check(&self, value: &T) -> Result<(), String> {
            self(value)
        }
    }

    pub fn custom<T: ?Sized, M>(
        v: &T,
        f: impl CustomRule<T, M>,
        path: &ClaimPath<'_>,
        e: &mut ValidationErrors,
    ) {
        if let Err(message) = f.check(v) {
            e.push(path, "custom", message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The email rule decides exactly as `email_address::EmailAddress::is_valid`, on
        /// text made of the characters that matter to it (quotes, brackets, display names,
        /// dots, `@`s) and on arbitrary text.
        #[test]
        fn email_agrees_with_the_email_address_crate(
            address in concat!(
                r#"[a-z"<> .@\\\[\]:-]{0,24}|[ -~]{0,40}|\PC{0,12}"#,
                // Near-valid ASCII addresses, at the part and label length limits.
                r#"|[a-z0-9.!#'_~-]{0,3}[a-zA-Z0-9.]{0,66}@[a-z0-9.!_-]{0,4}"#,
                r#"|[a-z]{1,3}@[a-zA-Z0-9-]{0,66}(\.[a-z0-9-]{0,66}){0,4}\.?[a-z0-9._-]{0,3}"#,
                r#"|[a-z]{1,8}(\.[a-z]{1,4})?@[a-z0-9]([a-z0-9.-]{0,64}){0,5}[a-z0-9]"#,
                // Every ASCII atext byte, and its neighbours, in local parts and labels.
                r#"|[a-z!#$%&'*+/=?^_`{|}~.\x20-\x2f:-@\[-`]{1,6}@[a-z0-9]{1,3}([!#$%&'*+/=?^_`{|}~.a-z-]{0,3}[a-z0-9])?"#,
            ),
        ) {
            proptest::prop_assert_eq!(
                check::is_email(&address),
                email_address::EmailAddress::is_valid(&address),
                "{:?}", address
            );
        }
    }

    #[test]
    fn email_agrees_with_the_email_address_crate_on_known_cases() {
        for address in [
            "ada@example.com",
            "Ada <ada@example.com>",
            "<ada@example.com>",
            "\"a@b\"@example.com",
            "a@b@example.com",
            "a@[127.0.0.1]",
            "@example.com",
            "ada@",
            "ada",
            "ada.@example.com",
            "Ada <ada@example.com",
            "a <b> <c@d.e>",
        ] {
            assert_eq!(
                check::is_email(address),
                email_address::EmailAddress::is_valid(address),
                "{address:?}"
            );
        }
        // Each length limit, at it and one past it: the local part (64), a label (63), the
        // domain (254).
        let label = |n: usize| "d".repeat(n);
        let domain = |n: usize| format!("{}.{}.{}.{}", label(63), label(63), label(63), label(n));
        for (address, valid) in [
            (format!("{}@example.com", "l".repeat(64)), true),
            (format!("{}@example.com", "l".repeat(65)), false),
            (format!("ada@{}.com", label(63)), true),
            (format!("ada@{}.com", label(64)), false),
            (format!("ada@{}", domain(62)), true),
            (format!("ada@{}", domain(63)), false),
        ] {
            assert_eq!(check::is_email(&address), valid, "{address:?}");
            assert_eq!(
                email_address::EmailAddress::is_valid(&address),
                valid,
                "{address:?}"
            );
        }
    }

    #[test]
    fn rules_display_as_written() {
        static ITEMS: [Rule; 2] = [
            Rule::NonEmpty,
            Rule::OneOf(&[Choice::Str("a"), Choice::Int(2)]),
        ];
        let cases = [
            (
                Rule::Length {
                    min: Some(1),
                    max: None,
                },
                "length(min = 1)",
            ),
            (
                Rule::Range {
                    min: Some(Bound::Float(0.5)),
                    max: Some(Bound::Int(9)),
                },
                "range(min = 0.5, max = 9)",
            ),
            (Rule::Regex(r"^\d{5}$"), r#"regex = "^\\d{5}$""#),
            (Rule::Prefix("org_"), r#"prefix = "org_""#),
            (
                Rule::Custom("checks::not_reserved"),
                "custom = checks::not_reserved",
            ),
            (Rule::Each(&ITEMS), r#"each(non_empty, one_of("a", 2))"#),
            (Rule::Email, "email"),
        ];
        for (rule, text) in cases {
            assert_eq!(rule.to_string(), text);
        }
    }

    #[test]
    fn paths_render_as_on_the_wire() {
        let root = ClaimPath::Root("act");
        let roles = root.field("roles");
        let second = roles.index(1);
        let zip = root.field("address");
        let zip = zip.field("zip");
        assert_eq!(second.to_string(), "act.roles[1]");
        assert_eq!(zip.to_string(), "act.address.zip");
    }

    #[test]
    fn errors_display_and_serialize() {
        let mut errors = ValidationErrors::new();
        errors.push(
            &ClaimPath::Root("act").field("sub"),
            "non_empty",
            "must not be empty",
        );
        errors.push(
            &ClaimPath::Root("act").field("email"),
            "email",
            "must be an email address",
        );
        assert_eq!(
            errors.to_string(),
            "2 invalid claims: act.sub (non_empty): must not be empty; act.email (email): must be \
             an email address"
        );
        assert_eq!(
            serde_json::to_string(&errors).unwrap(),
            r#"{"errors":[{"path":"act.sub","rule":"non_empty","message":"must not be empty"},{"path":"act.email","rule":"email","message":"must be an email address"}]}"#
        );
    }
}
