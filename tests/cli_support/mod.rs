//! Helpers for the tests that run `cleanmatch match` against a real `cleanmatch serve` on
//! loopback: the relay process, temporary files, and one host + guest run.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_cleanmatch");

pub struct Server {
    child: Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve() -> Server {
    let mut child =
        Command::new(BIN).args(["serve", "--addr", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    Server { child, addr }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cleanmatch-cli-match-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write_csv(path: &Path, header: &str, rows: impl Iterator<Item = String>) {
    let mut f = std::fs::File::create(path).unwrap();
    writeln!(f, "{header}").unwrap();
    for r in rows {
        writeln!(f, "{r}").unwrap();
    }
}

/// Runs host and guest; returns (host report, guest report) as JSON.
pub fn run_match(server: &Server, host: &[&str], guest: &[&str]) -> (serde_json::Value, serde_json::Value) {
    let relay = format!("ws://{}", server.addr);
    let mut h = Command::new(BIN)
        .args(["match", "--relay", &relay, "--host", "--yes"])
        .args(host)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(h.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let invite = first.strip_prefix("invite ").expect("first line is the invite").trim().to_string();
    assert!(invite.starts_with(&format!("http://{}/#k=", server.addr)), "{invite}");
    let g = Command::new(BIN).args(["match", "--invite", &invite, "--yes"]).args(guest).output().unwrap();
    assert!(g.status.success(), "guest failed: {}", String::from_utf8_lossy(&g.stderr));
    let mut rest = String::new();
    out.read_line(&mut rest).unwrap();
    assert!(h.wait().unwrap().success());
    (serde_json::from_str(&rest).unwrap(), serde_json::from_slice(&g.stdout).unwrap())
}
