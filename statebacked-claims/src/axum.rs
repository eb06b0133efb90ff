//! axum 0.8 integration (feature `axum`): verified tokens as an extractor, authorizer
//! refusals as responses, and the token-exchange endpoint as a router.
//!
//! - [`Verified<C>`] is an extractor. It reads `Authorization: Bearer <token>` and verifies it
//!   with the [`Verifier<C>`] in the router's state (through [`FromRef`], so the state can be a
//!   larger struct). A request without a bearer token, or with one that does not verify, is
//!   answered `401` with a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3) and a JSON body
//!   `{"error":…,"code":…}` that never repeats the token. `Option<Verified<C>>` lets requests
//!   without a token through (as `None`) and still refuses a bad one.
//! - [`authorize_read`] and [`authorize_write`] ask an [`Authorizer`]; its refusal,
//!   [`Rejected`], is `403 {"error":…,"code":"rejected-by-machine-authorizer"}`, what
//!   `@statebacked/client` turns into its `RejectedByMachineAuthorizerError`.
//! - [`token_router`] answers `POST /tokens` (RFC 8693, WIRE.md §3) with a [`TokenExchange`];
//!   a request over the exchange's [rate limits](crate::rate_limit) is `429` with
//!   `Retry-After`. [`token_router_with`] says where the client's address comes from
//!   ([`ClientAddress`]): the peer address, or a forwarding header set by a trusted proxy.
//!
//! ```
//! use axum::{Router, routing::get};
//! use serde::{Deserialize, Serialize};
//! use statebacked_claims::{Claims, Key, Verified, Verifier};
//!
//! #[derive(Serialize, Deserialize, Claims)]
//! struct User {
//!     sub: String,
//! }
//!
//! async fn whoami(user: Verified<User>) -> String {
//!     user.claims().sub.clone()
//! }
//!
//! let key = Key::hs256("sbk_example", "sbsec_example_secret_0123456789abcdef")?;
//! let _app: Router = Router::new()
//!     .route("/whoami", get(whoami))
//!     .with_state(Verifier::<User>::new(key));
//! # Ok::<(), statebacked_claims::KeyError>(())
//! ```

use crate::authorize::{Authorizer, ReadRequest, WriteRequest};
use crate::claims::Claims;
use crate::exchange::TokenExchange;
use crate::tower::bearer_token;
use crate::verify::{Verified, Verifier};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, Extension, FromRef, FromRequestParts, OptionalFromRequestParts,
    State,
};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The `code` of an authorizer's refusal, as State Backed answers it.
pub const REJECTED_CODE: &str = "rejected-by-machine-authorizer";

/// The `error` of an authorizer's refusal.
const REJECTED_MESSAGE: &str = "rejected by machine authorizer";

/// The largest `POST /tokens` body [`token_router`] reads: a form with one subject token of
/// the largest size a verifier accepts, and room to spare.
pub const MAX_EXCHANGE_BODY: usize = 32 * 1024;

pub use crate::tower::TokenRejection;

impl IntoResponse for TokenRejection {
    fn into_response(self) -> Response {
        self.to_response::<Body>()
    }
}

impl<S, C> FromRequestParts<S> for Verified<C>
where
    S: Send + Sync,
    C: Claims + DeserializeOwned + Send + Sync + 'static,
    Verifier<C>: FromRef<S>,
{
    type Rejection = TokenRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // A `tower::VerifyLayer` in front verified it already. Taken, not cloned (`C` need not
        // be `Clone`): extract it once per request.
        if let Some(verified) = parts.extensions.remove::<Verified<C>>() {
            return Ok(verified);
        }
        let token = bearer_token(&parts.headers)?.ok_or(TokenRejection::Missing)?;
        Verifier::<C>::from_ref(state)
            .verify(token)
            .map_err(TokenRejection::Invalid)
    }
}

impl<S, C> OptionalFromRequestParts<S> for Verified<C>
where
    S: Send + Sync,
    C: Claims + DeserializeOwned + Send + Sync + 'static,
    Verifier<C>: FromRef<S>,
{
    type Rejection = TokenRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        if let Some(verified) = parts.extensions.remove::<Verified<C>>() {
            return Ok(Some(verified));
        }
        match bearer_token(&parts.headers)? {
            None => Ok(None),
            Some(token) => Verifier::<C>::from_ref(state)
                .verify(token)
                .map(Some)
                .map_err(TokenRejection::Invalid),
        }
    }
}

/// An authorizer said no: `403 {"error":…,"code":"rejected-by-machine-authorizer"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", REJECTED_MESSAGE)]
pub struct Rejected;

impl IntoResponse for Rejected {
    fn into_response(self) -> Response {
        ApiError::from(self).into_response()
    }
}

/// Asks `authorizer` whether `request` may read: `Err(Rejected)` unless it allows.
pub fn authorize_read<Ctx, Ev, C>(
    authorizer: &impl Authorizer<Ctx, Ev, C>,
    request: &ReadRequest<'_, Ctx, C>,
) -> Result<(), Rejected> {
    if authorizer.allow_read(request) {
        Ok(())
    } else {
        Err(Rejected)
    }
}

/// Asks `authorizer` whether `request` may write: `Err(Rejected)` unless it allows.
pub fn authorize_write<Ctx, Ev, C>(
    authorizer: &impl Authorizer<Ctx, Ev, C>,
    request: &WriteRequest<'_, Ctx, Ev, C>,
) -> Result<(), Rejected> {
    if authorizer.allow_write(request) {
        Ok(())
    } else {
        Err(Rejected)
    }
}

/// A router answering `POST /tokens` with `exchange`: the RFC 8693 form of WIRE.md §3 in,
/// `200` with the token or the RFC 6749 §5.2 error body out, never cached (`Cache-Control:
/// no-store`). Bodies over [`MAX_EXCHANGE_BODY`] are refused with `413`. A request over the
/// exchange's [rate limits](crate::rate_limit) is `429` with `Retry-After` (whole seconds)
/// and `{"error":"rate_limited","error_description":…}`.
///
/// The client's address, for per-address limits, is the peer address
/// ([`ClientAddress::peer`]): serve the router with
/// `into_make_service_with_connect_info::<SocketAddr>()`, or every request counts as one
/// unknown address. Behind a reverse proxy, use [`token_router_with`].
///
/// ```
/// use axum::Router;
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::{Claims, IdentityProvider, Key, TokenExchange, TokenProvider, axum::token_router};
///
/// #[derive(Serialize, Deserialize, Claims)]
/// #[claims(anonymous)]
/// struct Viewer {
///     #[serde(default)]
///     #[claim(anonymous)]
///     sid: Option<String>,
/// }
///
/// let key = Key::hs256("sbk_example", "sbsec_example_secret_0123456789abcdef")?;
/// let exchange = TokenExchange::<Viewer>::new("org_example")?
///     .identity_provider(IdentityProvider::anonymous("org_example")?)?
///     .token_provider(TokenProvider::new("anonymous-statebacked-dev", key)?)?;
/// let _app: Router = token_router(exchange);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn token_router<C, S>(exchange: TokenExchange<C>) -> Router<S>
where
    C: Claims + DeserializeOwned + 'static,
    S: Clone + Send + Sync + 'static,
{
    token_router_with(exchange, ClientAddress::peer())
}

/// [`token_router`], reading the client's address as `client_address` says.
///
/// ```
/// use statebacked_claims::axum::ClientAddress;
///
/// // A load balancer at 10.0.0.2 sets X-Forwarded-For; nobody else is believed.
/// let behind = ClientAddress::behind_proxies(["10.0.0.2".parse().unwrap()]);
/// let headers = axum::http::HeaderMap::from_iter([(
///     axum::http::header::HeaderName::from_static("x-forwarded-for"),
///     axum::http::HeaderValue::from_static("203.0.113.7"),
/// )]);
/// assert_eq!(behind.resolve(Some("10.0.0.2".parse().unwrap()), &headers), Some("203.0.113.7".parse().unwrap()));
/// // From anyone else, the header is not believed.
/// assert_eq!(behind.resolve(Some("198.51.100.1".parse().unwrap()), &headers), Some("198.51.100.1".parse().unwrap()));
/// ```
pub fn token_router_with<C, S>(
    exchange: TokenExchange<C>,
    client_address: ClientAddress,
) -> Router<S>
where
    C: Claims + DeserializeOwned + 'static,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/tokens", post(exchange_tokens::<C>))
        .layer(DefaultBodyLimit::max(MAX_EXCHANGE_BODY))
        .with_state(Arc::new(Exchange {
            exchange,
            client_address,
        }))
}

struct Exchange<C> {
    exchange: TokenExchange<C>,
    client_address: ClientAddress,
}

/// Where a request's client address is read from.
///
/// The peer address by default. `X-Forwarded-For` is read only when the peer is one of the
/// trusted proxies: the client is then the rightmost address in it that is not a trusted
/// proxy (entries left of it could have been written by the client itself). A header that
/// does not parse is not believed past the last trusted hop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientAddress {
    trusted_proxies: Vec<IpAddr>,
}

impl ClientAddress {
    /// The TCP peer's address (axum's `ConnectInfo<SocketAddr>`); forwarding headers are
    /// ignored.
    pub fn peer() -> ClientAddress {
        ClientAddress::default()
    }

    /// `X-Forwarded-For` as written by `proxies`, the addresses of the reverse proxies in
    /// front of the service.
    pub fn behind_proxies(proxies: impl IntoIterator<Item = IpAddr>) -> ClientAddress {
        ClientAddress {
            trusted_proxies: proxies.into_iter().collect(),
        }
    }

    /// The client address of a request from `peer` with `headers`.
    pub fn resolve(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusted_proxies.contains(&peer) {
            return Some(peer);
        }
        let mut hops = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(value) = value.to_str() else {
                return Some(peer);
            };
            hops.extend(value.split(',').map(str::trim));
        }
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !self.trusted_proxies.contains(&ip) {
                break;
            }
        }
        Some(client)
    }
}

async fn exchange_tokens<C: Claims + DeserializeOwned + 'static>(
    State(state): State<Arc<Exchange<C>>>,
    connect_info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // axum answers a body over the limit (or one it cannot read) in plain text; this endpoint
    // answers every error as RFC 6749 JSON.
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let (status, description) = match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "the request body is over the size limit",
                ),
                _ => (
                    StatusCode::BAD_REQUEST,
                    "the request body could not be read",
                ),
            };
            let json = serde_json::json!({
                "error": "invalid_request",
                "error_description": description,
            });
            let mut response = json_response(status, json.to_string());
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            return response;
        }
    };
    let peer = connect_info.map(|Extension(ConnectInfo(addr))| addr.ip());
    let client = state.client_address.resolve(peer, &headers);
    let mut retry_after = None;
    let (status, body) = match state.exchange.exchange_form_from(&body, client).await {
        Ok(response) => (StatusCode::OK, response.to_json()),
        Err(err) => {
            retry_after = err.retry_after_secs();
            (
                StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST),
                err.to_json(),
            )
        }
    };
    let mut response = json_response(status, body);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if let Some(secs) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// A refusal answered as State Backed answers: `status` with the JSON body
/// `{"error":<message>,"code":<code>}`, which `@statebacked/client` turns into its error
/// classes by status and `code`. [`Rejected`] and [`TokenRejection`] answer through it; a
/// service's own refusals (an unknown instance, a conflict) can too.
///
/// ```
/// use axum::http::StatusCode;
/// use axum::response::IntoResponse;
/// use statebacked_claims::axum::ApiError;
///
/// let response = ApiError::new(StatusCode::NOT_FOUND, "no such instance", "not-found").into_response();
/// assert_eq!(response.status(), StatusCode::NOT_FOUND);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    message: &'static str,
    code: &'static str,
}

impl ApiError {
    /// `status` with `{"error":message,"code":code}`.
    pub const fn new(status: StatusCode, message: &'static str, code: &'static str) -> Self {
        ApiError {
            status,
            message,
            code,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body's `code`.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        #[derive(serde::Serialize)]
        struct ErrorBody {
            error: &'static str,
            code: &'static str,
        }
        let body = serde_json::to_string(&ErrorBody {
            error: self.message,
            code: self.code,
        })
        .unwrap_or_default();
        json_response(self.status, body)
    }
}

impl From<Rejected> for ApiError {
    fn from(_: Rejected) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, REJECTED_MESSAGE, REJECTED_CODE)
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
