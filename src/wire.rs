//! The binary messages two parties exchange inside the sealed channel.
//!
//! Every message starts with a one-byte type. Integers are little-endian. Bulk data
//! (record structure, blinded points, evaluated values) travels in chunks so a million
//! points stream in pieces with progress; small negotiation messages carry JSON.
//!
//! | type | message | body |
//! |---|---|---|
//! | `0x01` | [`Message::Propose`] | manifest JSON (host → guest) |
//! | `0x02` | [`Message::Counter`] | 32-byte hash of the proposal accepted, manifest JSON accepted or tightened (guest → host) |
//! | `0x03` | [`Message::Confirm`] | 32-byte manifest hash (host → guest) |
//! | `0x04` | [`Message::Abort`] | `u8` length, stable error code (ASCII `a-z0-9-`), UTF-8 reason |
//! | `0x10` | [`Message::SetHeader`] | manifest hash, record count, key counts, groups |
//! | `0x11` | [`Message::Structure`] | `u32` seq, per record `u16` group + `u8` key mask + one `u8` value count per key in the mask |
//! | `0x12` | [`Message::Points`] | `u8` key, `u32` seq, 32-byte points |
//! | `0x13` | [`Message::Evaluated`] | `u8` key, `u32` seq, 12-byte values |
//! | `0x14` | [`Message::PartnerView`] | manifest hash, report JSON about the receiver's records |
//! | `0x15` | [`Message::ReportHash`] | 32-byte report hash |

use crate::psi::{KeyCounts, KeyMask, MatchKey, MAX_VALUES_PER_KEY, POINT_LEN, VALUE_LEN};

/// Most items (records, points or values) in one chunk.
pub const MAX_CHUNK_ITEMS: usize = 1 << 16;
/// Most distinct groups one side may declare.
pub const MAX_GROUPS: usize = 1024;
/// Longest group label in bytes.
pub const MAX_LABEL: usize = 128;
/// Longest JSON body in bytes.
pub const MAX_JSON: usize = 1 << 20;
/// Longest error code in an abort, in bytes.
pub const MAX_CODE: usize = 40;

/// A decoded message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// The host's proposed manifest.
    Propose(String),
    /// The guest's answer: the manifest it accepts, possibly tightened, bound to the
    /// proposal it was shown.
    Counter {
        /// Hash of the proposal the guest reviewed.
        proposal_hash: [u8; 32],
        /// The manifest accepted, as JSON.
        manifest: String,
    },
    /// The host accepts the final manifest with this hash.
    Confirm([u8; 32]),
    /// The sender stops the session.
    Abort {
        /// The stable code of why (e.g. `set-too-small`; see
        /// [`crate::session::SessionError::code`]), at most [`MAX_CODE`] bytes.
        code: String,
        /// Human-readable reason; never contains data.
        reason: String,
    },
    /// What the sender is about to send.
    SetHeader(SetHeader),
    /// Record structure in shuffled order: `(group, values per key)` per record.
    Structure {
        /// Chunk number, from 0.
        seq: u32,
        /// One entry per record: its group and how many values of each key it has
        /// (at least one value, at most [`MAX_VALUES_PER_KEY`] per key).
        records: Vec<(u16, KeyCounts)>,
    },
    /// Blinded points of one key.
    Points {
        /// The key (one byte on the wire: [`MatchKey::index`]).
        key: MatchKey,
        /// Chunk number within this key, from 0.
        seq: u32,
        /// 32-byte points back to back.
        points: Vec<u8>,
    },
    /// Evaluated (double-blinded, truncated) values of the receiver's points of one key.
    Evaluated {
        /// The key (one byte on the wire: [`MatchKey::index`]).
        key: MatchKey,
        /// Chunk number within this key, from 0.
        seq: u32,
        /// 12-byte values back to back.
        values: Vec<u8>,
    },
    /// The sender's figures about the receiver's records, bound to the manifest.
    PartnerView {
        /// Hash of the agreed manifest.
        manifest_hash: [u8; 32],
        /// The figures as JSON.
        json: String,
    },
    /// Hash of the report the sender computed.
    ReportHash([u8; 32]),
}

/// What a side declares before its bulk data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetHeader {
    /// Hash of the agreed manifest, binding the bulk data to it.
    pub manifest_hash: [u8; 32],
    /// Records to be sent.
    pub records: u32,
    /// Points per key (values, not records: a record may hold several values of a
    /// key), indexed by [`MatchKey::index`].
    pub key_counts: [u32; MatchKey::COUNT],
    /// Group labels and record counts; a record's group is an index into this list.
    pub groups: Vec<(String, u32)>,
}

/// Why a message could not be decoded. Names what was wrong, never the content.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The message was empty.
    Empty,
    /// Unknown message type byte.
    UnknownType(u8),
    /// The message ended before a field.
    Truncated(&'static str),
    /// Bytes left over after the last field.
    TrailingBytes(&'static str),
    /// A field exceeded its limit.
    TooLarge {
        /// The field.
        what: &'static str,
        /// Its limit.
        limit: usize,
    },
    /// A field held an impossible value.
    Malformed(&'static str),
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WireError::Empty => f.write_str("empty message"),
            WireError::UnknownType(t) => write!(f, "unknown message type 0x{t:02x}"),
            WireError::Truncated(what) => write!(f, "message ends inside {what}"),
            WireError::TrailingBytes(what) => write!(f, "unexpected bytes after {what}"),
            WireError::TooLarge { what, limit } => write!(f, "{what} exceeds the limit of {limit}"),
            WireError::Malformed(what) => write!(f, "malformed {what}"),
        }
    }
}

impl std::error::Error for WireError {}

impl WireError {
    /// A stable kebab-case code: every malformed message is `protocol`.
    pub fn code(&self) -> &'static str {
        "protocol"
    }
}

impl Message {
    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Message::Propose(json) => put_json(&mut out, 0x01, json),
            Message::Counter { proposal_hash, manifest } => {
                out.push(0x02);
                out.extend_from_slice(proposal_hash);
                out.extend_from_slice(manifest.as_bytes());
            }
            Message::Confirm(hash) => {
                out.push(0x03);
                out.extend_from_slice(hash);
            }
            Message::Abort { code, reason } => {
                out.push(0x04);
                let code = &code.as_bytes()[..code.len().min(MAX_CODE)];
                out.push(code.len() as u8);
                out.extend_from_slice(code);
                out.extend_from_slice(reason.as_bytes());
            }
            Message::SetHeader(h) => {
                out.push(0x10);
                out.extend_from_slice(&h.manifest_hash);
                out.extend_from_slice(&h.records.to_le_bytes());
                for c in h.key_counts {
                    out.extend_from_slice(&c.to_le_bytes());
                }
                out.extend_from_slice(&(h.groups.len() as u32).to_le_bytes());
                for (label, count) in &h.groups {
                    out.push(label.len().min(u8::MAX as usize) as u8);
                    out.extend_from_slice(label.as_bytes());
                    out.extend_from_slice(&count.to_le_bytes());
                }
            }
            Message::Structure { seq, records } => {
                out.push(0x11);
                out.extend_from_slice(&seq.to_le_bytes());
                for (group, counts) in records {
                    out.extend_from_slice(&group.to_le_bytes());
                    let mask = counts.mask();
                    out.push(mask.bits());
                    out.extend(mask.iter().map(|k| counts.get(k) as u8));
                }
            }
            Message::Points { key, seq, points } => {
                out.push(0x12);
                out.push(key.index() as u8);
                out.extend_from_slice(&seq.to_le_bytes());
                out.extend_from_slice(points);
            }
            Message::Evaluated { key, seq, values } => {
                out.push(0x13);
                out.push(key.index() as u8);
                out.extend_from_slice(&seq.to_le_bytes());
                out.extend_from_slice(values);
            }
            Message::PartnerView { manifest_hash, json } => {
                out.push(0x14);
                out.extend_from_slice(manifest_hash);
                out.extend_from_slice(json.as_bytes());
            }
            Message::ReportHash(hash) => {
                out.push(0x15);
                out.extend_from_slice(hash);
            }
        }
        out
    }

    /// Decodes one message, checking every length and limit.
    ///
    /// # Errors
    /// A [`WireError`] naming the field that was wrong.
    pub fn decode(bytes: &[u8]) -> Result<Message, WireError> {
        let (&ty, body) = bytes.split_first().ok_or(WireError::Empty)?;
        let mut r = Reader { rest: body };
        let msg = match ty {
            0x01 => Message::Propose(r.json()?),
            0x02 => {
                let proposal_hash = r.array("proposal hash")?;
                Message::Counter { proposal_hash, manifest: r.json()? }
            }
            0x03 => Message::Confirm(r.array("manifest hash")?),
            0x04 => {
                let len = usize::from(r.u8("abort code length")?);
                if len > MAX_CODE {
                    return Err(WireError::TooLarge { what: "abort code", limit: MAX_CODE });
                }
                let code = r.take(len, "abort code")?;
                if code.is_empty() || !code.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-') {
                    return Err(WireError::Malformed("abort code"));
                }
                let code = String::from_utf8_lossy(code).into_owned();
                let reason = r.take_rest();
                let reason = String::from_utf8_lossy(&reason[..reason.len().min(1024)]).into_owned();
                Message::Abort { code, reason }
            }
            0x10 => Message::SetHeader(r.set_header()?),
            0x11 => {
                let seq = r.u32("structure seq")?;
                let mut records = Vec::new();
                while !r.rest.is_empty() {
                    if records.len() == MAX_CHUNK_ITEMS {
                        return Err(WireError::TooLarge { what: "structure chunk", limit: MAX_CHUNK_ITEMS });
                    }
                    let group = u16::from_le_bytes(r.array("record group")?);
                    let mask = match KeyMask::from_bits(r.u8("key mask")?) {
                        Some(mask) if !mask.is_empty() => mask,
                        _ => return Err(WireError::Malformed("key mask (none, or an unknown key)")),
                    };
                    let mut counts = KeyCounts::NONE;
                    for k in mask.iter() {
                        let n = r.u8("value count")?;
                        if n == 0 || n > MAX_VALUES_PER_KEY {
                            return Err(WireError::Malformed("value count (none, or above the per-record limit)"));
                        }
                        counts = counts.with(k, n);
                    }
                    records.push((group, counts));
                }
                Message::Structure { seq, records }
            }
            0x12 | 0x13 => {
                let key = MatchKey::from_index(usize::from(r.u8("key")?)).ok_or(WireError::Malformed("key index"))?;
                let seq = r.u32("chunk seq")?;
                let body = r.take_rest().to_vec();
                let (item, what) = if ty == 0x12 { (POINT_LEN, "points") } else { (VALUE_LEN, "values") };
                if body.is_empty() || body.len() % item != 0 {
                    return Err(WireError::Malformed(what));
                }
                if body.len() / item > MAX_CHUNK_ITEMS {
                    return Err(WireError::TooLarge { what, limit: MAX_CHUNK_ITEMS });
                }
                if ty == 0x12 {
                    Message::Points { key, seq, points: body }
                } else {
                    Message::Evaluated { key, seq, values: body }
                }
            }
            0x14 => {
                let manifest_hash = r.array("manifest hash")?;
                Message::PartnerView { manifest_hash, json: r.json()? }
            }
            0x15 => Message::ReportHash(r.array("report hash")?),
            other => return Err(WireError::UnknownType(other)),
        };
        if !r.rest.is_empty() {
            return Err(WireError::TrailingBytes("the last field"));
        }
        Ok(msg)
    }
}

fn put_json(out: &mut Vec<u8>, ty: u8, json: &str) {
    out.push(ty);
    out.extend_from_slice(json.as_bytes());
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WireError> {
        if self.rest.len() < n {
            return Err(WireError::Truncated(what));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn take_rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.rest)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, WireError> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, WireError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], WireError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn json(&mut self) -> Result<String, WireError> {
        let body = self.take_rest();
        if body.len() > MAX_JSON {
            return Err(WireError::TooLarge { what: "JSON body", limit: MAX_JSON });
        }
        String::from_utf8(body.to_vec()).map_err(|_| WireError::Malformed("JSON text (not UTF-8)"))
    }

    fn set_header(&mut self) -> Result<SetHeader, WireError> {
        let manifest_hash = self.array("manifest hash")?;
        let records = self.u32("record count")?;
        let mut key_counts = [0u32; MatchKey::COUNT];
        for c in &mut key_counts {
            *c = self.u32("key counts")?;
            if u64::from(*c) > u64::from(records) * u64::from(MAX_VALUES_PER_KEY) {
                return Err(WireError::Malformed("key count above the per-record limit times the record count"));
            }
        }
        let n = self.u32("group count")? as usize;
        if n > MAX_GROUPS {
            return Err(WireError::TooLarge { what: "group count", limit: MAX_GROUPS });
        }
        let mut groups = Vec::with_capacity(n);
        let mut total: u64 = 0;
        for _ in 0..n {
            let len = usize::from(self.u8("group label length")?);
            if len > MAX_LABEL {
                return Err(WireError::TooLarge { what: "group label", limit: MAX_LABEL });
            }
            let label = core::str::from_utf8(self.take(len, "group label")?)
                .map_err(|_| WireError::Malformed("group label (not UTF-8)"))?
                .to_owned();
            let count = self.u32("group size")?;
            total += u64::from(count);
            groups.push((label, count));
        }
        if n == 0 || total != u64::from(records) {
            return Err(WireError::Malformed("group sizes do not add up to the record count"));
        }
        Ok(SetHeader { manifest_hash, records, key_counts, groups })
    }
}

#[cfg(test)]
mod tests;
