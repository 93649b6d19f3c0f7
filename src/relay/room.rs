//! The room registry: who is in which room, and which rooms have ended.
//!
//! A room is born when its host connects and holds at most one host and one guest. It
//! lives while a side is connected, then for `reconnect_grace` after both have left, so a
//! dropped side can come back with the same role. A room that ends after both sides have
//! been in it is remembered as used for `used_room_ttl` (the invite's lifetime), so the
//! invite cannot open a second session; a room only the host ever saw is simply forgotten.
//! Used ids are bounded by time only: creating many rooms cannot push one out early. Each
//! costs about 50 bytes, and rooms end at most `max_rooms` per reconnect grace, which
//! bounds the list (docs/relay.md gives the figure).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::body::Bytes;
use tokio::sync::{mpsc, OwnedSemaphorePermit};

use super::held::Held;
use super::limits::RelayConfig;
use crate::policy::CloseCode;
use crate::seal::Role;

/// What the writer of one connection sends to its client.
#[derive(Debug)]
pub(crate) enum Control {
    /// A relay JSON message (`waiting`, `peer-joined`, `peer-left`).
    Text(&'static str),
    /// A WebSocket ping, to find connections that died silently.
    Ping,
    /// Close the connection with this code and reason, then stop.
    Close(CloseCode, &'static str),
}

/// A frame queued for a client; the permit holds its bytes against the queue budget and
/// `Held` against the relay's held-bytes pool until the writer has sent it.
pub(crate) type Queued = (Bytes, OwnedSemaphorePermit, Held);

/// One connected side, as the other side and the registry see it.
#[derive(Clone)]
pub(crate) struct Side {
    pub(crate) conn: u64,
    pub(crate) frames: mpsc::Sender<Queued>,
    pub(crate) budget: Arc<tokio::sync::Semaphore>,
    pub(crate) control: mpsc::UnboundedSender<Control>,
}

#[derive(Default)]
struct Slots {
    host: Option<Side>,
    guest: Option<Side>,
    guest_seen: bool,
    /// When the last side left, if none is connected.
    empty_since: Option<Instant>,
}

impl Slots {
    fn slot(&mut self, role: Role) -> &mut Option<Side> {
        match role {
            Role::Host => &mut self.host,
            Role::Guest => &mut self.guest,
        }
    }
}

/// One room. Counters are atomics so that forwarding a frame only takes the room's own
/// lock, never the registry's.
pub(crate) struct Room {
    pub(crate) id: String,
    pub(crate) created: Instant,
    /// Bytes forwarded or dropped in this room, both directions, for the room byte limit.
    pub(crate) bytes: AtomicU64,
    /// Milliseconds since `created` of the last message from either side.
    last_activity_ms: AtomicU64,
    slots: Mutex<Slots>,
}

impl Room {
    fn new(id: String) -> Room {
        Room {
            id,
            created: Instant::now(),
            bytes: AtomicU64::new(0),
            last_activity_ms: AtomicU64::new(0),
            slots: Mutex::new(Slots::default()),
        }
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        // A panic while holding this lock cannot leave the slots inconsistent (every
        // update is a single assignment), so a poisoned lock is still usable.
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The side that frames from `role` go to, if it is connected.
    pub(crate) fn peer_of(&self, role: Role) -> Option<Side> {
        self.slots().slot(role.peer()).clone()
    }

    /// Notes activity now, for the idle timeout.
    pub(crate) fn touch(&self) {
        let ms = u64::try_from(self.created.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// When the room last saw a message from either side.
    pub(crate) fn last_activity(&self) -> Instant {
        self.created + std::time::Duration::from_millis(self.last_activity_ms.load(Ordering::Relaxed))
    }

    /// Removes `conn` from its slot and tells the other side. Returns whether the room is
    /// now empty.
    pub(crate) fn leave(&self, role: Role, conn: u64) -> bool {
        let mut slots = self.slots();
        let slot = slots.slot(role);
        if slot.as_ref().map(|s| s.conn) != Some(conn) {
            return false;
        }
        *slot = None;
        if let Some(peer) = slots.slot(role.peer()) {
            let _ = peer.control.send(Control::Text(PEER_LEFT));
            false
        } else {
            slots.empty_since = Some(Instant::now());
            true
        }
    }
}

/// Relay JSON messages, exactly as in docs/interfaces.md.
pub(crate) const WAITING: &str = r#"{"type":"waiting"}"#;
pub(crate) const PEER_JOINED: &str = r#"{"type":"peer-joined"}"#;
pub(crate) const PEER_LEFT: &str = r#"{"type":"peer-left"}"#;

/// Why a side was not admitted or was closed: a close code and its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal(pub(crate) CloseCode, pub(crate) &'static str);

pub(crate) const ROOM_FULL: Refusal = Refusal(CloseCode::RoomFull, "room full");
pub(crate) const NO_SUCH_ROOM: Refusal = Refusal(CloseCode::NoSuchRoom, "no such room");
pub(crate) const USED: Refusal = Refusal(CloseCode::InviteUsed, "invite already used");
pub(crate) const TOO_MANY_ROOMS: Refusal = Refusal(CloseCode::RelayBusy, "too many rooms");

/// All rooms of one relay.
pub(crate) struct Registry {
    config: Arc<RelayConfig>,
    inner: Mutex<Inner>,
}

/// A room id (32 hex digits) as its 16 bytes: the used list keeps many.
type UsedId = [u8; 16];

fn used_id(id: &str) -> UsedId {
    let mut out = [0u8; 16];
    for (o, pair) in out.iter_mut().zip(id.as_bytes().chunks(2)) {
        let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
        *o = pair.iter().fold(0u8, |acc, c| (acc << 4) | hex(*c));
    }
    out
}

#[derive(Default)]
struct Inner {
    rooms: HashMap<String, Arc<Room>>,
    used: HashMap<UsedId, Instant>,
    /// `used` in the order it was filled (so in time order), to forget expired ids.
    used_order: VecDeque<(UsedId, Instant)>,
    last_sweep: Option<Instant>,
}

/// What happened to a room that ended, for the log.
pub(crate) struct Ended {
    pub(crate) room: Arc<Room>,
    pub(crate) used: bool,
}

impl Registry {
    pub(crate) fn new(config: Arc<RelayConfig>) -> Registry {
        Registry { config, inner: Mutex::new(Inner::default()) }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Same reasoning as `Room::slots`: updates are whole-value, so poisoning is benign.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Rooms currently alive (connected or in their reconnect grace).
    pub(crate) fn room_count(&self) -> usize {
        self.inner().rooms.len()
    }

    /// Admits `side` into room `id` as `role`, telling both sides what they need to know.
    ///
    /// Returns the room and the rooms that ended during the sweep this join triggered.
    ///
    /// # Errors
    /// A [`Refusal`]: used invite (4010), room full (4001), guest with no room (4004), too
    /// many rooms (4503).
    pub(crate) fn join(&self, id: &str, role: Role, side: Side) -> (Result<Arc<Room>, Refusal>, Vec<Ended>) {
        let now = Instant::now();
        let mut inner = self.inner();
        let ended = self.sweep(&mut inner, now);
        let result = self.admit(&mut inner, id, role, side, now);
        (result, ended)
    }

    fn admit(&self, inner: &mut Inner, id: &str, role: Role, side: Side, now: Instant) -> Result<Arc<Room>, Refusal> {
        // The room being joined is checked even between sweeps, so a grace or lifetime
        // that just ran out is honoured exactly.
        if let Some(room) = inner.rooms.get(id) {
            let over = is_over(&room.slots(), room, now, &self.config);
            if let Some(used) = over {
                if used {
                    remember_used(inner, id, now);
                }
                inner.rooms.remove(id);
            }
        }
        if inner.used.get(&used_id(id)).is_some_and(|t| now.duration_since(*t) < self.config.used_room_ttl) {
            return Err(USED);
        }
        if let Some(room) = inner.rooms.get(id) {
            let mut slots = room.slots();
            let peer = slots.slot(role.peer()).clone();
            let slot = slots.slot(role);
            if slot.is_some() {
                return Err(ROOM_FULL);
            }
            let me = side.control.clone();
            *slot = Some(side);
            slots.empty_since = None;
            if role == Role::Guest {
                slots.guest_seen = true;
            }
            match peer {
                Some(peer) => {
                    let _ = peer.control.send(Control::Text(PEER_JOINED));
                    let _ = me.send(Control::Text(PEER_JOINED));
                }
                None => {
                    let _ = me.send(Control::Text(WAITING));
                }
            }
            return Ok(Arc::clone(room));
        }
        if role == Role::Guest {
            return Err(NO_SUCH_ROOM);
        }
        if inner.rooms.len() >= self.config.max_rooms {
            return Err(TOO_MANY_ROOMS);
        }
        let room = Arc::new(Room::new(id.to_owned()));
        {
            let mut slots = room.slots();
            let _ = side.control.send(Control::Text(WAITING));
            slots.host = Some(side);
        }
        inner.rooms.insert(id.to_owned(), Arc::clone(&room));
        Ok(room)
    }

    /// Ends rooms that are empty past their grace or past their lifetime, and forgets
    /// used-room entries past their TTL. Runs at most once a second, on joins, so the
    /// registry needs no timer task of its own.
    fn sweep(&self, inner: &mut Inner, now: Instant) -> Vec<Ended> {
        if inner.last_sweep.is_some_and(|t| now.duration_since(t).as_secs() < 1) {
            return Vec::new();
        }
        inner.last_sweep = Some(now);
        let cfg = &self.config;
        let mut gone = Vec::new();
        inner.rooms.retain(|_, room| match is_over(&room.slots(), room, now, cfg) {
            Some(used) => {
                gone.push(Ended { room: Arc::clone(room), used });
                false
            }
            None => true,
        });
        for e in &gone {
            if e.used {
                remember_used(inner, &e.room.id, now);
            }
        }
        while let Some((id, t)) = inner.used_order.front().copied() {
            if now.duration_since(t) < cfg.used_room_ttl {
                break;
            }
            inner.used_order.pop_front();
            // Only forget the entry if it was not re-inserted later.
            if inner.used.get(&id) == Some(&t) {
                inner.used.remove(&id);
            }
        }
        gone
    }

    /// Forces a sweep now (tests and the load benchmark use short graces).
    pub(crate) fn sweep_now(&self) -> Vec<Ended> {
        let mut inner = self.inner();
        inner.last_sweep = None;
        self.sweep(&mut inner, Instant::now())
    }
}

/// `Some(used)` if the room has ended: empty past its grace, or empty past its lifetime
/// (connected sides close themselves at the lifetime and then leave). `used` says both
/// sides have been in it.
fn is_over(slots: &Slots, room: &Room, now: Instant, cfg: &RelayConfig) -> Option<bool> {
    let empty = slots.host.is_none() && slots.guest.is_none();
    let grace_over = slots.empty_since.is_some_and(|t| now.duration_since(t) >= cfg.reconnect_grace);
    let lifetime_over = now.duration_since(room.created) >= cfg.room_lifetime;
    (empty && (grace_over || lifetime_over)).then_some(slots.guest_seen)
}

fn remember_used(inner: &mut Inner, id: &str, now: Instant) {
    let key = used_id(id);
    inner.used.insert(key, now);
    inner.used_order.push_back((key, now));
}

/// Counts bytes into the room and says whether the room byte limit still holds.
pub(crate) fn add_bytes(room: &Room, n: usize, limit: u64) -> bool {
    let n = u64::try_from(n).unwrap_or(u64::MAX);
    room.bytes.fetch_add(n, Ordering::Relaxed).saturating_add(n) <= limit
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::Duration;

    fn side(conn: u64) -> (Side, mpsc::UnboundedReceiver<Control>) {
        let (frames, _) = mpsc::channel(1);
        let (control, rx) = mpsc::unbounded_channel();
        (Side { conn, frames, budget: Arc::new(tokio::sync::Semaphore::new(1)), control }, rx)
    }

    fn texts(rx: &mut mpsc::UnboundedReceiver<Control>) -> Vec<&'static str> {
        let mut out = Vec::new();
        while let Ok(Control::Text(t)) = rx.try_recv() {
            out.push(t);
        }
        out
    }

    /// Host and guest join room `id`, then both leave.
    fn use_room(reg: &Registry, id: &str, conn: u64) {
        let (h, _hr) = side(conn);
        let (g, _gr) = side(conn + 1);
        let room = reg.join(id, Role::Host, h).0.unwrap();
        reg.join(id, Role::Guest, g).0.unwrap();
        room.leave(Role::Host, conn);
        room.leave(Role::Guest, conn + 1);
    }

    #[test]
    fn joins_tell_each_side_what_happened() {
        let reg = Registry::new(Arc::new(RelayConfig::default()));
        let (h, mut hr) = side(1);
        let room = reg.join(&id(7), Role::Host, h).0.unwrap();
        assert_eq!(texts(&mut hr), [WAITING]);
        let (g, mut gr) = side(2);
        reg.join(&id(7), Role::Guest, g).0.unwrap();
        assert_eq!(texts(&mut hr), [PEER_JOINED]);
        assert_eq!(texts(&mut gr), [PEER_JOINED]);
        assert_eq!(reg.join(&id(7), Role::Guest, side(3).0).0.err(), Some(ROOM_FULL));
        // Only the connection that holds the slot can free it.
        assert!(!room.leave(Role::Guest, 3));
        assert!(!room.leave(Role::Guest, 2));
        assert_eq!(texts(&mut hr), [PEER_LEFT]);
        assert!(room.leave(Role::Host, 1));
    }

    /// 32 hex digits, as the relay admits them.
    fn id(n: u32) -> String {
        format!("{n:032x}")
    }

    #[test]
    fn used_rooms_are_remembered_however_many_rooms_come_after() {
        let config = RelayConfig { reconnect_grace: Duration::ZERO, ..RelayConfig::default() };
        let reg = Registry::new(Arc::new(config));
        use_room(&reg, &id(0), 0);
        // More used rooms than a count bound of 100,000 would keep: the first stays spent.
        for i in 1..=100_001 {
            use_room(&reg, &id(i), 10 * u64::from(i));
            reg.sweep_now();
        }
        assert_eq!(reg.room_count(), 0);
        assert_eq!(reg.join(&id(0), Role::Host, side(1).0).0.err(), Some(USED));
        assert_eq!(reg.join(&id(0), Role::Guest, side(2).0).0.err(), Some(USED));
    }

    #[test]
    fn used_rooms_are_forgotten_after_their_time() {
        let config = RelayConfig { reconnect_grace: Duration::ZERO, used_room_ttl: Duration::from_millis(300), ..RelayConfig::default() };
        let reg = Registry::new(Arc::new(config));
        use_room(&reg, &id(0), 0);
        reg.sweep_now();
        assert_eq!(reg.join(&id(0), Role::Host, side(1).0).0.err(), Some(USED));
        std::thread::sleep(Duration::from_millis(350));
        reg.sweep_now();
        assert!(reg.inner().used.is_empty() && reg.inner().used_order.is_empty());
        assert!(reg.join(&id(0), Role::Host, side(3).0).0.is_ok());
    }

    #[test]
    fn an_empty_room_waits_out_its_grace() {
        let config = RelayConfig { reconnect_grace: Duration::from_secs(3600), ..RelayConfig::default() };
        let reg = Registry::new(Arc::new(config));
        use_room(&reg, &id(7), 0);
        reg.sweep_now();
        assert_eq!(reg.room_count(), 1);
        let (g, mut gr) = side(5);
        assert!(reg.join(&id(7), Role::Guest, g).0.is_ok());
        assert_eq!(texts(&mut gr), [WAITING]);
    }
}
