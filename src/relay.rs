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
//! Limits ([`RelayConfig`], docs/relay.md): a frame over 4 MiB or a room over 8 GiB
//! closes the offender only (4013); a room silent for an hour, a 6-hour room lifetime, a
//! side that answers no ping for 45 s, or a message left incomplete for a minute (4008);
//! 10,000 rooms (4503); 4,096 connections in all (HTTP 503); 64 WebSockets and 64 pending
//! HTTP connections per client address, IPv6 counted per /64 (4029, HTTP 429); a request
//! head or upgrade within 10 s; 256 MiB held for unfinished messages and queued frames in
//! all, the longest holder evicted first (4503). Backpressure: frames towards a client
//! queue up to 32 frames / 256 KiB (or one larger frame), after which the sender's socket
//! is no longer read, so a slow receiver slows its sender instead of growing the relay.
//! The close codes and their retry rule are [`crate::policy::CloseCode`].
//!
//! # What the relay learns
//! Room ids, frame sizes and timing, client addresses. Frames are sealed end to end
//! ([`crate::seal`]); logs (one `key=value` line per event on stderr) carry a room id
//! prefix, roles, close codes and byte counts, never frame content.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::routing::get;
use axum::Router;

mod address;
pub mod client;
mod held;
mod limits;
mod listen;
mod meter;
mod room;
mod socket;
mod upgrade;
mod www;

pub use address::{Cidr, CidrError};
pub use limits::RelayConfig;
pub use listen::serve;

/// A relay instance: its limits, rooms and connection counts. Cheap to clone; all
/// clones share the same rooms.
#[derive(Clone)]
pub struct Relay {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    config: Arc<RelayConfig>,
    rooms: room::Registry,
    /// Open WebSockets per client address (4029).
    ips: Arc<limits::AddrLimiter>,
    /// Open HTTP connections not upgraded, per TCP peer address (HTTP 429).
    pending: Arc<limits::AddrLimiter>,
    /// Bytes held for unfinished messages and queued frames, all connections together.
    held: Arc<held::Pool>,
    www: Option<PathBuf>,
    next_conn: AtomicU64,
    /// Open WebSocket connections.
    connections: AtomicUsize,
    /// Open HTTP connections not (yet) upgraded.
    http_open: Arc<AtomicUsize>,
    /// HTTP connections closed for silence or a slow request head.
    timed_out: AtomicU64,
    /// TCP connections refused at once (503, 429).
    refused: AtomicU64,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Relay {
    /// A relay with these limits, serving the page from `www` if given.
    pub fn new(config: RelayConfig, www: Option<PathBuf>) -> Relay {
        let config = Arc::new(config);
        Relay {
            shared: Arc::new(Shared {
                rooms: room::Registry::new(Arc::clone(&config)),
                held: Arc::new(held::Pool::new(config.max_held_bytes)),
                config,
                ips: Arc::default(),
                pending: Arc::default(),
                www,
                next_conn: AtomicU64::new(0),
                connections: AtomicUsize::new(0),
                http_open: Arc::default(),
                timed_out: AtomicU64::new(0),
                refused: AtomicU64::new(0),
                shutdown: tokio::sync::watch::Sender::new(false),
            }),
        }
    }

    /// The routes: `GET /healthz`, `GET /v1/rooms/{room_id}` (WebSocket) and the static
    /// page as fallback, all with the security headers.
    ///
    /// [`serve`] adds what the limits need (the peer address, connection counts and
    /// timeouts); served any other way, only `into_make_service_with_connect_info::<SocketAddr>()`
    /// gives it the per-address WebSocket limit.
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

    /// HTTP connections open now and not upgraded to a WebSocket.
    pub fn http_connection_count(&self) -> usize {
        self.shared.http_open.load(Ordering::Relaxed)
    }

    /// HTTP connections closed so far for silence or a request head that took too long.
    pub fn timed_out_count(&self) -> u64 {
        self.shared.timed_out.load(Ordering::Relaxed)
    }

    /// TCP connections refused so far at once (`503`, `429`).
    pub fn refused_count(&self) -> u64 {
        self.shared.refused.load(Ordering::Relaxed)
    }

    /// Bytes held now for unfinished messages and queued frames, all connections together.
    pub fn held_bytes(&self) -> u64 {
        self.shared.held.used()
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

async fn room_socket(
    State(relay): State<Relay>,
    Path(room_id): Path<String>,
    RawQuery(query): RawQuery,
    request: Request,
) -> axum::response::Response {
    let shared = Arc::clone(&relay.shared);
    let ip = client_ip(&shared.config, &request);
    upgrade::accept(request, shared, move |shared, ws, watch| socket::run(shared, ws, watch, room_id, query, ip))
}

/// The client's address: the TCP peer (from [`serve`], or axum's connection info), or the
/// address a trusted proxy names for it.
fn client_ip(cfg: &RelayConfig, request: &Request) -> Option<IpAddr> {
    let ext = request.extensions();
    let peer = ext.get::<listen::Peer>().map(|p| p.0).or_else(|| ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0))?;
    let forwarded = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    Some(address::client_ip(peer.ip(), &cfg.trusted_proxies, forwarded))
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
