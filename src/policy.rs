//! Policies as data: the relay's close codes with their retry rule, and the reconnect
//! policy every driver follows. Defined once here; the relay and the native client use
//! these types, and the page reads them through the wasm binding (`relayPolicy()`), so no
//! driver keeps its own copy of a number or a code.
//!
//! The rule a client applies when its relay connection closes:
//! 1. A code whose [`Retry`] is [`Retry::Never`] fails the collaboration at once.
//! 2. [`Retry::WhileRejoining`] fails a first connection, but a side that was already in its
//!    room keeps trying: the relay may still hold its old connection (it finds dead ones
//!    within 45 s) or be momentarily at capacity.
//! 3. [`Retry::Always`] (and a connection that could not be opened at all) is retried.
//!
//! Retrying follows [`ReconnectPolicy`]: one attempt per `delay`, for at most `window`
//! after the connection dropped; then the collaboration fails with the last code.

mod close;
mod reconnect;

pub use close::{retry_for, CloseCode, Retry};
pub use reconnect::ReconnectPolicy;
