//! Helpers shared by the integration tests: manifests and two in-process parties.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cleanmatch::hash::sha256;
use cleanmatch::manifest::{Manifest, Mode, Side, Template, PROTOCOL_VERSION};
use cleanmatch::psi::{KeyMask, MatchKey, OwnSet, Party, PartyError, Secret};
use cleanmatch::report::audit::{audit, audit_per_view};
use cleanmatch::report::Report;
use cleanmatch::wire::Message;

pub fn key(name: &str) -> MatchKey {
    MatchKey::parse(name).unwrap()
}

pub fn manifest(mode: Mode, keys: &[&str], k: u32) -> Manifest {
    Manifest {
        version: PROTOCOL_VERSION,
        template: if mode == Mode::Audience { Template::Audience } else { Template::Overlap },
        mode,
        preset: "uid2".into(),
        preset_fingerprint: "test".into(),
        keys: keys.iter().map(|s| key(s)).collect(),
        k,
        min_records: 1,
        max_records: 10_000_000,
        host_group: None,
        guest_group: None,
        measurement: None,
        purpose: "test".into(),
        output: Default::default(),
    }
}

/// A record: group label and (key, raw value) pairs.
pub type Rec<'a> = (Option<String>, Vec<(&'a str, String)>);

/// The set of `records` limited to `keys`, as a party (not a session) needs it.
pub fn own_set(records: &[Rec<'_>], keys: &[MatchKey]) -> OwnSet {
    let allowed: KeyMask = keys.iter().collect();
    let mut set = OwnSet::new();
    for (row, (group, vals)) in records.iter().enumerate() {
        let pairs: Vec<(MatchKey, [u8; 32])> =
            vals.iter().map(|(k, v)| (key(k), sha256(v.as_bytes()))).filter(|(k, _)| allowed.contains(*k)).collect();
        set.add(row as u32, group.as_deref(), &pairs);
    }
    set
}

/// Runs both parties to the end in one thread, passing every message through the wire
/// encoding. Returns both parties.
pub fn run_pair(m: &Manifest, host: &[Rec<'_>], guest: &[Rec<'_>]) -> Result<(Party, Party), PartyError> {
    let mut a = Party::new(Side::Host, m.clone(), Secret::random().unwrap(), own_set(host, &m.keys))?;
    let mut b = Party::new(Side::Guest, m.clone(), Secret::random().unwrap(), own_set(guest, &m.keys))?;
    loop {
        let mut moved = false;
        a.run_tasks()?;
        b.run_tasks()?;
        while let Some(msg) = a.poll_message() {
            b.handle(Message::decode(&msg.encode()).unwrap())?;
            moved = true;
        }
        while let Some(msg) = b.poll_message() {
            a.handle(Message::decode(&msg.encode()).unwrap())?;
            moved = true;
        }
        if !moved {
            break;
        }
    }
    // Every report the suite produces must pass the disclosure auditor: in the joint
    // model, or each view alone when a side repeats a value (both sides see that).
    let repeats = |recs: &[Rec<'_>]| {
        let mut seen = std::collections::HashSet::new();
        recs.iter().any(|(_, kv)| {
            let mut mine = std::collections::HashSet::new();
            kv.iter().filter(|pair| mine.insert((*pair).clone())).any(|pair| !seen.insert(pair.clone()))
        })
    };
    let per_view = repeats(host) || repeats(guest);
    for p in [&a, &b] {
        if let Some(r) = p.report() {
            if per_view {
                assert_audit_passes_per_view(r);
            } else {
                assert_audit_passes(r);
            }
        }
    }
    Ok((a, b))
}

/// Fails the test if the auditor finds a suppressed figure narrowed to less than k.
#[allow(clippy::panic)]
pub fn assert_audit_passes(r: &Report) {
    if let Err(leak) = audit(&r.figures) {
        panic!("disclosure audit failed: {leak}\n{}", serde_json::to_string_pretty(&r.figures).unwrap());
    }
}

/// [`assert_audit_passes`] for sets that repeat a value (the joint model does not hold).
#[allow(clippy::panic)]
pub fn assert_audit_passes_per_view(r: &Report) {
    if let Err(leak) = audit_per_view(&r.figures) {
        panic!("disclosure audit failed: {leak}\n{}", serde_json::to_string_pretty(&r.figures).unwrap());
    }
}

pub fn email(i: usize) -> (&'static str, String) {
    ("email", format!("user{i}@example.com"))
}

pub fn phone(i: usize) -> (&'static str, String) {
    ("phone", format!("+1555{i:07}"))
}

pub const ALL_KEYS: [MatchKey; MatchKey::COUNT] = MatchKey::ALL;
