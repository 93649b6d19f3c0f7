//! What the guest's answer changed in the host's proposal, as data: one [`Change`] per
//! rule with its value before and after. JSON: `{"rule": "k", "from": 5, "to": 20}`.

use super::{Manifest, Mode, Template};
use crate::psi::MatchKey;
use crate::report::Epsilon;
use serde::Serialize;

/// One rule the partner changed, with the proposed and the answered value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// The threshold was raised.
    K {
        /// Proposed.
        from: u32,
        /// Answered.
        to: u32,
    },
    /// Audience mode became aggregate.
    Mode {
        /// Proposed.
        from: Mode,
        /// Answered.
        to: Mode,
    },
    /// The template followed the mode.
    Template {
        /// Proposed.
        from: Template,
        /// Answered.
        to: Template,
    },
    /// The keys shrank to the ones both hold.
    Keys {
        /// Proposed.
        from: Vec<MatchKey>,
        /// Answered.
        to: Vec<MatchKey>,
    },
    /// The minimum set size was raised.
    MinRecords {
        /// Proposed.
        from: u32,
        /// Answered.
        to: u32,
    },
    /// The maximum set size was lowered.
    MaxRecords {
        /// Proposed.
        from: u32,
        /// Answered.
        to: u32,
    },
    /// A privacy budget was set or lowered (the smaller ε wins).
    Epsilon {
        /// Proposed (none: no noise).
        from: Option<Epsilon>,
        /// Answered.
        to: Option<Epsilon>,
    },
    /// PAIR output rules were switched on.
    Pair {
        /// Proposed.
        from: bool,
        /// Answered.
        to: bool,
    },
    /// The guest named its breakdown column.
    GuestGroup {
        /// Proposed (always none).
        from: Option<String>,
        /// Answered.
        to: Option<String>,
    },
}

impl Change {
    /// The rule's name, as in JSON.
    pub fn rule(&self) -> &'static str {
        match self {
            Change::K { .. } => "k",
            Change::Mode { .. } => "mode",
            Change::Template { .. } => "template",
            Change::Keys { .. } => "keys",
            Change::MinRecords { .. } => "min_records",
            Change::MaxRecords { .. } => "max_records",
            Change::Epsilon { .. } => "epsilon",
            Change::Pair { .. } => "pair",
            Change::GuestGroup { .. } => "guest_group",
        }
    }

    /// Whether the change makes what either side learns stricter (a rule), rather than
    /// only fitting the terms to the guest's file (fewer keys, its breakdown column).
    pub fn is_stricter_rule(&self) -> bool {
        !matches!(self, Change::Keys { .. } | Change::GuestGroup { .. })
    }

    /// Every rule in which `answer` differs from `proposal`, in a stable order.
    pub fn between(proposal: &Manifest, answer: &Manifest) -> Vec<Change> {
        let mut out = Vec::new();
        if answer.k != proposal.k {
            out.push(Change::K { from: proposal.k, to: answer.k });
        }
        if answer.mode != proposal.mode {
            out.push(Change::Mode { from: proposal.mode, to: answer.mode });
        }
        if answer.template != proposal.template {
            out.push(Change::Template { from: proposal.template, to: answer.template });
        }
        if answer.keys != proposal.keys {
            out.push(Change::Keys { from: proposal.keys.clone(), to: answer.keys.clone() });
        }
        if answer.min_records != proposal.min_records {
            out.push(Change::MinRecords { from: proposal.min_records, to: answer.min_records });
        }
        if answer.max_records != proposal.max_records {
            out.push(Change::MaxRecords { from: proposal.max_records, to: answer.max_records });
        }
        if answer.output.epsilon != proposal.output.epsilon {
            out.push(Change::Epsilon { from: proposal.output.epsilon, to: answer.output.epsilon });
        }
        if answer.output.pair != proposal.output.pair {
            out.push(Change::Pair { from: proposal.output.pair, to: answer.output.pair });
        }
        if answer.guest_group != proposal.guest_group {
            out.push(Change::GuestGroup { from: proposal.guest_group.clone(), to: answer.guest_group.clone() });
        }
        out
    }
}

/// One line for a terminal, e.g. `threshold k 5 → 20`.
impl core::fmt::Display for Change {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let keys = |k: &[MatchKey]| k.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("+");
        match self {
            Change::K { from, to } => write!(f, "threshold k {from} → {to}"),
            Change::Mode { from, to } => write!(f, "mode {} → {}", from.as_str(), to.as_str()),
            Change::Template { from, to } => write!(f, "template {} → {}", from.as_str(), to.as_str()),
            Change::Keys { from, to } => write!(f, "keys {} → {}", keys(from), keys(to)),
            Change::MinRecords { from, to } => write!(f, "minimum set size {from} → {to}"),
            Change::MaxRecords { from, to } => write!(f, "maximum set size {from} → {to}"),
            Change::Epsilon { from, to } => {
                let eps = |e: &Option<Epsilon>| e.map_or("off".to_string(), |e| e.to_string());
                write!(f, "privacy budget ε {} → {}", eps(from), eps(to))
            }
            Change::Pair { from, to } => {
                let on = |b: &bool| if *b { "on" } else { "off" };
                write!(f, "PAIR output rules {} → {}", on(from), on(to))
            }
            Change::GuestGroup { to, .. } => write!(f, "partner breakdown column: {}", to.as_deref().unwrap_or("none")),
        }
    }
}
