//! The relay: rooms of two sides passing opaque frames, plus the static page.
//!
//! # Protocol (docs/interfaces.md, section `relay`)
//! 1. A side opens `GET /v1/rooms/{room_id}?role=host|guest` as a WebSocket. The room id
//!    is 32 lowercase hex digits ([`crate::seal::Invite::room_id`]); anything else is
//!    closed with 4000.
//! 2. The host's arrival creates the room; a guest before the host, or after the room
//!    ended unused, gets 4004. A second host or guest gets 4001 "room full". A room both
//!    sides have been in and that has ended is remembered for 24 h and refused with 4010
//!    "invite already used".
//! 3. The relay tells a side `{"type":"waiting"}` when it joins alone,
//!    `{"type":"peer-joined"}` (both sides) when the other arrives or comes back, and
//!    `{"type":"peer-left"}` when the other disconnects.
//! 4. Binary messages are frames, forwarded untouched to the other side. While the other
//!    side is absent they are **dropped**: the relay stores nothing, and the session
//!    layer resends unacknowledged frames after `peer-joined`.
//! 5. Text messages from clients are not part of the protocol: the relay closes the
//!    sender with 4000 so a confused client fails loudly.
//! 6. A side that drops may reconnect with the same role while the room lives: while at
//!    least one side is connected, then for a 2-minute grace after both have left, and
//!    never beyond the room's 6-hour lifetime.
//!
//! Limits ([`RelayConfig`]): a frame over 4 MiB or a room over 8 GiB closes the offender
//! only (4013); a room silent for an hour (4008: people take time to find a file and
//! agree, and a browser tab sends no frames meanwhile); a 6-hour room lifetime (4008);
//! 10,000 rooms and 64 connections per IP address (4029). Backpressure: frames towards
//! a client queue up to 32 frames / 256 KiB (or one larger frame), after which the sender's socket is no longer
//! read, so a slow receiver slows its sender instead of growing the relay.
//!
//! # What the relay learns
//! Room ids, frame sizes and timing, client addresses. Frames are sealed end to end
//! ([`crate::seal`]); logs (one `key=value` line per event on stderr) carry a room id
//! prefix, roles, close codes and byte counts, never frame content.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts, Path, RawQuery, State, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

pub mod client;
mod limits;
mod room;
mod socket;
mod www;

pub use limits::RelayConfig;

/// A relay instance: its limits, rooms and connection counts. Cheap to clone; all
/// clones share the same rooms.
#[derive(Clone)]
pub struct Relay {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    config: Arc<RelayConfig>,
    rooms: room::Registry,
    ips: Arc<limits::IpLimiter>,
    www: Option<PathBuf>,
    next_conn: AtomicU64,
    connections: AtomicUsize,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Relay {
    /// A relay with these limits, serving the page from `www` if given.
    pub fn new(config: RelayConfig, www: Option<PathBuf>) -> Relay {
        let config = Arc::new(config);
        Relay {
            shared: Arc::new(Shared {
                rooms: room::Registry::new(Arc::clone(&config)),
                config,
                ips: Arc::default(),
                www,
                next_conn: AtomicU64::new(0),
                connections: AtomicUsize::new(0),
                shutdown: tokio::sync::watch::Sender::new(false),
            }),
        }
    }

    /// The routes: `GET /healthz`, `GET /v1/rooms/{room_id}` (WebSocket) and the static
    /// page as fallback, all with the security headers.
    ///
    /// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` (as
    /// [`serve`] does) for the per-address connection limit to apply.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/v1/rooms/{room_id}", get(room_socket))
            .fallback(www::serve_file)
            .layer(axum::middleware::from_fn(www::security_headers))
            .with_state(self.clone())
    }

    /// Rooms alive now (connected, or empty within their reconnect grace).
    pub fn room_count(&self) -> usize {
        self.shared.rooms.room_count()
    }

    /// WebSocket connections open now.
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// Ends rooms whose grace or lifetime is over now rather than at the next join.
    pub fn sweep(&self) {
        for e in self.shared.rooms.sweep_now() {
            log(&self.shared.config, format_args!("event=room-end room={} used={}", short(&e.room.id), e.used));
        }
    }

    /// Closes every connection with 1001 "relay shutting down" and refuses new ones.
    pub fn shut_down(&self) {
        self.shared.shutdown.send_replace(true);
    }
}

/// [`Relay::router`] of a new relay: the common case.
pub fn router(config: RelayConfig, www: Option<PathBuf>) -> Router {
    Relay::new(config, www).router()
}

/// Serves `relay` on `listener` until `shutdown` completes, then closes the open
/// WebSockets (1001) and waits up to 2 seconds for them to finish.
///
/// # Errors
/// I/O errors from accepting connections.
pub async fn serve(listener: TcpListener, relay: Relay, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    let app = relay.router().into_make_service_with_connect_info::<SocketAddr>();
    let closing = relay.clone();
    let signal = async move {
        shutdown.await;
        // Upgraded WebSockets are no longer hyper's connections, so graceful shutdown
        // would not wait for them: tell them first.
        closing.shut_down();
    };
    axum::serve(listener, app).with_graceful_shutdown(signal).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while relay.connection_count() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn room_socket(
    State(relay): State<Relay>,
    Path(room_id): Path<String>,
    RawQuery(query): RawQuery,
    PeerIp(ip): PeerIp,
    ws: WebSocketUpgrade,
) -> Response {
    let shared = Arc::clone(&relay.shared);
    // One byte over the limit reaches `socket::forward`, which closes with 4013; larger
    // messages are refused by the WebSocket layer before being buffered whole.
    let max = shared.config.max_frame_bytes.saturating_add(1);
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| socket::run(shared, socket, room_id, query, ip))
}

/// The client's IP address, when the server was started with connection info.
struct PeerIp(Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerIp(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// One log line: `relay <fields>` on stderr.
fn log(cfg: &RelayConfig, fields: core::fmt::Arguments<'_>) {
    if cfg.log {
        eprintln!("relay {fields}");
    }
}

/// The first 8 hex digits of a room id: enough to follow a room in the log without
/// writing whole ids (which an invite holder could look up) to disk.
fn short(room_id: &str) -> &str {
    room_id.get(..8).unwrap_or("-")
}
