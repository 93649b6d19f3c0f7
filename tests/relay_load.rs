//! Load figures for the relay:
//! `cargo build --release --bin cleanmatch && CLEANMATCH_BIN=target/release/cleanmatch
//! cargo test --test relay_load -- --ignored --nocapture` (the relay's log goes to
//! `$TMPDIR/cleanmatch-relay-load.log`).
//!
//! Starts `cleanmatch serve` as its own process (so its memory is the relay's alone),
//! opens ROOMS rooms (default 500) and has both sides of every room send MB megabytes
//! (default 2) to each other at once in 64 KiB frames. Prints the forwarded throughput
//! and the relay's resident memory. Figures only: nothing here is timed as a pass/fail.
//!
//! Clients connect from 127.0.0.2, 127.0.0.3, … (50 connections per address), because
//! the relay allows 64 connections per address.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cleanmatch::relay::client::room_url;
use cleanmatch::seal::{Invite, Role};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpSocket;
use tokio::sync::Barrier;
use tokio_tungstenite::tungstenite::Message;

const FRAME: usize = 64 << 10;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// VmRSS and VmHWM of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[test]
#[ignore = "load figures; run with --ignored --nocapture, preferably --release"]
fn relay_load() {
    let rooms = env_or("ROOMS", 500);
    let mib = env_or("MB", 2);
    let per_direction = mib << 20;
    // CLEANMATCH_BIN measures another build of the relay, e.g. `target/release/cleanmatch`
    // while this client runs as a debug test (`cargo test --release` cannot build the
    // cdylib with both panic strategies).
    let bin = std::env::var("CLEANMATCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_cleanmatch").to_owned());
    let mut child = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--www", ".", "--max-pending-per-ip", "100"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(std::env::temp_dir().join("cleanmatch-relay-load.log")).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr: SocketAddr = line.split("http://").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let base = format!("ws://{addr}");
    let (idle_rss, _) = memory_kib(pid);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let peak = Arc::new(AtomicU64::new(0));
    let (elapsed, received) = rt.block_on(async {
        let sampler = {
            let peak = Arc::clone(&peak);
            tokio::spawn(async move {
                loop {
                    peak.fetch_max(memory_kib(pid).0, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        };
        let start_line = Arc::new(Barrier::new(2 * rooms + 1));
        let received = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for r in 0..rooms {
            let id = Invite::generate().unwrap().room_id();
            for (k, role) in [(0, Role::Host), (1, Role::Guest)] {
                let n = 2 * r + k;
                let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (n / 50) as u8));
                let url = room_url(&base, &id, role);
                let (start_line, received) = (Arc::clone(&start_line), Arc::clone(&received));
                tasks.push(tokio::spawn(async move {
                    if role == Role::Guest {
                        // The host must be in first.
                        tokio::time::sleep(Duration::from_millis(300)).await;
                    }
                    side(ip, addr, &url, per_direction, &start_line, &received).await;
                }));
            }
        }
        start_line.wait().await;
        let t0 = Instant::now();
        for t in tasks {
            t.await.unwrap();
        }
        let elapsed = t0.elapsed();
        sampler.abort();
        (elapsed, received.load(Ordering::Relaxed))
    });
    let (end_rss, hwm) = memory_kib(pid);
    Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    let _ = child.wait();

    let forwarded_mb = received as f64 / 1e6;
    println!(
        "relay_load rooms={rooms} per_direction_mib={mib} forwarded_mb={forwarded_mb:.0} seconds={:.2} throughput_mb_s={:.0} \
         relay_rss_idle_mib={:.1} relay_rss_peak_mib={:.1} relay_hwm_mib={:.1} relay_rss_after_mib={:.1}",
        elapsed.as_secs_f64(),
        forwarded_mb / elapsed.as_secs_f64(),
        idle_rss as f64 / 1024.0,
        peak.load(Ordering::Relaxed) as f64 / 1024.0,
        hwm as f64 / 1024.0,
        end_rss as f64 / 1024.0,
    );
    assert_eq!(received, (2 * rooms * per_direction) as u64, "every byte arrives");
}

/// One side: connect from `ip`, wait for the peer, then send and receive `bytes` at once.
async fn side(ip: IpAddr, relay: SocketAddr, url: &str, bytes: usize, start_line: &Barrier, received: &AtomicU64) {
    let (mut sink, mut stream) = 'connect: loop {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(ip, 0)).unwrap();
        let tcp = socket.connect(relay).await.unwrap();
        let (ws, _) = tokio_tungstenite::client_async(url, tcp).await.unwrap();
        let (sink, mut stream) = ws.split();
        loop {
            match stream.next().await.unwrap().unwrap() {
                Message::Text(t) if t.as_str().contains("peer-joined") => break 'connect (sink, stream),
                Message::Text(_) | Message::Ping(_) => continue,
                // A guest that came before its host (4004) tries again.
                Message::Close(Some(f)) if u16::from(f.code) == 4004 => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue 'connect;
                }
                other => panic!("before peer-joined: {other:?}"),
            }
        }
    };
    start_line.wait().await;
    let send = async {
        let mut left = bytes;
        while left > 0 {
            let n = left.min(FRAME);
            sink.send(Message::Binary(vec![0x5a; n].into())).await.unwrap();
            left -= n;
        }
    };
    let recv = async {
        let mut got = 0;
        while got < bytes {
            match stream.next().await.unwrap().unwrap() {
                Message::Binary(b) => got += b.len(),
                // The relay's pings (answered by tungstenite) and its JSON messages.
                Message::Text(_) | Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("during exchange: {other:?}"),
            }
        }
        received.fetch_add(got as u64, Ordering::Relaxed);
    };
    tokio::join!(send, recv);
    let _ = sink.send(Message::Close(None)).await;
}
