//! Test builds only (cargo feature `danger`, never the shipped package): the protocol
//! vector runner for the browser, so `tests/vectors/protocol-*.tsv` are checked by this
//! wasm module in Chromium as they are natively (`tests/browser/protocol-vectors.test.mjs`).

use crate::vectors;
use wasm_bindgen::prelude::*;

/// Runs one vector file (its name and text) and returns `{"rows": n, "failures": [...]}`
/// as JSON; each failure names the file, line, case and column.
#[wasm_bindgen(js_name = runProtocolVectors)]
pub fn run_protocol_vectors(file: &str, text: &str) -> String {
    let out = vectors::run_file(file, text);
    serde_json::json!({ "rows": out.rows, "failures": out.failures }).to_string()
}

/// The vector files a complete set holds (`protocol-<kind>.tsv`).
#[wasm_bindgen(js_name = protocolVectorFiles)]
pub fn protocol_vector_files() -> Vec<String> {
    vectors::KINDS.iter().map(|k| format!("protocol-{}.tsv", k.name)).collect()
}
