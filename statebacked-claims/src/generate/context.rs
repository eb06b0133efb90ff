//! Auth contexts a test owns: what [`GenerateClaims::auth_contexts`](super::GenerateClaims::auth_contexts) yields.

use super::weighted;
use crate::claims::{AdmitsAnonymous, AnonymousIdentity};
use crate::verify::AuthContext;
use proptest::strategy::{BoxedStrategy, Just, Strategy};
use serde::Serialize;

/// An [`AuthContext`] that owns its claims or session, so a strategy can yield it; an
/// authorizer takes [`auth_context`](OwnedAuthContext::auth_context).
///
/// It serializes as authorizers see it: the claims, or `{"sid","did","auth":"anonymous"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedAuthContext<C>(Inner<C>);

#[derive(Debug, Clone, PartialEq)]
enum Inner<C> {
    Authenticated(C),
    Anonymous(AnonymousIdentity),
}

impl<C> OwnedAuthContext<C> {
    /// A user with `claims`.
    pub fn authenticated(claims: C) -> Self {
        OwnedAuthContext(Inner::Authenticated(claims))
    }

    /// An anonymous session, for a type that admits them.
    pub fn anonymous(session: AnonymousIdentity) -> Self
    where
        C: AdmitsAnonymous,
    {
        OwnedAuthContext(Inner::Anonymous(session))
    }

    /// The borrowed form authorizers take.
    pub fn auth_context(&self) -> AuthContext<'_, C> {
        match &self.0 {
            Inner::Authenticated(claims) => AuthContext::Authenticated(claims),
            Inner::Anonymous(session) => AuthContext::Anonymous {
                sid: session.sid(),
                did: session.did(),
            },
        }
    }

    /// The anonymous session; `None` for a user.
    pub fn session(&self) -> Option<&AnonymousIdentity> {
        match &self.0 {
            Inner::Anonymous(session) => Some(session),
            Inner::Authenticated(_) => None,
        }
    }

    /// The user's claims; `None` for an anonymous session.
    pub fn claims(&self) -> Option<&C> {
        match &self.0 {
            Inner::Authenticated(claims) => Some(claims),
            Inner::Anonymous(_) => None,
        }
    }
}

impl<C: Serialize> Serialize for OwnedAuthContext<C> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.auth_context().serialize(serializer)
    }
}

/// Session and device ids as clients mint them: UUIDs mostly, and short or long ids of the
/// characters the anonymous identity provider allows.
fn ids() -> BoxedStrategy<String> {
    weighted(vec![
        (1, Just("s".to_owned()).boxed()),
        (
            3,
            super::pattern::literal_pattern(
                r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
            ),
        ),
        (2, super::pattern::literal_pattern(r"[A-Za-z0-9_-]{1,64}")),
    ])
}

/// Anonymous sessions.
pub(super) fn anonymous_sessions<C: AdmitsAnonymous + std::fmt::Debug + 'static>()
-> BoxedStrategy<OwnedAuthContext<C>> {
    (ids(), ids())
        .prop_map(|(sid, did)| OwnedAuthContext::anonymous(AnonymousIdentity::new(sid, did)))
        .boxed()
}
