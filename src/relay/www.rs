//! The static page and the security headers on every response.
//!
//! Only plain paths are served: each segment made of `A-Z a-z 0-9 . _ -`, not starting
//! with a dot, so `..`, encoded separators and hidden files never reach the file system;
//! the resolved file must also still lie inside the directory (symlinks out are refused).

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Relay;

/// Serves a file from the `www` directory, `index.html` for a directory.
pub(crate) async fn serve_file(State(relay): State<Relay>, method: Method, request: Request) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response();
    }
    let Some(root) = relay.shared.www.as_deref() else {
        return not_found();
    };
    let Some(path) = resolve(root, request.uri().path()).await else {
        return not_found();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let mut resp = Response::new(if method == Method::HEAD { Body::empty() } else { Body::from(bytes) });
            let headers = resp.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
            // The page and its wasm change with each release; revalidate instead of guessing.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            resp
        }
        Err(_) => not_found(),
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// Maps a URL path to a file inside `root`, or `None` if the path is not plain or the
/// file does not exist there.
async fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for segment in url_path.split('/').filter(|s| !s.is_empty()) {
        let plain = !segment.starts_with('.')
            && segment.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
        if !plain {
            return None;
        }
        path.push(segment);
    }
    if tokio::fs::metadata(&path).await.ok()?.is_dir() {
        path.push("index.html");
    }
    let real = tokio::fs::canonicalize(&path).await.ok()?;
    let real_root = tokio::fs::canonicalize(root).await.ok()?;
    (real.starts_with(&real_root) && tokio::fs::metadata(&real).await.ok()?.is_file()).then_some(real)
}

/// Content type by extension; browsers refuse to compile wasm or run module scripts
/// served with any other type.
pub(crate) fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" | "map" => "application/json",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// Adds the security headers to every response, the relay's included.
///
/// `connect-src` names this origin's own `ws:`/`wss:` URL (from the `Host` header) so
/// the page can reach its relay and nothing else; a `Host` with unexpected characters
/// falls back to `'self'` alone.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| plain_host(h)).map(str::to_owned);
    let mut resp = next.run(request).await;
    let csp = content_security_policy(host.as_deref());
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-embedder-policy", "require-corp");
    set(h, "cross-origin-resource-policy", "same-origin");
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    resp
}

fn set(h: &mut HeaderMap, name: &'static str, value: &'static str) {
    h.insert(name, HeaderValue::from_static(value));
}

fn plain_host(h: &str) -> bool {
    !h.is_empty() && h.len() <= 255 && h.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b':' | b'[' | b']'))
}

/// The page's Content-Security-Policy.
pub(crate) fn content_security_policy(host: Option<&str>) -> String {
    let connect = match host {
        Some(h) => format!("'self' ws://{h} wss://{h}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src {connect}; img-src 'self' data: blob:; \
         style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    )
}
