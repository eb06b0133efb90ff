//! The [`Claims`] trait a claims type implements (with `#[derive(Claims)]`), and the
//! anonymous session's identity a claims type may stand for.

use crate::mapping::MappingError;
use crate::schema::{ClaimSchema, Profile};
use crate::validate::{ClaimPath, ValidationErrors};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

/// A type that describes the end-user claims (the `act` claim, State Backed's authContext)
/// of a token.
///
/// Implement it with `#[derive(Claims)]` beside serde's derives; the derive reads serde's
/// attributes so the schema's wire names are the keys serde writes.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::Claims;
///
/// #[derive(Serialize, Deserialize, Claims)]
/// #[serde(rename_all = "camelCase")]
/// struct Viewer {
///     user_id: String,
///     #[serde(default)]
///     roles: Vec<String>,
/// }
///
/// let schema = Viewer::schema();
/// assert_eq!(schema.field("userId").map(|f| f.rust_name()), Some("user_id"));
/// assert!(!schema.field("roles").is_some_and(|f| f.is_required()));
/// ```
///
/// A claims type may borrow from the token (`&'a str`, `Cow<'a, str>`):
/// [`Verifier::verify_in`](crate::Verifier::verify_in) reads it without allocating those
/// fields. Everything that builds claims from something other than a verified token (an
/// identity provider's claims, an anonymous session, the test helpers) asks for an owned type
/// (`DeserializeOwned`).
pub trait Claims: Serialize {
    /// The claim schema: names, wire names, types, requiredness and rules of every claim.
    fn schema() -> &'static ClaimSchema;

    /// Checks every `#[claim(validate(...))]` rule (and `#[claim(nested)]` claims), recording
    /// each failure under `path`. The derive implements it; a hand-written impl without rules
    /// keeps this default, which records nothing.
    fn validate_at(&self, path: &ClaimPath<'_>, errors: &mut ValidationErrors) {
        let _ = (path, errors);
    }

    /// The user this value names, for revocation by subject: the claim marked
    /// `#[claim(subject)]` (a string, or an optional one; an empty string names nobody).
    /// `None` (the default) leaves the subject to the token's top-level `sub`, else its
    /// anonymous session's `sid`. Only the type's own claims count: a `#[claim(subject)]`
    /// inside a `#[claim(nested)]` type names the subject of that type alone.
    fn subject(&self) -> Option<&str> {
        None
    }

    /// A `Self` read from an identity provider's token claims, then validated.
    ///
    /// Each claim comes from its source for `provider` (`#[claim(from(provider = …, path =
    /// …))]`), else its `#[claim(from = "…")]` path, else the claim of its own wire name.
    /// A path that selects nothing leaves an optional claim out and fails a required one
    /// ([`MappingError::Missing`]); a wildcard, slice, filter or descendant query fills a list
    /// with every match and fails a single claim when it matches several
    /// ([`MappingError::Multiple`]); a delimited string fills a list of strings only with
    /// `#[claim(split = " ")]`. Types are checked claim by claim ([`MappingError::WrongType`]),
    /// serde defaults apply as usual, and the result is validated.
    fn from_identity(
        provider: Option<&str>,
        claims: &serde_json::Value,
    ) -> Result<Self, MappingError>
    where
        Self: DeserializeOwned,
    {
        let value: Self = crate::mapping::from_identity(Self::schema(), provider, claims)?;
        value.validate().map_err(MappingError::Invalid)?;
        Ok(value)
    }

    /// Every rule this value breaks, with claim paths as they appear in a token: under `act`
    /// (`act.roles[1]`) in the State Backed profile, at the top level (`roles[1]`) in the flat
    /// one.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let root = match Self::schema().profile() {
            Profile::StateBacked => ClaimPath::Root("act"),
            Profile::Flat => ClaimPath::Top,
        };
        self.validate_at(&root, &mut errors);
        errors.into_result()
    }
}

/// A [`Claims`] type that admits anonymous sessions: `#[claims(anonymous)]`.
///
/// The derive implements it only after checking that every claim an anonymous session cannot
/// carry is optional, so a `C` can always be built from an anonymous session's `sid` and
/// `did`. [`Issuer::sign_anonymous`](crate::Issuer::sign_anonymous) requires it, so signing an
/// anonymous token for a type that rejects them does not compile.
pub trait AdmitsAnonymous: Claims {}

/// The bound `#[claim(nested)]` puts on the field's type, so that a type which is not
/// [`Claims`] gets one error at the attribute, in the derive's words. Not public API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[claim(nested)]` needs a type that derives `Claims`: `{Self}` does not",
    label = "`{Self}` is not `Claims`",
    note = "add `#[derive(Claims)]` to `{Self}`, or drop `nested` to take its value as it is"
)]
pub trait NestedClaims {
    /// [`Claims::schema`].
    fn nested_schema() -> &'static ClaimSchema;
    /// [`Claims::validate_at`].
    fn nested_validate_at(&self, path: &ClaimPath<'_>, errors: &mut ValidationErrors);
}

// `do_not_recommend`: without it rustc reports the `Claims` bound below, with its own words.
#[diagnostic::do_not_recommend]
impl<T: Claims> NestedClaims for T {
    fn nested_schema() -> &'static ClaimSchema {
        T::schema()
    }
    fn nested_validate_at(&self, path: &ClaimPath<'_>, errors: &mut ValidationErrors) {
        self.validate_at(path, errors);
    }
}

/// The bound `#[claim(subject)]` puts on the field's type: a string, or an optional one. Not
/// public API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[claim(subject)]` needs a string claim (`String`, `&str`, `Cow<str>`, or an \
               `Option` of one): `{Self}` is not",
    label = "not a string",
    note = "the subject is the user's id, compared with revoked subjects as a string"
)]
pub trait SubjectClaim {
    /// The claim's value, when it has one.
    fn subject_text(&self) -> Option<&str>;
}

/// The string types a subject claim may have. An empty one names nobody (a defaulted
/// `String`, say): the subject falls back as when the claim is absent.
macro_rules! string_subjects {
    ($($ty:ty),*) => {$(
        impl SubjectClaim for $ty {
            fn subject_text(&self) -> Option<&str> {
                let text: &str = self;
                (!text.is_empty()).then_some(text)
            }
        }
    )*};
}

string_subjects!(String, &str, Cow<'_, str>, Box<str>, Arc<str>, Rc<str>);

impl<T: SubjectClaim> SubjectClaim for Option<T> {
    fn subject_text(&self) -> Option<&str> {
        self.as_ref().and_then(T::subject_text)
    }
}

/// The longest `sid` or `did` an anonymous identity token may carry, in characters, unless
/// [`AnonymousProvider::max_session_id_len`](crate::AnonymousProvider::max_session_id_len)
/// says otherwise. Anyone who knows the (public) org id can sign an identity token, so its ids
/// are bounded where identity tokens are verified and minted: 1 to this many characters, and
/// never a control character. (State Backed tokens, which only a key holder signs, are held
/// to the claims type's own rules for `sid` and `did` instead.)
pub const MAX_SESSION_ID_LEN: usize = 128;

/// An anonymous session's identity: its session id (`sid`) and device id (`did`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnonymousIdentity {
    sid: String,
    did: String,
}

impl AnonymousIdentity {
    /// An identity with these ids.
    pub fn new(sid: impl Into<String>, did: impl Into<String>) -> Self {
        AnonymousIdentity {
            sid: sid.into(),
            did: did.into(),
        }
    }

    /// The session id.
    pub fn sid(&self) -> &str {
        &self.sid
    }

    /// The device id.
    pub fn did(&self) -> &str {
        &self.did
    }
}

impl AnonymousIdentity {
    /// The `C` this session stands for: the claims `C` marks `#[claim(anonymous)]` filled with
    /// the session's `sid` and `did`, every other claim absent (the derive made sure each is
    /// optional). Not yet validated.
    pub(crate) fn claims<C: Claims + DeserializeOwned>(&self) -> Result<C, serde_json::Error> {
        serde_json::from_value(self.claims_value::<C>())
    }

    /// [`claims`](AnonymousIdentity::claims) before they are read into a `C`.
    pub(crate) fn claims_value<C: Claims>(&self) -> serde_json::Value {
        let mut fields = serde_json::Map::new();
        for field in C::schema().fields().iter().filter(|f| f.is_anonymous()) {
            let value = if field.wire_name() == "sid" {
                &self.sid
            } else {
                &self.did
            };
            fields.insert(field.wire_name().to_owned(), value.as_str().into());
        }
        serde_json::Value::Object(fields)
    }
}
