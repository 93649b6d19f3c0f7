//! The relay's WebSocket protocol against the real router on 127.0.0.1:0.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cleanmatch::relay::client::{RelayClient, RelayEvent};
use cleanmatch::relay::RelayConfig;
use cleanmatch::seal::Role;
use common::*;
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn two_sides_exchange_frames_both_ways() {
    let server = start(RelayConfig::default(), None).await;
    let (_, mut host, mut guest) = pair(&server).await;
    exchange(&mut host, &mut guest).await;
    // Sizes from empty to a megabyte arrive byte for byte and in order.
    for len in [0usize, 1, 1000, 1 << 20] {
        let frame: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        host.send(frame.clone()).await.unwrap();
        guest.send(frame.clone()).await.unwrap();
        assert_eq!(next(&mut guest).await, RelayEvent::Frame(frame.clone()));
        assert_eq!(next(&mut host).await, RelayEvent::Frame(frame));
    }
    assert_eq!(server.relay.room_count(), 1);
}

#[tokio::test]
async fn a_third_client_is_refused() {
    let server = start(RelayConfig::default(), None).await;
    let (id, mut host, mut guest) = pair(&server).await;
    for role in [Role::Host, Role::Guest] {
        let mut third = connect(&server, &id, role).await;
        assert_eq!(closed_with(&mut third).await, 4001);
    }
    quiet(&mut host).await;
    exchange(&mut host, &mut guest).await;
}

#[tokio::test]
async fn a_guest_before_the_host_finds_no_room() {
    let server = start(RelayConfig::default(), None).await;
    let mut guest = connect(&server, &room(), Role::Guest).await;
    match next(&mut guest).await {
        RelayEvent::Closed { code, reason } => {
            assert_eq!((code, reason.as_str()), (4004, "no such room"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.relay.room_count(), 0);
}

#[tokio::test]
async fn a_used_invite_is_refused() {
    let config = RelayConfig { reconnect_grace: Duration::ZERO, ..RelayConfig::default() };
    let server = start(config, None).await;
    let (id, host, mut guest) = pair(&server).await;
    host.close().await;
    assert_eq!(next(&mut guest).await, RelayEvent::PeerLeft);
    guest.close().await;
    wait_until(|| server.relay.connection_count() == 0).await;
    for role in [Role::Host, Role::Guest] {
        let mut again = connect(&server, &id, role).await;
        match next(&mut again).await {
            RelayEvent::Closed { code, reason } => {
                assert_eq!((code, reason.as_str()), (4010, "invite already used"))
            }
            other => panic!("{other:?}"),
        }
    }
    // A room only its host ever saw is forgotten, not burned: the host may open it again.
    let lone = room();
    connect(&server, &lone, Role::Host).await.close().await;
    wait_until(|| server.relay.connection_count() == 0).await;
    let mut host = connect(&server, &lone, Role::Host).await;
    assert_eq!(next(&mut host).await, RelayEvent::Waiting);
}

#[tokio::test]
async fn an_oversized_frame_closes_only_its_sender() {
    let config = RelayConfig { max_frame_bytes: 64 << 10, ..RelayConfig::default() };
    let server = start(config, None).await;
    let (_, mut other_host, mut other_guest) = pair(&server).await;
    // Just over the limit (checked by the relay) and far over it (refused by the
    // WebSocket layer before it is buffered): both close with 4013.
    for size in [(64 << 10) + 1, 4 << 20] {
        let (_, mut host, mut guest) = pair(&server).await;
        guest.send(vec![7u8; 64 << 10]).await.unwrap();
        assert_eq!(next(&mut host).await, RelayEvent::Frame(vec![7u8; 64 << 10]));
        let _ = guest.send(vec![1u8; size]).await;
        assert_eq!(closed_with(&mut guest).await, 4013, "size {size}");
        assert_eq!(next(&mut host).await, RelayEvent::PeerLeft);
    }
    quiet(&mut other_host).await;
    exchange(&mut other_host, &mut other_guest).await;
}

#[tokio::test]
async fn the_room_byte_limit_closes_the_side_that_crosses_it() {
    let config = RelayConfig { max_room_bytes: 10_000, ..RelayConfig::default() };
    let server = start(config, None).await;
    let (_, mut host, mut guest) = pair(&server).await;
    host.send(vec![0u8; 6000]).await.unwrap();
    assert!(matches!(next(&mut guest).await, RelayEvent::Frame(_)));
    guest.send(vec![0u8; 6000]).await.unwrap();
    assert_eq!(closed_with(&mut guest).await, 4013);
    assert_eq!(next(&mut host).await, RelayEvent::PeerLeft);
}

#[tokio::test]
async fn garbage_clients_leave_a_healthy_room_untouched() {
    let server = start(RelayConfig::default(), None).await;
    let (id, mut host, mut guest) = pair(&server).await;

    // Text junk in a room of its own.
    let junk_room = room();
    let url = format!("{}/v1/rooms/{junk_room}?role=host", server.ws);
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.unwrap();
    ws.send(Message::Text("{\"type\":\"peer-joined\"}".into())).await.unwrap();
    assert_eq!(close_code(&mut ws).await, Some(4000));
    // Text junk sent into the healthy room by a would-be third side: refused as full.
    let url = format!("{}/v1/rooms/{id}?role=guest", server.ws);
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.unwrap();
    let _ = ws.send(Message::Text("hello?".into())).await;
    assert_eq!(close_code(&mut ws).await, Some(4001));
    // Bad room ids and roles.
    for path in ["/v1/rooms/ABCDEF?role=host", "/v1/rooms/0123456789ABCDEF0123456789abcdef?role=host"] {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("{}{path}", server.ws)).await.unwrap();
        assert_eq!(close_code(&mut ws).await, Some(4000), "{path}");
    }
    for query in ["", "?role=admin", "?role="] {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("{}/v1/rooms/{}{query}", server.ws, room())).await.unwrap();
        assert_eq!(close_code(&mut ws).await, Some(4000), "{query:?}");
    }
    // Bad paths never upgrade.
    assert!(tokio_tungstenite::connect_async(format!("{}/v1/nope", server.ws)).await.is_err());
    assert!(tokio_tungstenite::connect_async(format!("{}/v1/rooms/", server.ws)).await.is_err());
    // Raw bytes that are not HTTP at all.
    let mut raw = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    raw.write_all(b"\x16\x03\x01\x02\x00garbage\r\n\r\n").await.unwrap();
    drop(raw);
    // A plain HTTP GET on the room URL (no upgrade).
    let resp = http(server.addr, "GET", &format!("/v1/rooms/{id}?role=guest")).await;
    assert!(resp.status >= 400, "{}", resp.status);

    quiet(&mut host).await;
    quiet(&mut guest).await;
    exchange(&mut host, &mut guest).await;
}

async fn close_code<S>(ws: &mut S) -> Option<u16>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let fut = async {
        while let Some(m) = ws.next().await {
            match m {
                Ok(Message::Close(f)) => return f.map(|f| u16::from(f.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    };
    tokio::time::timeout(Duration::from_secs(5), fut).await.unwrap()
}

#[tokio::test]
async fn a_side_that_drops_can_come_back() {
    let server = start(RelayConfig::default(), None).await;
    let (id, mut host, guest) = pair(&server).await;
    guest.close().await;
    assert_eq!(next(&mut host).await, RelayEvent::PeerLeft);
    // While the guest is away, frames are dropped rather than stored.
    host.send(b"lost".to_vec()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut guest = connect(&server, &id, Role::Guest).await;
    assert_eq!(next(&mut guest).await, RelayEvent::PeerJoined);
    assert_eq!(next(&mut host).await, RelayEvent::PeerJoined);
    exchange(&mut host, &mut guest).await;
    // The host may come back too.
    host.close().await;
    assert_eq!(next(&mut guest).await, RelayEvent::PeerLeft);
    let mut host = connect(&server, &id, Role::Host).await;
    assert_eq!(next(&mut host).await, RelayEvent::PeerJoined);
    assert_eq!(next(&mut guest).await, RelayEvent::PeerJoined);
    exchange(&mut host, &mut guest).await;
}

#[tokio::test]
async fn an_idle_room_is_closed() {
    let config = RelayConfig { idle_timeout: Duration::from_millis(300), ..RelayConfig::default() };
    let server = start(config, None).await;
    let (_, mut host, mut guest) = pair(&server).await;
    assert_eq!(closed_skipping_peer_left(&mut host).await, 4008);
    assert_eq!(closed_skipping_peer_left(&mut guest).await, 4008);
}

#[tokio::test]
async fn a_room_ends_at_its_lifetime() {
    let config = RelayConfig { room_lifetime: Duration::from_millis(300), ..RelayConfig::default() };
    let server = start(config, None).await;
    let (_, mut host, mut guest) = pair(&server).await;
    exchange(&mut host, &mut guest).await;
    assert_eq!(closed_skipping_peer_left(&mut host).await, 4008);
    assert_eq!(closed_skipping_peer_left(&mut guest).await, 4008);
}

#[tokio::test]
async fn connection_and_room_caps() {
    let config = RelayConfig { max_connections_per_ip: 3, max_rooms: 2, ..RelayConfig::default() };
    let server = start(config, None).await;
    let (_, mut host, mut guest) = pair(&server).await;
    let mut second = connect(&server, &room(), Role::Host).await;
    assert_eq!(next(&mut second).await, RelayEvent::Waiting);
    let mut fourth = connect(&server, &room(), Role::Host).await;
    assert_eq!(closed_with(&mut fourth).await, 4029);
    second.close().await;
    wait_until(|| server.relay.connection_count() == 2).await;
    // A connection is free again, but two rooms are alive (one within its grace).
    let mut third_room = connect(&server, &room(), Role::Host).await;
    assert_eq!(closed_with(&mut third_room).await, 4503);
    exchange(&mut host, &mut guest).await;
}

#[tokio::test]
async fn health() {
    let server = start(RelayConfig::default(), None).await;
    let resp = http(server.addr, "GET", "/healthz").await;
    assert_eq!((resp.status, resp.body.as_slice()), (200, b"ok".as_slice()));
    assert_eq!(resp.header("x-content-type-options"), Some("nosniff"));
}

/// The close code, past a `peer-left` for the other side closing first.
async fn closed_skipping_peer_left(client: &mut RelayClient) -> u16 {
    loop {
        match next(client).await {
            RelayEvent::PeerLeft => continue,
            RelayEvent::Closed { code, .. } => return code,
            other => panic!("expected a close, got {other:?}"),
        }
    }
}

/// The next frame, past relay messages.
async fn next_frame(client: &mut RelayClient) -> Vec<u8> {
    loop {
        match next(client).await {
            RelayEvent::Frame(f) => return f,
            RelayEvent::Closed { code, reason } => panic!("closed {code} {reason}"),
            _ => continue,
        }
    }
}

#[tokio::test]
async fn sealed_channel_over_the_relay_refuses_injected_frames() {
    use cleanmatch::seal::{frame_kind, FrameKind, Handshake, Invite, SealError};

    let server = start(RelayConfig::default(), None).await;
    let invite = Invite::generate().unwrap();
    let joined = Invite::parse(&format!("http://{}/#{}", server.addr, invite.fragment())).unwrap();
    let mut host = connect(&server, &invite.room_id(), Role::Host).await;
    assert_eq!(next(&mut host).await, RelayEvent::Waiting);
    let mut guest = connect(&server, &joined.room_id(), Role::Guest).await;
    assert_eq!(next(&mut host).await, RelayEvent::PeerJoined);
    assert_eq!(next(&mut guest).await, RelayEvent::PeerJoined);

    // Both send their commit on `peer-joined`, then their hello once the other's commit is in.
    let (mut host_hs, host_commit) = Handshake::start(&invite, Role::Host).unwrap();
    let (mut guest_hs, guest_commit) = Handshake::start(&joined, Role::Guest).unwrap();
    host.send(host_commit).await.unwrap();
    guest.send(guest_commit).await.unwrap();
    let commit_at_guest = next_frame(&mut guest).await;
    let commit_at_host = next_frame(&mut host).await;
    assert_eq!(frame_kind(&commit_at_guest), Some(FrameKind::Commit));
    host.send(host_hs.receive_commit(&commit_at_host).unwrap()).await.unwrap();
    guest.send(guest_hs.receive_commit(&commit_at_guest).unwrap()).await.unwrap();
    let at_guest = next_frame(&mut guest).await;
    let at_host = next_frame(&mut host).await;
    assert_eq!(frame_kind(&at_guest), Some(FrameKind::Hello));
    let mut host_ch = host_hs.finish(&at_host).unwrap();
    let mut guest_ch = guest_hs.finish(&at_guest).unwrap();
    assert_eq!(host_ch.verification_code(), guest_ch.verification_code());

    let f0 = host_ch.seal(b"chunk 0");
    let f1 = host_ch.seal(b"chunk 1");
    host.send(f0.clone()).await.unwrap();
    assert_eq!(guest_ch.open(&next_frame(&mut guest).await).unwrap(), b"chunk 0");

    // Injected: the same frame again, a flipped bit, a cut-short frame, a frame from ahead.
    let mut forged = f1.clone();
    forged[12] ^= 0x20;
    let f2 = host_ch.seal(b"chunk 2");
    for (bad, want) in [
        (f0.clone(), SealError::Replayed { expected: 1, found: 0 }),
        (forged, SealError::Forged),
        (f1[..20].to_vec(), SealError::Truncated { len: 20, min: 25 }),
        (f1[..f1.len() - 3].to_vec(), SealError::Forged),
        (f2.clone(), SealError::OutOfOrder { expected: 1, found: 2 }),
    ] {
        host.send(bad).await.unwrap();
        assert_eq!(guest_ch.open(&next_frame(&mut guest).await), Err(want));
    }
    // None of them moved the channel: the genuine frames still open in order.
    for (f, want) in [(f1, b"chunk 1"), (f2, b"chunk 2")] {
        host.send(f).await.unwrap();
        assert_eq!(guest_ch.open(&next_frame(&mut guest).await).unwrap(), want);
    }
    let back = guest_ch.seal_control(b"ack 2");
    guest.send(back).await.unwrap();
    assert_eq!(host_ch.open_control(&next_frame(&mut host).await).unwrap(), b"ack 2");

    // A commit made with another invite is refused.
    let (_, stranger) = Handshake::start(&Invite::generate().unwrap(), Role::Guest).unwrap();
    let (mut late_host, _) = Handshake::start(&invite, Role::Host).unwrap();
    assert_eq!(late_host.receive_commit(&stranger).err(), Some(SealError::HelloNotAuthentic));
}

#[tokio::test]
async fn a_silently_dead_side_is_dropped_and_can_come_back() {
    let config = RelayConfig { ping_interval: Duration::from_millis(100), ..RelayConfig::default() };
    let server = start(config, None).await;
    let id = room();
    // A host that never reads never answers the relay's pings: like a connection that died
    // without a close.
    let url = format!("{}/v1/rooms/{id}?role=host", server.ws);
    let (dead_host, _) = tokio_tungstenite::connect_async(url.as_str()).await.unwrap();
    let mut guest = connect(&server, &id, Role::Guest).await;
    assert_eq!(next(&mut guest).await, RelayEvent::PeerJoined);
    // The reading guest answers pings and stays; the host is found dead after three
    // unanswered intervals.
    let mut saw_left = false;
    for _ in 0..10 {
        if let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(200), guest.recv()).await {
            assert_eq!(e, RelayEvent::PeerLeft);
            saw_left = true;
            break;
        }
    }
    assert!(saw_left);
    let mut host = connect(&server, &id, Role::Host).await;
    assert_eq!(next(&mut host).await, RelayEvent::PeerJoined);
    assert_eq!(next(&mut guest).await, RelayEvent::PeerJoined);
    // Both keep reading (as a client must, to answer pings) well past three intervals.
    for _ in 0..3 {
        tokio::join!(quiet(&mut host), quiet(&mut guest));
    }
    exchange(&mut host, &mut guest).await;
    drop(dead_host);
}

#[tokio::test]
async fn a_receiver_that_does_not_read_stalls_its_sender() {
    let server = start(RelayConfig::default(), None).await;
    let (_, host, mut guest) = pair(&server).await;
    let (mut host_tx, _host_rx) = host.split();
    // The guest reads nothing. The relay queues at most 256 KiB for it, then stops reading
    // the host, so once the TCP buffers are full the host's sends stop completing.
    let frame = vec![0u8; 64 << 10];
    let mut sent = 0usize;
    let stalled = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            host_tx.send(frame.clone()).await.unwrap();
            sent += frame.len();
        }
    })
    .await
    .is_err();
    assert!(stalled, "all sends completed");
    assert!(sent < 256 << 20, "{sent} bytes accepted while the receiver read nothing");
    // Everything accepted is delivered, in order, once the guest reads.
    let mut got = 0usize;
    while got < sent {
        match next(&mut guest).await {
            RelayEvent::Frame(f) => got += f.len(),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(got, sent);
}

#[tokio::test]
async fn a_sender_held_back_by_backpressure_is_not_taken_for_dead() {
    // Regression: while the relay does not read a side (its peer's queue is full), that
    // side's pongs go unseen; the wait must not count as silence.
    let config = RelayConfig { ping_interval: Duration::from_millis(1000), ..RelayConfig::default() };
    let server = start(config, None).await;
    let (_, host, guest) = pair(&server).await;
    let (mut host_tx, mut host_rx) = host.split();
    let (mut guest_tx, mut guest_rx) = guest.split();
    let frame = vec![1u8; 64 << 10];
    let send = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            host_tx.send(frame.clone()).await.unwrap();
        }
    });
    // A slow but live guest: one frame every 20 ms.
    let slow_read = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match guest_rx.recv().await.unwrap() {
                RelayEvent::Frame(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                other => panic!("{other:?}"),
            }
        }
    });
    let _ = tokio::join!(send, slow_read);
    guest_tx.send(b"still here".to_vec()).await.unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(5), host_rx.recv()).await.unwrap().unwrap();
    assert_eq!(reply, RelayEvent::Frame(b"still here".to_vec()));
}
