//! One WebSocket connection: admission, then a reader that forwards the client's frames
//! to the peer's queue and a writer that drains this client's own queue.
//!
//! Backpressure: frames towards a client wait in a queue bounded both in frames
//! (`queue_frames`) and in bytes (`queue_bytes`, a semaphore). When it is full, the
//! sending side's reader stops reading its socket until the writer catches up, so TCP
//! flow control slows the sender; the relay never buffers more than the bound.

use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::{sleep_until, timeout, Instant};

use super::room::{add_bytes, Control, Queued, Refusal, Room, Side};
use super::{log, short, Shared};
use crate::seal::Role;

const BAD_ROOM: Refusal = Refusal(4000, "bad room id");
const BAD_ROLE: Refusal = Refusal(4000, "role must be host or guest");
const TEXT: Refusal = Refusal(4000, "text messages are not accepted");
const TOO_MANY_CONNECTIONS: Refusal = Refusal(4029, "too many connections");
const FRAME_TOO_LARGE: Refusal = Refusal(4013, "frame too large");
const ROOM_BYTES: Refusal = Refusal(4013, "room byte limit reached");
const IDLE: Refusal = Refusal(4008, "idle timeout");
const LIFETIME: Refusal = Refusal(4008, "room lifetime reached");
const SHUTDOWN: Refusal = Refusal(1001, "relay shutting down");
const UNRESPONSIVE: Refusal = Refusal(4008, "no answer to ping");

/// Runs one upgraded connection to its end.
pub(crate) async fn run(shared: Arc<Shared>, socket: WebSocket, room_id: String, query: Option<String>, ip: Option<IpAddr>) {
    let cfg = Arc::clone(&shared.config);
    let conn = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    shared.connections.fetch_add(1, Ordering::Relaxed);
    let (sink, stream) = socket.split();
    let (frames_tx, frames_rx) = mpsc::channel(cfg.queue_frames.max(1));
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    let budget = Arc::new(Semaphore::new(queue_budget(&cfg)));
    // Milliseconds since `opened` of the writer's last completed send: a client whose
    // socket keeps taking frames is alive even if its pongs wait behind those frames.
    let opened = Instant::now();
    let written = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut writer = tokio::spawn(write_loop(sink, frames_rx, control_rx, Arc::clone(&written), opened));
    let side = Side { conn, frames: frames_tx, budget: Arc::clone(&budget), control: control_tx.clone() };

    let progress = Progress { opened, written };
    let outcome = admit_and_forward(&shared, stream, &room_id, query.as_deref(), ip, side, &progress).await;
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
        let (code, reason) = outcome.close.map_or((1000, "client closed"), |r| (r.0, r.1));
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

async fn admit_and_forward(
    shared: &Arc<Shared>,
    mut stream: SplitStream<WebSocket>,
    room_id: &str,
    query: Option<&str>,
    ip: Option<IpAddr>,
    side: Side,
    progress: &Progress,
) -> Outcome {
    let cfg = &shared.config;
    let mut out = Outcome::default();
    let own_control = side.control.clone();
    let refuse = |out: &mut Outcome, r: Refusal| {
        log(cfg, format_args!("event=refuse room={} code={} reason=\"{}\"", short(room_id), r.0, r.1));
        out.close = Some(r);
    };
    // The place in the per-address count is held until this function returns.
    let _ip_slot = match ip {
        Some(ip) => match shared.ips.acquire(ip, cfg.max_connections_per_ip) {
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
    out.close = forward(shared, &mut stream, &room, role, &own_control, progress, &mut out).await;
    room.leave(role, conn);
    out
}

/// Reads this side's messages until it leaves or must be closed; returns the close
/// reason when the relay ends the connection.
async fn forward(
    shared: &Shared,
    stream: &mut SplitStream<WebSocket>,
    room: &Room,
    role: Role,
    own_control: &mpsc::UnboundedSender<Control>,
    progress: &Progress,
    out: &mut Outcome,
) -> Option<Refusal> {
    let cfg = &shared.config;
    // Pings find connections that died without a close (a laptop lid, a lost network):
    // until such a side is gone, its role's slot stays taken and its reconnect would be
    // refused as "room full". Any message from the client counts as an answer.
    let ping_every = cfg.ping_interval.max(Duration::from_millis(10));
    let mut pings = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
    pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
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
            // are buffered whole; its error is only recognisable by its text, as it comes
            // from axum's own tungstenite version.
            Some(Err(e)) => return e.to_string().contains("Space limit exceeded").then_some(FRAME_TOO_LARGE),
            Some(Ok(Message::Text(_))) => return Some(TEXT),
            // A client's ping keeps the room from idling; a pong only proves the
            // connection alive (else the relay's own pings would defeat the idle timeout).
            Some(Ok(Message::Ping(_))) => {
                room.touch();
                continue;
            }
            Some(Ok(Message::Pong(_))) => continue,
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
        let frame = axum::body::Bytes::copy_from_slice(&frame);
        // Frames for an absent peer are dropped, not stored: the relay keeps nothing, and
        // the session layer resends unacknowledged frames after the peer reconnects.
        let Some(peer) = room.peer_of(role) else {
            out.dropped += 1;
            continue;
        };
        let delivered = tokio::select! {
            d = enqueue(&peer, frame, queue_budget(cfg)) => d,
            _ = sleep_until(lifetime_end) => return Some(LIFETIME),
            _ = shutdown.changed() => return Some(SHUTDOWN),
        };
        if !delivered {
            out.dropped += 1;
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

/// Waits for room in the peer's queue, then queues the frame. `false` if the peer left
/// meanwhile.
async fn enqueue(peer: &Side, frame: axum::body::Bytes, budget: usize) -> bool {
    // A frame larger than the whole budget takes all of it: it waits for an empty queue
    // and then passes alone, so the queue holds at most `budget` plus one frame.
    let Ok(n) = u32::try_from(frame.len().clamp(1, budget)) else { return false };
    let Ok(permit) = Arc::clone(&peer.budget).acquire_many_owned(n).await else { return false };
    peer.frames.send((frame, permit)).await.is_ok()
}

/// Sends relay messages and queued frames to the client; returns the frame bytes sent.
async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: mpsc::Receiver<Queued>,
    mut control: mpsc::UnboundedReceiver<Control>,
    written: Arc<std::sync::atomic::AtomicU64>,
    opened: Instant,
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
                    if sink.send(Message::Ping(axum::body::Bytes::new())).await.is_err() {
                        break;
                    }
                }
                Some(Control::Close(code, reason)) => {
                    let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    break;
                }
                None => break,
            },
            f = frames.recv() => match f {
                Some((frame, permit)) => {
                    let n = frame.len() as u64;
                    if sink.send(Message::Binary(frame)).await.is_err() {
                        break;
                    }
                    drop(permit);
                    sent += n;
                    let ms = u64::try_from(opened.elapsed().as_millis()).unwrap_or(u64::MAX);
                    written.store(ms, Ordering::Relaxed);
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
