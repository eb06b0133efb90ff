//! Anonymous sessions (WIRE.md §2): the identity token a browser mints for itself, and the
//! server side that turns it into a State Backed token carrying nothing but `sid` and `did`.
//!
//! The identity token is signed with the org id, which is public: it proves nothing about
//! who holds it. That is safe only because what it is exchanged for can carry no claim but
//! `sid`, `did` and `auth: "anonymous"`, and every [`Verifier`](crate::Verifier) enforces
//! that restriction on the way back in.

use crate::claims::{AdmitsAnonymous, AnonymousIdentity};
use crate::clock::{Clock, SystemClock};
use crate::expires::Expires;
use crate::issue::{IssueError, Issuer, SignedToken, issue_times, serialize_error, sign_compact};
use crate::jwt::json::Context;
use crate::jwt::{Capture, ConfigError, RegisteredClaims, Rules, VerifyError, parse_payload};
use crate::keys::{Key, KeyError, KeySet};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The token-provider service name State Backed uses for anonymous sessions.
pub const ANONYMOUS_SERVICE: &str = "anonymous-statebacked-dev";

/// How long an anonymous identity token lives, as `@statebacked/client` makes them: 24 hours.
pub const ANONYMOUS_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

/// `https://<org id>.anonymous.auth.statebacked.dev`: both `aud` and `iss` of an org's
/// anonymous identity tokens (no trailing slash).
pub fn anonymous_audience(org_id: &str) -> String {
    format!("https://{org_id}.anonymous.auth.statebacked.dev")
}

pub use crate::claims::MAX_SESSION_ID_LEN;

/// Whether `id` is an acceptable `sid` or `did`: 1 to `max` characters, none a control
/// character.
fn is_valid_session_id(id: &str, max: usize) -> bool {
    let count = id.chars().count();
    (1..=max).contains(&count) && !id.chars().any(char::is_control)
}

fn is_valid_org_id(org_id: &str) -> bool {
    (1..=128).contains(&org_id.len())
        && org_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The client side: mints the identity token `@statebacked/client` mints in the browser.
///
/// ```
/// use statebacked_claims::{AnonymousSession, FixedClock};
///
/// let session = AnonymousSession::new("org_test")
///     .session_id("s-1")
///     .device_id("d-1")
///     .clock(FixedClock::at_unix(1_700_000_000));
/// let token = session.identity_token()?;
/// assert!(token.as_str().starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
/// # Ok::<(), statebacked_claims::IssueError>(())
/// ```
#[derive(Clone)]
pub struct AnonymousSession {
    org_id: String,
    sid: String,
    did: Option<String>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for AnonymousSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnonymousSession")
            .field("org_id", &self.org_id)
            .field("sid", &self.sid)
            .field("did", &self.did())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct IdentityHeader {
    alg: &'static str,
    typ: &'static str,
}

/// The identity token's claims, in `@statebacked/client`'s order.
#[derive(Serialize)]
struct IdentityClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    iat: u64,
    exp: u64,
    sid: &'a str,
    did: &'a str,
}

impl AnonymousSession {
    /// A new session for the org, with a random session id (a UUID v4).
    pub fn new(org_id: impl Into<String>) -> Self {
        AnonymousSession {
            org_id: org_id.into(),
            sid: uuid::Uuid::new_v4().to_string(),
            did: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Uses this session id.
    pub fn session_id(mut self, sid: impl Into<String>) -> Self {
        self.sid = sid.into();
        self
    }

    /// Uses this device id (by default the session id).
    pub fn device_id(mut self, did: impl Into<String>) -> Self {
        self.did = Some(did.into());
        self
    }

    /// The clock `iat` is read from.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The session id.
    pub fn sid(&self) -> &str {
        &self.sid
    }

    /// The device id: the one given, or the session id.
    pub fn did(&self) -> &str {
        self.did.as_deref().unwrap_or(&self.sid)
    }

    /// The identity token: header `{"alg":"HS256","typ":"JWT"}`, claims
    /// `{"aud","iss","iat","exp","sid","did"}` in that order, valid for 24 hours, signed with
    /// the org id.
    pub fn identity_token(&self) -> Result<SignedToken, IssueError> {
        if !is_valid_org_id(&self.org_id) {
            return Err(IssueError::InvalidOrgId);
        }
        for (claim, id) in [("sid", self.sid.as_str()), ("did", self.did())] {
            if !is_valid_session_id(id, MAX_SESSION_ID_LEN) {
                return Err(IssueError::InvalidSessionId(claim));
            }
        }
        let (iat, exp) = issue_times(self.clock.as_ref(), Expires::in_(ANONYMOUS_TOKEN_LIFETIME))?;
        let audience = anonymous_audience(&self.org_id);
        let serialize_error = serialize_error("AnonymousSession");
        let header = serde_json::to_vec(&IdentityHeader {
            alg: "HS256",
            typ: "JWT",
        })
        .map_err(serialize_error)?;
        let payload = serde_json::to_vec(&IdentityClaims {
            aud: &audience,
            iss: &audience,
            iat,
            exp,
            sid: &self.sid,
            did: self.did(),
        })
        .map_err(serialize_error)?;
        sign_compact(&Key::anonymous_org(&self.org_id), &header, &payload)
    }
}

/// The server side: verifies an org's anonymous identity tokens.
///
/// `aud` and `iss` must both be `https://<org id>.anonymous.auth.statebacked.dev`, the token
/// HS256-signed with the org id, `exp` in the future and `iat` not, and `sid` and `did`
/// strings of 1 to [`MAX_SESSION_ID_LEN`] characters without control characters (anyone who
/// knows the org id can sign one; [`max_session_id_len`](AnonymousProvider::max_session_id_len)
/// changes the bound). Every other claim is ignored and never copied: with
/// [`Issuer::sign_anonymous`] the session becomes a State Backed token whose `act` is exactly
/// `{"sid","did","auth":"anonymous"}`.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::{AnonymousProvider, AnonymousSession, Claims, Issuer, Key};
///
/// #[derive(Serialize, Deserialize, Claims)]
/// #[claims(anonymous)]
/// struct Viewer {
///     #[claim(anonymous)]
///     sid: Option<String>,
///     sub: Option<String>,
/// }
///
/// let identity_token = AnonymousSession::new("org_test").identity_token()?;
/// let provider = AnonymousProvider::new("org_test")?;
/// let session = provider.verify(identity_token.as_str())?;
///
/// let issuer = Issuer::<Viewer>::new(Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef")?);
/// let token = issuer.sign_anonymous(&session, "1h".parse()?)?;
/// assert_eq!(token.as_str().split('.').count(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AnonymousProvider {
    org_id: String,
    rules: Rules,
    max_id_len: usize,
}

impl fmt::Debug for AnonymousProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnonymousProvider")
            .field("org_id", &self.org_id)
            .finish_non_exhaustive()
    }
}

impl AnonymousProvider {
    /// The anonymous identity provider of an org.
    pub fn new(org_id: impl Into<String>) -> Result<Self, KeyError> {
        let org_id = org_id.into();
        if !is_valid_org_id(&org_id) {
            return Err(KeyError::InvalidOrgId);
        }
        let audience = anonymous_audience(&org_id);
        let rules = Rules::new(
            KeySet::from(Key::anonymous_org(&org_id)),
            Some(audience.clone()),
            Some(audience),
        );
        Ok(AnonymousProvider {
            org_id,
            rules,
            max_id_len: MAX_SESSION_ID_LEN,
        })
    }

    /// The clock identity tokens are checked against, shared with a token exchange.
    pub(crate) fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.rules.set_clock(clock);
    }

    /// The org whose sessions this provider accepts.
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// The clock to check `exp`, `nbf` and `iat` against.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.rules.set_clock(Arc::new(clock));
        self
    }

    /// The longest `sid` and `did` accepted, in characters (at least 1; by default
    /// [`MAX_SESSION_ID_LEN`]). Empty ids and control characters are always refused.
    pub fn max_session_id_len(mut self, max: usize) -> Self {
        self.max_id_len = max.max(1);
        self
    }

    /// Leeway for clock skew, at most [`MAX_LEEWAY_SECS`](crate::verify::MAX_LEEWAY_SECS).
    pub fn leeway(mut self, leeway: Duration) -> Result<Self, ConfigError> {
        self.rules.set_leeway(leeway)?;
        Ok(self)
    }

    /// Verifies an anonymous identity token and returns the session it names.
    pub fn verify(&self, identity_token: &str) -> Result<AnonymousIdentity, VerifyError> {
        self.verify_with_claims(identity_token)
            .map(|(identity, _)| identity)
    }

    /// Like [`verify`](AnonymousProvider::verify), with the identity token's registered claims.
    pub fn verify_with_claims(
        &self,
        identity_token: &str,
    ) -> Result<(AnonymousIdentity, RegisteredClaims), VerifyError> {
        let cx = Context::new(Default::default());
        let (kid, payload_json) = self.rules.authenticate(&cx, identity_token)?.into_parts();
        let mut payload = parse_payload(&cx, &payload_json, Capture::Session)?;
        let checked = self.rules.check_registered(&mut payload, &payload_json)?;
        let non_empty = |value: Option<String>, claim| match value {
            None => Err(VerifyError::MissingClaim(claim)),
            Some(value) if value.is_empty() => Err(VerifyError::InvalidClaim(claim)),
            Some(value) => Ok(value),
        };
        let sid = non_empty(payload.sid, "sid")?;
        let did = non_empty(payload.did, "did")?;
        for (claim, id) in [("sid", &sid), ("did", &did)] {
            if !is_valid_session_id(id, self.max_id_len) {
                return Err(VerifyError::InvalidClaim(claim));
            }
        }
        let registered = checked.into_registered(payload_json, kid);
        Ok((AnonymousIdentity::new(sid, did), registered))
    }

    /// Verifies an anonymous identity token and signs the State Backed token it is exchanged
    /// for: `act` is exactly `{"sid","did","auth":"anonymous"}`.
    pub fn exchange<C: AdmitsAnonymous + DeserializeOwned>(
        &self,
        identity_token: &str,
        issuer: &Issuer<C>,
        expires: Expires,
    ) -> Result<SignedToken, AnonymousExchangeError> {
        let session = self.verify(identity_token)?;
        Ok(issuer.sign_anonymous(&session, expires)?)
    }
}

/// Why an anonymous identity token was not exchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnonymousExchangeError {
    /// The identity token was rejected.
    #[error("anonymous identity token rejected: {0}")]
    Verify(#[from] VerifyError),
    /// The State Backed token could not be signed.
    #[error("could not sign the session's token: {0}")]
    Issue(#[from] IssueError),
}
