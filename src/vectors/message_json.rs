//! Messages as one-line JSON, so a vector file shows what its bytes hold. Byte fields are
//! lowercase hex; keys are sorted (serde_json's map), so the text is canonical.

use crate::hash::to_hex;
use crate::psi::{KeyCounts, MatchKey};
use crate::wire::{Message, SetHeader};
use serde_json::{json, Value};

use super::{unhex, unhex_array};

/// The message as canonical JSON.
pub(super) fn render(msg: &Message) -> String {
    let v = match msg {
        Message::Propose(text) => json!({ "type": "propose", "json": text }),
        Message::Counter { proposal_hash, manifest } => {
            json!({ "type": "counter", "proposal_hash": to_hex(proposal_hash), "json": manifest })
        }
        Message::Confirm(hash) => json!({ "type": "confirm", "manifest_hash": to_hex(hash) }),
        Message::Abort { code, reason } => {
            json!({ "type": "abort", "code": code, "reason": reason })
        }
        Message::SetHeader(h) => json!({
            "type": "set_header",
            "manifest_hash": to_hex(&h.manifest_hash),
            "records": h.records,
            "key_counts": h.key_counts,
            "groups": h.groups,
        }),
        Message::Structure { seq, records } => {
            let records: Vec<(u16, [u8; MatchKey::COUNT])> = records.iter().map(|(g, c)| (*g, c.to_array())).collect();
            json!({ "type": "structure", "seq": seq, "records": records })
        }
        Message::Points { key, seq, points } => {
            json!({ "type": "points", "key": key.index(), "seq": seq, "points": to_hex(points) })
        }
        Message::Evaluated { key, seq, values } => {
            json!({ "type": "evaluated", "key": key.index(), "seq": seq, "values": to_hex(values) })
        }
        Message::PartnerView { manifest_hash, json } => {
            json!({ "type": "partner_view", "manifest_hash": to_hex(manifest_hash), "json": json })
        }
        Message::ReportHash(hash) => json!({ "type": "report_hash", "hash": to_hex(hash) }),
    };
    v.to_string()
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, String> {
    v.get(name).ok_or_else(|| format!("message JSON lacks {name:?}"))
}

fn text(v: &Value, name: &str) -> Result<String, String> {
    field(v, name)?.as_str().map(str::to_string).ok_or_else(|| format!("{name} must be a string"))
}

fn number<T: TryFrom<u64>>(v: &Value, name: &str) -> Result<T, String> {
    field(v, name)?
        .as_u64()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| format!("{name} must be a small whole number"))
}

fn key(v: &Value) -> Result<MatchKey, String> {
    MatchKey::from_index(number(v, "key")?).ok_or_else(|| "key must be a key index (0 email .. 4 maid)".to_string())
}

fn typed<T: serde::de::DeserializeOwned>(v: &Value, name: &str) -> Result<T, String> {
    serde_json::from_value(field(v, name)?.clone()).map_err(|e| format!("{name}: {e}"))
}

/// A message from its JSON form.
pub(super) fn parse(text_json: &str) -> Result<Message, String> {
    let v: Value = serde_json::from_str(text_json).map_err(|e| format!("message JSON: {e}"))?;
    let hex32 = |name: &str| -> Result<[u8; 32], String> { unhex_array(name, &text(&v, name)?) };
    Ok(match text(&v, "type")?.as_str() {
        "propose" => Message::Propose(text(&v, "json")?),
        "counter" => Message::Counter { proposal_hash: hex32("proposal_hash")?, manifest: text(&v, "json")? },
        "confirm" => Message::Confirm(hex32("manifest_hash")?),
        "abort" => Message::Abort { code: text(&v, "code")?, reason: text(&v, "reason")? },
        "set_header" => Message::SetHeader(SetHeader {
            manifest_hash: hex32("manifest_hash")?,
            records: number(&v, "records")?,
            key_counts: typed::<[u32; MatchKey::COUNT]>(&v, "key_counts")?,
            groups: typed(&v, "groups")?,
        }),
        "structure" => Message::Structure {
            seq: number(&v, "seq")?,
            records: typed::<Vec<(u16, [u8; MatchKey::COUNT])>>(&v, "records")?
                .into_iter()
                .map(|(g, counts)| (g, KeyCounts::from_array(counts)))
                .collect(),
        },
        "points" => Message::Points {
            key: key(&v)?,
            seq: number(&v, "seq")?,
            points: unhex("points", &text(&v, "points")?)?,
        },
        "evaluated" => Message::Evaluated {
            key: key(&v)?,
            seq: number(&v, "seq")?,
            values: unhex("values", &text(&v, "values")?)?,
        },
        "partner_view" => Message::PartnerView { manifest_hash: hex32("manifest_hash")?, json: text(&v, "json")? },
        "report_hash" => Message::ReportHash(hex32("hash")?),
        other => return Err(format!("unknown message type {other:?}")),
    })
}
