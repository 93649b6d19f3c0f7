//! The static page, its headers, and `cleanmatch serve` as a process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use cleanmatch::relay::RelayConfig;
use common::*;

fn www() -> (PathBuf, PathBuf) {
    let base = std::env::temp_dir().join(format!("cleanmatch-www-{}-{}", std::process::id(), room()));
    let dir = base.join("www");
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>cleanmatch</title>").unwrap();
    std::fs::write(dir.join("app.js"), "export {};").unwrap();
    std::fs::write(dir.join("worker.mjs"), "export {};").unwrap();
    std::fs::write(dir.join("style.css"), "body{}").unwrap();
    std::fs::write(dir.join("logo.svg"), "<svg/>").unwrap();
    std::fs::write(dir.join("pkg/cleanmatch_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("pkg/index.html"), "pkg").unwrap();
    std::fs::write(dir.join(".secret"), "hidden").unwrap();
    std::fs::write(base.join("outside.txt"), "outside").unwrap();
    (base, dir)
}

const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws://";

#[tokio::test]
async fn serves_the_page_with_types_and_headers() {
    let (_base, dir) = www();
    let server = start(RelayConfig::default(), Some(dir)).await;
    for (path, ty) in [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/worker.mjs", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/logo.svg", "image/svg+xml"),
        ("/pkg/cleanmatch_bg.wasm", "application/wasm"),
        ("/pkg/", "text/html; charset=utf-8"),
        ("/pkg", "text/html; charset=utf-8"),
    ] {
        let r = http(server.addr, "GET", path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(ty), "{path}");
        let csp = r.header("content-security-policy").unwrap();
        assert!(csp.starts_with(CSP), "{csp}");
        assert!(csp.contains(&format!("ws://{} wss://{}", server.addr, server.addr)), "{csp}");
        assert!(csp.contains("object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"));
        assert_eq!(r.header("cross-origin-opener-policy"), Some("same-origin"));
        assert_eq!(r.header("cross-origin-embedder-policy"), Some("require-corp"));
        assert_eq!(r.header("cross-origin-resource-policy"), Some("same-origin"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    }
    let wasm = http(server.addr, "GET", "/pkg/cleanmatch_bg.wasm").await;
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");
    let head = http(server.addr, "HEAD", "/app.js").await;
    assert_eq!((head.status, head.body.len()), (200, 0));
    assert_eq!(http(server.addr, "POST", "/app.js").await.status, 405);
}

#[tokio::test]
async fn refuses_traversal_and_hidden_files() {
    let (_base, dir) = www();
    let server = start(RelayConfig::default(), Some(dir)).await;
    for path in [
        "/../outside.txt",
        "/pkg/../../outside.txt",
        "/%2e%2e/outside.txt",
        "/..%2foutside.txt",
        "/pkg/..%5c..%5coutside.txt",
        "/.secret",
        "/nope.js",
        "//etc/passwd",
        "/pkg/cleanmatch_bg.wasm/..",
    ] {
        let r = http(server.addr, "GET", path).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(!String::from_utf8_lossy(&r.body).contains("outside"), "{path}");
        // Errors carry the headers too.
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
    }
}

#[tokio::test]
async fn without_a_page_only_the_relay_answers() {
    let server = start(RelayConfig::default(), None).await;
    assert_eq!(http(server.addr, "GET", "/").await.status, 404);
    assert_eq!(http(server.addr, "GET", "/healthz").await.status, 200);
}

#[test]
fn serve_command_prints_its_address_and_stops_on_sigterm() {
    let (base, _dir) = www();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cleanmatch"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(&base)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line
        .strip_prefix("cleanmatch serving http://")
        .and_then(|rest| rest.split_once(' '))
        .map(|(a, rest)| {
            assert_eq!(rest.trim(), format!("(relay at ws://{a}/v1/rooms)"));
            a.parse::<std::net::SocketAddr>().unwrap()
        })
        .unwrap_or_else(|| panic!("first line: {line:?}"));
    assert_ne!(addr.port(), 0);
    let rt = tokio::runtime::Runtime::new().unwrap();
    // `./www` in the working directory is the default page.
    let page = rt.block_on(http(addr, "GET", "/"));
    assert_eq!(page.status, 200);
    assert_eq!(page.body, b"<!doctype html><title>cleanmatch</title>");
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
