//! Session bindings: the core's sans-IO `Session` for the JS collaboration driver, which
//! moves its frames over a relay WebSocket and runs its tasks on the worker pool.
//! Structured values (manifest, report, events, progress) cross as JSON text, which the
//! driver parses; bulk data as `Uint8Array`.

use super::error::{CoreError, JsResult};
use crate::ingest::{ColumnRole, IngestError, KeyPlan};
use crate::manifest::{LocalRules, Proposal};
use crate::psi::{KeyMask, MatchKey, Op, OwnSet, PsiError, DIGEST_LEN};
use crate::seal::Invite;
use crate::session::Session;
use wasm_bindgen::prelude::*;

fn json_error(e: serde_json::Error) -> CoreError {
    CoreError::new("invalid-option", format_args!("malformed JSON: {e}"))
}

fn local_rules(json: Option<String>) -> JsResult<LocalRules> {
    match json {
        Some(text) => serde_json::from_str(&text).map_err(json_error),
        None => Ok(LocalRules::default()),
    }
}

/// This side's records, built row by row before [`JsSession::start`].
#[wasm_bindgen(js_name = OwnSet)]
pub struct JsOwnSet {
    inner: OwnSet,
}

#[wasm_bindgen(js_class = OwnSet)]
impl JsOwnSet {
    /// An empty set.
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsOwnSet {
        JsOwnSet { inner: OwnSet::new() }
    }

    /// Adds source row `row`: `keys[i]` is the match key's wire index (its position in
    /// `matchKeys()`) of the digest at `digests[32·i..32·i+32]`. Every key may be
    /// added: the session keeps only the agreed ones.
    ///
    /// Errors: `invalid-length` unless there is exactly one digest per key index;
    /// `unknown-key` for an index that names no key.
    pub fn add(&mut self, row: u32, group: Option<String>, keys: &[u8], digests: &[u8]) -> JsResult<()> {
        if digests.len() != keys.len() * DIGEST_LEN {
            return Err(PsiError::Length { len: digests.len(), multiple_of: DIGEST_LEN }.into());
        }
        let mut pairs = Vec::with_capacity(keys.len());
        for (k, d) in keys.iter().zip(digests.chunks_exact(DIGEST_LEN)) {
            let key = MatchKey::from_index(usize::from(*k)).ok_or(PsiError::UnknownKey)?;
            let mut digest = [0u8; DIGEST_LEN];
            digest.copy_from_slice(d);
            pairs.push((key, digest));
        }
        self.inner.add(row, group.as_deref(), &pairs);
        Ok(())
    }

    /// Adds many records at once, in the layout of `FileIngest.takeRecords()`: record
    /// `i` is source row `rows[i]` with `counts[i]` consecutive entries of `keys`/`digests`
    /// and group `labels[groups[i]]` (`0xffffffff`: none).
    ///
    /// Errors: `invalid-length` if the arrays do not describe the same records;
    /// `unknown-key` for a key index that names no key.
    #[wasm_bindgen(js_name = addBatch)]
    pub fn add_batch(
        &mut self,
        rows: &[u32],
        counts: &[u8],
        keys: &[u8],
        digests: &[u8],
        groups: &[u32],
        labels: Vec<String>,
    ) -> JsResult<()> {
        let flat = crate::psi::FlatRecords {
            rows: rows.to_vec(),
            counts: counts.to_vec(),
            keys: keys.to_vec(),
            digests: digests.to_vec(),
            groups: groups.to_vec(),
            labels,
        };
        self.inner.add_flat(&flat)?;
        Ok(())
    }

    /// Records held (records without a key are skipped, not held).
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.inner.len()
    }

    /// The match keys at least one record has.
    #[wasm_bindgen(js_name = heldKeys)]
    pub fn held_keys(&self) -> Vec<String> {
        self.inner.held_keys().iter().map(|k| k.as_str().to_owned()).collect()
    }
}

impl From<OwnSet> for JsOwnSet {
    fn from(inner: OwnSet) -> JsOwnSet {
        JsOwnSet { inner }
    }
}

impl Default for JsOwnSet {
    fn default() -> Self {
        JsOwnSet::new()
    }
}

/// The protocol version a manifest must carry.
#[wasm_bindgen(js_name = protocolVersion)]
pub fn protocol_version() -> u32 {
    crate::manifest::PROTOCOL_VERSION
}

/// The match key names in wire order: a key's position is its index in `OwnSet.add`.
#[wasm_bindgen(js_name = matchKeys)]
pub fn match_keys() -> Vec<String> {
    MatchKey::ALL.iter().map(|k| k.as_str().to_owned()).collect()
}

/// Every column role with what it feeds, as JSON `[{role, key, kind, identifier}]`
/// (`key`/`kind` null for roles that feed none; `identifier`: the role yields a match
/// key on its own). Pages take the role vocabulary from here instead of a table.
#[wasm_bindgen(js_name = columnRoles)]
pub fn column_roles() -> String {
    let roles: Vec<serde_json::Value> = crate::ingest::ColumnRole::ALL
        .iter()
        .map(|r| {
            serde_json::json!({
                "role": r,
                "key": r.key(),
                "kind": r.kind().map(|k| k.as_str()),
                "identifier": r.is_identifier(),
            })
        })
        .collect();
    serde_json::Value::Array(roles).to_string()
}

/// Which match keys a file with these column roles forms, as JSON `{keys, columns:
/// [{column, role, key, note}], name_postal_missing, error}`: `roles` is a JSON array of
/// role names, one per column; `default_country` whether a default country is set (names
/// and a postal code form `name_postal` only with a country). `error` is `null` or
/// `{code, message}` (`no-usable-key` for names or postal codes alone,
/// `no-identifier-column`), the error reading the file would give.
///
/// Errors: `unknown-role` for a role name the core does not know.
#[wasm_bindgen(js_name = keyPlan)]
pub fn key_plan(roles: &str, default_country: bool) -> JsResult<String> {
    let names: Vec<String> = serde_json::from_str(roles).map_err(|_| IngestError::UnknownRole { role: roles.chars().take(40).collect() })?;
    let roles = names
        .iter()
        .map(|n| ColumnRole::parse(n).ok_or_else(|| IngestError::UnknownRole { role: n.clone() }))
        .collect::<Result<Vec<_>, _>>()?;
    let plan = KeyPlan::new(&roles, default_country);
    let error = plan.check().err().map(|e| serde_json::json!({ "code": e.code(), "message": e.to_string() }));
    let mut json = serde_json::to_value(&plan).unwrap_or_default();
    json["error"] = error.unwrap_or_default();
    Ok(json.to_string())
}

/// One side of a collaboration.
#[wasm_bindgen(js_name = Session)]
pub struct JsSession {
    inner: Session,
    fragment: String,
}

#[wasm_bindgen(js_class = Session)]
impl JsSession {
    /// A host with a fresh invite, proposing what `proposal` asks for (JSON of the core's
    /// `Proposal`: the npm API's `manifest` option, every field optional). `local` (JSON
    /// of `LocalRules`) defaults to the core's defaults.
    ///
    /// Errors: `manifest`, `unknown-preset`, `no-shared-key` for a proposal the core
    /// refuses.
    pub fn host(proposal: &str, local: Option<String>) -> JsResult<JsSession> {
        let proposal = Proposal::from_json(proposal)?.to_manifest()?;
        let invite = Invite::generate()?;
        let fragment = invite.fragment();
        Ok(JsSession { inner: Session::host(invite, local_rules(local)?, proposal)?, fragment })
    }

    /// A guest joining with an invite link or its `#k=…` fragment.
    pub fn guest(invite: &str, local: Option<String>) -> JsResult<JsSession> {
        let invite = Invite::parse(invite)?;
        let fragment = invite.fragment();
        Ok(JsSession { inner: Session::guest(invite, local_rules(local)?), fragment })
    }

    /// `k=<base64url secret>`: the invite link's fragment (never sent to a server).
    #[wasm_bindgen(js_name = inviteFragment)]
    pub fn invite_fragment(&self) -> String {
        self.fragment.clone()
    }

    /// The relay room id derived from the invite.
    #[wasm_bindgen(js_name = roomId)]
    pub fn room_id(&self) -> String {
        self.inner.room_id()
    }

    /// `host` or `guest`.
    #[wasm_bindgen(getter)]
    pub fn side(&self) -> String {
        format!("{:?}", self.inner.side()).to_lowercase()
    }

    /// The relay announced the partner (`peer-joined`).
    #[wasm_bindgen(js_name = peerJoined)]
    pub fn peer_joined(&mut self) -> JsResult<()> {
        Ok(self.inner.peer_joined()?)
    }

    /// A binary frame from the relay.
    pub fn receive(&mut self, frame: &[u8]) -> JsResult<()> {
        Ok(self.inner.receive(frame)?)
    }

    /// The next frame to send to the relay, if any.
    #[wasm_bindgen(js_name = pollTransmit)]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.inner.poll_transmit()
    }

    /// From now on, keeps a copy of every data message this side seals or opens
    /// (`Session::tap_plaintext`): for audits and privacy tests of what the partner reads.
    #[wasm_bindgen(js_name = tapPlaintext)]
    pub fn tap_plaintext(&mut self) {
        self.inner.tap_plaintext();
    }

    /// The next copied data message, `{sent: boolean, bytes: Uint8Array}`, if any.
    #[wasm_bindgen(js_name = pollPlaintext)]
    pub fn poll_plaintext(&mut self) -> Option<js_sys::Object> {
        let p = self.inner.poll_plaintext()?;
        let obj = js_sys::Object::new();
        // Setting a plain property on a fresh object cannot fail.
        let _ = js_sys::Reflect::set(&obj, &"sent".into(), &JsValue::from_bool(p.sent));
        let _ = js_sys::Reflect::set(&obj, &"bytes".into(), &js_sys::Uint8Array::from(p.bytes.as_slice()).into());
        Some(obj)
    }

    /// The next event as the core's JSON (`session::Event`: `{"type": …}`), if any.
    #[wasm_bindgen(js_name = pollEvent)]
    pub fn poll_event(&mut self) -> Option<String> {
        Some(self.inner.poll_event()?.to_json())
    }

    /// The next task for the pool: `{id, op: "blind"|"evaluate", key?, input}`.
    #[wasm_bindgen(js_name = pollTask)]
    pub fn poll_task(&mut self) -> Option<js_sys::Object> {
        let task = self.inner.poll_task()?;
        let obj = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            // Setting a plain property on a fresh object cannot fail.
            let _ = js_sys::Reflect::set(&obj, &k.into(), &v);
        };
        // Task ids count up from 0; f64 holds them exactly far beyond any run's length.
        set("id", JsValue::from_f64(task.id as f64));
        match task.op {
            Op::Blind(key) => {
                set("op", "blind".into());
                set("key", key.as_str().into());
            }
            Op::Evaluate => set("op", "evaluate".into()),
        }
        set("input", js_sys::Uint8Array::from(task.input.as_slice()).into());
        Some(obj)
    }

    /// This side's secret for the pool's workers (32 bytes), once the run started.
    pub fn secret(&self) -> Option<Vec<u8>> {
        self.inner.secret().map(|s| s.to_bytes().to_vec())
    }

    /// Hands back a task's output.
    pub fn complete(&mut self, id: f64, output: &[u8]) -> JsResult<()> {
        Ok(self.inner.complete(task_id(id)?, Ok(output.to_vec()))?)
    }

    /// Reports that the partner's batch of task `id` held an invalid point at `index`.
    #[wasm_bindgen(js_name = completeInvalidPoint)]
    pub fn complete_invalid_point(&mut self, id: f64, index: u32) -> JsResult<()> {
        Ok(self.inner.complete(task_id(id)?, Err(PsiError::InvalidPoint { index: index as usize }))?)
    }

    /// Guest: accepts the proposal shown, `displayed` being the `manifest_hash` of its
    /// `proposed` event, for the keys this side holds and its group column. Returns the
    /// (possibly tightened) manifest as JSON.
    ///
    /// Errors: `unknown-key` for a name that is not a match key; `invalid-input` for a
    /// hash that is not 64 hex digits; the session's codes (`state` when `displayed` is
    /// not the proposal under review).
    pub fn accept(&mut self, displayed: &str, held_keys: Vec<String>, group: Option<String>) -> JsResult<String> {
        let m = self.inner.accept(&hash_from_hex(displayed)?, key_mask(&held_keys)?, group)?;
        serde_json::to_string(&m).map_err(json_error)
    }

    /// Both people compared the verification code and it matched (see the core's
    /// `Session::confirm_code`): the host's proposal goes out, the guest may accept.
    #[wasm_bindgen(js_name = confirmCode)]
    pub fn confirm_code(&mut self) -> JsResult<()> {
        Ok(self.inner.confirm_code()?)
    }

    /// Guest: what `accept` would answer and what it changes, as JSON `{manifest,
    /// changes: [{rule, from, to}]}`, without sending anything.
    pub fn preview(&self, held_keys: Vec<String>, group: Option<String>) -> JsResult<String> {
        let (manifest, changes) = self.inner.preview(key_mask(&held_keys)?, group)?;
        Ok(serde_json::json!({ "manifest": manifest, "changes": changes }).to_string())
    }

    /// The proposal as JSON: the host's own (before the guest answers), or the one the
    /// guest reviews.
    pub fn proposal(&self) -> Option<String> {
        self.inner.proposal().map(|m| m.to_json())
    }

    /// The audit receipt as JSON (the core's `report::receipt`), once finished. Times in
    /// milliseconds since the Unix epoch.
    pub fn receipt(&self, started_ms: f64, finished_ms: f64, file_name: &str) -> Option<String> {
        let ms = |t: f64| if t.is_finite() && t > 0.0 { t as u64 } else { 0 };
        self.inner.receipt(ms(started_ms), ms(finished_ms), file_name).map(|r| r.to_string())
    }

    /// Host: confirms the guest's tightened manifest.
    pub fn confirm(&mut self) -> JsResult<()> {
        Ok(self.inner.confirm()?)
    }

    /// Starts the run with this side's records (the set is consumed).
    pub fn start(&mut self, own: JsOwnSet) -> JsResult<()> {
        Ok(self.inner.start(own.inner)?)
    }

    /// Progress as JSON, once the run started.
    pub fn progress(&self) -> Option<String> {
        self.inner.progress().and_then(|p| serde_json::to_string(p).ok())
    }

    /// The agreed (or proposed) manifest as JSON.
    pub fn manifest(&self) -> Option<String> {
        self.inner.manifest().and_then(|m| serde_json::to_string(m).ok())
    }

    /// The report as JSON, once finished.
    pub fn report(&self) -> Option<String> {
        self.inner.report().and_then(|r| serde_json::to_string(r).ok())
    }

    /// Audience mode: the source rows of this side's matched records.
    #[wasm_bindgen(js_name = matchedRows)]
    pub fn matched_rows(&self) -> Option<Vec<u32>> {
        self.inner.matched_rows()
    }

    /// Whether the session ended with an error.
    pub fn failed(&self) -> bool {
        self.inner.failed()
    }

    /// Ends the session; an abort frame for the partner follows in `pollTransmit`.
    pub fn cancel(&mut self, reason: &str) {
        self.inner.cancel(reason)
    }
}

fn key_mask(names: &[String]) -> JsResult<KeyMask> {
    Ok(names.iter().map(|k| MatchKey::parse(k).ok_or(PsiError::UnknownKey)).collect::<Result<KeyMask, _>>()?)
}

fn hash_from_hex(text: &str) -> JsResult<[u8; 32]> {
    let bad = || CoreError::new("invalid-input", "a manifest hash is 64 hex digits");
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return Err(bad());
    }
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0]).ok_or_else(bad)? << 4 | digit(pair[1]).ok_or_else(bad)?;
    }
    Ok(out)
}

fn task_id(id: f64) -> JsResult<u64> {
    if id.is_finite() && id >= 0.0 && id.fract() == 0.0 && id < 9_007_199_254_740_992.0 {
        Ok(id as u64)
    } else {
        Err(CoreError::new("invalid-input", "task id is not a non-negative integer"))
    }
}
