//! The aggregate report both partners compute and confirm (DESIGN §3 step 5).
//!
//! Each side holds its partner's records double-blinded with their structure (which
//! keys each record has, its group) and its own values double-blinded without their
//! structure (in `aggregate` mode they come back shuffled within each group). So each
//! side computes the figures *about its partner's records* ([`View`], via
//! [`ViewBuilder`]): how many matched, per key, per group and per cell (partner group ×
//! own group). A record matches if any of its keys matches; it counts once. The two
//! views are exchanged and assembled into one [`Report`] in host orientation, whose
//! hash both sides compare.
//!
//! Privacy ([`disclosure`]): every group holds at least `k` records; every count under
//! `k` is replaced by `None` ("< k") before a view leaves its side, and further counts
//! are suppressed until none of those can be narrowed to less than `k` from the
//! published ones ([`audit`] checks it). Optionally every count carries exact discrete
//! Laplace noise ([`noise`]). A partner's view is checked before it is used ([`check`]).

pub mod audit;
pub mod check;
pub mod disclosure;
mod flow;
pub mod grid;
mod lift;
pub mod noise;
mod output;
mod receipt;
mod view;

pub use lift::Lift;
pub use noise::{Epsilon, NoiseScale};
pub use output::{display_rate, OutputRules, PAIR_MAX_RATE, PAIR_MIN_RECORDS};
pub use receipt::{receipt, ReceiptContext};
pub use view::{MergedGroups, OwnIndex, ViewBuilder, ViewRules, OTHER};

use crate::manifest::{Manifest, Mode, Side};
use crate::psi::MatchKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A count, or `None` where it is under the threshold and suppressed.
pub type Count = Option<u64>;

/// Figures about one side's records for one match key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFigures {
    /// The key.
    pub key: MatchKey,
    /// Records that have this key.
    pub records: u64,
    /// Of those, records whose value of this key matched.
    pub matched: Count,
}

/// Figures about one group of one side's records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupFigures {
    /// The group label (groups under `k` are merged into `(other)`).
    pub label: String,
    /// Records in the group.
    pub records: u64,
    /// Records in the group that matched.
    pub matched: Count,
}

/// Matched records of one side in one (own group, partner group) cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// The group of the records counted.
    pub group: String,
    /// The partner group they matched into.
    pub partner_group: String,
    /// Records counted.
    pub matched: Count,
}

/// Everything known about one side's records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// Records the side sent.
    pub records: u64,
    /// Records that matched at least one partner record.
    pub matched: Count,
    /// Per match key.
    pub by_key: Vec<KeyFigures>,
    /// Per group of this side.
    pub groups: Vec<GroupFigures>,
    /// Per (this side's group, partner group).
    pub cells: Vec<Cell>,
}

/// The figures both sides hash: host and guest views in host orientation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Protocol version.
    pub version: u32,
    /// Hex SHA-256 of the agreed manifest.
    pub manifest_hash: String,
    /// The mode.
    pub mode: Mode,
    /// The threshold.
    pub k: u32,
    /// The noise every count carries, if both sides agreed on a privacy budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<NoiseScale>,
    /// About the host's records (computed by the guest).
    pub host: View,
    /// About the guest's records (computed by the host).
    pub guest: View,
}

/// The shared report: the hashed figures plus what is derived from them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The hashed figures.
    pub figures: Figures,
    /// Hex SHA-256 of the canonical JSON of `figures`.
    pub report_hash: String,
    /// Campaign lift, for the measurement template.
    pub lift: Option<Lift>,
    /// The raw SHA-256 behind `report_hash`, as the partner sends it.
    #[serde(skip)]
    pub hash: [u8; 32],
    /// Whether PAIR-style output rules apply (rates in whole percents, above 85 %
    /// shown as ">85%").
    #[serde(default)]
    pub pair: bool,
    /// The disclosure rule applied, in words and figures (see [`Report::describe_rule`]);
    /// not hashed.
    #[serde(default)]
    pub rule: serde_json::Value,
}

impl Report {
    /// Assembles the report from both views.
    pub fn assemble(manifest: &Manifest, host: View, guest: View) -> Report {
        let figures = Figures {
            version: manifest.version,
            manifest_hash: hex(&manifest.hash()),
            mode: manifest.mode,
            k: manifest.k,
            noise: manifest.output.noise(manifest.keys.len()),
            host,
            guest,
        };
        let json = serde_json::to_string(&figures).unwrap_or_default();
        let hash: [u8; 32] = Sha256::digest(json.as_bytes()).into();
        let report_hash = hex(&hash);
        let lift = manifest.measurement.as_ref().and_then(|m| {
            let view = match m.side {
                Side::Host => &figures.host,
                Side::Guest => &figures.guest,
            };
            let find = |label: &str| view.groups.iter().find(|g| g.label == label);
            Some(Lift::compute(find(&m.exposed)?, find(&m.control)?))
        });
        let mut report = Report { figures, report_hash, lift, hash, pair: manifest.output.pair, rule: serde_json::Value::Null };
        report.rule = report.describe_rule();
        report
    }

    /// The disclosure rule applied, in words and figures, for the report download:
    /// `k`, `suppression`, `noise` (`epsilon`, `sensitivity`, `scale`, `margin95`,
    /// `protects`) or null, `pair`, and `text`.
    pub fn describe_rule(&self) -> serde_json::Value {
        let k = self.figures.k;
        let mut text = format!(
            "Groups under {k} records merged into \"(other)\", which itself holds at least {k}; counts under {k} suppressed, and further counts suppressed so that no suppressed count can be narrowed to less than {k} from the published ones."
        );
        let noise = self.figures.noise.map(|n| {
            text.push_str(&format!(
                " Every count carries discrete Laplace noise of scale {:.1} (ε = {} for the whole report, sensitivity {}); 95 % of counts are within ± {} of the true value.",
                n.scale_f64(),
                n.epsilon,
                n.sensitivity,
                n.margin95()
            ));
            serde_json::json!({
                "epsilon": n.epsilon,
                "sensitivity": n.sensitivity,
                "scale": n.scale_f64(),
                "margin95": n.margin95(),
                "protects": "each record of either file: the published report changes in probability by at most a factor e^ε whether or not any one record is in a file",
            })
        });
        if self.pair {
            text.push_str(&format!(
                " IAB Tech Lab PAIR output rules: match rates in whole percents, above 85 % shown as \">85%\", lists of at least {} records.",
                PAIR_MIN_RECORDS
            ));
        }
        serde_json::json!({ "k": k, "suppression": "primary and complementary", "noise": noise, "pair": self.pair, "text": text })
    }

    /// The report from one side's point of view, as the command line prints it:
    /// `own_records`, `partner_records`, `own_matched`, `partner_matched`, `by_key`,
    /// `cells`, `report_hash`, and the full figures.
    pub fn for_side(&self, side: Side) -> serde_json::Value {
        let (own, partner) = match side {
            Side::Host => (&self.figures.host, &self.figures.guest),
            Side::Guest => (&self.figures.guest, &self.figures.host),
        };
        let by_key: serde_json::Map<String, serde_json::Value> = own
            .by_key
            .iter()
            .map(|k| {
                let p = partner.by_key.iter().find(|p| p.key == k.key);
                (
                    k.key.as_str().to_owned(),
                    serde_json::json!({
                        "own_records": k.records,
                        "own_matched": k.matched,
                        "partner_records": p.map(|p| p.records),
                        "partner_matched": p.and_then(|p| p.matched),
                    }),
                )
            })
            .collect();
        let pair = self.pair;
        serde_json::json!({
            "side": side,
            "mode": self.figures.mode,
            "k": self.figures.k,
            "rule": self.rule,
            "own_records": own.records,
            "partner_records": partner.records,
            "own_matched": own.matched,
            "partner_matched": partner.matched,
            "own_match_rate": rate(own.matched, own.records),
            "partner_match_rate": rate(partner.matched, partner.records),
            "own_match_rate_shown": display_rate(own.matched, own.records, pair),
            "partner_match_rate_shown": display_rate(partner.matched, partner.records, pair),
            "by_key": by_key,
            "own_groups": own.groups,
            "partner_groups": partner.groups,
            "cells": own.cells,
            "partner_cells": partner.cells,
            "lift": self.lift,
            "manifest_hash": self.figures.manifest_hash,
            "report_hash": self.report_hash,
        })
    }
}

/// `matched / records`, or `None` if suppressed or empty.
pub fn rate(matched: Count, records: u64) -> Option<f64> {
    match matched {
        Some(m) if records > 0 => Some(m as f64 / records as f64),
        _ => None,
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod audit_tests;
#[cfg(test)]
mod noise_tests;
#[cfg(test)]
mod tests;
