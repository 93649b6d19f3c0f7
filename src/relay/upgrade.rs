//! The WebSocket upgrade (RFC 6455 §4.2), done here rather than by axum so the upgraded
//! connection can be metered ([`super::meter`]) beneath the WebSocket layer.

use std::future::Future;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use super::held::Eviction;
use super::meter::{Clock, Meter};
use super::{log, Shared};

/// An upgraded client connection.
pub(crate) type Ws = WebSocketStream<Meter<TokioIo<Upgraded>>>;

/// What the connection shares with its meter.
pub(crate) struct Watch {
    /// The connection's number (logs, the held-bytes pool).
    pub(crate) conn: u64,
    pub(crate) eviction: Arc<Eviction>,
    pub(crate) clock: Arc<Clock>,
}

/// The WebSocket layer's read buffer: reads happen in steps of this size, and it is what
/// an idle connection costs beyond the task itself.
const READ_BUFFER: usize = 16 << 10;

/// Answers a WebSocket upgrade request with `101 Switching Protocols` and runs `run` on
/// the upgraded connection; anything else gets `400`/`426`.
pub(crate) fn accept<F, Fut>(mut request: Request, shared: Arc<Shared>, run: F) -> Response
where
    F: FnOnce(Arc<Shared>, Ws, Watch) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let headers = request.headers();
    if !has_token(headers, header::CONNECTION, "upgrade") || !has_token(headers, header::UPGRADE, "websocket") {
        return (StatusCode::UPGRADE_REQUIRED, [(header::UPGRADE, "websocket")], "a WebSocket upgrade is required\n").into_response();
    }
    if headers.get(header::SEC_WEBSOCKET_VERSION).map(HeaderValue::as_bytes) != Some(b"13") {
        return (StatusCode::BAD_REQUEST, "unsupported WebSocket version\n").into_response();
    }
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
        return (StatusCode::BAD_REQUEST, "missing Sec-WebSocket-Key\n").into_response();
    };
    let accept_key = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut request);
    let cfg = Arc::clone(&shared.config);
    tokio::spawn(async move {
        // The 101 is written by hyper; a client that never reads it cannot hold the
        // upgrade open past the head timeout.
        let upgraded = match tokio::time::timeout(cfg.head_timeout, on_upgrade).await {
            Ok(Ok(u)) => u,
            Ok(Err(e)) => return log(&cfg, format_args!("event=upgrade-failed error=\"{e}\"")),
            Err(_) => {
                shared.timed_out.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return log(&cfg, format_args!("event=upgrade-timeout"));
            }
        };
        let watch = Watch {
            conn: shared.next_conn.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            eviction: Arc::default(),
            clock: Arc::default(),
        };
        let io =
            Meter::new(TokioIo::new(upgraded), Arc::clone(&shared.held), watch.conn, Arc::clone(&watch.eviction), Arc::clone(&watch.clock));
        // One byte over the frame limit reaches `socket::forward`, which closes with 4013;
        // larger messages are refused here before being buffered whole.
        let max = cfg.max_frame_bytes.saturating_add(1);
        let ws_config = WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER)
            .write_buffer_size(0)
            .max_message_size(Some(max))
            .max_frame_size(Some(max));
        let ws = WebSocketStream::from_raw_socket(io, Role::Server, Some(ws_config)).await;
        run(shared, ws, watch).await;
    });
    let mut resp = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(&accept_key) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    resp
}

/// Whether a comma-separated header holds `token` (case-insensitive).
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| t.trim().eq_ignore_ascii_case(token))
}
