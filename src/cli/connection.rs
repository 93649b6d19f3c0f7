//! The native party's WebSocket connection to a relay room.

use crate::manifest::Side;
use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as WsMessage;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the relay said.
#[derive(Debug)]
pub enum RelayEvent {
    /// An opaque frame from the partner.
    Frame(Vec<u8>),
    /// This side is alone in the room.
    Waiting,
    /// The partner is (again) in the room.
    PeerJoined,
    /// The partner's connection dropped.
    PeerLeft,
    /// The connection ended, with the relay's reason if it gave one.
    Closed(String),
}

/// One connection to a room.
pub struct Connection {
    ws: Ws,
}

fn room_url(relay: &str, room: &str, side: Side) -> String {
    let role = match side {
        Side::Host => "host",
        Side::Guest => "guest",
    };
    format!("{}/v1/rooms/{room}?role={role}", relay.trim_end_matches('/'))
}

impl Connection {
    /// Connects to the room.
    ///
    /// # Errors
    /// A message naming the relay if it cannot be reached.
    pub async fn open(relay: &str, room: &str, side: Side) -> Result<Connection, String> {
        let url = room_url(relay, room, side);
        let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| format!("cannot reach the relay at {relay}: {e}"))?;
        Ok(Connection { ws })
    }

    /// Reconnects, retrying for up to `patience`.
    ///
    /// # Errors
    /// The last failure once `patience` is spent.
    pub async fn reopen(relay: &str, room: &str, side: Side, patience: Duration) -> Result<Connection, String> {
        let start = Instant::now();
        loop {
            match Connection::open(relay, room, side).await {
                Ok(c) => return Ok(c),
                Err(e) if start.elapsed() > patience => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    }

    /// Sends one frame.
    ///
    /// # Errors
    /// If the connection is gone.
    pub async fn send(&mut self, frame: Vec<u8>) -> Result<(), String> {
        self.ws.send(WsMessage::Binary(frame.into())).await.map_err(|e| format!("relay connection lost: {e}"))
    }

    /// The next thing the relay says.
    pub async fn recv(&mut self) -> RelayEvent {
        loop {
            match self.ws.next().await {
                Some(Ok(WsMessage::Binary(b))) => return RelayEvent::Frame(b.to_vec()),
                Some(Ok(WsMessage::Text(t))) => {
                    let kind = serde_json::from_str::<serde_json::Value>(&t)
                        .ok()
                        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned));
                    match kind.as_deref() {
                        Some("waiting") => return RelayEvent::Waiting,
                        Some("peer-joined") => return RelayEvent::PeerJoined,
                        Some("peer-left") => return RelayEvent::PeerLeft,
                        // Unknown relay messages are tolerated, as newer relays may add some.
                        _ => continue,
                    }
                }
                Some(Ok(WsMessage::Close(frame))) => {
                    let reason = frame.map(|f| format!("{} {}", u16::from(f.code), f.reason)).unwrap_or_default();
                    return RelayEvent::Closed(reason);
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return RelayEvent::Closed(e.to_string()),
                None => return RelayEvent::Closed("closed".into()),
            }
        }
    }

    /// Closes the connection politely.
    ///
    /// # Errors
    /// If the close could not be sent.
    pub async fn close(&mut self) -> Result<(), String> {
        self.ws.close(None).await.map_err(|e| e.to_string())
    }
}
