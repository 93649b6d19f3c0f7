//! The relay under abuse, against the real router served on 127.0.0.1:0: half-open HTTP
//! connections (slowloris), per-address and global caps, a trusted proxy's header, and
//! clients that hoard memory with messages they never finish.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cleanmatch::relay::client::RelayEvent;
use cleanmatch::relay::RelayConfig;
use cleanmatch::seal::Role;
use common::*;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

type Raw = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// Reads until the server closes the connection; the bytes it sent first.
async fn read_until_closed(s: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(out),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn half_open_http_connections_are_counted_and_closed() {
    let config = RelayConfig { head_timeout: Duration::from_millis(400), max_pending_per_ip: 3, ..RelayConfig::default() };
    let server = start(config, None).await;
    // Three connections that never finish: a silent one, a head left half-written, and
    // one trickling a header byte by byte more slowly than the timeout allows in total.
    let silent = TcpStream::connect(server.addr).await.unwrap();
    let mut half = TcpStream::connect(server.addr).await.unwrap();
    half.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut trickle = TcpStream::connect(server.addr).await.unwrap();
    trickle.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let trickler = tokio::spawn(async move {
        for _ in 0..40 {
            if trickle.write_all(b"X").await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    });
    wait_until(|| server.relay.http_connection_count() == 3).await;
    // A fourth from the same address is turned away at once, before its request is read.
    let mut fourth = TcpStream::connect(server.addr).await.unwrap();
    let answer = read_until_closed(&mut fourth, Duration::from_secs(2)).await.expect("the fourth connection is closed");
    assert!(answer.starts_with(b"HTTP/1.1 429"), "{}", String::from_utf8_lossy(&answer));
    // The three are closed after the head timeout and counted.
    for mut s in [silent, half] {
        assert!(read_until_closed(&mut s, Duration::from_secs(3)).await.is_some(), "a half-open connection stays open");
    }
    assert!(trickler.await.unwrap(), "a trickled request head is never cut off");
    wait_until(|| server.relay.http_connection_count() == 0).await;
    assert!(server.relay.timed_out_count() >= 3, "{}", server.relay.timed_out_count());
    // The address may connect again, and a normal request is served.
    assert_eq!(http(server.addr, "GET", "/healthz").await.status, 200);
}

#[tokio::test]
async fn the_global_connection_cap_answers_503() {
    let config = RelayConfig { max_connections: 3, ..RelayConfig::default() };
    let server = start(config, None).await;
    let (_, mut host, mut guest) = pair(&server).await;
    let _idle = TcpStream::connect(server.addr).await.unwrap();
    wait_until(|| server.relay.http_connection_count() == 1).await;
    let mut over = TcpStream::connect(server.addr).await.unwrap();
    let answer = read_until_closed(&mut over, Duration::from_secs(2)).await.unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 503"), "{}", String::from_utf8_lossy(&answer));
    assert_eq!(server.relay.refused_count(), 1);
    exchange(&mut host, &mut guest).await;
}

/// Opens a room as host, as if forwarded for `client` by a proxy on 127.0.0.1.
async fn host_via_proxy(server: &Server, client: &str) -> Raw {
    let mut req = format!("{}/v1/rooms/{}?role=host", server.ws, room()).into_client_request().unwrap();
    req.headers_mut().insert("x-forwarded-for", format!("198.51.100.7, {client}").parse().unwrap());
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

/// The relay's first answer: its `waiting` message, or the close code.
async fn first_answer(ws: &mut Raw) -> Result<String, u16> {
    match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap() {
        Some(Ok(Message::Text(t))) => Ok(t.to_string()),
        Some(Ok(Message::Close(Some(f)))) => Err(u16::from(f.code)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_and_ipv6_counts_per_64() {
    let config = RelayConfig { max_connections_per_ip: 2, trusted_proxies: vec!["127.0.0.1".parse().unwrap()], ..RelayConfig::default() };
    let server = start(config, None).await;
    let mut a = host_via_proxy(&server, "2001:db8:5:6::1").await;
    let mut b = host_via_proxy(&server, "2001:db8:5:6:ffff::2").await;
    assert!(first_answer(&mut a).await.is_ok() && first_answer(&mut b).await.is_ok());
    // A third address in the same /64 is the same client.
    let mut c = host_via_proxy(&server, "2001:db8:5:6::3").await;
    assert_eq!(first_answer(&mut c).await, Err(4029));
    // Other clients behind the same proxy are not affected.
    for other in ["2001:db8:5:7::1", "203.0.113.1", "203.0.113.2"] {
        let mut ws = host_via_proxy(&server, other).await;
        assert!(first_answer(&mut ws).await.is_ok(), "{other}");
    }
}

#[tokio::test]
async fn an_untrusted_peer_cannot_pick_its_address() {
    let config = RelayConfig { max_connections_per_ip: 2, ..RelayConfig::default() };
    let server = start(config, None).await;
    let mut held = Vec::new();
    for client in ["203.0.113.1", "203.0.113.2"] {
        let mut ws = host_via_proxy(&server, client).await;
        assert!(first_answer(&mut ws).await.is_ok());
        held.push(ws);
    }
    let mut ws = host_via_proxy(&server, "203.0.113.3").await;
    assert_eq!(first_answer(&mut ws).await, Err(4029));
}

#[tokio::test]
async fn the_room_cap_closes_with_4503() {
    let config = RelayConfig { max_rooms: 1, ..RelayConfig::default() };
    let server = start(config, None).await;
    let (_, mut host, mut guest) = pair(&server).await;
    let mut more = connect(&server, &room(), Role::Host).await;
    assert_eq!(closed_with(&mut more).await, 4503);
    exchange(&mut host, &mut guest).await;
}

/// A host that begins a `len`-byte binary message and sends only its first `sent` bytes.
async fn hoarder(server: &Server, sent: usize) -> Raw {
    let url = format!("{}/v1/rooms/{}?role=host", server.ws, room());
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.unwrap();
    assert!(matches!(ws.next().await, Some(Ok(Message::Text(_)))));
    let fragment = Frame::message(vec![0x5a; sent], OpCode::Data(Data::Binary), false);
    ws.send(Message::Frame(fragment)).await.unwrap();
    ws
}

/// Keeps `ws` alive with pings until the relay closes it; the close code (1006 without one).
async fn ping_until_closed(ws: &mut Raw, within: Duration) -> u16 {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let _ = ws.send(Message::Ping(vec![1].into())).await;
        match tokio::time::timeout(Duration::from_millis(50), ws.next()).await {
            Ok(Some(Ok(Message::Close(f)))) => return f.map_or(1005, |f| u16::from(f.code)),
            Ok(None) | Ok(Some(Err(_))) => return 1006,
            _ => {}
        }
        assert!(tokio::time::Instant::now() < deadline, "the hoarding client is still connected");
    }
}

#[tokio::test]
async fn an_unfinished_message_kept_alive_by_pings_is_timed_out() {
    let config = RelayConfig { message_timeout: Duration::from_millis(600), ..RelayConfig::default() };
    let server = start(config, None).await;
    let (_, mut host, mut guest) = pair(&server).await;
    let mut ws = hoarder(&server, 1 << 20).await;
    wait_until(|| server.relay.held_bytes() >= 1 << 20).await;
    assert_eq!(ping_until_closed(&mut ws, Duration::from_secs(5)).await, 4008);
    wait_until(|| server.relay.held_bytes() == 0).await;
    exchange(&mut host, &mut guest).await;
}

#[tokio::test]
async fn hoarders_are_evicted_to_make_room_for_working_rooms() {
    // Room for 3 MiB held at once; two hoarders take 2.5 MiB and keep it (their message
    // timeout is far off), then a working room sends a 1 MiB frame.
    let config = RelayConfig { max_held_bytes: 3 << 20, ..RelayConfig::default() };
    let server = start(config, None).await;
    let mut a = hoarder(&server, 1_300_000).await;
    let mut b = hoarder(&server, 1_300_000).await;
    wait_until(|| server.relay.held_bytes() >= 2_600_000).await;
    let (_, mut host, mut guest) = pair(&server).await;
    let big = vec![3u8; 1 << 20];
    host.send(big.clone()).await.unwrap();
    assert_eq!(next(&mut guest).await, RelayEvent::Frame(big));
    // The older hoarder made room; the relay never held more than its budget.
    let code = ping_until_closed(&mut a, Duration::from_secs(5)).await;
    assert!(code == 4503 || code == 1006, "{code}");
    assert!(server.relay.held_bytes() <= 3 << 20);
    drop(b.close(None).await);
    exchange(&mut host, &mut guest).await;
}

#[tokio::test]
async fn a_receiver_that_stops_reading_is_closed_and_its_frames_given_back() {
    let config = RelayConfig { message_timeout: Duration::from_millis(500), ..RelayConfig::default() };
    let server = start(config, None).await;
    let (_, mut host, guest) = pair(&server).await;
    // The guest never reads again: the frames fill the socket buffers, then the relay's
    // queue towards the guest, then wait for room in it.
    let sender = tokio::spawn(async move {
        for _ in 0..64 {
            if host.send(vec![9u8; 1 << 20]).await.is_err() {
                break;
            }
        }
        host
    });
    let mut host = tokio::time::timeout(Duration::from_secs(10), sender).await.expect("the sender is never released").unwrap();
    loop {
        match next(&mut host).await {
            RelayEvent::PeerLeft => break,
            RelayEvent::Closed { code, reason } => panic!("the sender was closed: {code} {reason}"),
            _ => continue,
        }
    }
    wait_until(|| server.relay.held_bytes() == 0 && server.relay.connection_count() == 1).await;
    drop(guest);
}
