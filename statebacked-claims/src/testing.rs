//! Tokens and auth contexts for tests (feature `testing`).
//!
//! A service's integration tests and its authorizers' unit tests should agree on one claims
//! type and one key setup. [`TestTokens`] signs every kind of token a verifier meets — a
//! user's, an anonymous session's, an expired one, one not valid yet, one tampered with, one
//! signed by another key — with the [test key](test_key), and hands out verified tokens whose
//! [`auth_context`](crate::Verified::auth_context) an authorizer test can pass straight in.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use statebacked_claims::testing::TestTokens;
//! use statebacked_claims::{AuthContext, Claims, VerifyError};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize, Claims)]
//! #[claims(anonymous)]
//! struct Viewer {
//!     #[serde(default)]
//!     sub: Option<String>,
//!     #[serde(default)]
//!     #[claim(anonymous)]
//!     sid: Option<String>,
//! }
//!
//! let tokens = TestTokens::<Viewer>::new();
//! let verifier = tokens.verifier();
//! let alice = Viewer { sub: Some("alice".into()), sid: None };
//!
//! assert_eq!(verifier.verify(tokens.user(&alice).as_str())?.claims(), &alice);
//! assert!(matches!(verifier.verify(tokens.expired(&alice).as_str()), Err(VerifyError::Expired { .. })));
//!
//! let session = tokens.verified_anonymous("s-1", "d-1");
//! assert_eq!(session.auth_context(), AuthContext::Anonymous { sid: "s-1", did: "d-1" });
//! # Ok::<(), VerifyError>(())
//! ```
//!
//! The helpers panic (with the reason) on what would be a mistake in the test itself, such as
//! claims that break their own rules; they are not for production paths.
//!
//! # Authorizer properties (feature `proptest`)
//!
//! [`check_contexts`] runs a property over every kind of authContext the type's rules admit
//! ([`GenerateClaims::auth_contexts`]) and, when it fails, reports the shrunk context as JSON;
//! [`check_property`] does the same over any strategy. [`TestTokens::sign_context`] turns a
//! generated context into a signed token, so a test can drive a server end to end.
//!
//! ```
//! # #[cfg(feature = "proptest")] {
//! use serde::{Deserialize, Serialize};
//! use statebacked_claims::{Claims, testing};
//!
//! #[derive(Debug, Serialize, Deserialize, Claims)]
//! #[claims(anonymous)]
//! struct Viewer {
//!     #[serde(default)]
//!     #[claim(validate(length(min = 1, max = 64)))]
//!     sub: Option<String>,
//!     #[serde(default)]
//!     #[claim(anonymous)]
//!     sid: Option<String>,
//! }
//!
//! // Wrong on purpose: anonymous sessions have no `sub`.
//! let failure = testing::check_contexts::<Viewer>(256, |auth| {
//!     auth.claims().is_some_and(|viewer| viewer.sub.is_some())
//! })
//! .unwrap_err();
//! // Shrunk to the smallest context that fails: an anonymous session or a user without `sub`.
//! let shrunk: serde_json::Value = serde_json::from_str(failure.json()).unwrap();
//! assert!(shrunk["auth"] == "anonymous" || shrunk["sub"].is_null());
//! # }
//! ```

use crate::claims::{AdmitsAnonymous, AnonymousIdentity, Claims};
use crate::clock::{Clock, FixedClock, SystemClock};
use crate::expires::Expires;
#[cfg(feature = "proptest")]
use crate::generate::{GenerateClaims, OwnedAuthContext};
use crate::issue::{IssueError, Issuer, SignedToken, sign_compact};
use crate::jwt::compact;
use crate::keys::Key;
#[cfg(feature = "proptest")]
use crate::verify::AuthContext;
use crate::verify::{Verified, Verifier};
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The test key's id.
pub const TEST_KEY_ID: &str = "sbk_statebacked_claims_testing";

/// The test key's secret. Public on purpose: the test key must never verify production tokens.
pub const TEST_SECRET: &str = "sbsec_statebacked_claims_testing_not_a_secret";

/// How long the tokens [`TestTokens`] signs are valid: one hour.
pub const TEST_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The HS256 test key, [`TEST_KEY_ID`] with [`TEST_SECRET`]: what a service under test should
/// verify with, so that the tokens of [`TestTokens::new`] pass.
pub fn test_key() -> Key {
    // The id and secret are constants that meet every requirement of `Key::hs256`.
    Key::hs256(TEST_KEY_ID, TEST_SECRET).unwrap_or_else(|err| panic!("the test key: {err}"))
}

/// A second HS256 key with the test key's id and another secret: tokens it signs name the
/// test key and fail its signature check.
fn impostor_key() -> Key {
    Key::hs256(TEST_KEY_ID, "sbsec_statebacked_claims_testing_impostor")
        .unwrap_or_else(|err| panic!("the impostor key: {err}"))
}

/// Signs tokens for `C` with one key and clock, and verifies them with the same.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::testing::TestTokens;
/// use statebacked_claims::{AuthContext, Claims, VerifyError};
///
/// #[derive(Debug, Serialize, Deserialize, Claims)]
/// #[claims(anonymous)]
/// struct Viewer {
///     sub: Option<String>,
///     #[claim(anonymous)]
///     sid: Option<String>,
/// }
///
/// let tokens = TestTokens::<Viewer>::new();
/// let verifier = tokens.verifier();
/// let alice = Viewer { sub: Some("alice".into()), sid: None };
///
/// assert!(verifier.verify(tokens.user(&alice).as_str()).is_ok());
/// assert!(matches!(verifier.verify(tokens.expired(&alice).as_str()), Err(VerifyError::Expired { .. })));
/// assert_eq!(verifier.verify(tokens.tampered(&alice).as_str()).unwrap_err(), VerifyError::BadSignature);
///
/// // What an authorizer's unit test passes in.
/// let session = tokens.verified_anonymous("s-1", "d-1");
/// assert!(matches!(session.auth_context(), AuthContext::Anonymous { sid: "s-1", .. }));
/// ```
pub struct TestTokens<C> {
    key: Key,
    clock: Arc<dyn Clock>,
    issuer: Issuer<C>,
}

impl<C> Clone for TestTokens<C> {
    fn clone(&self) -> Self {
        TestTokens {
            key: self.key.clone(),
            clock: Arc::clone(&self.clock),
            issuer: self.issuer.clone(),
        }
    }
}

impl<C> fmt::Debug for TestTokens<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestTokens")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<C: Claims + DeserializeOwned> Default for TestTokens<C> {
    fn default() -> Self {
        TestTokens::new()
    }
}

impl<C: Claims + DeserializeOwned> TestTokens<C> {
    /// Tokens signed with the [test key](test_key), on the system clock.
    pub fn new() -> Self {
        TestTokens::with_key(test_key())
    }

    /// Tokens signed with `key`, for a service under test configured with its own key.
    pub fn with_key(key: Key) -> Self {
        TestTokens {
            issuer: Issuer::new(key.clone()),
            key,
            clock: Arc::new(SystemClock),
        }
    }

    /// Reads the time from `clock` instead of the system's, for the tokens and the
    /// [`verifier`](TestTokens::verifier) alike.
    pub fn clock(self, clock: impl Clock + 'static) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(clock);
        TestTokens {
            issuer: self.issuer.clock(Arc::clone(&clock)),
            key: self.key,
            clock,
        }
    }

    /// The signing key.
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// The issuer the tokens come from.
    pub fn issuer(&self) -> &Issuer<C> {
        &self.issuer
    }

    /// A verifier that accepts the valid tokens and refuses the others, as a service
    /// configured with the same key would.
    pub fn verifier(&self) -> Verifier<C> {
        Verifier::new(self.key.clone()).clock(Arc::clone(&self.clock))
    }

    /// A user's token for `claims`, valid for [`TEST_TOKEN_LIFETIME`].
    ///
    /// # Panics
    ///
    /// When `claims` break their own rules (the test's mistake; sign them with
    /// [`Issuer::sign`] to test that).
    pub fn user(&self, claims: &C) -> SignedToken {
        self.sign_with(&self.issuer, claims)
    }

    /// A user's token that expired an hour ago (beyond any leeway).
    ///
    /// # Panics
    ///
    /// As [`user`](TestTokens::user).
    pub fn expired(&self, claims: &C) -> SignedToken {
        let now = self.clock.now_unix();
        let then = now.saturating_sub(2 * TEST_TOKEN_LIFETIME.as_secs());
        let issuer = self.issuer.clone().clock(FixedClock::at_unix(then));
        self.sign_with(&issuer, claims)
    }

    /// A user's token whose `nbf` is an hour from now (beyond any leeway).
    ///
    /// # Panics
    ///
    /// As [`user`](TestTokens::user).
    pub fn not_yet_valid(&self, claims: &C) -> SignedToken {
        let nbf = self.clock.now_unix() + TEST_TOKEN_LIFETIME.as_secs();
        let (header, payload) = edited(&self.user(claims), |payload| {
            payload.insert("nbf".to_owned(), nbf.into());
        });
        signed(&self.key, &header, &payload)
    }

    /// A user's token whose claims were changed after signing (its `exp` moved a second): the
    /// signature no longer matches.
    ///
    /// # Panics
    ///
    /// As [`user`](TestTokens::user).
    pub fn tampered(&self, claims: &C) -> SignedToken {
        let token = self.user(claims);
        let (_, payload) = edited(&token, |payload| {
            let exp = payload.get("exp").and_then(|exp| exp.as_u64()).unwrap_or(0);
            payload.insert("exp".to_owned(), (exp + 1).into());
        });
        let segments = segments(&token);
        let mut tampered = format!("{}.", segments.header);
        compact::encode_into(&payload, &mut tampered);
        tampered.push('.');
        tampered.push_str(segments.signature);
        SignedToken::from_parts(tampered)
    }

    /// A user's token that names the test key but was signed with another secret.
    ///
    /// # Panics
    ///
    /// As [`user`](TestTokens::user).
    pub fn wrong_key(&self, claims: &C) -> SignedToken {
        let (header, payload) = edited(&self.user(claims), |_| {});
        signed(&impostor_key(), &header, &payload)
    }

    /// A user's token, verified: its [`auth_context`](Verified::auth_context) is
    /// [`Authenticated`](crate::AuthContext::Authenticated) with `claims`, ready for an
    /// authorizer's tests.
    ///
    /// # Panics
    ///
    /// As [`user`](TestTokens::user).
    pub fn verified(&self, claims: &C) -> Verified<C> {
        self.verify(&self.user(claims))
    }

    /// `Authorization` header value for `token`: `Bearer <token>`.
    pub fn bearer(&self, token: &SignedToken) -> String {
        format!("Bearer {}", token.as_str())
    }

    fn sign_with(&self, issuer: &Issuer<C>, claims: &C) -> SignedToken {
        issuer
            .sign(claims, Expires::in_(TEST_TOKEN_LIFETIME))
            .unwrap_or_else(|err| test_mistake(err))
    }

    fn verify(&self, token: &SignedToken) -> Verified<C> {
        self.verifier()
            .verify(token.as_str())
            .unwrap_or_else(|err| panic!("TestTokens: a fresh token does not verify: {err}"))
    }
}

#[cfg(feature = "proptest")]
impl<C: Claims + DeserializeOwned> TestTokens<C> {
    /// A token for a generated context: a user's token for its claims, or an anonymous
    /// session's (which only types that admit them can generate).
    ///
    /// # Panics
    ///
    /// As [`user`](TestTokens::user) and [`anonymous`](TestTokens::anonymous).
    pub fn sign_context(&self, context: &OwnedAuthContext<C>) -> SignedToken {
        match (context.claims(), context.session()) {
            (Some(claims), _) => self.user(claims),
            (None, Some(session)) => self
                .issuer
                .sign_session(session, Expires::in_(TEST_TOKEN_LIFETIME))
                .unwrap_or_else(|err| test_mistake(err)),
            (None, None) => panic!("TestTokens: a context is a user or a session"),
        }
    }

    /// The token for a generated context, verified: its
    /// [`auth_context`](Verified::auth_context) equals the context's.
    ///
    /// # Panics
    ///
    /// As [`sign_context`](TestTokens::sign_context).
    pub fn verified_context(&self, context: &OwnedAuthContext<C>) -> Verified<C> {
        self.verify(&self.sign_context(context))
    }
}

impl<C: AdmitsAnonymous + DeserializeOwned> TestTokens<C> {
    /// An anonymous session's token (`act` = `{"sid","did","auth":"anonymous"}`), valid for
    /// [`TEST_TOKEN_LIFETIME`].
    ///
    /// # Panics
    ///
    /// When the issuer refuses the session (an empty id, say).
    pub fn anonymous(&self, sid: &str, did: &str) -> SignedToken {
        self.issuer
            .sign_anonymous(
                &AnonymousIdentity::new(sid, did),
                Expires::in_(TEST_TOKEN_LIFETIME),
            )
            .unwrap_or_else(|err| test_mistake(err))
    }

    /// An anonymous session's token, verified: its [`auth_context`](Verified::auth_context)
    /// is [`Anonymous`](crate::AuthContext::Anonymous) with `sid` and `did`.
    ///
    /// # Panics
    ///
    /// As [`anonymous`](TestTokens::anonymous).
    pub fn verified_anonymous(&self, sid: &str, did: &str) -> Verified<C> {
        self.verify(&self.anonymous(sid, did))
    }
}

/// A token's segments; the helpers only split tokens they signed.
fn segments(token: &SignedToken) -> compact::Segments<'_> {
    compact::split(token.as_str()).unwrap_or_else(|_| panic!("TestTokens: a signed token splits"))
}

/// `token`'s header and its claims set changed by `edit`, both decoded.
fn edited(
    token: &SignedToken,
    edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) -> (Vec<u8>, Vec<u8>) {
    let segments = segments(token);
    let header =
        compact::decode(segments.header).unwrap_or_else(|| panic!("TestTokens: header base64"));
    let payload =
        compact::decode(segments.payload).unwrap_or_else(|| panic!("TestTokens: payload base64"));
    let mut claims: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&payload)
        .unwrap_or_else(|err| panic!("TestTokens: the claims set: {err}"));
    edit(&mut claims);
    let payload = serde_json::to_vec(&claims)
        .unwrap_or_else(|err| panic!("TestTokens: the claims set: {err}"));
    (header, payload)
}

/// `header` and `payload` signed with `key`.
fn signed(key: &Key, header: &[u8], payload: &[u8]) -> SignedToken {
    sign_compact(key, header, payload).unwrap_or_else(|err| test_mistake(err))
}

fn test_mistake(err: IssueError) -> ! {
    panic!("TestTokens: cannot sign the test token: {err}")
}

/// Why a property did not hold: the shrunk input that falsifies it, as JSON, or why the run
/// stopped before it could tell.
#[cfg(feature = "proptest")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PropertyFailure {
    /// The property returned `false` (or panicked) for `json`, the smallest input proptest's
    /// shrinking found.
    #[error("the property fails for {json}: {message}")]
    Failed {
        /// The input, as pretty JSON (an auth context as authorizers see it).
        json: String,
        /// What failed.
        message: String,
    },
    /// The run stopped: a generator could not make values (its message names the claim).
    #[error("the property could not be checked: {0}")]
    Aborted(String),
}

#[cfg(feature = "proptest")]
impl PropertyFailure {
    /// The falsifying input as JSON; empty when the run was aborted.
    pub fn json(&self) -> &str {
        match self {
            PropertyFailure::Failed { json, .. } => json,
            PropertyFailure::Aborted(_) => "",
        }
    }
}

/// Checks `property` on `cases` values of `strategy`; on failure, the shrunk value as JSON.
#[cfg(feature = "proptest")]
pub fn check_property<S>(
    cases: u32,
    strategy: S,
    property: impl Fn(&S::Value) -> bool,
) -> Result<(), PropertyFailure>
where
    S: proptest::strategy::Strategy,
    S::Value: serde::Serialize,
{
    use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |value| {
        if property(&value) {
            Ok(())
        } else {
            Err(TestCaseError::fail("the property returned false"))
        }
    });
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(reason, value)) => Err(PropertyFailure::Failed {
            json: serde_json::to_string_pretty(&value)
                .unwrap_or_else(|err| format!("<not JSON: {err}>")),
            message: reason.message().to_owned(),
        }),
        Err(TestError::Abort(reason)) => Err(PropertyFailure::Aborted(reason.message().to_owned())),
    }
}

/// Checks `property` on `cases` generated auth contexts of `C`
/// ([`GenerateClaims::auth_contexts`]): users with every kind of valid claims and, when `C`
/// admits them, anonymous sessions. On failure, the shrunk context as JSON.
#[cfg(feature = "proptest")]
pub fn check_contexts<C: GenerateClaims + serde::Serialize>(
    cases: u32,
    property: impl Fn(AuthContext<'_, C>) -> bool,
) -> Result<(), PropertyFailure> {
    check_property(cases, C::auth_contexts(), |context| {
        property(context.auth_context())
    })
}
