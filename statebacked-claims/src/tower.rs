//! tower integration (feature `tower`): a [`Layer`] that verifies each request's bearer token
//! and leaves the [`Verified<C>`](crate::Verified) in the request's extensions, for any tower stack (hyper,
//! tonic, axum, tower-http).
//!
//! A request without a token, or with one that does not verify, is answered by the layer
//! itself, as the axum extractor answers it: `401` with a `WWW-Authenticate: Bearer` challenge
//! (RFC 6750 §3; `400` for a malformed header, `403` for missing scopes) and a JSON body
//! `{"error":…,"code":…}` that never repeats the token. The inner service only sees verified
//! requests. [`VerifyLayer::optional`] lets requests without a token through (and still refuses
//! a bad one). With `axum`, the [`Verified<C>`](crate::Verified) extractor takes what the layer left.
//!
//! Browsers cannot set headers on WebSocket and Server-Sent Events requests, so a route may
//! take its token from a query parameter instead ([`VerifyLayer::query_parameter`], State
//! Backed's realtime endpoint does this). It is opt-in per layer, so per route; the header wins
//! when both are present; and the parameter is removed from the request's URI before the inner
//! service (and any logging it does) sees it. Layers outside this one see the URI as it came:
//! put request logging (tower-http's `TraceLayer`, say) inside it, or have it leave out query
//! strings.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use statebacked_claims::tower::VerifyLayer;
//! use statebacked_claims::{Claims, Key, Verified, Verifier};
//! use std::convert::Infallible;
//! use tower::{Service, ServiceBuilder, ServiceExt};
//!
//! #[derive(Clone, Serialize, Deserialize, Claims)]
//! struct User {
//!     sub: String,
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let key = Key::hs256("sbk_example", "sbsec_example_secret_0123456789abcdef")?;
//! let token = statebacked_claims::Issuer::<User>::new(key.clone())
//!     .sign(&User { sub: "u1".into() }, "1h".parse()?)?;
//!
//! let mut service = ServiceBuilder::new()
//!     .layer(VerifyLayer::new(Verifier::<User>::new(key)))
//!     .service_fn(|request: http::Request<String>| async move {
//!         let user = request.extensions().get::<Verified<User>>().expect("verified");
//!         Ok::<_, Infallible>(http::Response::new(user.claims().sub.clone()))
//!     });
//!
//! let request = http::Request::builder()
//!     .header("authorization", format!("Bearer {token}"))
//!     .body(String::new())?;
//! let response = service.ready().await?.call(request).await?;
//! assert_eq!(response.body(), "u1");
//!
//! let anonymous = http::Request::new(String::new());
//! let response = service.ready().await?.call(anonymous).await?;
//! assert_eq!(response.status(), 401);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::claims::Claims;
use crate::verify::{Verifier, VerifyError};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Request, Response, StatusCode, Uri};
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_service::Service;

/// Why a request's bearer token was not accepted: a `401` response (`400` for a malformed
/// header, `403` for missing scopes) with a `WWW-Authenticate: Bearer` challenge and a body
/// `{"error":…,"code":…}` that says what kind of failure it was, never the token or a claim's
/// value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRejection {
    /// No `Authorization: Bearer` header (or another scheme), and no token parameter where one
    /// is accepted.
    #[error("a bearer token is required")]
    Missing,
    /// More than one `Authorization` header, or one that is not visible ASCII.
    #[error("the authorization header is malformed")]
    MalformedHeader,
    /// The token query parameter appears more than once.
    #[error("the token parameter appears more than once")]
    MalformedQuery,
    /// The token does not verify.
    #[error("invalid token: {0}")]
    Invalid(VerifyError),
}

impl TokenRejection {
    /// The HTTP status (RFC 6750 §3.1): `401`; `400` for a malformed `Authorization` header
    /// (`invalid_request`); `403` for a token without the required scopes
    /// (`insufficient_scope`).
    pub fn status(&self) -> StatusCode {
        match self {
            TokenRejection::MalformedHeader | TokenRejection::MalformedQuery => {
                StatusCode::BAD_REQUEST
            }
            TokenRejection::Invalid(VerifyError::InsufficientScope { .. }) => StatusCode::FORBIDDEN,
            // The token may be fine; this replica cannot tell right now.
            TokenRejection::Invalid(VerifyError::RevocationsUnavailable) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// What the response says, in the body's `error` and the challenge's
    /// `error_description`: one short fixed sentence per kind of failure. The full reason
    /// (which rule, which claim) is this type's `Display`, for the service's own logs: it may
    /// name claim values, and a client does not need it.
    pub fn description(&self) -> &'static str {
        match self {
            TokenRejection::Missing => "a bearer token is required",
            TokenRejection::MalformedHeader => "the authorization header is malformed",
            TokenRejection::MalformedQuery => "the token parameter appears more than once",
            TokenRejection::Invalid(err) => match err {
                VerifyError::Expired { .. } => "the token has expired",
                VerifyError::NotYetValid { .. } | VerifyError::IssuedInFuture { .. } => {
                    "the token is not valid yet"
                }
                VerifyError::TooOld { .. } => "the token is too old",
                VerifyError::BadSignature => "the token's signature does not verify",
                VerifyError::InsufficientScope { .. } => "the token lacks a required scope",
                VerifyError::WrongAudience => "the token is for another audience",
                VerifyError::WrongIssuer => "the token is from another issuer",
                VerifyError::Revoked => "the token has been revoked",
                VerifyError::RevocationsUnavailable => "revocations cannot be checked right now",
                VerifyError::InvalidClaims(_)
                | VerifyError::ActInvalid { .. }
                | VerifyError::ClaimsInvalid { .. } => "the token's claims are invalid",
                _ => "the token is invalid",
            },
        }
    }

    /// The body's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            TokenRejection::Missing => "missing-token",
            TokenRejection::MalformedHeader | TokenRejection::MalformedQuery => "invalid-request",
            TokenRejection::Invalid(VerifyError::InsufficientScope { .. }) => "insufficient-scope",
            TokenRejection::Invalid(_) => "invalid-token",
        }
    }

    /// The `WWW-Authenticate` challenge: `Bearer` alone when no token was sent (RFC 6750
    /// §3.1), else with `error` and an `error_description`.
    pub fn challenge(&self) -> String {
        let error = match self {
            TokenRejection::Missing => return "Bearer".to_owned(),
            TokenRejection::MalformedHeader | TokenRejection::MalformedQuery => "invalid_request",
            TokenRejection::Invalid(VerifyError::InsufficientScope { .. }) => "insufficient_scope",
            TokenRejection::Invalid(_) => "invalid_token",
        };
        let mut challenge = format!(
            "Bearer error=\"{error}\", error_description=\"{}\"",
            self.description()
        );
        if let TokenRejection::Invalid(VerifyError::InsufficientScope { missing }) = self {
            challenge.push_str(&format!(", scope=\"{}\"", quotable(&missing.join(" "))));
        }
        challenge
    }

    /// The response body: `{"error":…,"code":…}`.
    pub fn body(&self) -> String {
        // A struct, not `json!`: the members in this order, as State Backed writes them.
        #[derive(serde::Serialize)]
        struct Body {
            error: &'static str,
            code: &'static str,
        }
        serde_json::to_string(&Body {
            error: self.description(),
            code: self.code(),
        })
        .unwrap_or_default()
    }

    /// The whole response: status, `WWW-Authenticate`, `Content-Type: application/json` and
    /// the [`body`](TokenRejection::body), in any body type made from a `String`.
    pub fn to_response<B: From<String>>(&self) -> Response<B> {
        let mut response = Response::new(B::from(self.body()));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Ok(challenge) = HeaderValue::from_str(&self.challenge()) {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// `text` with only the characters RFC 6750 §3 allows in a quoted challenge parameter.
fn quotable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

/// The token in `Authorization: Bearer <token>`: `Ok(None)` when there is no such header.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, TokenRejection> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(TokenRejection::MalformedHeader);
    }
    let value = value
        .to_str()
        .map_err(|_| TokenRejection::MalformedHeader)?;
    let Some((scheme, token)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    Ok(Some(token.trim_matches(' ')))
}

/// The value of query parameter `name`, and the URI without it (every other parameter kept
/// byte for byte): `Ok(None)` when it is absent, an error when it appears twice.
fn query_token(uri: &Uri, name: &str) -> Result<Option<(String, Uri)>, TokenRejection> {
    let Some(query) = uri.query() else {
        return Ok(None);
    };
    let mut token = None;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let key = pair.split('=').next().unwrap_or_default();
        let is_token = form_urlencoded::parse(key.as_bytes())
            .next()
            .is_some_and(|(key, _)| key == name);
        if !is_token {
            kept.push(pair);
            continue;
        }
        let value = form_urlencoded::parse(pair.as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        if token.replace(value).is_some() {
            return Err(TokenRejection::MalformedQuery);
        }
    }
    let Some(token) = token else {
        return Ok(None);
    };
    let path_and_query = if kept.is_empty() {
        Cow::Borrowed(uri.path())
    } else {
        Cow::Owned(format!("{}?{}", uri.path(), kept.join("&")))
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(
        path_and_query
            .parse()
            .map_err(|_| TokenRejection::MalformedQuery)?,
    );
    let stripped = Uri::from_parts(parts).map_err(|_| TokenRejection::MalformedQuery)?;
    Ok(Some((token, stripped)))
}

/// Verifies each request's bearer token with a [`Verifier<C>`]; see the [module](self).
///
/// `C` must be `Clone` (request extensions hold clonable values).
pub struct VerifyLayer<C> {
    verifier: Verifier<C>,
    optional: bool,
    query: Option<Arc<str>>,
}

impl<C> Clone for VerifyLayer<C> {
    fn clone(&self) -> Self {
        VerifyLayer {
            verifier: self.verifier.clone(),
            optional: self.optional,
            query: self.query.clone(),
        }
    }
}

impl<C> std::fmt::Debug for VerifyLayer<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyLayer")
            .field("verifier", &self.verifier)
            .field("optional", &self.optional)
            .field("query", &self.query)
            .finish()
    }
}

impl<C: Claims> VerifyLayer<C> {
    /// Requires a bearer token that `verifier` accepts on every request.
    pub fn new(verifier: Verifier<C>) -> Self {
        VerifyLayer {
            verifier,
            optional: false,
            query: None,
        }
    }

    /// Lets requests without a token through, without a [`Verified<C>`](crate::Verified); a token that is
    /// present must still verify.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Also takes the token from the query parameter `name` (`?token=…`) when there is no
    /// `Authorization` header: for WebSocket and Server-Sent Events routes, whose browser
    /// clients cannot set headers. The parameter is removed from the URI the inner service
    /// sees, so that the token reaches no access log behind the layer. Apply such a layer to
    /// those routes only.
    pub fn query_parameter(mut self, name: impl Into<String>) -> Self {
        self.query = Some(Arc::from(name.into()));
        self
    }
}

impl<S, C> Layer<S> for VerifyLayer<C> {
    type Service = VerifyService<S, C>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`VerifyLayer`] wraps around another.
pub struct VerifyService<S, C> {
    inner: S,
    layer: VerifyLayer<C>,
}

impl<S: Clone, C> Clone for VerifyService<S, C> {
    fn clone(&self) -> Self {
        VerifyService {
            inner: self.inner.clone(),
            layer: self.layer.clone(),
        }
    }
}

impl<S: std::fmt::Debug, C> std::fmt::Debug for VerifyService<S, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyService")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

impl<S, C> VerifyService<S, C>
where
    C: Claims + DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// Verifies the request's token into its extensions; the rejection otherwise.
    fn admit<B>(&self, request: &mut Request<B>) -> Result<(), TokenRejection> {
        // The parameter leaves the URI whether or not it is the token used: the header wins,
        // but a token in the URI must still reach no log behind the layer.
        let from_query = match &self.layer.query {
            Some(name) => match query_token(request.uri(), name)? {
                Some((token, stripped)) => {
                    #[cfg(feature = "axum")]
                    strip_original_uri(request, name);
                    *request.uri_mut() = stripped;
                    Some(token)
                }
                None => None,
            },
            None => None,
        };
        let verified = match (bearer_token(request.headers())?, from_query) {
            (Some(token), _) => Some(self.layer.verifier.verify(token)),
            (None, Some(token)) => Some(self.layer.verifier.verify(&token)),
            (None, None) => None,
        };
        match verified {
            Some(Ok(verified)) => {
                request.extensions_mut().insert(verified);
                Ok(())
            }
            Some(Err(err)) => Err(TokenRejection::Invalid(err)),
            None if self.layer.optional => Ok(()),
            None => Err(TokenRejection::Missing),
        }
    }
}

impl<S, C, ReqBody, ResBody> Service<Request<ReqBody>> for VerifyService<S, C>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    C: Claims + DeserializeOwned + Clone + Send + Sync + 'static,
    ResBody: From<String> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        match self.admit(&mut request) {
            Ok(()) => Box::pin(self.inner.call(request)),
            Err(rejection) => {
                let response = rejection.to_response();
                Box::pin(async move { Ok(response) })
            }
        }
    }
}

/// axum's router keeps the request's URI as it came (`OriginalUri`) before any route layer
/// runs: the token leaves that copy too.
#[cfg(feature = "axum")]
fn strip_original_uri<B>(request: &mut Request<B>, name: &str) {
    if let Some(original) = request
        .extensions_mut()
        .get_mut::<axum::extract::OriginalUri>()
        && let Ok(Some((_, stripped))) = query_token(&original.0, name)
    {
        original.0 = stripped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_parameter_is_taken_out_of_the_uri() {
        let uri: Uri = "/events?room=a%20b&token=abc.def.ghi&x=1".parse().unwrap();
        let (token, stripped) = query_token(&uri, "token").unwrap().unwrap();
        assert_eq!(token, "abc.def.ghi");
        assert_eq!(stripped, "/events?room=a%20b&x=1");
        let (_, alone) = query_token(&"/e?token=t".parse().unwrap(), "token")
            .unwrap()
            .unwrap();
        assert_eq!(alone, "/e");
        assert_eq!(
            query_token(&"/e?x=1".parse().unwrap(), "token").unwrap(),
            None
        );
        assert_eq!(
            query_token(&"/e?token=a&token=b".parse().unwrap(), "token").unwrap_err(),
            TokenRejection::MalformedQuery
        );
        // Other parameters are kept byte for byte, flags and odd encodings included.
        let (_, kept) = query_token(&"/e?flag&token=t&v=%FF%20+".parse().unwrap(), "token")
            .unwrap()
            .unwrap();
        assert_eq!(kept, "/e?flag&v=%FF%20+");
        // An encoded name is still the parameter.
        let (token, _) = query_token(&"/e?t%6Fken=abc".parse().unwrap(), "token")
            .unwrap()
            .unwrap();
        assert_eq!(token, "abc");
    }
}
