//! A `wss://` match: two native parties reach the real `cleanmatch serve` through a TLS
//! endpoint on loopback (a TLS-terminating proxy in this test, as a deployment would put
//! one in front of the relay), with a certificate made here and trusted via `--relay-ca`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};

const BIN: &str = env!("CARGO_BIN_EXE_cleanmatch");

struct Serve(Child, SocketAddr);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve() -> Serve {
    let mut child =
        Command::new(BIN).args(["serve", "--addr", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    Serve(child, addr)
}

/// A TLS endpoint on 127.0.0.1 forwarding every connection to `backend`; its port.
async fn tls_proxy(backend: SocketAddr, cert: &rcgen::CertifiedKey<rcgen::KeyPair>) -> u16 {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    port
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cleanmatch-relay-tls-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_emails(path: &Path, range: std::ops::Range<u32>) {
    let mut f = std::fs::File::create(path).unwrap();
    writeln!(f, "email").unwrap();
    for i in range {
        writeln!(f, "person{i}@example.com").unwrap();
    }
}

/// Host and guest through `relay`; (host stdout, guest stdout) on success.
fn run_match(relay: &str, ca: Option<&Path>, host_file: &Path, guest_file: &Path) -> Result<(String, String), String> {
    let ca_args: Vec<String> = ca.map(|p| vec!["--relay-ca".to_owned(), p.display().to_string()]).unwrap_or_default();
    let mut h = Command::new(BIN)
        .args(["match", "--relay", relay, "--host", "--yes", "--k", "2", "--file"])
        .arg(host_file)
        .args(&ca_args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(h.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let Some(invite) = first.strip_prefix("invite ").map(|s| s.trim().to_owned()) else {
        let o = h.wait_with_output().unwrap();
        return Err(String::from_utf8_lossy(&o.stderr).into_owned());
    };
    let g = Command::new(BIN)
        .args(["match", "--invite", &invite, "--yes", "--k", "2", "--file"])
        .arg(guest_file)
        .args(&ca_args)
        .output()
        .unwrap();
    let mut rest = String::new();
    out.read_line(&mut rest).unwrap();
    let host_status = h.wait().unwrap();
    if !g.status.success() || !host_status.success() {
        return Err(format!("guest: {}", String::from_utf8_lossy(&g.stderr)));
    }
    assert!(invite.starts_with(&format!("{}/#k=", relay.replacen("wss://", "https://", 1))), "{invite}");
    Ok((rest, String::from_utf8(g.stdout).unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_over_wss_through_a_tls_endpoint() {
    let server = serve();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let port = tls_proxy(server.1, &cert).await;
    let dir = temp_dir("match");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, cert.cert.pem()).unwrap();
    let (host_file, guest_file) = (dir.join("host.csv"), dir.join("guest.csv"));
    // 300 and 250 people; 0..300 and 200..450 overlap in 100.
    write_emails(&host_file, 0..300);
    write_emails(&guest_file, 200..450);
    let relay = format!("wss://127.0.0.1:{port}");

    let (r, c) = (relay.clone(), ca.clone());
    let (hf, gf) = (host_file.clone(), guest_file.clone());
    let (host, guest) = tokio::task::spawn_blocking(move || run_match(&r, Some(&c), &hf, &gf)).await.unwrap().unwrap();
    let host: serde_json::Value = serde_json::from_str(&host).unwrap();
    let guest: serde_json::Value = serde_json::from_str(&guest).unwrap();
    for (report, own, partner) in [(&host, 300, 250), (&guest, 250, 300)] {
        assert_eq!(report["own_records"], own, "{report}");
        assert_eq!(report["partner_records"], partner, "{report}");
        assert_eq!(report["own_matched"], 100, "{report}");
        assert_eq!(report["partner_matched"], 100, "{report}");
    }
    assert_eq!(host["report_hash"], guest["report_hash"]);

    // Without the extra CA, the certificate is not trusted and nothing runs.
    let err = tokio::task::spawn_blocking(move || run_match(&relay, None, &host_file, &guest_file)).await.unwrap().unwrap_err();
    assert!(err.contains("cannot reach the relay") && err.to_lowercase().contains("certificate"), "{err}");
}
