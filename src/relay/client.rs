//! A native relay client: the command line's party and the tests speak to the relay
//! through it. It only moves frames; sealing them is [`crate::seal`]'s job.
//!
//! `ws://` and `wss://` relays: TLS is rustls, verified against the webpki roots (Mozilla's
//! list, built in, so the binary needs no system certificate store), plus any extra
//! certificate authority given with [`TlsRoots::with_ca_file`] (a company's own CA, or a
//! test's self-signed certificate).
//!
//! Keep a task awaiting [`RelayReceiver::recv`] for the whole session: the relay pings
//! every 15 s and drops a client that has not answered for 45 s, and pings are only
//! answered while the receiving half is being polled.

use std::path::Path;
use std::sync::Arc;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::seal::Role;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the relay delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    /// A frame from the peer, byte for byte as it sent it.
    Frame(Vec<u8>),
    /// Joined alone; the peer has not arrived yet.
    Waiting,
    /// The peer is here (first arrival or a reconnect): (re)send the handshake or resume.
    PeerJoined,
    /// The peer disconnected; frames sent now are dropped until it returns.
    PeerLeft,
    /// The connection ended: the relay's close code and reason (1006 with the error text
    /// if it ended without a close frame).
    Closed {
        /// WebSocket close code, e.g. 4001 for a full room.
        code: u16,
        /// The reason the relay gave.
        reason: String,
    },
}

/// Why talking to the relay failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RelayClientError {
    /// The relay URL is not `ws://` or `wss://`.
    BadUrl(String),
    /// The connection or the WebSocket upgrade failed.
    Connect(String),
    /// The connection is gone; the frame was not sent.
    Send(String),
    /// A certificate file could not be read, or TLS could not be set up.
    Tls(String),
}

impl core::fmt::Display for RelayClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BadUrl(u) => write!(f, "relay URL must start with ws:// or wss://, got {u:?}"),
            Self::Connect(e) => write!(f, "could not connect to the relay: {e}"),
            Self::Send(e) => write!(f, "could not send to the relay: {e}"),
            Self::Tls(e) => write!(f, "TLS setup failed: {e}"),
        }
    }
}

impl core::error::Error for RelayClientError {}

/// The certificate authorities a `wss://` relay's certificate is checked against.
#[derive(Clone)]
pub struct TlsRoots {
    config: Arc<rustls::ClientConfig>,
}

impl TlsRoots {
    /// The webpki roots (the public web's certificate authorities).
    ///
    /// # Errors
    /// [`RelayClientError::Tls`] if rustls refuses its own defaults (not expected).
    pub fn webpki() -> Result<TlsRoots, RelayClientError> {
        TlsRoots::build(Vec::new())
    }

    /// The webpki roots plus every certificate in the PEM file at `path`.
    ///
    /// # Errors
    /// [`RelayClientError::Tls`] if the file cannot be read or holds no valid certificate.
    pub fn with_ca_file(path: &Path) -> Result<TlsRoots, RelayClientError> {
        let bad = |e: String| RelayClientError::Tls(format!("{}: {e}", path.display()));
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(e.to_string()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if certs.is_empty() {
            return Err(bad("no certificate in the file".to_owned()));
        }
        TlsRoots::build(certs)
    }

    fn build(extra: Vec<CertificateDer<'static>>) -> Result<TlsRoots, RelayClientError> {
        let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        for cert in extra {
            roots.add(cert).map_err(|e| RelayClientError::Tls(format!("unusable certificate: {e}")))?;
        }
        // The provider is named rather than taken from the process default, so a second
        // rustls provider elsewhere in a program cannot make this ambiguous.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| RelayClientError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(TlsRoots { config: Arc::new(config) })
    }
}

/// One side's connection to a relay room.
pub struct RelayClient {
    sender: RelaySender,
    receiver: RelayReceiver,
}

/// The sending half of a [`RelayClient`].
pub struct RelaySender {
    sink: SplitSink<Socket, Message>,
}

/// The receiving half of a [`RelayClient`].
pub struct RelayReceiver {
    stream: SplitStream<Socket>,
    closed: bool,
}

/// `ws://host:port` (or the `…/v1/rooms` URL that `cleanmatch serve` prints) plus the
/// room path.
pub fn room_url(base_ws_url: &str, room_id: &str, role: Role) -> String {
    let base = base_ws_url.trim_end_matches('/');
    let base = base.strip_suffix("/v1/rooms").unwrap_or(base);
    format!("{base}/v1/rooms/{room_id}?role={}", role.as_str())
}

impl RelayClient {
    /// Opens the room `room_id` as `role` on the relay at `base_ws_url`.
    ///
    /// A refusal by the relay (full room, used invite…) is not an error here: the
    /// connection opens and [`RelayClient::recv`] returns [`RelayEvent::Closed`] with
    /// the code.
    ///
    /// # Errors
    /// [`RelayClientError::BadUrl`] for a non-WebSocket URL,
    /// [`RelayClientError::Connect`] if the TCP connection, TLS or the upgrade fails.
    pub async fn connect(base_ws_url: &str, room_id: &str, role: Role) -> Result<RelayClient, RelayClientError> {
        RelayClient::connect_with(base_ws_url, room_id, role, &TlsRoots::webpki()?).await
    }

    /// [`RelayClient::connect`], checking a `wss://` relay against `roots`.
    ///
    /// # Errors
    /// As [`RelayClient::connect`].
    pub async fn connect_with(base_ws_url: &str, room_id: &str, role: Role, roots: &TlsRoots) -> Result<RelayClient, RelayClientError> {
        if !(base_ws_url.starts_with("ws://") || base_ws_url.starts_with("wss://")) {
            return Err(RelayClientError::BadUrl(base_ws_url.to_owned()));
        }
        let url = room_url(base_ws_url, room_id, role);
        let connector = Connector::Rustls(Arc::clone(&roots.config));
        let (socket, _response) = tokio_tungstenite::connect_async_tls_with_config(url.as_str(), None, true, Some(connector))
            .await
            .map_err(|e| RelayClientError::Connect(e.to_string()))?;
        let (sink, stream) = socket.split();
        Ok(RelayClient { sender: RelaySender { sink }, receiver: RelayReceiver { stream, closed: false } })
    }

    /// Sends one frame to the peer (dropped by the relay if the peer is absent).
    ///
    /// # Errors
    /// [`RelayClientError::Send`] if the connection is gone.
    pub async fn send(&mut self, frame: Vec<u8>) -> Result<(), RelayClientError> {
        self.sender.send(frame).await
    }

    /// The next event; `None` after [`RelayEvent::Closed`] was returned.
    pub async fn recv(&mut self) -> Option<RelayEvent> {
        self.receiver.recv().await
    }

    /// Closes the connection normally (1000).
    pub async fn close(self) {
        self.sender.close().await;
    }

    /// Splits into halves that can be used from two tasks.
    pub fn split(self) -> (RelaySender, RelayReceiver) {
        (self.sender, self.receiver)
    }
}

impl RelaySender {
    /// See [`RelayClient::send`].
    ///
    /// # Errors
    /// [`RelayClientError::Send`] if the connection is gone.
    pub async fn send(&mut self, frame: Vec<u8>) -> Result<(), RelayClientError> {
        self.sink.send(Message::Binary(frame.into())).await.map_err(|e| RelayClientError::Send(e.to_string()))
    }

    /// Closes the connection normally (1000).
    pub async fn close(mut self) {
        let close = CloseFrame { code: CloseCode::Normal, reason: "".into() };
        let _ = self.sink.send(Message::Close(Some(close))).await;
        let _ = self.sink.close().await;
    }
}

impl RelayReceiver {
    /// See [`RelayClient::recv`]. Relay messages of unknown type are skipped, so a newer
    /// relay can add some.
    pub async fn recv(&mut self) -> Option<RelayEvent> {
        if self.closed {
            return None;
        }
        loop {
            let event = match self.stream.next().await {
                Some(Ok(Message::Binary(b))) => RelayEvent::Frame(b.into()),
                Some(Ok(Message::Text(t))) => match relay_message(t.as_str()) {
                    Some(e) => e,
                    None => continue,
                },
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame.map_or((1005, String::new()), |f| (u16::from(f.code), f.reason.to_string()));
                    RelayEvent::Closed { code, reason }
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => RelayEvent::Closed { code: 1006, reason: e.to_string() },
                None => RelayEvent::Closed { code: 1006, reason: "connection closed".to_owned() },
            };
            if matches!(event, RelayEvent::Closed { .. }) {
                self.closed = true;
            }
            return Some(event);
        }
    }
}

fn relay_message(text: &str) -> Option<RelayEvent> {
    #[derive(serde::Deserialize)]
    struct Typed<'a> {
        #[serde(rename = "type", borrow)]
        kind: &'a str,
    }
    match serde_json::from_str::<Typed<'_>>(text).ok()?.kind {
        "waiting" => Some(RelayEvent::Waiting),
        "peer-joined" => Some(RelayEvent::PeerJoined),
        "peer-left" => Some(RelayEvent::PeerLeft),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_messages() {
        let id = "00112233445566778899aabbccddeeff";
        let want = format!("ws://h:1/v1/rooms/{id}?role=guest");
        assert_eq!(room_url("ws://h:1", id, Role::Guest), want);
        assert_eq!(room_url("ws://h:1/", id, Role::Guest), want);
        assert_eq!(room_url("ws://h:1/v1/rooms", id, Role::Guest), want);
        assert_eq!(relay_message(r#"{"type":"peer-left"}"#), Some(RelayEvent::PeerLeft));
        assert_eq!(relay_message(r#"{"type":"later","x":1}"#), None);
        assert_eq!(relay_message("junk"), None);
    }
}
