//! Relay limits and the per-address connection counts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::address::{AddrKey, Cidr};

/// Everything the relay bounds. [`RelayConfig::default`] holds the production values;
/// tests shrink them.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Largest binary message a client may send; a larger one closes that client (4013).
    pub max_frame_bytes: usize,
    /// Bytes a room may carry in total, both directions; the side that crosses it is
    /// closed (4013).
    pub max_room_bytes: u64,
    /// A room with no message from either side for this long closes its sides (4008).
    pub idle_timeout: Duration,
    /// A room's absolute lifetime from its creation; then its sides are closed (4008).
    pub room_lifetime: Duration,
    /// How long an empty room waits for a side to reconnect before it ends.
    pub reconnect_grace: Duration,
    /// Rooms alive at once; a host opening one more is refused (4503).
    pub max_rooms: usize,
    /// Open connections in total, HTTP and WebSocket; one more is answered
    /// `503 Service Unavailable` and closed.
    pub max_connections: usize,
    /// Open WebSocket connections per client address (an IPv6 address counts by its /64);
    /// one more is refused (4029).
    pub max_connections_per_ip: usize,
    /// HTTP connections not (yet) upgraded to a WebSocket per client address (IPv6: /64);
    /// one more is answered `429 Too Many Requests` and closed. Not applied to connections
    /// from a trusted proxy, which carry many clients.
    pub max_pending_per_ip: usize,
    /// An HTTP connection silent this long, a request head not complete within it, or a
    /// WebSocket upgrade not finished within it, is closed.
    pub head_timeout: Duration,
    /// A WebSocket message must arrive whole within this much time spent waiting for the
    /// client's bytes (time the relay itself holds back its reads does not count); else the
    /// connection is closed (4008).
    pub message_timeout: Duration,
    /// Bytes held for all connections together: parts of messages not yet complete and
    /// frames queued towards slow receivers. When a connection needs more, the connection
    /// that has held bytes the longest is closed (4503) to make room.
    pub max_held_bytes: u64,
    /// Peers whose `X-Forwarded-For` header names the client (its last entry); for
    /// everyone else the header is ignored.
    pub trusted_proxies: Vec<Cidr>,
    /// Frames queued towards one client before the sending side's reads pause.
    pub queue_frames: usize,
    /// Bytes queued towards one client before the sending side's reads pause. A frame
    /// larger than this still passes, alone, once the queue has drained.
    pub queue_bytes: usize,
    /// How long an ended room's id is remembered to refuse its invite (4010): the
    /// invite's lifetime. Bounded by time only, so creating rooms cannot flush it.
    pub used_room_ttl: Duration,
    /// The relay pings each client this often; a client silent for three intervals is
    /// taken for dead and closed (4008), which frees its role for a reconnect.
    pub ping_interval: Duration,
    /// One line per event on stderr.
    pub log: bool,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            max_frame_bytes: 4 << 20,
            max_room_bytes: 8 << 30,
            idle_timeout: Duration::from_secs(60 * 60),
            room_lifetime: Duration::from_secs(6 * 3600),
            reconnect_grace: Duration::from_secs(2 * 60),
            max_rooms: 10_000,
            max_connections: 4096,
            max_connections_per_ip: 64,
            max_pending_per_ip: 64,
            head_timeout: Duration::from_secs(10),
            message_timeout: Duration::from_secs(60),
            max_held_bytes: 256 << 20,
            trusted_proxies: Vec::new(),
            queue_frames: 32,
            queue_bytes: 256 << 10,
            used_room_ttl: Duration::from_secs(24 * 3600),
            ping_interval: Duration::from_secs(15),
            log: true,
        }
    }
}

/// Open connections per client address key.
#[derive(Default)]
pub(crate) struct AddrLimiter {
    counts: Mutex<HashMap<AddrKey, usize>>,
}

/// Holds one connection's place in the count; gives it back on drop.
pub(crate) struct AddrSlot {
    limiter: Arc<AddrLimiter>,
    key: AddrKey,
}

impl AddrLimiter {
    /// Takes a place for `key`, or `None` if it already has `max` connections.
    pub(crate) fn acquire(self: &Arc<Self>, key: AddrKey, max: usize) -> Option<AddrSlot> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(key).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(AddrSlot { limiter: Arc::clone(self), key })
    }
}

impl Drop for AddrSlot {
    fn drop(&mut self) {
        let mut counts = self.limiter.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}
