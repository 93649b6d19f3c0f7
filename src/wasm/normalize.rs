//! Normalization bindings: one raw identifier in, its normalized form or digest out.
//! Used by the page to preview how a column will be matched; bulk work goes through
//! ingest, not through a call per value.

use super::error::{CoreError, JsResult};
use crate::normalize::{Kind, Preset};
use wasm_bindgen::prelude::*;

fn preset(name: &str) -> JsResult<Preset> {
    Preset::named(name).ok_or_else(|| CoreError::new("unknown-preset", "unknown normalization preset"))
}

fn kind(name: &str) -> JsResult<Kind> {
    Kind::parse(name).ok_or_else(|| CoreError::new("unknown-kind", "unknown identifier kind"))
}

/// The normalized form of `raw` under `preset` (`uid2`, `google`, `meta`, `pair`,
/// `plain`) for `kind` (`email`, `phone`, `name`, `postal`, `maid`, `sha256`).
#[wasm_bindgen]
pub fn normalize(preset_name: &str, kind_name: &str, raw: &str, default_country: Option<String>) -> JsResult<String> {
    Ok(preset(preset_name)?.normalize(kind(kind_name)?, raw, default_country.as_deref())?)
}

/// SHA-256 of the normalized form (for `sha256`, the decoded digest): 32 bytes.
#[wasm_bindgen]
pub fn digest(preset_name: &str, kind_name: &str, raw: &str, default_country: Option<String>) -> JsResult<Vec<u8>> {
    Ok(preset(preset_name)?.digest(kind(kind_name)?, raw, default_country.as_deref())?.to_vec())
}

/// The preset's fingerprint (hex); both partners' must be equal for digests to match.
#[wasm_bindgen(js_name = presetFingerprint)]
pub fn preset_fingerprint(preset_name: &str) -> JsResult<String> {
    Ok(preset(preset_name)?.fingerprint())
}
