//! The rules two partners agree on before anything is blinded (DESIGN §3 step 2).
//!
//! The host proposes a [`Manifest`]; the guest accepts it or tightens it
//! ([`Manifest::tighten`]): the larger threshold `k`, the larger minimum and the smaller
//! maximum set size win, `audience` may become `aggregate`, and the keys shrink to the
//! ones both sides hold. The host then confirms the final manifest; every later bulk
//! message carries its hash ([`Manifest::hash`]).

mod change;
mod proposal;

pub use change::Change;
pub use proposal::{MeasurementRequest, Proposal, DEFAULT_MAX_RECORDS, DEFAULT_PRESET};

use crate::psi::{KeyMask, MatchKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::Side;

/// Version of the protocol and of this manifest format.
pub const PROTOCOL_VERSION: u32 = 2;
/// Default privacy threshold: aggregates under this many records are never shown.
pub const DEFAULT_K: u32 = 50;
/// The smallest threshold either side may agree to.
pub const MIN_K: u32 = 2;

/// What the partners do with the overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Only aggregates: neither side learns which of its records matched.
    Aggregate,
    /// Each side learns which of its own records matched and may export them; no
    /// breakdowns.
    Audience,
}

impl Mode {
    /// `aggregate` or `audience`, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Aggregate => "aggregate",
            Mode::Audience => "audience",
        }
    }

    /// The mode a side asks for when it also says whether it wants its matched rows
    /// (`--audience-out`, `audience_out=`): only audience mode yields them, so asking for
    /// the rows is opting in to it. The partner must still agree; if it does not, the run
    /// reports aggregates and writes no rows (drivers say so when the terms are agreed).
    pub fn with_rows_wanted(self, wants_rows: bool) -> Mode {
        if wants_rows {
            Mode::Audience
        } else {
            self
        }
    }
}

/// The report template the host chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Template {
    /// Overlap and match rates.
    Overlap,
    /// Breakdown by a column on each side, with each segment's index.
    Segments,
    /// Exposed/control on one side against converters on the other, with lift.
    Measurement,
    /// Both sides may export their own matched rows.
    Audience,
}

impl Template {
    /// The template's name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Template::Overlap => "overlap",
            Template::Segments => "segments",
            Template::Measurement => "measurement",
            Template::Audience => "audience",
        }
    }
}

/// Campaign measurement: which side's group column says exposed or control.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measurement {
    /// The side whose group column holds the exposure.
    pub side: Side,
    /// The label of exposed records.
    pub exposed: String,
    /// The label of control records.
    pub control: String,
}

/// Everything both partners agree on before blinding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`PROTOCOL_VERSION`].
    pub version: u32,
    /// The report template.
    pub template: Template,
    /// What each side may learn.
    pub mode: Mode,
    /// Normalization preset name.
    pub preset: String,
    /// Fingerprint of the preset's rules; both sides must compute the same.
    pub preset_fingerprint: String,
    /// Match keys used, in wire order ([`MatchKey::index`]), each once.
    pub keys: Vec<MatchKey>,
    /// Privacy threshold.
    pub k: u32,
    /// Each side's set must hold at least this many records.
    pub min_records: u32,
    /// Each side's set may hold at most this many records, and at most this many values
    /// of each key (a record with two email columns holds two email values).
    pub max_records: u32,
    /// Name of the host's breakdown column, if any.
    pub host_group: Option<String>,
    /// Name of the guest's breakdown column, if any.
    pub guest_group: Option<String>,
    /// Campaign measurement settings, for the measurement template.
    pub measurement: Option<Measurement>,
    /// The declared purpose, shown to both sides and kept in the audit receipt.
    pub purpose: String,
    /// Output rules: privacy budget `epsilon`, PAIR-style output (absent when off).
    #[serde(flatten)]
    pub output: crate::report::OutputRules,
}

/// Why a manifest was refused. The text says exactly what differs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManifestError {
    /// Not valid manifest JSON.
    Malformed(String),
    /// The partner speaks another protocol version.
    Version {
        /// Ours.
        ours: u32,
        /// Theirs.
        theirs: u32,
    },
    /// The same preset name has different rules on the two sides.
    PresetMismatch {
        /// The preset.
        preset: String,
        /// Our fingerprint.
        ours: String,
        /// The partner's fingerprint.
        theirs: String,
    },
    /// The preset is unknown here.
    UnknownPreset(String),
    /// No match key is held by both sides.
    NoSharedKey,
    /// A rule is invalid or was loosened where only tightening is allowed.
    Rule(String),
}

impl core::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ManifestError::Malformed(why) => write!(f, "the partner's manifest is malformed: {why}"),
            ManifestError::Version { ours, theirs } => write!(
                f,
                "protocol version mismatch: this side speaks v{ours}, the partner v{theirs}; both must run the same cleanmatch release"
            ),
            ManifestError::PresetMismatch { preset, ours, theirs } => write!(
                f,
                "preset '{preset}' differs: fingerprint {ours} here, {theirs} at the partner; both must run the same cleanmatch release or agree on another preset"
            ),
            ManifestError::UnknownPreset(p) => write!(f, "preset '{p}' is unknown here"),
            ManifestError::NoSharedKey => f.write_str("the two files share no identifier kind (email, phone, ...)"),
            ManifestError::Rule(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ManifestError {}

impl ManifestError {
    /// A stable kebab-case code for programs and the JS API.
    pub fn code(&self) -> &'static str {
        match self {
            ManifestError::Malformed(_) | ManifestError::Rule(_) => "manifest",
            ManifestError::Version { .. } => "version-mismatch",
            ManifestError::PresetMismatch { .. } => "preset-mismatch",
            ManifestError::UnknownPreset(_) => "unknown-preset",
            ManifestError::NoSharedKey => "no-shared-key",
        }
    }
}

impl Manifest {
    /// The agreed keys as a mask.
    pub fn key_mask(&self) -> KeyMask {
        self.keys.iter().collect()
    }

    /// SHA-256 of the manifest's canonical JSON (fields in declaration order).
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.to_json().as_bytes()).into()
    }

    /// Canonical JSON.
    pub fn to_json(&self) -> String {
        // Serializing a struct of strings, numbers and options cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a partner's manifest and checks it against the local protocol version
    /// and preset fingerprint.
    ///
    /// # Errors
    /// [`ManifestError`] naming what differs.
    pub fn parse(json: &str, local_fingerprint: impl Fn(&str) -> Option<String>) -> Result<Manifest, ManifestError> {
        let m: Manifest = serde_json::from_str(json).map_err(|e| ManifestError::Malformed(e.to_string()))?;
        if m.version != PROTOCOL_VERSION {
            return Err(ManifestError::Version { ours: PROTOCOL_VERSION, theirs: m.version });
        }
        let ours = local_fingerprint(&m.preset).ok_or_else(|| ManifestError::UnknownPreset(m.preset.clone()))?;
        if ours != m.preset_fingerprint {
            return Err(ManifestError::PresetMismatch { preset: m.preset.clone(), ours, theirs: m.preset_fingerprint.clone() });
        }
        m.validate()?;
        Ok(m)
    }

    /// Checks the manifest's own consistency.
    ///
    /// # Errors
    /// [`ManifestError::Rule`] or [`ManifestError::NoSharedKey`].
    pub fn validate(&self) -> Result<(), ManifestError> {
        if self.keys.is_empty() {
            return Err(ManifestError::NoSharedKey);
        }
        if self.keys.windows(2).any(|w| w[0] >= w[1]) {
            return Err(ManifestError::Rule("match keys must be listed once each, in wire order".into()));
        }
        if self.k < MIN_K {
            return Err(ManifestError::Rule(format!("threshold k must be at least {MIN_K}")));
        }
        if self.min_records < self.output.min_records() {
            return Err(ManifestError::Rule(format!("PAIR output rules need lists of at least {} records", self.output.min_records())));
        }
        if self.min_records > self.max_records {
            return Err(ManifestError::Rule("minimum set size above the maximum".into()));
        }
        if self.mode == Mode::Audience && (self.host_group.is_some() || self.guest_group.is_some()) {
            return Err(ManifestError::Rule(
                "breakdowns are off in audience mode (they would reveal a matched person's partner attribute)".into(),
            ));
        }
        Ok(())
    }

    /// The guest's answer: this manifest made at least as strict as `local`, with keys
    /// limited to `held` and the guest's breakdown column filled in.
    ///
    /// # Errors
    /// [`ManifestError::NoSharedKey`] if the guest holds none of the proposed keys.
    pub fn tighten(&self, local: &LocalRules, held: KeyMask, guest_group: Option<String>) -> Result<Manifest, ManifestError> {
        let mut m = self.clone();
        m.k = m.k.max(local.min_k);
        m.min_records = m.min_records.max(local.min_records);
        m.max_records = m.max_records.min(local.max_records);
        m.output = m.output.stricter(&local.output);
        m.min_records = m.min_records.max(m.output.min_records());
        if !local.allow_audience && m.mode == Mode::Audience {
            m.mode = Mode::Aggregate;
            if m.template == Template::Audience {
                m.template = Template::Overlap;
            }
        }
        m.keys.retain(|k| held.contains(*k));
        if m.mode == Mode::Aggregate {
            m.guest_group = guest_group;
        }
        m.validate()?;
        Ok(m)
    }

    /// Checks that `counter` only tightens this proposal.
    ///
    /// # Errors
    /// [`ManifestError::Rule`] naming the loosened rule.
    pub fn check_counter(&self, counter: &Manifest) -> Result<(), ManifestError> {
        let loosened = |what: &str| Err(ManifestError::Rule(format!("the partner loosened {what}")));
        if counter.version != self.version || counter.preset != self.preset || counter.preset_fingerprint != self.preset_fingerprint {
            return loosened("the version or preset");
        }
        if counter.k < self.k {
            return loosened("the threshold k");
        }
        if counter.min_records < self.min_records || counter.max_records > self.max_records {
            return loosened("the set size limits");
        }
        if !self.output.tightened_by(&counter.output) {
            return loosened("the privacy budget or output rules");
        }
        if counter.mode == Mode::Audience && self.mode != Mode::Audience {
            return loosened("the mode");
        }
        if counter.keys.iter().any(|k| !self.keys.contains(k)) {
            return loosened("the match keys");
        }
        if counter.host_group != self.host_group || counter.purpose != self.purpose || counter.measurement != self.measurement {
            return loosened("the host's breakdown, measurement or purpose");
        }
        counter.validate()
    }

    /// What `counter` changed, rule by rule (see [`Change`]).
    pub fn changes(&self, counter: &Manifest) -> Vec<Change> {
        Change::between(self, counter)
    }
}

/// What one side insists on, whatever the partner proposes. JSON (the npm API's
/// `local` option): `{ minK?, minRecords?, maxRecords?, allowAudience?, output?: { epsilon?, pair? } }`, each field
/// defaulting as [`LocalRules::default`]; the snake_case names are read too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalRules {
    /// The smallest threshold this side accepts.
    #[serde(alias = "minK")]
    pub min_k: u32,
    /// The smallest partner set this side accepts.
    #[serde(alias = "minRecords")]
    pub min_records: u32,
    /// The largest set this side accepts.
    #[serde(alias = "maxRecords")]
    pub max_records: u32,
    /// Whether this side opts in to audience mode.
    #[serde(alias = "allowAudience")]
    pub allow_audience: bool,
    /// Output rules this side insists on (the stricter of both sides' wins).
    #[serde(default)]
    pub output: crate::report::OutputRules,
}

impl Default for LocalRules {
    fn default() -> Self {
        LocalRules {
            min_k: DEFAULT_K,
            min_records: 0,
            max_records: DEFAULT_MAX_RECORDS,
            allow_audience: true,
            output: crate::report::OutputRules::default(),
        }
    }
}

#[cfg(test)]
mod tests;
