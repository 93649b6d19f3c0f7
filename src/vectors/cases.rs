//! One function per vector kind: a case's result columns, computed from its input
//! columns by the same code the protocol runs.

use super::{message_json, outcome, unhex, unhex_array, Case, VectorKind, KINDS};
use crate::hash::to_hex;
use crate::manifest::Manifest;
use crate::psi::{blind_batch, evaluate_batch, Secret};
use crate::report::{Report, View};
use crate::seal::{danger, Invite, Role};
use crate::wire::Message;

fn kind(name: &str) -> &'static VectorKind {
    // Every caller passes a name listed in KINDS.
    KINDS.iter().find(|k| k.name == name).unwrap_or(&KINDS[0])
}

/// Fields of `case` as they are, with the named result columns replaced.
fn with(case: &Case, kind: &VectorKind, results: &[(&str, String)]) -> Vec<String> {
    let mut fields = case.fields.clone();
    for (column, value) in results {
        if let Some(i) = kind.columns.iter().position(|c| c == column) {
            fields[i] = value.clone();
        }
    }
    fields
}

/// `-` in the columns a `fail_` case has no value for.
const NONE: &str = "-";

pub(super) fn room_id(case: &Case) -> Result<Vec<String>, String> {
    let k = kind("room-id");
    let r = Invite::parse(case.get(k, "invite")).map(|i| i.room_id());
    Ok(with(case, k, &[("room_id", outcome(case, r)?)]))
}

fn role(text: &str) -> Result<Role, String> {
    match text {
        "host" => Ok(Role::Host),
        "guest" => Ok(Role::Guest),
        other => Err(format!("role must be host or guest, not {other:?}")),
    }
}

fn start(case: &Case, k: &VectorKind) -> Result<(crate::seal::Handshake, Vec<u8>), String> {
    let invite = Invite::from_secret(unhex_array("secret", case.get(k, "secret"))?);
    let ephemeral = unhex_array("ephemeral", case.get(k, "ephemeral"))?;
    let nonce = unhex_array("nonce", case.get(k, "nonce"))?;
    danger::start_handshake(&invite, role(case.get(k, "role"))?, &ephemeral, &nonce)
        .map_err(|e| format!("hello refused: {e}"))
}

pub(super) fn hello(case: &Case) -> Result<Vec<String>, String> {
    let k = kind("hello");
    let (hs, commit) = start(case, k)?;
    let hello = danger::committed_hello(&hs);
    Ok(with(case, k, &[("hello", to_hex(&hello)), ("commit", to_hex(&commit))]))
}

pub(super) fn handshake(case: &Case) -> Result<Vec<String>, String> {
    let k = kind("handshake");
    let (mut hs, _) = start(case, k)?;
    let peer = unhex("peer_hello", case.get(k, "peer_hello"))?;
    // The vectors pin the hellos; the commit frames that carry their hashes are in
    // protocol-hello.tsv.
    danger::assume_peer_commit(&mut hs, &peer);
    let keys = danger::handshake_keys(&hs, &peer);
    // The channel the session uses must agree with the raw keys.
    if let (Ok(keys), Ok(channel)) = (&keys, hs.finish(&peer)) {
        if channel.verification_code() != keys.code {
            return Err("Handshake::finish and the raw keys give different codes".into());
        }
    }
    let columns = ["host_to_guest_data", "guest_to_host_data", "host_to_guest_control", "guest_to_host_control"];
    match keys {
        Ok(keys) if !case.is_fail() => {
            let values = [
                keys.host_to_guest_data,
                keys.guest_to_host_data,
                keys.host_to_guest_control,
                keys.guest_to_host_control,
            ];
            let mut results = vec![("code", keys.code)];
            results.extend(columns.iter().zip(values).map(|(c, v)| (*c, to_hex(&v))));
            Ok(with(case, k, &results))
        }
        r => {
            let code = outcome(case, r.map(|keys| keys.code))?;
            let mut results = vec![("code", code)];
            results.extend(columns.iter().map(|c| (*c, NONE.to_string())));
            Ok(with(case, k, &results))
        }
    }
}

pub(super) fn sealed_frame(case: &Case) -> Result<Vec<String>, String> {
    let k = kind("sealed-frames");
    let key = unhex_array("key", case.get(k, "key"))?;
    let control = match case.get(k, "kind") {
        "data" => false,
        "control" => true,
        other => return Err(format!("kind must be data or control, not {other:?}")),
    };
    if case.is_fail() {
        // The frame is the input: opening it must fail.
        let frame = unhex("frame", case.get(k, "frame"))?;
        let error = outcome(case, danger::open_with_key(&key, control, &frame).map(|_| String::new()))?;
        return Ok(with(case, k, &[("counter", NONE.into()), ("plaintext", error)]));
    }
    let counter: u64 = case.get(k, "counter").parse().map_err(|_| "counter must be a decimal number".to_string())?;
    let plaintext = unhex("plaintext", case.get(k, "plaintext"))?;
    let frame = danger::seal_with_key(&key, control, counter, &plaintext);
    let opened =
        danger::open_with_key(&key, control, &frame).map_err(|e| format!("the sealed frame does not open: {e}"))?;
    if opened != (counter, plaintext) {
        return Err("the sealed frame opens to something else".into());
    }
    Ok(with(case, k, &[("frame", to_hex(&frame))]))
}

pub(super) fn message(case: &Case) -> Result<Vec<String>, String> {
    let k = kind("messages");
    if case.is_fail() {
        // The bytes are the input: decoding them must fail.
        let bytes = unhex("bytes", case.get(k, "bytes"))?;
        let error = outcome(case, Message::decode(&bytes).map(|_| String::new()))?;
        return Ok(with(case, k, &[("message", error)]));
    }
    let msg = message_json::parse(case.get(k, "message"))?;
    let bytes = msg.encode();
    let decoded = Message::decode(&bytes).map_err(|e| format!("its own encoding does not decode: {e}"))?;
    if decoded != msg {
        return Err("its encoding decodes to another message".into());
    }
    Ok(with(case, k, &[("message", message_json::render(&decoded)), ("bytes", to_hex(&bytes))]))
}

/// The preset fingerprints of this build, as the partner's manifest is checked against.
fn fingerprint(name: &str) -> Option<String> {
    crate::normalize::Preset::named(name).map(|p| p.fingerprint())
}

pub(super) fn manifest_hash(case: &Case) -> Result<Vec<String>, String> {
    let k = kind("manifest-hash");
    let text = case.get(k, "manifest");
    if case.is_fail() {
        let parsed = Manifest::parse(text, fingerprint);
        let error = outcome(case, parsed.map(|_| String::new()))?;
        return Ok(with(case, k, &[("manifest_hash", error)]));
    }
    // A success case carries this build's fingerprint: a deliberate change of the rules
    // shows up in the manifest column, and regenerating rewrites it.
    let mut value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("manifest: {e}"))?;
    let local = value.get("preset").and_then(|p| p.as_str()).and_then(fingerprint);
    if let (Some(fp), Some(obj)) = (local, value.as_object_mut()) {
        obj.insert("preset_fingerprint".into(), fp.into());
    }
    let m = Manifest::parse(&value.to_string(), fingerprint)
        .map_err(|e| format!("refused ({}: {e}) but must be accepted", super::variant(&e)))?;
    Ok(with(case, k, &[("manifest", m.to_json()), ("manifest_hash", to_hex(&m.hash()))]))
}

fn json<T: serde::de::DeserializeOwned + serde::Serialize>(what: &str, text: &str) -> Result<(T, String), String> {
    let value: T = serde_json::from_str(text).map_err(|e| format!("{what}: {e}"))?;
    let canonical = serde_json::to_string(&value).map_err(|e| format!("{what}: {e}"))?;
    Ok((value, canonical))
}

pub(super) fn blind(case: &Case) -> Result<Vec<String>, String> {
    let k = kind("blind");
    let digest = unhex("digest", case.get(k, "digest"))?;
    let secret = unhex("secret", case.get(k, "secret"))?;
    // A key name this release does not know is refused as the core refuses it.
    let key = crate::psi::MatchKey::parse(case.get(k, "key")).ok_or(crate::psi::PsiError::UnknownKey);
    let r = key
        .and_then(|key| Secret::from_bytes(&secret).and_then(|s| blind_batch(&s, key, &digest)))
        .map(|p| to_hex(&p));
    Ok(with(case, k, &[("point", outcome(case, r)?)]))
}

pub(super) fn evaluate(case: &Case) -> Result<Vec<String>, String> {
    let k = kind("evaluate");
    let point = unhex("point", case.get(k, "point"))?;
    let secret = unhex("secret", case.get(k, "secret"))?;
    let r = Secret::from_bytes(&secret).and_then(|s| evaluate_batch(&s, &point)).map(|v| to_hex(&v));
    Ok(with(case, k, &[("value", outcome(case, r)?)]))
}

pub(super) fn report_hash(case: &Case) -> Result<Vec<String>, String> {
    let k = kind("report-hash");
    let (manifest, manifest_json): (Manifest, String) = json("manifest", case.get(k, "manifest"))?;
    let (host, host_json): (View, String) = json("host_view", case.get(k, "host_view"))?;
    let (guest, guest_json): (View, String) = json("guest_view", case.get(k, "guest_view"))?;
    let report = Report::assemble(&manifest, host, guest);
    let figures = serde_json::to_string(&report.figures).map_err(|e| format!("figures: {e}"))?;
    if report.report_hash != to_hex(&report.hash) {
        return Err("report_hash is not the hex of the raw hash".into());
    }
    Ok(with(
        case,
        k,
        &[
            ("manifest", manifest_json),
            ("host_view", host_json),
            ("guest_view", guest_json),
            ("figures", figures),
            ("report_hash", report.report_hash),
        ],
    ))
}
