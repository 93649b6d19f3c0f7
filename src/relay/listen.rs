//! The relay's own accept loop: every TCP connection is counted and timed before hyper
//! reads a byte of it.
//!
//! - At most `max_connections` connections are open (HTTP and WebSocket together); one more
//!   is answered `503 Service Unavailable` and closed.
//! - At most `max_pending_per_ip` HTTP connections per client address (IPv6: per /64) are
//!   open and not upgraded; one more is answered `429 Too Many Requests` and closed. A
//!   trusted proxy's connections are exempt (they carry many clients).
//! - A connection that sends or receives nothing for `head_timeout`, or whose request head
//!   takes longer than that, is closed: half-open connections cannot pile up (slowloris).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tower::ServiceExt;

use super::address::AddrKey;
use super::{log, Relay, Shared};

/// The TCP peer of a request, put into its extensions by the accept loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) SocketAddr);

/// Serves `relay` on `listener` until `shutdown` completes, then closes the open
/// WebSockets (1001) and waits up to 2 seconds for them to finish.
///
/// # Errors
/// None today: a failed accept (out of file descriptors, say) is logged and retried after
/// a pause rather than ending the relay.
pub async fn serve(listener: TcpListener, relay: Relay, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
    let router = relay.router();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    log(&relay.shared.config, format_args!("event=accept-error error=\"{e}\""));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        accept(&relay.shared, &router, stream, peer);
    }
    // Upgraded WebSockets are no longer hyper's connections: tell them first.
    relay.shut_down();
    let deadline = Instant::now() + Duration::from_secs(2);
    while (relay.connection_count() > 0 || relay.shared.http_open.load(Ordering::Relaxed) > 0) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Counts, admits or refuses one TCP connection, and serves it on its own task.
fn accept(shared: &Arc<Shared>, router: &Router, stream: TcpStream, peer: SocketAddr) {
    let cfg = &shared.config;
    let open = shared.http_open.load(Ordering::Relaxed) + shared.connections.load(Ordering::Relaxed);
    if open >= cfg.max_connections {
        refuse(shared, &stream, peer, "503 Service Unavailable", "too many connections");
        return;
    }
    let trusted = cfg.trusted_proxies.iter().any(|c| c.contains(peer.ip()));
    let slot = if trusted {
        None
    } else {
        match shared.pending.acquire(AddrKey::of(peer.ip()), cfg.max_pending_per_ip) {
            Some(s) => Some(s),
            None => {
                refuse(shared, &stream, peer, "429 Too Many Requests", "too many connections from this address");
                return;
            }
        }
    };
    let _ = stream.set_nodelay(true);
    let open = OpenGuard::new(&shared.http_open);
    let shared = Arc::clone(shared);
    let router = router.clone();
    tokio::spawn(async move {
        let _slot = slot;
        let _open = open;
        let head_timeout = shared.config.head_timeout.max(Duration::from_millis(10));
        let active = Active::new(stream);
        let last = Arc::clone(&active.last);
        let started = active.started;
        let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(Peer(peer));
            router.clone().oneshot(req)
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(head_timeout);
        let conn = builder.serve_connection(TokioIo::new(active), svc).with_upgrades();
        let mut conn = std::pin::pin!(conn);
        let mut tick = tokio::time::interval(head_timeout / 4);
        let mut stop = shared.shutdown.subscribe();
        let mut stopping = false;
        loop {
            tokio::select! {
                r = &mut conn => {
                    // hyper's own timer ends a request head that is still incomplete.
                    if r.as_ref().err().is_some_and(hyper::Error::is_timeout) {
                        shared.timed_out.fetch_add(1, Ordering::Relaxed);
                        log(&shared.config, format_args!("event=http-timeout peer={} what=head", peer.ip()));
                    }
                    break;
                }
                _ = tick.tick() => {
                    let idle = started + Duration::from_millis(last.load(Ordering::Relaxed));
                    if idle.elapsed() >= head_timeout {
                        shared.timed_out.fetch_add(1, Ordering::Relaxed);
                        log(&shared.config, format_args!("event=http-timeout peer={} what=silence", peer.ip()));
                        break;
                    }
                }
                r = stop.changed(), if !stopping => {
                    stopping = true;
                    if r.is_ok() {
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        }
    });
}

/// Answers a refused connection with a bare status line, without reading its request.
fn refuse(shared: &Shared, stream: &TcpStream, peer: SocketAddr, status: &str, reason: &str) {
    shared.refused.fetch_add(1, Ordering::Relaxed);
    log(&shared.config, format_args!("event=refuse-connection peer={} status=\"{status}\" reason=\"{reason}\"", peer.ip()));
    let body = format!("{reason}\n");
    let resp = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nretry-after: 10\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // Best effort: a fresh socket's send buffer takes these few bytes at once.
    let _ = stream.try_write(resp.as_bytes());
}

/// Counts an open HTTP connection until dropped.
struct OpenGuard(Arc<AtomicUsize>);

impl OpenGuard {
    fn new(n: &Arc<AtomicUsize>) -> OpenGuard {
        n.fetch_add(1, Ordering::Relaxed);
        OpenGuard(Arc::clone(n))
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A TCP stream that notes when a byte last moved either way.
struct Active {
    inner: TcpStream,
    started: Instant,
    /// Milliseconds since `started` of the last read or write that moved bytes.
    last: Arc<AtomicU64>,
}

impl Active {
    fn new(inner: TcpStream) -> Active {
        Active { inner, started: Instant::now(), last: Arc::default() }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }
}

impl AsyncRead for Active {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.touch();
        }
        r
    }
}

impl AsyncWrite for Active {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.touch();
        }
        r
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
