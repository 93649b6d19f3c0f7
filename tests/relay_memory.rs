//! Memory under abuse, against `cleanmatch serve` as its own process (so its resident
//! memory is the relay's alone): HOARDERS clients each begin a 4 MiB message, send 1 MiB of
//! it as fragments and keep the connection alive with pings, while another room keeps
//! exchanging frames. The relay's peak resident memory (VmHWM) must stay under
//! `idle + 2 × pool + 64 KiB per connection + 24 MiB` (the allocator may keep up to twice
//! the bytes a growing message holds; the 24 MiB covers the working room's frames in
//! flight and the allocator's own slack). Without the held-bytes pool the hoarders alone
//! would hold HOARDERS MiB.
//!
//! The normal suite runs 60 hoarders against a 8 MiB pool; the ignored test runs 500
//! against a 64 MiB pool (`cargo test --test relay_memory -- --ignored --nocapture`).
//! Figures measured are in docs/performance.md ("Relay under abuse").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cleanmatch::relay::client::{room_url, RelayClient, RelayEvent};
use cleanmatch::seal::{Invite, Role};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

/// VmRSS and VmHWM of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct Serve(Child, SocketAddr);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(pool_mib: u64) -> Serve {
    let www = std::env::temp_dir().join(format!("cleanmatch-relay-memory-{}", std::process::id()));
    std::fs::create_dir_all(&www).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cleanmatch"))
        .args(["serve", "--addr", "127.0.0.1:0", "--max-connections-per-ip", "2000", "--max-pending-per-ip", "2000"])
        .args(["--max-held-mib", &pool_mib.to_string(), "--www"])
        .arg(&www)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    Serve(child, addr)
}

/// One hoarder: opens a room, begins a message and pings until the relay closes it.
async fn hoard(base: String, sent: Arc<AtomicUsize>, closed: Arc<AtomicUsize>) {
    let url = room_url(&base, &Invite::generate().unwrap().room_id(), Role::Host);
    let Ok((mut ws, _)) = tokio_tungstenite::connect_async(url.as_str()).await else {
        return;
    };
    let _ = ws.next().await;
    for i in 0..4 {
        let opcode = if i == 0 { OpCode::Data(Data::Binary) } else { OpCode::Data(Data::Continue) };
        if ws.send(Message::Frame(Frame::message(vec![0x5a; 256 << 10], opcode, false))).await.is_err() {
            break;
        }
    }
    sent.fetch_add(1, Ordering::Relaxed);
    loop {
        if ws.send(Message::Ping(vec![1].into())).await.is_err() {
            break;
        }
        match tokio::time::timeout(Duration::from_millis(500), ws.next()).await {
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => break,
            _ => {}
        }
    }
    closed.fetch_add(1, Ordering::Relaxed);
}

/// A working room: 200 frames of 64 KiB each way, checked byte for byte.
async fn working_room(base: &str) -> Duration {
    let id = Invite::generate().unwrap().room_id();
    let mut host = RelayClient::connect(base, &id, Role::Host).await.unwrap();
    assert_eq!(host.recv().await, Some(RelayEvent::Waiting));
    let mut guest = RelayClient::connect(base, &id, Role::Guest).await.unwrap();
    assert_eq!(host.recv().await, Some(RelayEvent::PeerJoined));
    assert_eq!(guest.recv().await, Some(RelayEvent::PeerJoined));
    let t0 = Instant::now();
    for i in 0..200u32 {
        let frame: Vec<u8> = (0..64u32 << 10).map(|j| (i ^ j) as u8).collect();
        host.send(frame.clone()).await.unwrap();
        let got = tokio::time::timeout(Duration::from_secs(10), guest.recv()).await.expect("the working room stalled");
        assert_eq!(got, Some(RelayEvent::Frame(frame.clone())));
        guest.send(frame.clone()).await.unwrap();
        assert_eq!(host.recv().await, Some(RelayEvent::Frame(frame)));
    }
    t0.elapsed()
}

fn run(hoarders: usize, pool_mib: u64) {
    let server = serve(pool_mib);
    let pid = server.0.id();
    let base = format!("ws://{}", server.1);
    std::thread::sleep(Duration::from_millis(200));
    let (idle, _) = memory_kib(pid);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (sent, closed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (took, hwm, rss) = rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..hoarders {
            tasks.push(tokio::spawn(hoard(base.clone(), Arc::clone(&sent), Arc::clone(&closed))));
            // Hoarders arrive over time, as an attack would, so the oldest can be evicted.
            tokio::time::sleep(Duration::from_millis(4)).await;
        }
        let took = working_room(&base).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        while sent.load(Ordering::Relaxed) < hoarders && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let (rss, hwm) = memory_kib(pid);
        for t in tasks {
            t.abort();
        }
        (took, hwm, rss)
    });
    let bound_kib = idle + 2 * (pool_mib << 10) + 64 * hoarders as u64 + (24 << 10);
    println!(
        "relay_memory hoarders={hoarders} pool_mib={pool_mib} relay_rss_idle_mib={:.1} relay_hwm_mib={:.1} relay_rss_mib={:.1} \
         bound_mib={:.1} hoarders_closed={} working_room_seconds={:.2}",
        idle as f64 / 1024.0,
        hwm as f64 / 1024.0,
        rss as f64 / 1024.0,
        bound_kib as f64 / 1024.0,
        closed.load(Ordering::Relaxed),
        took.as_secs_f64()
    );
    assert_eq!(sent.load(Ordering::Relaxed), hoarders, "every hoarder got its bytes out");
    assert!(hwm < bound_kib, "relay peak RSS {hwm} KiB over the bound {bound_kib} KiB");
}

#[test]
fn hoarding_clients_stay_within_the_pool() {
    run(60, 8);
}

#[test]
#[ignore = "500 connections; run with --ignored --nocapture"]
fn five_hundred_hoarding_clients_stay_within_the_pool() {
    run(500, 64);
}
