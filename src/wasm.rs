//! WebAssembly bindings: they only translate between JavaScript and the core.
//!
//! Conventions, so the JS layer (`js/`) can rely on them:
//! - bulk data crosses as `Uint8Array` (`&[u8]` in, `Vec<u8>` out), never as JS arrays;
//! - names are camelCase;
//! - every failure is a JS `Error` with a stable `code` string, built in one place
//!   ([`error`]); no input from JavaScript can reach a panic (a panic aborts the instance).
//!
//! Randomness: the wasm32 build enables getrandom's `wasm_js` backend (Cargo.toml), which
//! reads `crypto.getRandomValues` in pages and workers alike. getrandom 0.4 is the only
//! version in the wasm dependency tree (check with
//! `cargo tree --target wasm32-unknown-unknown -e normal -i getrandom@0.3.4`).

mod error;
mod ingest;
mod normalize;
mod policy;
mod session;
mod sniff;
#[cfg(feature = "danger")]
mod vectors;

use crate::psi;
use error::JsResult;
use wasm_bindgen::prelude::*;

/// The crate version, so the page can show which core it runs.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// A fresh random secret scalar (32 bytes). Whoever holds it can undo this side's
/// blinding: keep it in the worker pool, never send it.
#[wasm_bindgen(js_name = randomSecret)]
pub fn random_secret() -> JsResult<Vec<u8>> {
    Ok(psi::Secret::random()?.to_bytes().to_vec())
}

/// Hashes `n` 32-byte digests to ristretto255 under match key `key` and blinds them with
/// the secret: `n`×32 bytes in, `n`×32 compressed points out, same order.
#[wasm_bindgen(js_name = blindBatch)]
pub fn blind_batch(secret: &[u8], key: &str, digests: &[u8]) -> JsResult<Vec<u8>> {
    let secret = psi::Secret::from_bytes(secret)?;
    let key = psi::MatchKey::parse(key).ok_or(psi::PsiError::UnknownKey)?;
    Ok(psi::blind_batch(&secret, key, digests)?)
}

/// Evaluates `n` partner points with the secret: `n`×32 bytes in, `n`×12 bytes out.
#[wasm_bindgen(js_name = evaluateBatch)]
pub fn evaluate_batch(secret: &[u8], points: &[u8]) -> JsResult<Vec<u8>> {
    let secret = psi::Secret::from_bytes(secret)?;
    Ok(psi::evaluate_batch(&secret, points)?)
}
