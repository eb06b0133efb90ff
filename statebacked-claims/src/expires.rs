//! When a token expires: an absolute time, or a duration from the moment of signing.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The largest time a token may carry: JSON numbers are exact integers below 2^53.
pub(crate) const MAX_TIME: u64 = (1 << 53) - 1;

/// When a token expires. Every token has one: [`Issuer::sign`](crate::Issuer::sign) takes an
/// `Expires`, so there is no way to sign a token without an expiry.
///
/// ```
/// use statebacked_claims::Expires;
/// use std::time::Duration;
///
/// let a: Expires = "7d".parse()?;
/// assert_eq!(a, Expires::in_(Duration::from_secs(7 * 86_400)));
/// assert_eq!("1.5 hours".parse::<Expires>()?, Expires::in_(Duration::from_secs(5_400)));
/// assert!("7 days ago".parse::<Expires>().is_err());
/// # Ok::<(), statebacked_claims::expires::ExpiresError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expires(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    At(u64),
    In(u64),
}

impl Expires {
    /// Expires at this instant (whole seconds, rounded down, as `@statebacked/token` does for a
    /// `Date`). A time before 1970 reads as the epoch, which no issuer will sign.
    pub fn at(time: SystemTime) -> Expires {
        Expires::at_unix(time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
    }

    /// Expires at this many seconds after the Unix epoch.
    pub const fn at_unix(unix_seconds: u64) -> Expires {
        Expires(Kind::At(unix_seconds))
    }

    /// Expires this long after the token is signed, rounded to the nearest whole second (half
    /// a second rounds up, as the string form does).
    pub const fn in_(duration: Duration) -> Expires {
        let round_up = duration.subsec_nanos() >= 500_000_000;
        Expires(Kind::In(duration.as_secs().saturating_add(round_up as u64)))
    }

    /// The `exp` claim for a token issued at `now`; `None` when it would not fit a JSON integer.
    pub(crate) fn resolve(self, now: u64) -> Option<u64> {
        let exp = match self.0 {
            Kind::At(at) => at,
            Kind::In(secs) => now.checked_add(secs)?,
        };
        (exp <= MAX_TIME).then_some(exp)
    }
}

/// Why a string is not an [`Expires`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExpiresError {
    /// The string is not a number and a unit (`"7d"`, `"30 minutes"`, `"1.5h"`).
    #[error(
        "invalid expiry {input:?}: expected a number and a unit, such as \"7d\", \"1.5h\" or \
         \"30 minutes\" (units: s, m, h, d, w, y and their long forms)"
    )]
    InvalidFormat {
        /// The string as given.
        input: String,
    },
    /// The duration does not fit a JWT time.
    #[error("expiry {input:?} is too far in the future")]
    OutOfRange {
        /// The string as given.
        input: String,
    },
}

/// Units of the jose 4 grammar `@statebacked/token` uses, with their length in seconds.
const UNITS: &[(&[&str], f64)] = &[
    (&["s", "sec", "secs", "second", "seconds"], 1.0),
    (&["m", "min", "mins", "minute", "minutes"], 60.0),
    (&["h", "hr", "hrs", "hour", "hours"], 3_600.0),
    (&["d", "day", "days"], 86_400.0),
    (&["w", "week", "weeks"], 604_800.0),
    (&["y", "yr", "yrs", "year", "years"], 31_557_600.0),
];

impl FromStr for Expires {
    type Err = ExpiresError;

    /// Exactly jose 4's `^(\d+|\d+\.\d+) ?(unit)$` with the `i` flag: ASCII digits, an
    /// optional decimal part, at most one space, a unit in any ASCII case; no sign, no
    /// exponent. Seconds are `Math.round(value × unit)`.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let invalid = || ExpiresError::InvalidFormat {
            input: input.to_owned(),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());

        let number_len = input
            .bytes()
            .position(|b| !(b.is_ascii_digit() || b == b'.'))
            .unwrap_or(input.len());
        let (number, rest) = input.split_at(number_len);
        let valid_number = match number.split_once('.') {
            None => digits(number),
            Some((whole, fraction)) => digits(whole) && digits(fraction),
        };
        if !valid_number {
            return Err(invalid());
        }
        let unit = rest.strip_prefix(' ').unwrap_or(rest);
        let seconds_per_unit = UNITS
            .iter()
            .find(|(names, _)| names.iter().any(|name| name.eq_ignore_ascii_case(unit)))
            .map(|(_, seconds)| *seconds)
            .ok_or_else(invalid)?;

        let value: f64 = number.parse().map_err(|_| invalid())?;
        // JavaScript's Math.round: to the nearest integer, halves towards +∞; for the
        // non-negative values this grammar admits that is `f64::round`.
        let seconds = (value * seconds_per_unit).round();
        if !seconds.is_finite() || seconds > MAX_TIME as f64 {
            return Err(ExpiresError::OutOfRange {
                input: input.to_owned(),
            });
        }
        Ok(Expires(Kind::In(seconds as u64)))
    }
}

impl fmt::Display for Expires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Kind::At(at) => write!(f, "at {at}"),
            Kind::In(secs) => write!(f, "{secs}s"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(input: &str) -> Result<u64, ExpiresError> {
        input.parse::<Expires>().map(|e| match e.0 {
            Kind::In(s) => s,
            Kind::At(_) => unreachable!("strings parse to durations"),
        })
    }

    #[test]
    fn every_unit_and_spelling() {
        let table: &[(&str, u64)] = &[
            ("1s", 1),
            ("1sec", 1),
            ("2secs", 2),
            ("1second", 1),
            ("3seconds", 3),
            ("1m", 60),
            ("1min", 60),
            ("2mins", 120),
            ("1minute", 60),
            ("2minutes", 120),
            ("1h", 3_600),
            ("1hr", 3_600),
            ("2hrs", 7_200),
            ("1hour", 3_600),
            ("2hours", 7_200),
            ("1d", 86_400),
            ("1day", 86_400),
            ("7days", 604_800),
            ("1w", 604_800),
            ("1week", 604_800),
            ("2weeks", 1_209_600),
            ("1y", 31_557_600),
            ("1yr", 31_557_600),
            ("2yrs", 63_115_200),
            ("1year", 31_557_600),
            ("2years", 63_115_200),
        ];
        for (input, expected) in table {
            assert_eq!(secs(input), Ok(*expected), "{input}");
        }
    }

    #[test]
    fn case_space_and_rounding() {
        let table: &[(&str, u64)] = &[
            // Case-insensitive: "30M" is thirty minutes, not months.
            ("30M", 1_800),
            ("7D", 604_800),
            ("2 Hours", 7_200),
            ("1 YEAR", 31_557_600),
            ("1 sEc", 1),
            // At most one space.
            ("7 d", 604_800),
            ("5 minutes", 300),
            // Decimals, rounded with Math.round (halves up).
            ("1.5h", 5_400),
            ("0.5s", 1),
            ("1.4s", 1),
            ("2.5s", 3),
            ("0.49s", 0),
            ("0.001d", 86),
            ("0.0001m", 0),
            ("1.5 days", 129_600),
            // Leading zeros are digits like any other.
            ("007s", 7),
            ("0s", 0),
        ];
        for (input, expected) in table {
            assert_eq!(secs(input), Ok(*expected), "{input}");
        }
    }

    #[test]
    fn rejected_forms() {
        let rejected = [
            "",
            "7",
            "d",
            " 7d",
            "7d ",
            "7  d",
            "7\td",
            "7\u{a0}d",
            "-7d",
            "+7d",
            "7.d",
            ".5d",
            "1.2.3s",
            "1e3s",
            "7 days ago",
            "7ms",
            "7sx",
            "7 dd",
            "7months",
            "7mo",
            "١s",
            "7ｓ",
            "Infinitys",
            "NaNs",
        ];
        for input in rejected {
            assert_eq!(
                secs(input),
                Err(ExpiresError::InvalidFormat {
                    input: input.to_owned()
                }),
                "{input:?}"
            );
        }
    }

    #[test]
    fn out_of_range_is_an_error() {
        let input = "99999999999999999999y";
        assert_eq!(
            secs(input),
            Err(ExpiresError::OutOfRange {
                input: input.to_owned()
            })
        );
        let huge = format!("{}s", "9".repeat(400));
        assert!(matches!(secs(&huge), Err(ExpiresError::OutOfRange { .. })));
    }

    #[test]
    fn durations_round_to_the_nearest_second() {
        assert_eq!(
            Expires::in_(Duration::from_millis(1_499)),
            Expires(Kind::In(1))
        );
        assert_eq!(
            Expires::in_(Duration::from_millis(1_500)),
            Expires(Kind::In(2))
        );
    }

    #[test]
    fn resolve_checks_the_json_integer_range() {
        assert_eq!(
            Expires::in_(Duration::from_secs(60)).resolve(100),
            Some(160)
        );
        assert_eq!(Expires::at_unix(MAX_TIME).resolve(0), Some(MAX_TIME));
        assert_eq!(Expires::at_unix(MAX_TIME + 1).resolve(0), None);
        assert_eq!(Expires::in_(Duration::MAX).resolve(1), None);
        assert_eq!(
            Expires::at(UNIX_EPOCH - Duration::from_secs(5)),
            Expires::at_unix(0)
        );
    }
}
