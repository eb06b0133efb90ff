//! The machine-instance service: the subset of State Backed's HTTP API that
//! `@statebacked/client`'s `machineInstances.create`, `get` and `sendEvent` call (WIRE.md §6),
//! plus `POST /tokens` for anonymous sessions and `POST /logout`. Every read and write is
//! decided by a typed authorizer over the caller's verified authContext.
//!
//! Several replicas can share one Redis ([`Shared`]): a log-out on one is refused on all,
//! anonymous exchanges are limited across all, and an identity token exchanged on one is
//! refused as a replay on the others.
//!
//! The tests include this file (`#[path]`) and serve [`router`] on a loopback port.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use statebacked_claims::authorize::{Authorizer, ReadRequest, StateValue, WriteRequest};
use statebacked_claims::axum::{ApiError, Rejected, authorize_read, authorize_write, token_router};
use statebacked_claims::rate_limit::{Limit, RateLimits};
use statebacked_claims::replay::ReplayGuard;
use statebacked_claims::revocation::{RevocationConfig, Revocations};
use statebacked_claims::store::Store;
use statebacked_claims::{
    AuthContext, Claims, IdentityProvider, Key, TokenExchange, TokenProvider, Verified, Verifier,
    anonymous::ANONYMOUS_SERVICE,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// The one machine this service runs.
pub const MACHINE: &str = "toggle";

/// The authContext of this service's tokens: a user's `sub` and roles, or an anonymous
/// session's `sid` and `did`. Shared by the routes, the authorizer and the tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
#[claims(anonymous)]
pub struct Viewer {
    /// The user, and the subject a log-out revokes (an anonymous session's is its `sid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[claim(subject, validate(length(min = 1, max = 128)))]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[claim(validate(each(one_of("admin", "member"))))]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[claim(anonymous)]
    pub sid: Option<String>,
}

/// Who created an instance, recorded in its context by the service (never by the client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Owner {
    User { sub: String },
    Session { sid: String },
}

impl Owner {
    /// The owner an instance created by `auth` gets: `None` for a user token without `sub`.
    pub fn of(auth: AuthContext<'_, Viewer>) -> Option<Owner> {
        match auth {
            AuthContext::Authenticated(viewer) => viewer.sub.clone().map(|sub| Owner::User { sub }),
            AuthContext::Anonymous { sid, .. } => Some(Owner::Session {
                sid: sid.to_owned(),
            }),
        }
    }
}

/// The toggle machine's context: its owner and the public part clients see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocContext {
    pub owner: Owner,
    #[serde(default)]
    pub public: serde_json::Map<String, serde_json::Value>,
}

/// The toggle machine's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ToggleEvent {
    Toggle,
}

/// The toggle machine: `off` and `on`, and `toggle` between them.
fn transition(state: &StateValue, event: &ToggleEvent) -> StateValue {
    match (event, state.matches("on")) {
        (ToggleEvent::Toggle, true) => StateValue::from("off"),
        (ToggleEvent::Toggle, false) => StateValue::from("on"),
    }
}

/// Owners may read and write their instances; users with the `admin` role may read any.
#[derive(Debug, Clone, Copy, Default)]
pub struct OwnersOnly;

impl OwnersOnly {
    /// Whether `auth` is who an instance it created would record as its owner.
    fn is_owner(context: &DocContext, auth: AuthContext<'_, Viewer>) -> bool {
        Owner::of(auth).as_ref() == Some(&context.owner)
    }
}

impl Authorizer<DocContext, ToggleEvent, Viewer> for OwnersOnly {
    fn allow_read(&self, request: &ReadRequest<'_, DocContext, Viewer>) -> bool {
        let admin = request
            .auth_context
            .claims()
            .is_some_and(|viewer| viewer.roles.iter().any(|role| role == "admin"));
        admin || Self::is_owner(request.context, request.auth_context)
    }

    fn allow_write(&self, request: &WriteRequest<'_, DocContext, ToggleEvent, Viewer>) -> bool {
        Self::is_owner(request.context(), request.auth_context())
    }
}

/// One machine instance.
#[derive(Debug, Clone)]
struct Instance {
    state: StateValue,
    context: DocContext,
    ts: u64,
}

/// The State the client reads: `{"ts","state","publicContext","tags","done"}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StateBody<'a> {
    ts: u64,
    state: &'a StateValue,
    public_context: &'a serde_json::Map<String, serde_json::Value>,
    tags: [&'static str; 0],
    done: bool,
}

impl Instance {
    fn response(&self) -> Response {
        let body = StateBody {
            ts: self.ts,
            state: &self.state,
            public_context: &self.context.public,
            tags: [],
            done: false,
        };
        json(StatusCode::OK, &body)
    }
}

/// The service's configuration.
pub struct Config {
    /// The org whose anonymous sessions are accepted.
    pub org_id: String,
    /// The key that signs exchanged tokens and verifies every token.
    pub key: Key,
    /// How many instances it keeps.
    pub limits: InstanceLimits,
}

/// How many machine instances the service keeps in memory: per owner (a user, or an anonymous
/// session) and in all. Anyone who knows the org id can mint anonymous sessions, so neither
/// may grow without bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceLimits {
    /// Instances one owner may create (default 100): past it, `403` `instance-limit`.
    pub per_owner: usize,
    /// Instances in all (default 10,000): past it, `503` `capacity-reached`.
    pub total: usize,
}

impl Default for InstanceLimits {
    fn default() -> Self {
        InstanceLimits {
            per_owner: 100,
            total: 10_000,
        }
    }
}

/// What replicas share, and how: the store (in this process unless Redis), and what the
/// exchange limits and checks in it.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    /// Where revocations, rate limits and exchanged identity tokens are kept.
    pub store: Store,
    /// Anonymous exchanges per client address per hour.
    pub anonymous_limit: Option<u32>,
    /// Exchange each anonymous identity token at most once.
    pub reject_replays: bool,
    /// How the revocation view is kept (staleness bound, fail open or closed).
    pub revocation: RevocationConfig,
}

#[derive(Clone)]
struct AppState {
    verifier: Verifier<Viewer>,
    revocations: Revocations,
    authorizer: OwnersOnly,
    instances: Arc<Mutex<HashMap<String, Instance>>>,
    limits: InstanceLimits,
}

impl FromRef<AppState> for Verifier<Viewer> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// The routes: `POST /machines/toggle`, `GET /machines/toggle/i/{instance}`,
/// `POST /machines/toggle/i/{instance}/events`, `POST /tokens` and `POST /logout`, for one
/// replica alone.
#[allow(dead_code)] // main.rs serves `router_with`; tests/server.rs serves this.
pub fn router(config: Config) -> Result<Router, Box<dyn std::error::Error>> {
    router_with(config, Shared::default())
}

/// [`router`] for one of several replicas sharing `shared`. With a Redis store, call it on a
/// tokio runtime (the revocation view is kept current by a task).
pub fn router_with(config: Config, shared: Shared) -> Result<Router, Box<dyn std::error::Error>> {
    let mut exchange = TokenExchange::<Viewer>::new(&config.org_id)?
        .identity_provider(IdentityProvider::anonymous(&config.org_id)?)?
        .token_provider(TokenProvider::new(ANONYMOUS_SERVICE, config.key.clone())?)?;
    if let Some(limit) = shared.anonymous_limit {
        exchange = exchange.rate_limits(
            RateLimits::new(shared.store.clone()).anonymous_per_address(Limit::per_hour(limit)),
        );
    }
    if shared.reject_replays {
        exchange =
            exchange.reject_replays(ReplayGuard::new(shared.store.clone()).provider("anonymous"));
    }
    let revocations = Revocations::with_config(shared.store, shared.revocation)?;
    let state = AppState {
        verifier: Verifier::new(config.key).revocations(revocations.view()),
        revocations,
        authorizer: OwnersOnly,
        instances: Arc::default(),
        limits: config.limits,
    };
    Ok(Router::new()
        .route("/logout", post(logout))
        .route("/machines/{machine}", post(create))
        .route("/machines/{machine}/i/{instance}", get(read))
        .route("/machines/{machine}/i/{instance}/events", post(send_event))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
        .merge(token_router(exchange)))
}

/// Revokes every token of the caller's subject issued until now, on every replica: `204`.
async fn logout(
    State(app): State<AppState>,
    caller: Verified<Viewer>,
) -> Result<StatusCode, ApiError> {
    let subject = match caller.auth_context() {
        AuthContext::Authenticated(viewer) => viewer.subject().or(caller.registered().sub()),
        AuthContext::Anonymous { sid, .. } => Some(sid),
    }
    .ok_or(Rejected)?;
    app.revocations.revoke_subject(subject).await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the shared store is unavailable",
            "unavailable",
        )
    })?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct CreateBody {
    slug: String,
    #[serde(default)]
    context: Option<ClientContext>,
}

/// What a client may put in a new instance's context: its public part only.
#[derive(Deserialize)]
struct ClientContext {
    #[serde(default)]
    public: serde_json::Map<String, serde_json::Value>,
}

/// The largest body the machine routes read: a create or an event, with room to spare.
pub const MAX_BODY: usize = 64 * 1024;

/// The body, or a JSON error in place of axum's plain-text one (over [`MAX_BODY`], unreadable).
fn read_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is over the size limit",
            "payload-too-large",
        ),
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            "the request body could not be read",
            "invalid-request",
        ),
    })
}

async fn create(
    State(app): State<AppState>,
    Path(machine): Path<String>,
    caller: Verified<Viewer>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_machine(&machine)?;
    let body: CreateBody = parse(&read_body(body)?)?;
    if !is_instance_name(&body.slug) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid instance name",
            "invalid-request",
        ));
    }
    let auth = caller.auth_context();
    // A user token without `sub` names nobody who could own the instance.
    let owner = Owner::of(auth).ok_or(Rejected)?;
    let context = DocContext {
        owner,
        public: body.context.map(|c| c.public).unwrap_or_default(),
    };
    let write = WriteRequest::<_, ToggleEvent, _>::new_initialization(&body.slug, &context, auth);
    authorize_write(&app.authorizer, &write)?;
    let mut instances = lock(&app)?;
    if instances.contains_key(&body.slug) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "the instance already exists",
            "invalid-state",
        ));
    }
    if instances.len() >= app.limits.total {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the service holds as many instances as it can",
            "capacity-reached",
        ));
    }
    let owned = instances
        .values()
        .filter(|instance| instance.context.owner == context.owner)
        .count();
    if owned >= app.limits.per_owner {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this user or session has created as many instances as it may",
            "instance-limit",
        ));
    }
    let instance = Instance {
        state: StateValue::from("off"),
        context,
        ts: now_ms(),
    };
    let response = instance.response();
    instances.insert(body.slug, instance);
    Ok(response)
}

async fn read(
    State(app): State<AppState>,
    Path((machine, name)): Path<(String, String)>,
    caller: Verified<Viewer>,
) -> Result<Response, ApiError> {
    check_machine(&machine)?;
    let instances = lock(&app)?;
    let instance = instances.get(&name).ok_or_else(not_found)?;
    let request = ReadRequest::new(
        &name,
        &instance.state,
        &instance.context,
        caller.auth_context(),
    );
    authorize_read(&app.authorizer, &request)?;
    Ok(instance.response())
}

/// `{"event":"toggle"}` or `{"event":{"type":"toggle",…}}`.
#[derive(Deserialize)]
struct EventBody {
    event: EventOrName,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum EventOrName {
    Name(String),
    Event(serde_json::Map<String, serde_json::Value>),
}

impl EventOrName {
    fn into_event(self) -> Result<ToggleEvent, ApiError> {
        let event = match self {
            EventOrName::Name(name) => serde_json::json!({ "type": name }),
            EventOrName::Event(event) => serde_json::Value::Object(event),
        };
        serde_json::from_value(event)
            .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "unknown event", "invalid-event"))
    }
}

async fn send_event(
    State(app): State<AppState>,
    Path((machine, name)): Path<(String, String)>,
    caller: Verified<Viewer>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_machine(&machine)?;
    let event = parse::<EventBody>(&read_body(body)?)?.event.into_event()?;
    let mut instances = lock(&app)?;
    let instance = instances.get_mut(&name).ok_or_else(not_found)?;
    let write = WriteRequest::new_event(
        &name,
        &instance.state,
        &event,
        &instance.context,
        caller.auth_context(),
    );
    authorize_write(&app.authorizer, &write)?;
    instance.state = transition(&instance.state, &event);
    instance.ts = now_ms();
    Ok(instance.response())
}

fn check_machine(machine: &str) -> Result<(), ApiError> {
    if machine == MACHINE {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no such machine",
            "not-found",
        ))
    }
}

/// Instance names go into URLs unescaped: letters, digits, `-` and `_`, at most 128.
fn is_instance_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "the body is not the expected JSON",
            "invalid-request",
        )
    })
}

fn lock(app: &AppState) -> Result<std::sync::MutexGuard<'_, HashMap<String, Instance>>, ApiError> {
    app.instances.lock().map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the store is unavailable",
            "internal",
        )
    })
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such instance", "not-found")
}

fn json(status: StatusCode, body: &impl Serialize) -> Response {
    let body = serde_json::to_string(body).unwrap_or_default();
    (status, [("content-type", "application/json")], body).into_response()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
