//! Relay limits and the per-address connection count.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// Rooms alive at once; a host opening one more is refused (4029).
    pub max_rooms: usize,
    /// Open WebSocket connections per client IP address; one more is refused (4029).
    pub max_connections_per_ip: usize,
    /// Frames queued towards one client before the sending side's reads pause.
    pub queue_frames: usize,
    /// Bytes queued towards one client before the sending side's reads pause. A frame
    /// larger than this still passes, alone, once the queue has drained.
    pub queue_bytes: usize,
    /// How long an ended room's id is remembered to refuse its invite (4010).
    pub used_room_ttl: Duration,
    /// How many ended room ids are remembered at most (oldest forgotten first).
    pub max_used_rooms: usize,
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
            max_connections_per_ip: 64,
            queue_frames: 32,
            queue_bytes: 256 << 10,
            used_room_ttl: Duration::from_secs(24 * 3600),
            max_used_rooms: 100_000,
            ping_interval: Duration::from_secs(15),
            log: true,
        }
    }
}

/// Open connections per IP address.
#[derive(Default)]
pub(crate) struct IpLimiter {
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// Holds one connection's place in the count; gives it back on drop.
pub(crate) struct IpSlot {
    limiter: Arc<IpLimiter>,
    ip: IpAddr,
}

impl IpLimiter {
    /// Takes a place for `ip`, or `None` if it already has `max` connections.
    pub(crate) fn acquire(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<IpSlot> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(IpSlot { limiter: Arc::clone(self), ip })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut counts = self.limiter.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}
