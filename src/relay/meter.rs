//! The meter under a client's WebSocket: it reads the frame headers of what the client
//! sends (RFC 6455 §5.2) to know, before the WebSocket layer has a whole message, how many
//! bytes of an unfinished message it holds and for how long.
//!
//! - Every payload byte of an unfinished data message is taken from the relay's pool
//!   ([`super::held`]) and given back when the message is complete; if the pool cannot
//!   make room, or evicts this connection, reading fails and the connection closes (4503).
//! - [`Clock`] counts the time spent waiting for the client's bytes while a message is
//!   unfinished; the connection checks it against `message_timeout` (4008). Time the relay
//!   holds back its own reads (backpressure towards a slow receiver) does not count.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::held::{Eviction, Pool};

/// How long an unfinished message has waited for the client, shared with the connection.
#[derive(Default)]
pub(crate) struct Clock {
    inner: Mutex<ClockInner>,
}

#[derive(Default)]
struct ClockInner {
    in_message: bool,
    waited: Duration,
    pending_since: Option<Instant>,
}

impl Clock {
    fn lock(&self) -> std::sync::MutexGuard<'_, ClockInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether an unfinished message has waited `limit` or longer for the client.
    pub(crate) fn overdue(&self, limit: Duration) -> bool {
        let c = self.lock();
        c.in_message && c.waited + c.pending_since.map_or(Duration::ZERO, |t| t.elapsed()) >= limit
    }
}

/// Where the parser is in the client's byte stream.
enum Stage {
    /// Reading a frame header: the bytes so far.
    Header { buf: [u8; 14], have: usize },
    /// Inside a frame's payload.
    Payload { left: u64, data: bool, fin: bool },
}

/// A client connection with its incoming bytes metered.
pub(crate) struct Meter<S> {
    inner: S,
    stage: Stage,
    /// Payload bytes of the unfinished message, taken from the pool.
    held: u64,
    pool: Arc<Pool>,
    conn: u64,
    eviction: Arc<Eviction>,
    clock: Arc<Clock>,
}

impl<S> Meter<S> {
    pub(crate) fn new(inner: S, pool: Arc<Pool>, conn: u64, eviction: Arc<Eviction>, clock: Arc<Clock>) -> Meter<S> {
        Meter { inner, stage: Stage::Header { buf: [0; 14], have: 0 }, held: 0, pool, conn, eviction, clock }
    }

    /// Follows the frames in `bytes`; `false` if the pool refused the bytes.
    fn feed(&mut self, mut bytes: &[u8]) -> bool {
        while !bytes.is_empty() {
            match &mut self.stage {
                Stage::Header { buf, have } => {
                    let need = header_len(&buf[..*have]);
                    let k = (need - *have).min(bytes.len());
                    buf[*have..*have + k].copy_from_slice(&bytes[..k]);
                    *have += k;
                    bytes = &bytes[k..];
                    if *have == header_len(&buf[..*have]) {
                        let (opcode, fin, left) = parse_header(&buf[..*have]);
                        // Opcodes 0 (continuation), 1 (text) and 2 (binary) carry data;
                        // 8 and up are control frames, allowed between fragments.
                        let data = opcode < 8;
                        if data {
                            self.clock.lock().in_message = true;
                        }
                        self.stage = Stage::Payload { left, data, fin };
                        if left == 0 {
                            self.end_frame();
                        }
                    }
                }
                Stage::Payload { left, data, .. } => {
                    let k = u64::try_from(bytes.len()).unwrap_or(u64::MAX).min(*left);
                    *left -= k;
                    let (data, done) = (*data, *left == 0);
                    bytes = &bytes[usize::try_from(k).unwrap_or(bytes.len())..];
                    if data {
                        if !self.pool.take(self.conn, &self.eviction, k) {
                            self.eviction.evict();
                            return false;
                        }
                        self.held += k;
                    }
                    if done {
                        self.end_frame();
                    }
                }
            }
        }
        true
    }

    fn end_frame(&mut self) {
        if let Stage::Payload { data: true, fin: true, .. } = self.stage {
            self.pool.give_back(self.conn, self.held);
            self.held = 0;
            let mut c = self.clock.lock();
            c.in_message = false;
            c.waited = Duration::ZERO;
        }
        self.stage = Stage::Header { buf: [0; 14], have: 0 };
    }
}

impl<S> Drop for Meter<S> {
    fn drop(&mut self) {
        self.pool.give_back(self.conn, self.held);
    }
}

/// Header bytes needed, given the first `have` bytes of it (2 until the length byte is in).
fn header_len(have: &[u8]) -> usize {
    let Some(b1) = have.get(1) else { return 2 };
    let ext = match b1 & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    2 + ext + if b1 & 0x80 != 0 { 4 } else { 0 }
}

/// (opcode, fin, payload length) of a complete header.
fn parse_header(h: &[u8]) -> (u8, bool, u64) {
    let (b0, b1) = (h[0], h[1]);
    let len = match b1 & 0x7f {
        126 => u64::from(u16::from_be_bytes([h[2], h[3]])),
        127 => h[2..10].iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
        n => u64::from(n),
    };
    (b0 & 0x0f, b0 & 0x80 != 0, len)
}

fn refused() -> io::Error {
    io::Error::other("relay memory budget")
}

impl<S: AsyncRead + Unpin> AsyncRead for Meter<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.eviction.is_evicted() {
            return Poll::Ready(Err(refused()));
        }
        let now = Instant::now();
        {
            let mut c = this.clock.lock();
            if let Some(t) = c.pending_since.take() {
                if c.in_message {
                    c.waited += now.duration_since(t);
                }
            }
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Pending => {
                this.clock.lock().pending_since = Some(now);
                this.eviction.register(cx.waker());
                // Evicted between the check above and the registration: wake at once.
                if this.eviction.is_evicted() {
                    cx.waker().wake_by_ref();
                }
                Poll::Pending
            }
            Poll::Ready(Ok(())) => {
                if this.feed(&buf.filled()[before..]) {
                    Poll::Ready(Ok(()))
                } else {
                    Poll::Ready(Err(refused()))
                }
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Meter<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn meter(budget: u64) -> Meter<()> {
        Meter::new((), Arc::new(Pool::new(budget)), 1, Arc::default(), Arc::default())
    }

    /// A masked client frame.
    fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![u8::from(fin) << 7 | opcode];
        match payload.len() {
            n if n < 126 => f.push(0x80 | n as u8),
            n if n < 65536 => {
                f.push(0x80 | 126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                f.push(0x80 | 127);
                f.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        f.extend_from_slice(&[1, 2, 3, 4]);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn unfinished_messages_are_held_until_complete() {
        let mut m = meter(1 << 20);
        let mut bytes = frame(false, 2, &[0; 70_000]);
        bytes.extend(frame(true, 9, b"ping"));
        bytes.extend(frame(false, 0, &[0; 300]));
        // Fed one byte at a time, as a slow client would send it.
        for b in &bytes {
            assert!(m.feed(std::slice::from_ref(b)));
        }
        assert_eq!(m.held, 70_300);
        assert_eq!(m.pool.used(), 70_300);
        assert!(m.clock.lock().in_message);
        assert!(m.feed(&frame(true, 0, &[0; 5])));
        assert_eq!((m.held, m.pool.used()), (0, 0));
        assert!(!m.clock.lock().in_message);
        // A whole small message in one read is given back at once.
        assert!(m.feed(&frame(true, 2, &[9; 100])));
        assert_eq!(m.pool.used(), 0);
    }

    #[test]
    fn the_pool_bounds_what_one_client_holds() {
        let mut m = meter(1000);
        assert!(!m.feed(&frame(false, 2, &[0; 2000])));
    }
}
