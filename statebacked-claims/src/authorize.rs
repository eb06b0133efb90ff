//! Machine authorizers typed by the claims: `allowRead` and `allowWrite` of
//! `@statebacked/machine`, with the verified token's [`AuthContext`].
//!
//! State Backed asks a machine's authorizers before every read of an instance's state and
//! every write (creating an instance, sending it an event). Here an authorizer is a type that
//! implements [`Authorizer`], or a pair of functions ([`from_fns`]) or a single one over
//! [`Access`] ([`from_fn`]). The requests carry the instance's name, its state and context
//! (typed by the machine) and the [`AuthContext`] of the caller's token (typed by the claims),
//! so the service that verifies tokens and the authorizers that read them share one type.
//!
//! Decide by what the service recorded, not by names: anyone can mint an anonymous identity
//! token for any session id of your org (the org id is public), so an instance named after a
//! session id belongs to whoever reads that name in a URL.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use statebacked_claims::authorize::{self, Authorizer, ReadRequest, StateValue, WriteRequest};
//! use statebacked_claims::{AuthContext, Claims};
//!
//! #[derive(Serialize, Deserialize, Claims)]
//! #[claims(anonymous)]
//! struct Viewer {
//!     #[serde(default)]
//!     sub: Option<String>,
//!     #[serde(default)]
//!     #[claim(anonymous)]
//!     sid: Option<String>,
//! }
//!
//! /// The machine's context. The service records the owner from the creator's auth context
//! /// when the instance is created; it never takes it from the client.
//! struct Doc {
//!     owner_sub: Option<String>,
//!     owner_session: Option<String>,
//! }
//!
//! fn is_owner(doc: &Doc, auth: AuthContext<'_, Viewer>) -> bool {
//!     match auth {
//!         AuthContext::Authenticated(viewer) => viewer.sub.is_some() && viewer.sub == doc.owner_sub,
//!         AuthContext::Anonymous { sid, .. } => doc.owner_session.as_deref() == Some(sid),
//!     }
//! }
//!
//! let policy = authorize::from_fns(
//!     |read: &ReadRequest<'_, Doc, Viewer>| is_owner(read.context, read.auth_context),
//!     |write: &WriteRequest<'_, Doc, String, Viewer>| is_owner(write.context(), write.auth_context()),
//! );
//!
//! let alice = Viewer { sub: Some("alice".into()), sid: None };
//! let doc = Doc { owner_sub: Some("alice".into()), owner_session: None };
//! let state = StateValue::from("draft");
//! let read = ReadRequest::new("doc-1", &state, &doc, AuthContext::Authenticated(&alice));
//! assert!(policy.allow_read(&read));
//!
//! let stranger = AuthContext::Anonymous { sid: "s-9", did: "d-9" };
//! let write = WriteRequest::new_initialization("doc-1", &doc, stranger);
//! assert!(!policy.allow_write(&write));
//! ```

use crate::verify::AuthContext;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Decides whether a caller may read or write a machine instance: the Rust side of
/// `@statebacked/machine`'s `allowRead` and `allowWrite`.
///
/// `Ctx` is the machine's context, `Ev` its event type and `C` the claims type of the tokens
/// whose [`AuthContext`] the requests carry. Only `true` allows; a service answers `false` with
/// HTTP 403 `{"code":"rejected-by-machine-authorizer"}`.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::authorize::{Authorizer, ReadRequest, StateValue, WriteRequest};
/// use statebacked_claims::{AuthContext, Claims};
///
/// #[derive(Serialize, Deserialize, Claims)]
/// struct Viewer {
///     sub: String,
///     #[serde(default)]
///     admin: bool,
/// }
///
/// /// Everyone signed in reads; only admins write.
/// struct AdminsWrite;
///
/// impl<Ctx, Ev> Authorizer<Ctx, Ev, Viewer> for AdminsWrite {
///     fn allow_read(&self, request: &ReadRequest<'_, Ctx, Viewer>) -> bool {
///         request.auth_context.claims().is_some()
///     }
///     fn allow_write(&self, request: &WriteRequest<'_, Ctx, Ev, Viewer>) -> bool {
///         request.auth_context().claims().is_some_and(|viewer| viewer.admin)
///     }
/// }
///
/// let ada = Viewer { sub: "ada".into(), admin: false };
/// let state = StateValue::from("idle");
/// let read = ReadRequest::new("doc-1", &state, &(), AuthContext::Authenticated(&ada));
/// assert!(Authorizer::<(), (), Viewer>::allow_read(&AdminsWrite, &read));
/// let write = WriteRequest::<(), (), Viewer>::new_initialization("doc-1", &(), AuthContext::Authenticated(&ada));
/// assert!(!AdminsWrite.allow_write(&write));
/// ```
pub trait Authorizer<Ctx, Ev, C> {
    /// Whether the caller may read the instance's state.
    fn allow_read(&self, request: &ReadRequest<'_, Ctx, C>) -> bool;

    /// Whether the caller may create the instance or send it an event.
    fn allow_write(&self, request: &WriteRequest<'_, Ctx, Ev, C>) -> bool;
}

impl<Ctx, Ev, C, A: Authorizer<Ctx, Ev, C> + ?Sized> Authorizer<Ctx, Ev, C> for &A {
    fn allow_read(&self, request: &ReadRequest<'_, Ctx, C>) -> bool {
        (**self).allow_read(request)
    }
    fn allow_write(&self, request: &WriteRequest<'_, Ctx, Ev, C>) -> bool {
        (**self).allow_write(request)
    }
}

impl<Ctx, Ev, C, A: Authorizer<Ctx, Ev, C> + ?Sized> Authorizer<Ctx, Ev, C> for Box<A> {
    fn allow_read(&self, request: &ReadRequest<'_, Ctx, C>) -> bool {
        (**self).allow_read(request)
    }
    fn allow_write(&self, request: &WriteRequest<'_, Ctx, Ev, C>) -> bool {
        (**self).allow_write(request)
    }
}

impl<Ctx, Ev, C, A: Authorizer<Ctx, Ev, C> + ?Sized> Authorizer<Ctx, Ev, C> for Arc<A> {
    fn allow_read(&self, request: &ReadRequest<'_, Ctx, C>) -> bool {
        (**self).allow_read(request)
    }
    fn allow_write(&self, request: &WriteRequest<'_, Ctx, Ev, C>) -> bool {
        (**self).allow_write(request)
    }
}

/// A read of an instance's state: `allowRead`'s `{ machineInstanceName, state, context,
/// authContext }`.
#[non_exhaustive]
pub struct ReadRequest<'a, Ctx, C> {
    /// The instance's name.
    pub machine_instance_name: &'a str,
    /// Its current state.
    pub state: &'a StateValue,
    /// Its current context.
    pub context: &'a Ctx,
    /// Who asks.
    pub auth_context: AuthContext<'a, C>,
}

impl<'a, Ctx, C> ReadRequest<'a, Ctx, C> {
    /// A read of `machine_instance_name`, in `state` with `context`, by `auth_context`.
    pub fn new(
        machine_instance_name: &'a str,
        state: &'a StateValue,
        context: &'a Ctx,
        auth_context: AuthContext<'a, C>,
    ) -> Self {
        ReadRequest {
            machine_instance_name,
            state,
            context,
            auth_context,
        }
    }
}

impl<Ctx, C> Clone for ReadRequest<'_, Ctx, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Ctx, C> Copy for ReadRequest<'_, Ctx, C> {}

impl<Ctx: fmt::Debug, C: fmt::Debug> fmt::Debug for ReadRequest<'_, Ctx, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadRequest")
            .field("machine_instance_name", &self.machine_instance_name)
            .field("state", self.state)
            .field("context", self.context)
            .field("auth_context", &self.auth_context)
            .finish()
    }
}

/// A write to an instance: `allowWrite`'s request, whose `type` is `"event"` or
/// `"initialization"`, the only two kinds `@statebacked/machine` has: a `match` needs no
/// catch-all arm that would have to guess.
pub enum WriteRequest<'a, Ctx, Ev, C> {
    /// An event sent to an existing instance.
    #[non_exhaustive]
    Event {
        /// The instance's name.
        machine_instance_name: &'a str,
        /// Its state before the event.
        state: &'a StateValue,
        /// The event.
        event: &'a Ev,
        /// Its context before the event.
        context: &'a Ctx,
        /// Who sends it.
        auth_context: AuthContext<'a, C>,
    },
    /// The creation of an instance: there is no state yet, and `context` is the initial one.
    #[non_exhaustive]
    Initialization {
        /// The new instance's name.
        machine_instance_name: &'a str,
        /// Its initial context.
        context: &'a Ctx,
        /// Who creates it.
        auth_context: AuthContext<'a, C>,
    },
}

impl<'a, Ctx, Ev, C> WriteRequest<'a, Ctx, Ev, C> {
    /// `event`, sent to `machine_instance_name` in `state` with `context`, by `auth_context`.
    pub fn new_event(
        machine_instance_name: &'a str,
        state: &'a StateValue,
        event: &'a Ev,
        context: &'a Ctx,
        auth_context: AuthContext<'a, C>,
    ) -> Self {
        WriteRequest::Event {
            machine_instance_name,
            state,
            event,
            context,
            auth_context,
        }
    }

    /// The creation of `machine_instance_name` with the initial `context`, by `auth_context`.
    pub fn new_initialization(
        machine_instance_name: &'a str,
        context: &'a Ctx,
        auth_context: AuthContext<'a, C>,
    ) -> Self {
        WriteRequest::Initialization {
            machine_instance_name,
            context,
            auth_context,
        }
    }

    /// The instance's name.
    pub fn machine_instance_name(&self) -> &'a str {
        match self {
            WriteRequest::Event {
                machine_instance_name,
                ..
            }
            | WriteRequest::Initialization {
                machine_instance_name,
                ..
            } => machine_instance_name,
        }
    }

    /// The instance's context: before the event, or the initial one.
    pub fn context(&self) -> &'a Ctx {
        match self {
            WriteRequest::Event { context, .. } | WriteRequest::Initialization { context, .. } => {
                context
            }
        }
    }

    /// Who writes.
    pub fn auth_context(&self) -> AuthContext<'a, C> {
        match self {
            WriteRequest::Event { auth_context, .. }
            | WriteRequest::Initialization { auth_context, .. } => *auth_context,
        }
    }

    /// The state before the event; `None` for an initialization.
    pub fn state(&self) -> Option<&'a StateValue> {
        match self {
            WriteRequest::Event { state, .. } => Some(state),
            WriteRequest::Initialization { .. } => None,
        }
    }

    /// The event; `None` for an initialization.
    pub fn event(&self) -> Option<&'a Ev> {
        match self {
            WriteRequest::Event { event, .. } => Some(event),
            WriteRequest::Initialization { .. } => None,
        }
    }

    /// `"event"` or `"initialization"`, as `allowWrite`'s `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            WriteRequest::Event { .. } => "event",
            WriteRequest::Initialization { .. } => "initialization",
        }
    }
}

impl<Ctx, Ev, C> Clone for WriteRequest<'_, Ctx, Ev, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Ctx, Ev, C> Copy for WriteRequest<'_, Ctx, Ev, C> {}

impl<Ctx: fmt::Debug, Ev: fmt::Debug, C: fmt::Debug> fmt::Debug for WriteRequest<'_, Ctx, Ev, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("WriteRequest");
        s.field("type", &self.kind())
            .field("machine_instance_name", &self.machine_instance_name());
        if let (Some(state), Some(event)) = (self.state(), self.event()) {
            s.field("state", state).field("event", event);
        }
        s.field("context", self.context())
            .field("auth_context", &self.auth_context())
            .finish()
    }
}

/// A read or a write, for an authorizer written as one function ([`from_fn`]).
#[derive(Debug)]
pub enum Access<'r, 'a, Ctx, Ev, C> {
    /// `allowRead`.
    Read(&'r ReadRequest<'a, Ctx, C>),
    /// `allowWrite`.
    Write(&'r WriteRequest<'a, Ctx, Ev, C>),
}

impl<'a, Ctx, Ev, C> Access<'_, 'a, Ctx, Ev, C> {
    /// The instance's name.
    pub fn machine_instance_name(&self) -> &'a str {
        match self {
            Access::Read(read) => read.machine_instance_name,
            Access::Write(write) => write.machine_instance_name(),
        }
    }

    /// The instance's context.
    pub fn context(&self) -> &'a Ctx {
        match self {
            Access::Read(read) => read.context,
            Access::Write(write) => write.context(),
        }
    }

    /// Who asks.
    pub fn auth_context(&self) -> AuthContext<'a, C> {
        match self {
            Access::Read(read) => read.auth_context,
            Access::Write(write) => write.auth_context(),
        }
    }
}

impl<Ctx, Ev, C> Clone for Access<'_, '_, Ctx, Ev, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Ctx, Ev, C> Copy for Access<'_, '_, Ctx, Ev, C> {}

/// An authorizer from one function that answers reads and writes alike.
///
/// ```
/// use statebacked_claims::authorize::{self, Access, Authorizer, ReadRequest, StateValue, WriteRequest};
/// use statebacked_claims::AuthContext;
///
/// // Anyone may read; only users may write.
/// let policy = authorize::from_fn(|access: Access<'_, '_, (), (), serde_json::Value>| {
///     match access {
///         Access::Read(_) => true,
///         Access::Write(write) => !write.auth_context().is_anonymous(),
///     }
/// });
/// let session = AuthContext::Anonymous { sid: "s-1", did: "d-1" };
/// assert!(policy.allow_read(&ReadRequest::new("doc-1", &StateValue::from("idle"), &(), session)));
/// assert!(!policy.allow_write(&WriteRequest::new_initialization("doc-1", &(), session)));
/// ```
pub fn from_fn<Ctx, Ev, C, F>(authorize: F) -> FromFn<F>
where
    F: for<'r, 'a> Fn(Access<'r, 'a, Ctx, Ev, C>) -> bool,
{
    FromFn(authorize)
}

/// An authorizer from two functions: `allow_read` and `allow_write` (see the
/// [module](self) example).
pub fn from_fns<Ctx, Ev, C, R, W>(allow_read: R, allow_write: W) -> FromFns<R, W>
where
    R: Fn(&ReadRequest<'_, Ctx, C>) -> bool,
    W: Fn(&WriteRequest<'_, Ctx, Ev, C>) -> bool,
{
    FromFns {
        allow_read,
        allow_write,
    }
}

/// The authorizer [`from_fn`] makes.
#[derive(Clone, Copy)]
pub struct FromFn<F>(F);

impl<F> fmt::Debug for FromFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FromFn(..)")
    }
}

impl<Ctx, Ev, C, F> Authorizer<Ctx, Ev, C> for FromFn<F>
where
    F: for<'r, 'a> Fn(Access<'r, 'a, Ctx, Ev, C>) -> bool,
{
    fn allow_read(&self, request: &ReadRequest<'_, Ctx, C>) -> bool {
        (self.0)(Access::Read(request))
    }
    fn allow_write(&self, request: &WriteRequest<'_, Ctx, Ev, C>) -> bool {
        (self.0)(Access::Write(request))
    }
}

/// The authorizer [`from_fns`] makes.
#[derive(Clone, Copy)]
pub struct FromFns<R, W> {
    allow_read: R,
    allow_write: W,
}

impl<R, W> fmt::Debug for FromFns<R, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FromFns(..)")
    }
}

impl<Ctx, Ev, C, R, W> Authorizer<Ctx, Ev, C> for FromFns<R, W>
where
    R: Fn(&ReadRequest<'_, Ctx, C>) -> bool,
    W: Fn(&WriteRequest<'_, Ctx, Ev, C>) -> bool,
{
    fn allow_read(&self, request: &ReadRequest<'_, Ctx, C>) -> bool {
        (self.allow_read)(request)
    }
    fn allow_write(&self, request: &WriteRequest<'_, Ctx, Ev, C>) -> bool {
        (self.allow_write)(request)
    }
}

/// A machine's state as State Backed reports it: the name of an atomic state, or an object
/// from each active parent state to its child's value (XState's state value).
///
/// ```
/// use statebacked_claims::authorize::StateValue;
///
/// let state: StateValue = serde_json::from_str(r#"{"open":{"editing":"draft"}}"#)?;
/// assert!(state.matches("open"));
/// assert!(state.matches("open.editing.draft"));
/// assert!(!state.matches("open.viewing"));
/// assert_eq!(serde_json::to_string(&StateValue::from("closed"))?, r#""closed""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StateValue {
    /// An atomic state: `"closed"`.
    Atomic(String),
    /// Compound or parallel states: `{"open":"editing"}`.
    Compound(BTreeMap<String, StateValue>),
}

impl StateValue {
    /// Whether the state is, or is inside, the state at `path` (names joined by `.`), as
    /// XState's `state.matches("parent.child")`.
    pub fn matches(&self, path: &str) -> bool {
        let mut state = self;
        let mut names = path.split('.');
        loop {
            let Some(name) = names.next() else {
                return true;
            };
            match state {
                StateValue::Atomic(atomic) => return atomic == name && names.next().is_none(),
                StateValue::Compound(children) => match children.get(name) {
                    Some(child) => state = child,
                    None => return false,
                },
            }
        }
    }
}

impl From<&str> for StateValue {
    fn from(name: &str) -> Self {
        StateValue::Atomic(name.to_owned())
    }
}

impl From<String> for StateValue {
    fn from(name: String) -> Self {
        StateValue::Atomic(name)
    }
}
