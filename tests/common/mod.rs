//! Helpers shared by the relay tests: a real relay on 127.0.0.1:0, clients, raw HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::Duration;

use cleanmatch::relay::client::{RelayClient, RelayEvent};
use cleanmatch::relay::{serve, Relay, RelayConfig};
use cleanmatch::seal::{Invite, Role};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct Server {
    pub addr: std::net::SocketAddr,
    pub ws: String,
    pub relay: Relay,
}

pub async fn start(config: RelayConfig, www: Option<PathBuf>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let relay = Relay::new(RelayConfig { log: std::env::var_os("RELAY_LOG").is_some(), ..config }, www);
    tokio::spawn(serve(listener, relay.clone(), std::future::pending()));
    Server { addr, ws: format!("ws://{addr}"), relay }
}

pub fn room() -> String {
    Invite::generate().unwrap().room_id()
}

pub async fn connect(server: &Server, room: &str, role: Role) -> RelayClient {
    RelayClient::connect(&server.ws, room, role).await.unwrap()
}

/// The next event, failing the test after 5 s.
pub async fn next(client: &mut RelayClient) -> RelayEvent {
    tokio::time::timeout(Duration::from_secs(5), client.recv()).await.expect("no event within 5 s").expect("stream ended")
}

/// Waits (up to 5 s) for a relay-side condition.
pub async fn wait_until(cond: impl Fn() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached in 5 s");
}

/// Asserts that nothing arrives within 200 ms.
pub async fn quiet(client: &mut RelayClient) {
    if let Ok(e) = tokio::time::timeout(Duration::from_millis(200), client.recv()).await {
        panic!("unexpected event {e:?}");
    }
}

pub async fn closed_with(client: &mut RelayClient) -> u16 {
    match next(client).await {
        RelayEvent::Closed { code, .. } => code,
        other => panic!("expected a close, got {other:?}"),
    }
}

/// Host and guest of a fresh room, past their join messages.
pub async fn pair(server: &Server) -> (String, RelayClient, RelayClient) {
    let id = room();
    let mut host = connect(server, &id, Role::Host).await;
    assert_eq!(next(&mut host).await, RelayEvent::Waiting);
    let mut guest = connect(server, &id, Role::Guest).await;
    assert_eq!(next(&mut host).await, RelayEvent::PeerJoined);
    assert_eq!(next(&mut guest).await, RelayEvent::PeerJoined);
    (id, host, guest)
}

/// Frames pass both ways.
pub async fn exchange(host: &mut RelayClient, guest: &mut RelayClient) {
    host.send(b"to guest".to_vec()).await.unwrap();
    assert_eq!(next(guest).await, RelayEvent::Frame(b"to guest".to_vec()));
    guest.send(b"to host".to_vec()).await.unwrap();
    assert_eq!(next(host).await, RelayEvent::Frame(b"to host".to_vec()));
}

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A raw HTTP/1.1 request, so paths go out exactly as written (no client normalisation).
pub async fn http(addr: std::net::SocketAddr, method: &str, path: &str) -> HttpResponse {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned())).collect();
    HttpResponse { status, headers, body: raw[split + 4..].to_vec() }
}
