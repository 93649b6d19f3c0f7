//! Output rules both sides agree on in the manifest: an optional privacy budget
//! (`epsilon`) and PAIR-style output. The PAIR rules are those the IAB Tech Lab PAIR
//! specification asks of a data clean room to "limit cross party learning" (PAIR.md,
//! "Prerequisites and Requirements" → "Data Clean Room (DCR)", item 8 a–c,
//! <https://github.com/InteractiveAdvertisingBureau/PAIR/blob/main/PAIR.md>): match
//! rates above 85 % shown only as ">85%", rates at a granularity of a whole percent or
//! greater, and a minimum list size of 1000 users per list, before matching.

use super::noise::{Epsilon, NoiseScale};
use super::Count;
use serde::{Deserialize, Serialize};

/// Under PAIR rules, rates above this many percent are shown as ">85%".
pub const PAIR_MAX_RATE: u64 = 85;
/// Under PAIR rules, each list must hold at least this many records before matching:
/// the IAB Tech Lab PAIR specification's "minimum list size of 1000 users per list
/// (pre-match)" (PAIR.md, Data Clean Room requirements, item 8 c).
pub const PAIR_MIN_RECORDS: u32 = 1000;

/// The manifest's output rules (flattened into it: `"epsilon": "0.5"`, `"pair": true`;
/// absent when off, so manifests without them hash as before).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRules {
    /// The privacy budget ε for the whole report; every published count carries
    /// discrete Laplace noise calibrated to it. Smaller is stricter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epsilon: Option<Epsilon>,
    /// PAIR-style output rules.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub pair: bool,
}

impl OutputRules {
    /// The stricter of two sides' rules: the smaller ε, PAIR if either asks.
    pub fn stricter(&self, other: &OutputRules) -> OutputRules {
        OutputRules { epsilon: Epsilon::stricter(self.epsilon, other.epsilon), pair: self.pair || other.pair }
    }

    /// Whether `counter` is at least as strict as these rules.
    pub fn tightened_by(&self, counter: &OutputRules) -> bool {
        let eps_ok = match (self.epsilon, counter.epsilon) {
            (Some(a), Some(b)) => b <= a,
            (Some(_), None) => false,
            (None, _) => true,
        };
        eps_ok && (counter.pair || !self.pair)
    }

    /// The smallest set size these rules allow.
    pub fn min_records(&self) -> u32 {
        if self.pair {
            PAIR_MIN_RECORDS
        } else {
            0
        }
    }

    /// The noise a report carries under these rules, for a run on `keys` match keys.
    pub fn noise(&self, keys: usize) -> Option<NoiseScale> {
        self.epsilon.map(|e| NoiseScale::for_keys(e, keys))
    }
}

/// A match rate as shown: one decimal place, or under PAIR rules whole percents with
/// rates above 85 % as ">85%"; `None` if the count is suppressed or there are no records.
pub fn display_rate(matched: Count, records: u64, pair: bool) -> Option<String> {
    let m = matched?;
    if records == 0 {
        return None;
    }
    if pair {
        // Whole percents, rounded half up, in integers.
        let pct = (m * 200 + records) / (2 * records);
        if m * 100 > PAIR_MAX_RATE * records {
            return Some(format!(">{PAIR_MAX_RATE}%"));
        }
        return Some(format!("{}%", pct.min(PAIR_MAX_RATE)));
    }
    let tenths = (m * 2000 + records) / (2 * records);
    Some(format!("{}.{}%", tenths / 10, tenths % 10))
}
