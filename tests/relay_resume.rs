//! A side whose connection drops mid-exchange rejoins the room and the run completes:
//! two real sessions, the real relay on 127.0.0.1:0, and a loopback TCP proxy in front of
//! the guest that cuts its connection once, part-way through the bulk data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
mod pair;

use cleanmatch::manifest::{LocalRules, Mode};
use cleanmatch::normalize::Preset;
use cleanmatch::relay::client::{RelayClient, RelayEvent};
use cleanmatch::relay::RelayConfig;
use cleanmatch::seal::{Invite, Role};
use cleanmatch::session::{Event, Session};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Forwards connections to `target`; cuts every open connection (once) after
/// `cut_after` bytes have flowed towards the client.
async fn proxy(target: std::net::SocketAddr, cut_after: usize) -> (std::net::SocketAddr, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let cut = Arc::new(AtomicBool::new(false));
    let flowed = Arc::new(AtomicUsize::new(0));
    let cut2 = cut.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let mut upstream = TcpStream::connect(target).await.unwrap();
            let cut = cut2.clone();
            let flowed = flowed.clone();
            tokio::spawn(async move {
                let (mut cr, mut cw) = client.split();
                let (mut ur, mut uw) = upstream.split();
                let up = async {
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = cr.read(&mut buf).await {
                        if n == 0 || uw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                };
                let down = async {
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = ur.read(&mut buf).await {
                        if n == 0 || cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        let total = flowed.fetch_add(n, Ordering::SeqCst) + n;
                        if total > cut_after && !cut.swap(true, Ordering::SeqCst) {
                            return; // drop both directions mid-stream
                        }
                    }
                };
                tokio::select! { _ = up => {}, _ = down => {} }
            });
        }
    });
    (addr, cut)
}

/// Runs one side to the end, reconnecting when the connection drops.
async fn drive(mut s: Session, relay: String, role: Role, records: Vec<pair::Rec<'static>>) -> (Session, usize) {
    let room = s.room_id();
    let mut conn = RelayClient::connect(&relay, &room, role).await.unwrap();
    let mut reconnects = 0;
    loop {
        while let Some(t) = s.poll_task() {
            let r = t.run(s.secret().unwrap());
            s.complete(t.id, r).unwrap();
        }
        while let Some(f) = s.poll_transmit() {
            let _ = conn.send(f).await;
        }
        let mut acted = false;
        while let Some(e) = s.poll_event() {
            acted = true;
            match e {
                Event::Connected { .. } => s.confirm_code().unwrap(),
                Event::Proposed(_) => {
                    s.accept(&["email".to_string()], None).unwrap();
                }
                Event::Countered { .. } => s.confirm().unwrap(),
                Event::Agreed(m) => s.start(pair::own_set(&records, &m.keys)).unwrap(),
                Event::Finished => return (s, reconnects),
                Event::Failed { message, .. } => panic!("{role:?} failed: {message}"),
            }
        }
        if acted {
            continue;
        }
        let ev = tokio::time::timeout(Duration::from_secs(20), conn.recv()).await.expect("stalled");
        match ev {
            Some(RelayEvent::Frame(f)) => s.receive(&f).unwrap(),
            Some(RelayEvent::PeerJoined) => s.peer_joined().unwrap(),
            Some(RelayEvent::Waiting | RelayEvent::PeerLeft) => {}
            Some(RelayEvent::Closed { .. }) | None => {
                reconnects += 1;
                conn = loop {
                    if let Ok(c) = RelayClient::connect(&relay, &room, role).await {
                        break c;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                };
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_guest_reconnects_and_the_run_completes() {
    let server = common::start(RelayConfig::default(), None).await;
    let (proxy_addr, cut) = proxy(server.addr, 300_000).await;
    let invite = Invite::generate().unwrap();
    let mut m = pair::manifest(Mode::Aggregate, &["email"], 10);
    m.preset_fingerprint = Preset::named("uid2").unwrap().fingerprint();
    let host = Session::host(invite.clone(), LocalRules::default(), m).unwrap();
    let guest = Session::guest(invite, LocalRules::default());
    let recs = |r: std::ops::Range<usize>| r.map(|i| (None, vec![pair::email(i)])).collect::<Vec<_>>();
    let h = tokio::spawn(drive(host, server.ws.clone(), Role::Host, recs(0..20_000)));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let g = tokio::spawn(drive(guest, format!("ws://{proxy_addr}"), Role::Guest, recs(5_000..25_000)));
    let (h, _) = tokio::time::timeout(Duration::from_secs(120), h).await.unwrap().unwrap();
    let (g, reconnects) = tokio::time::timeout(Duration::from_secs(120), g).await.unwrap().unwrap();
    assert!(cut.load(Ordering::SeqCst), "the proxy cut the guest's connection");
    assert!(reconnects >= 1, "the guest reconnected");
    assert_eq!(h.report().unwrap(), g.report().unwrap());
    assert_eq!(h.report().unwrap().figures.host.matched, Some(15_000));
}
