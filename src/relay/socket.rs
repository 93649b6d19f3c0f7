//! One WebSocket connection: admission, then a reader that forwards the client's frames
//! to the peer's queue and a writer that drains this client's own queue.
//!
//! Backpressure: frames towards a client wait in a queue bounded both in frames
//! (`queue_frames`) and in bytes (`queue_bytes`, a semaphore). When it is full, the
//! sending side's reader stops reading its socket until the writer catches up, so TCP
//! flow control slows the sender; the relay never buffers more than the bound. A frame
//! that cannot be written to its client within `message_timeout` ends that client (4008).

use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::{sleep_until, timeout, Instant};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WsCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::address::AddrKey;
use super::held::{Eviction, Held};
use super::room::{add_bytes, Control, Queued, Refusal, Room, Side};
use super::upgrade::{Watch, Ws};
use super::{log, short, Shared};
use crate::policy::CloseCode;
use crate::seal::Role;

const BAD_ROOM: Refusal = Refusal(CloseCode::BadRequest, "bad room id");
const BAD_ROLE: Refusal = Refusal(CloseCode::BadRequest, "role must be host or guest");
const TEXT: Refusal = Refusal(CloseCode::BadRequest, "text messages are not accepted");
const TOO_MANY_CONNECTIONS: Refusal = Refusal(CloseCode::TooManyFromAddress, "too many connections from this address");
const FRAME_TOO_LARGE: Refusal = Refusal(CloseCode::TooLarge, "frame too large");
const ROOM_BYTES: Refusal = Refusal(CloseCode::TooLarge, "room byte limit reached");
const IDLE: Refusal = Refusal(CloseCode::Timeout, "idle timeout");
const LIFETIME: Refusal = Refusal(CloseCode::Timeout, "room lifetime reached");
const SHUTDOWN: Refusal = Refusal(CloseCode::ShuttingDown, "relay shutting down");
const UNRESPONSIVE: Refusal = Refusal(CloseCode::Timeout, "no answer to ping");
const INCOMPLETE: Refusal = Refusal(CloseCode::Timeout, "message incomplete for too long");
const STALLED: Refusal = Refusal(CloseCode::Timeout, "frames not read in time");
const NO_MEMORY: Refusal = Refusal(CloseCode::RelayBusy, "relay memory limit reached");

/// Runs one upgraded connection to its end.
pub(crate) async fn run(shared: Arc<Shared>, socket: Ws, watch: Watch, room_id: String, query: Option<String>, ip: Option<IpAddr>) {
    let cfg = Arc::clone(&shared.config);
    let conn = watch.conn;
    shared.connections.fetch_add(1, Ordering::Relaxed);
    let (sink, stream) = socket.split();
    let (frames_tx, frames_rx) = mpsc::channel(cfg.queue_frames.max(1));
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    let budget = Arc::new(Semaphore::new(queue_budget(&cfg)));
    // Milliseconds since `opened` of the writer's last completed send: a client whose
    // socket keeps taking frames is alive even if its pongs wait behind those frames.
    let opened = Instant::now();
    let written = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let writer = Writer { written: Arc::clone(&written), opened, eviction: Arc::clone(&watch.eviction), timeout: cfg.message_timeout };
    let mut writer = tokio::spawn(write_loop(sink, frames_rx, control_rx, writer));
    let side = Side { conn, frames: frames_tx, budget: Arc::clone(&budget), control: control_tx.clone() };

    let progress = Progress { opened, written };
    let outcome = admit_and_forward(&shared, stream, &room_id, query.as_deref(), ip, side, &progress, &watch).await;
    if let Some(Refusal(code, reason)) = outcome.close {
        let _ = control_tx.send(Control::Close(code, reason));
    }
    // Wake a peer waiting for room in this side's queue: it will drop its frame instead.
    budget.close();
    drop(control_tx);
    let bytes_out = match timeout(Duration::from_secs(5), &mut writer).await {
        Ok(Ok(n)) => n,
        Ok(Err(_)) => 0,
        Err(_) => {
            // A client that stopped reading keeps the writer stuck in a send forever.
            writer.abort();
            0
        }
    };
    shared.connections.fetch_sub(1, Ordering::Relaxed);
    if outcome.admitted {
        let (code, reason) = outcome.close.map_or((1000, "client closed"), |r| (r.0.code(), r.1));
        log(
            &cfg,
            format_args!(
                "event=leave room={} role={} conn={conn} code={code} reason=\"{reason}\" bytes_in={} bytes_out={bytes_out} dropped_frames={}",
                short(&room_id),
                outcome.role.map_or("-", Role::as_str),
                outcome.bytes_in,
                outcome.dropped
            ),
        );
    }
}

/// When the writer last got a message out to the client.
struct Progress {
    opened: Instant,
    written: Arc<std::sync::atomic::AtomicU64>,
}

impl Progress {
    fn last_write(&self) -> Instant {
        self.opened + Duration::from_millis(self.written.load(Ordering::Relaxed))
    }
}

#[derive(Default)]
struct Outcome {
    admitted: bool,
    role: Option<Role>,
    close: Option<Refusal>,
    bytes_in: u64,
    dropped: u64,
}

#[allow(clippy::too_many_arguments)]
async fn admit_and_forward(
    shared: &Arc<Shared>,
    mut stream: SplitStream<Ws>,
    room_id: &str,
    query: Option<&str>,
    ip: Option<IpAddr>,
    side: Side,
    progress: &Progress,
    watch: &Watch,
) -> Outcome {
    let cfg = &shared.config;
    let mut out = Outcome::default();
    let own_control = side.control.clone();
    let refuse = |out: &mut Outcome, r: Refusal| {
        log(cfg, format_args!("event=refuse room={} code={} reason=\"{}\"", short(room_id), r.0.code(), r.1));
        out.close = Some(r);
    };
    // The place in the per-address count is held until this function returns.
    let _ip_slot = match ip {
        Some(ip) => match shared.ips.acquire(AddrKey::of(ip), cfg.max_connections_per_ip) {
            Some(slot) => Some(slot),
            None => {
                refuse(&mut out, TOO_MANY_CONNECTIONS);
                return out;
            }
        },
        // Served without connection info (a bare `router()`): no per-address limit.
        None => None,
    };
    if !valid_room_id(room_id) {
        refuse(&mut out, BAD_ROOM);
        return out;
    }
    let Some(role) = parse_role(query) else {
        refuse(&mut out, BAD_ROLE);
        return out;
    };
    out.role = Some(role);
    let conn = side.conn;
    let (joined, ended) = shared.rooms.join(room_id, role, side);
    for e in ended {
        log(
            cfg,
            format_args!(
                "event=room-end room={} used={} bytes={} age_s={}",
                short(&e.room.id),
                e.used,
                e.room.bytes.load(Ordering::Relaxed),
                e.room.created.elapsed().as_secs()
            ),
        );
    }
    let room = match joined {
        Ok(room) => room,
        Err(r) => {
            refuse(&mut out, r);
            return out;
        }
    };
    out.admitted = true;
    log(cfg, format_args!("event=join room={} role={} conn={conn} rooms={}", short(room_id), role.as_str(), shared.rooms.room_count()));
    room.touch();
    out.close = forward(shared, &mut stream, &room, role, &own_control, progress, watch, &mut out).await;
    room.leave(role, conn);
    out
}

/// Reads this side's messages until it leaves or must be closed; returns the close
/// reason when the relay ends the connection.
#[allow(clippy::too_many_arguments)]
async fn forward(
    shared: &Shared,
    stream: &mut SplitStream<Ws>,
    room: &Room,
    role: Role,
    own_control: &mpsc::UnboundedSender<Control>,
    progress: &Progress,
    watch: &Watch,
    out: &mut Outcome,
) -> Option<Refusal> {
    let cfg = &shared.config;
    // Pings find connections that died without a close (a laptop lid, a lost network):
    // until such a side is gone, its role's slot stays taken and its reconnect would be
    // refused as "room full". Any message from the client counts as an answer.
    let ping_every = cfg.ping_interval.max(Duration::from_millis(10));
    let mut pings = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
    pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Unfinished messages are checked more often than pings are sent when the message
    // timeout is short.
    let check_every = (cfg.message_timeout / 4).clamp(Duration::from_millis(10), ping_every);
    let mut checks = tokio::time::interval_at(Instant::now() + check_every, check_every);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let lifetime_end = Instant::from_std(room.created + cfg.room_lifetime);
    let mut shutdown = shared.shutdown.subscribe();
    if *shutdown.borrow() {
        return Some(SHUTDOWN);
    }
    loop {
        let idle_end = Instant::from_std(room.last_activity() + cfg.idle_timeout);
        let msg = tokio::select! {
            m = stream.next() => m,
            _ = sleep_until(idle_end) => {
                // The other side may have been active meanwhile; only a quiet room ends.
                if room.last_activity() + cfg.idle_timeout <= std::time::Instant::now() {
                    return Some(IDLE);
                }
                continue;
            }
            _ = sleep_until(lifetime_end) => return Some(LIFETIME),
            _ = shutdown.changed() => return Some(SHUTDOWN),
            _ = checks.tick() => {
                // A client may begin a message and keep the connection alive with pings
                // and pongs without ever finishing it: its bytes are held meanwhile.
                if watch.clock.overdue(cfg.message_timeout) {
                    return Some(INCOMPLETE);
                }
                continue;
            }
            _ = pings.tick() => {
                // Pongs queue behind the frames already in flight to a slowly reading
                // client, so frames leaving is proof of life too.
                if last_heard.max(progress.last_write()).elapsed() >= ping_every * 3 {
                    return Some(UNRESPONSIVE);
                }
                let _ = own_control.send(Control::Ping);
                continue;
            }
        };
        last_heard = Instant::now();
        let frame = match msg {
            None | Some(Ok(Message::Close(_))) => return None,
            // The WebSocket layer refuses messages over `max_frame_bytes + 1` before they
            // are buffered whole.
            Some(Err(WsError::Capacity(_))) => return Some(FRAME_TOO_LARGE),
            // The meter failed the read: the held-bytes pool evicted this side or had no
            // room for it, or the writer gave up on a client that stopped reading.
            Some(Err(_)) if watch.eviction.is_stalled() => return Some(STALLED),
            Some(Err(_)) if watch.eviction.is_evicted() => return Some(NO_MEMORY),
            Some(Err(_)) => return None,
            Some(Ok(Message::Text(_))) => return Some(TEXT),
            // A client's ping keeps the room from idling; a pong only proves the
            // connection alive (else the relay's own pings would defeat the idle timeout).
            Some(Ok(Message::Ping(_))) => {
                room.touch();
                continue;
            }
            Some(Ok(Message::Pong(_))) | Some(Ok(Message::Frame(_))) => continue,
            Some(Ok(Message::Binary(frame))) => frame,
        };
        room.touch();
        if frame.len() > cfg.max_frame_bytes {
            return Some(FRAME_TOO_LARGE);
        }
        if !add_bytes(room, frame.len(), cfg.max_room_bytes) {
            return Some(ROOM_BYTES);
        }
        out.bytes_in += frame.len() as u64;
        // The WebSocket layer hands out frames as slices of its (larger) read buffer; a
        // queued slice would pin that whole buffer and defeat the queue's byte budget,
        // so queued frames get an allocation of their own.
        let frame = Bytes::copy_from_slice(&frame);
        // Frames for an absent peer are dropped, not stored: the relay keeps nothing, and
        // the session layer resends unacknowledged frames after the peer reconnects.
        let Some(peer) = room.peer_of(role) else {
            out.dropped += 1;
            continue;
        };
        let delivered = tokio::select! {
            d = enqueue(&peer, frame, queue_budget(cfg), &shared.held) => d,
            _ = sleep_until(lifetime_end) => return Some(LIFETIME),
            _ = shutdown.changed() => return Some(SHUTDOWN),
        };
        match delivered {
            Delivery::Queued => {}
            Delivery::PeerGone => out.dropped += 1,
            // The session resends what was not acknowledged once this side is back.
            Delivery::NoMemory => return Some(NO_MEMORY),
        }
        // While this side's frame waited for the peer, its socket was deliberately not
        // read (backpressure), so its pongs could not be seen: that wait is not silence.
        last_heard = Instant::now();
    }
}

/// The byte budget of one client's queue, in semaphore permits.
fn queue_budget(cfg: &super::RelayConfig) -> usize {
    cfg.queue_bytes.clamp(1, u32::MAX as usize)
}

enum Delivery {
    Queued,
    PeerGone,
    NoMemory,
}

/// Waits for room in the peer's queue, then queues the frame.
async fn enqueue(peer: &Side, frame: Bytes, budget: usize, pool: &Arc<super::held::Pool>) -> Delivery {
    // A frame larger than the whole budget takes all of it: it waits for an empty queue
    // and then passes alone, so the queue holds at most `budget` plus one frame.
    let Ok(n) = u32::try_from(frame.len().clamp(1, budget)) else {
        return Delivery::PeerGone;
    };
    // Counted from now: a frame waiting for room in a slow receiver's queue is held too.
    let Some(held) = Held::take(pool, frame.len() as u64) else {
        return Delivery::NoMemory;
    };
    let Ok(permit) = Arc::clone(&peer.budget).acquire_many_owned(n).await else {
        return Delivery::PeerGone;
    };
    if peer.frames.send((frame, permit, held)).await.is_ok() {
        Delivery::Queued
    } else {
        Delivery::PeerGone
    }
}

/// What the writer shares with the rest of the connection.
struct Writer {
    /// Milliseconds since `opened` of the last frame written.
    written: Arc<std::sync::atomic::AtomicU64>,
    opened: Instant,
    /// Told when a frame could not be written within `timeout`.
    eviction: Arc<Eviction>,
    timeout: Duration,
}

/// Sends relay messages and queued frames to the client; returns the frame bytes sent.
async fn write_loop(
    mut sink: SplitSink<Ws, Message>,
    mut frames: mpsc::Receiver<Queued>,
    mut control: mpsc::UnboundedReceiver<Control>,
    w: Writer,
) -> u64 {
    let mut sent = 0u64;
    loop {
        tokio::select! {
            // Relay messages first, so `peer-joined` precedes the new peer's frames.
            biased;
            c = control.recv() => match c {
                Some(Control::Text(t)) => {
                    if sink.send(Message::Text(t.into())).await.is_err() {
                        break;
                    }
                }
                Some(Control::Ping) => {
                    if sink.send(Message::Ping(Bytes::new())).await.is_err() {
                        break;
                    }
                }
                Some(Control::Close(code, reason)) => {
                    let frame = CloseFrame { code: WsCode::from(code.code()), reason: reason.into() };
                    let _ = timeout(Duration::from_secs(1), sink.send(Message::Close(Some(frame)))).await;
                    break;
                }
                None => break,
            },
            f = frames.recv() => match f {
                Some((frame, permit, held)) => {
                    let n = frame.len() as u64;
                    match timeout(w.timeout, sink.send(Message::Binary(frame))).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => break,
                        Err(_) => {
                            // A client that reads slowly enough holds the frame for hours;
                            // the reader wakes up and closes the connection.
                            w.eviction.stall();
                            break;
                        }
                    }
                    drop((permit, held));
                    sent += n;
                    let ms = u64::try_from(w.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
                    w.written.store(ms, Ordering::Relaxed);
                }
                None => break,
            },
        }
    }
    let _ = timeout(Duration::from_secs(1), sink.close()).await;
    sent
}

/// 32 lowercase hex digits, as [`crate::seal::Invite::room_id`] makes them.
fn valid_room_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

fn parse_role(query: Option<&str>) -> Option<Role> {
    match query?.split('&').find_map(|p| p.strip_prefix("role="))? {
        "host" => Some(Role::Host),
        "guest" => Some(Role::Guest),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_ids_and_roles() {
        assert!(valid_room_id("0123456789abcdef0123456789abcdef"));
        assert!(!valid_room_id("0123456789ABCDEF0123456789abcdef"));
        assert!(!valid_room_id("0123456789abcdef"));
        assert!(!valid_room_id("../../../../etc/passwd/aaaaaaaaaa"));
        assert_eq!(parse_role(Some("role=host")), Some(Role::Host));
        assert_eq!(parse_role(Some("x=1&role=guest")), Some(Role::Guest));
        assert_eq!(parse_role(Some("role=admin")), None);
        assert_eq!(parse_role(None), None);
    }
}
