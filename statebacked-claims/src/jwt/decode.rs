//! Reading a verified claims set into a claims type: the scan and one serde pass over `act`
//! when it can, the strict walk and serde over the claims set when it cannot, and the
//! anonymous session's `act`.

use super::claims_set::{Capture, Payload, parse_payload};
use super::error::{AnonymousViolation, VerifyError};
use super::json::{Context, MemberName};
use super::probe::{ActProbe, AuthValue};
use super::registered::{Checked, RegisteredClaims};
use super::rules::Rules;
use super::scan::{Scanned, scan};
use crate::claims::{AnonymousIdentity, Claims};
use crate::redact::redact_values;
use crate::schema::Profile;
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// A token's claims as a `C`, the anonymous session it names (if any) and its registered
/// claims; not yet validated by `C`'s rules.
pub(crate) struct Decoded<C> {
    pub claims: C,
    pub session: Option<AnonymousIdentity>,
    pub registered: RegisteredClaims,
}

/// Authenticates `token` under `rules` and decodes its claims into `C`: the `act` claim in the
/// State Backed profile, the claims set itself in the flat one.
pub(crate) fn decode<C: Claims + DeserializeOwned>(
    rules: &Rules,
    token: &str,
) -> Result<Decoded<C>, VerifyError> {
    let cx = Context::new(rules.limits);
    let (kid, json) = rules.authenticate(&cx, token)?.into_parts();
    let mut spill = Spill::default();
    let (claims, session, checked) = read::<C>(rules, &json, &mut spill)?;
    Ok(Decoded {
        claims,
        session,
        registered: checked.into_registered(json, kid),
    })
}

/// [`decode`] for a `C` that may borrow from the claims set: the claims set's text is kept in
/// `buf`, which the claims borrow, as does anything the decode builds for them (an anonymous
/// session's claims, a top-level `sub` standing in for `act`'s).
pub(crate) fn decode_in<'b, C: Claims + Deserialize<'b>>(
    rules: &Rules,
    token: &str,
    buf: &'b mut ClaimsBuf,
) -> Result<Decoded<C>, VerifyError> {
    let cx = Context::new(rules.limits);
    let (kid, json) = rules.authenticate(&cx, token)?.into_parts();
    let ClaimsBuf { text, spill } = buf;
    text.clear();
    text.push_str(&json);
    *spill = Spill::default();
    let (claims, session, checked) = read::<C>(rules, text, spill)?;
    Ok(Decoded {
        claims,
        session,
        registered: checked.into_registered(json, kid),
    })
}

/// Where [`Verifier::verify_in`](crate::Verifier::verify_in) keeps the claims set of the
/// token it verifies, for claims that borrow from it (`&'a str`, `Cow<'a, str>`).
///
/// Reuse one across calls: its text keeps its capacity, so verifying allocates nothing for
/// the borrowed claims. Two kinds of token are the exception, whose claims the decode builds
/// rather than reads (as JSON values kept here, which the claims borrow): an anonymous
/// session's, and one whose `act` has no `sub` where the top-level `sub` stands in. Its
/// `Debug` shows no claim.
#[derive(Default)]
pub struct ClaimsBuf {
    text: String,
    spill: Spill,
}

impl fmt::Debug for ClaimsBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimsBuf")
            .field("capacity", &self.text.capacity())
            .finish_non_exhaustive()
    }
}

/// Claims the decode builds rather than reads (an anonymous session's; `act` with the
/// top-level `sub`; `act` alone when that fails), kept where a borrowing `C` can borrow them.
#[derive(Default)]
struct Spill {
    built: Option<serde_json::Value>,
    retry: Option<serde_json::Value>,
}

/// The registered claims' checks and `C` read from `json`, with what the decode builds for
/// `C` kept in `spill`.
///
/// The fast path: the [`scan`] checks the claims set and reads its registered claims, and
/// serde_json reads `C` from `act`'s text (or the whole set, in the flat profile). Whatever
/// the scan is not sure of, and any error of `C`'s, takes the two passes (the strict walk,
/// then serde_json over the claims set), which give the precise error.
fn read<'de, C: Claims + Deserialize<'de>>(
    rules: &Rules,
    json: &'de str,
    spill: &'de mut Spill,
) -> Result<(C, Option<AnonymousIdentity>, Checked), VerifyError> {
    let schema = C::schema();
    let flat = schema.profile() == Profile::Flat;
    let capture = if flat { Capture::Flat } else { Capture::Act };
    let mut payload = Payload::default();
    if let Some(Scanned { act, probe }) = scan(rules.limits, json, capture, &mut payload) {
        let checked = rules.check_registered(&mut payload, json)?;
        if flat {
            if payload.has_act {
                return Err(VerifyError::ProfileMismatch);
            }
            if let Ok(claims) = serde_json::from_str(json) {
                return Ok((claims, None, checked));
            }
        } else {
            let Some(act) = act else {
                return Err(VerifyError::ActMissing);
            };
            let sub = checked.sub.as_ref().map(|sub| sub.get(json));
            // An anonymous session's claims, and a not-object `act`'s error, come from the
            // probe, not from `act`'s text.
            if probe.auth.is_some() || probe.not_object {
                let (claims, session) = decode_act::<C>(probe, None, json, sub, spill)?;
                return Ok((claims, session, checked));
            }
            if let Ok(claims) = serde_json::from_str::<C>(act) {
                let (claims, session) = decode_act(probe, Some(claims), json, sub, spill)?;
                return Ok((claims, session, checked));
            }
        }
    }
    let cx = Context::new(rules.limits);
    let mut payload = parse_payload(&cx, json, capture)?;
    let checked = rules.check_registered(&mut payload, json)?;
    if flat && payload.has_act {
        return Err(VerifyError::ProfileMismatch);
    }
    let (claims, session) = if flat {
        let claims = serde_json::from_str(json).map_err(|err| VerifyError::ClaimsInvalid {
            type_name: schema.type_name(),
            reason: redact_values(&err.to_string()),
        })?;
        (claims, None)
    } else {
        let probe = payload.act.take().ok_or(VerifyError::ActMissing)?;
        let sub = checked.sub.as_ref().map(|sub| sub.get(json));
        decode_act::<C>(probe, None, json, sub, spill)?
    };
    Ok((claims, session, checked))
}

/// Decodes `act`: an anonymous session's, or a `C` read from the claims set's `act` member
/// (`typed` when the pass that probed `act` read it already).
///
/// When `act` has no `sub` and the claims set does, the top-level `sub` stands in for it
/// (`@statebacked/machine`'s authContext, WIRE.md §5), for types with a `sub` claim.
fn decode_act<'de, C: Claims + Deserialize<'de>>(
    probe: ActProbe,
    typed: Option<C>,
    json: &'de str,
    top_level_sub: Option<&str>,
    spill: &'de mut Spill,
) -> Result<(C, Option<AnonymousIdentity>), VerifyError> {
    let schema = C::schema();
    let invalid = |reason: String| VerifyError::ActInvalid {
        type_name: schema.type_name(),
        reason,
    };
    if probe.not_object {
        return Err(invalid("`act` is not a JSON object".to_owned()));
    }
    let Spill { built, retry } = spill;
    match probe.auth {
        None => {
            let redact = |err: serde_json::Error| invalid(redact_values(&err.to_string()));
            let claims = match top_level_sub {
                Some(sub) if !probe.has_sub && schema.field("sub").is_some() => {
                    let ActOf(act) = serde_json::from_str::<ActOf<serde_json::Map<_, _>>>(json)
                        .map_err(redact)?;
                    let act = act.ok_or(VerifyError::ActMissing)?;
                    let mut with_sub = act.clone();
                    with_sub.insert("sub".to_owned(), sub.into());
                    let with_sub = &*built.insert(serde_json::Value::Object(with_sub));
                    match C::deserialize(with_sub) {
                        Ok(claims) => Some(claims),
                        // A type that also reads `sub` under another name (`#[serde(alias)]`)
                        // finds it twice when `act` used that name: `act` had a sub after all.
                        Err(err) => Some(
                            C::deserialize(&*retry.insert(serde_json::Value::Object(act)))
                                .map_err(|_| redact(err))?,
                        ),
                    }
                }
                _ => match typed {
                    Some(claims) => Some(claims),
                    None => serde_json::from_str::<ActOf<C>>(json).map_err(redact)?.0,
                },
            };
            match claims {
                Some(claims) => Ok((claims, None)),
                None => Err(VerifyError::ActMissing),
            }
        }
        Some(AuthValue::Other) => Err(VerifyError::AnonymousClaimsViolation(
            AnonymousViolation::InvalidAuth,
        )),
        Some(AuthValue::Anonymous) => {
            if !schema.admits_anonymous() {
                return Err(VerifyError::AnonymousNotAllowed);
            }
            if probe.other_claims {
                return Err(VerifyError::AnonymousClaimsViolation(
                    AnonymousViolation::ExtraClaim,
                ));
            }
            let sid = probe.sid.ok_or(VerifyError::AnonymousClaimsViolation(
                AnonymousViolation::MissingSessionId,
            ))?;
            let did = probe.did.ok_or(VerifyError::AnonymousClaimsViolation(
                AnonymousViolation::MissingDeviceId,
            ))?;
            let session = AnonymousIdentity::new(sid, did);
            let claims = C::deserialize(&*built.insert(session.claims_value::<C>()))
                .map_err(|err| invalid(redact_values(&err.to_string())))?;
            Ok((claims, Some(session)))
        }
    }
}

/// The `act` member of an already checked claims set, decoded into `C`; every other member
/// is skipped.
struct ActOf<C>(Option<C>);

impl<'de, C: Deserialize<'de>> Deserialize<'de> for ActOf<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ActOfVisitor<C>(PhantomData<C>);
        impl<'de, C: Deserialize<'de>> Visitor<'de> for ActOfVisitor<C> {
            type Value = ActOf<C>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JWT claims set")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ActOf<C>, A::Error> {
                let mut act = None;
                while let Some(MemberName(name)) = map.next_key()? {
                    if name == "act" {
                        act = Some(map.next_value()?);
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                Ok(ActOf(act))
            }
        }
        deserializer.deserialize_map(ActOfVisitor(PhantomData))
    }
}
