//! The issuer signs nothing it should not: every `IssueError` from a crafted input.

mod common;

use common::*;
use serde::{Deserialize, Serialize};
use statebacked_claims::{ClaimSchema, Claims, Expires, FixedClock, IssueError, Issuer};
use std::collections::BTreeMap;
use std::time::Duration;

#[test]
fn already_expired() {
    assert_eq!(
        issuer().sign(&user(), Expires::at_unix(NOW)),
        Err(IssueError::AlreadyExpired { exp: NOW, now: NOW })
    );
    assert_eq!(
        issuer().sign(&user(), Expires::in_(Duration::ZERO)),
        Err(IssueError::AlreadyExpired { exp: NOW, now: NOW })
    );
    assert_eq!(
        issuer().sign(&user(), "0.4s".parse().unwrap()),
        Err(IssueError::AlreadyExpired { exp: NOW, now: NOW })
    );
}

#[test]
fn expiry_out_of_range() {
    assert_eq!(
        issuer().sign(&user(), Expires::at_unix(1 << 53)),
        Err(IssueError::ExpiryOutOfRange)
    );
    assert_eq!(
        issuer().sign(&user(), Expires::in_(Duration::from_secs(1 << 53))),
        Err(IssueError::ExpiryOutOfRange)
    );
    let far_future_clock = Issuer::<User>::new(key()).clock(FixedClock::at_unix(u64::MAX));
    assert_eq!(
        far_future_clock.sign(&user(), "1h".parse().unwrap()),
        Err(IssueError::ExpiryOutOfRange)
    );
}

/// A hand-written `Claims` impl whose serde form is a string, not an object.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct Bare(String);

impl Claims for Bare {
    fn schema() -> &'static ClaimSchema {
        static SCHEMA: ClaimSchema = ClaimSchema::__new("Bare", &[], false);
        &SCHEMA
    }
}

#[test]
fn act_not_object() {
    let issuer = Issuer::<Bare>::new(key()).clock(FixedClock::at_unix(NOW));
    assert_eq!(
        issuer.sign(&Bare("user-1".into()), Expires::at_unix(EXP)),
        Err(IssueError::ActNotObject { type_name: "Bare" })
    );
}

#[derive(Serialize, Deserialize, Claims)]
struct ByCoordinates {
    cells: BTreeMap<(u8, u8), String>,
}

#[test]
fn serialize_failure() {
    let issuer = Issuer::<ByCoordinates>::new(key()).clock(FixedClock::at_unix(NOW));
    let claims = ByCoordinates {
        cells: BTreeMap::from([((1, 2), "x".to_owned())]),
    };
    assert_eq!(
        issuer.sign(&claims, Expires::at_unix(EXP)),
        Err(IssueError::Serialize {
            type_name: "ByCoordinates",
            reason: "key must be a string".into()
        })
    );
}

#[test]
fn issue_errors_never_contain_the_secret() {
    let err = issuer().sign(&user(), Expires::at_unix(0)).unwrap_err();
    assert!(!format!("{err} {err:?}").contains(SECRET));
    assert!(!format!("{:?}", issuer()).contains(SECRET));
}
