//! The relay's close codes and the reconnect policy, as data for the JS driver and the
//! page ([`crate::policy`] is the source; nothing here decides anything).

use crate::policy::{retry_for, CloseCode, ReconnectPolicy};
use wasm_bindgen::prelude::*;

/// The relay policy as JSON text:
/// `{"close_codes":[{"code":4001,"name":"room-full","retry":"while-rejoining"},…],
///   "reconnect":{"window_ms":60000,"delay_ms":1000}}`.
/// `retry` is `never`, `while-rejoining` or `always` (see `closeRetry` for codes not listed).
#[wasm_bindgen(js_name = relayPolicy)]
pub fn relay_policy() -> String {
    let codes: Vec<_> = CloseCode::ALL
        .into_iter()
        .map(|c| serde_json::json!({ "code": c.code(), "name": c.name(), "retry": c.retry().as_str() }))
        .collect();
    let p = ReconnectPolicy::DEFAULT;
    serde_json::json!({
        "close_codes": codes,
        "reconnect": { "window_ms": p.window.as_millis() as u64, "delay_ms": p.delay.as_millis() as u64 },
    })
    .to_string()
}

/// The retry rule for any close code (`never`, `while-rejoining`, `always`), including
/// codes the relay does not send (1006 when the network dropped: `always`).
#[wasm_bindgen(js_name = closeRetry)]
pub fn close_retry(code: u16) -> String {
    retry_for(code).as_str().to_owned()
}
