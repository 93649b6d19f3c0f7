//! What a host asks for, with the defaults and the template rule in one place: every
//! driver (command line, npm API, page, bench) fills a [`Proposal`] and the core makes
//! the [`Manifest`] from it.

use super::{Manifest, ManifestError, Measurement, Mode, Template, DEFAULT_K, PROTOCOL_VERSION};
use crate::psi::MatchKey;
use crate::report::{Epsilon, OutputRules};
use crate::Side;
use serde::{Deserialize, Serialize};

/// The default normalization preset.
pub const DEFAULT_PRESET: &str = "uid2";
/// The default largest set either side may bring.
pub const DEFAULT_MAX_RECORDS: u32 = 50_000_000;

/// A host's request, every field optional in JSON (camelCase, the npm API's
/// `manifest` option): `{ template?, mode?, preset?, keys?, k?, minRecords?,
/// maxRecords?, group?, measurement?: { side?, exposed, control }, purpose?, epsilon?,
/// pair? }` (`epsilon` a decimal string such as `"0.5"`).
///
/// The template rule ([`Proposal::manifest`]): a template given decides the mode
/// (`audience` ↔ audience mode, every other template aggregate); without one, audience
/// mode means the audience template, a measurement the measurement template, a group
/// column segments, and otherwise overlap. The host's group column is kept only for the
/// templates that break down by it (segments, measurement).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Proposal {
    /// The report template; derived from the other fields when absent.
    pub template: Option<Template>,
    /// The mode; derived from the template when absent.
    pub mode: Option<Mode>,
    /// Normalization preset name ([`DEFAULT_PRESET`]).
    pub preset: String,
    /// Match keys to use (default: email). Drivers that read the host's file first
    /// propose the keys it holds.
    pub keys: Vec<MatchKey>,
    /// Privacy threshold ([`DEFAULT_K`]).
    pub k: u32,
    /// Smallest set either side may bring (0).
    pub min_records: u32,
    /// Largest set either side may bring ([`DEFAULT_MAX_RECORDS`]).
    pub max_records: u32,
    /// The host's breakdown column.
    pub group: Option<String>,
    /// Campaign measurement: exposed and control labels of a side's group column.
    pub measurement: Option<MeasurementRequest>,
    /// The declared purpose.
    pub purpose: String,
    /// Privacy budget: discrete Laplace noise on every published count (none: no noise).
    pub epsilon: Option<Epsilon>,
    /// PAIR output rules; they raise the minimum set size to [`PAIR_MIN_RECORDS`](crate::report::PAIR_MIN_RECORDS).
    pub pair: bool,
}

/// The measurement part of a [`Proposal`]; the side defaults to the host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeasurementRequest {
    /// The side whose group column holds the exposure (host).
    #[serde(default = "host")]
    pub side: Side,
    /// The label of exposed records.
    pub exposed: String,
    /// The label of control records.
    pub control: String,
}

fn host() -> Side {
    Side::Host
}

impl Default for Proposal {
    fn default() -> Self {
        Proposal {
            template: None,
            mode: None,
            preset: DEFAULT_PRESET.into(),
            keys: vec![MatchKey::Email],
            k: DEFAULT_K,
            min_records: 0,
            max_records: DEFAULT_MAX_RECORDS,
            group: None,
            measurement: None,
            purpose: String::new(),
            epsilon: None,
            pair: false,
        }
    }
}

impl Proposal {
    /// Parses the npm API's JSON form.
    ///
    /// # Errors
    /// [`ManifestError::Malformed`] naming the field that was wrong.
    pub fn from_json(json: &str) -> Result<Proposal, ManifestError> {
        serde_json::from_str(json).map_err(|e| ManifestError::Malformed(e.to_string()))
    }

    /// The template after the template rule.
    pub fn template(&self) -> Template {
        match (self.template, self.mode) {
            (Some(t), _) => t,
            (None, Some(Mode::Audience)) => Template::Audience,
            (None, _) if self.measurement.is_some() => Template::Measurement,
            (None, _) if self.group.is_some() => Template::Segments,
            (None, _) => Template::Overlap,
        }
    }

    /// The manifest this proposal asks for. `preset_fingerprint` is the local
    /// fingerprint of the preset, `None` if the preset is unknown here.
    ///
    /// # Errors
    /// [`ManifestError::UnknownPreset`]; [`ManifestError::Rule`] when the mode and the
    /// template disagree or a rule is out of range; [`ManifestError::NoSharedKey`] for
    /// no keys.
    pub fn manifest(&self, preset_fingerprint: Option<String>) -> Result<Manifest, ManifestError> {
        let template = self.template();
        let mode = self.mode.unwrap_or(if template == Template::Audience { Mode::Audience } else { Mode::Aggregate });
        if (mode == Mode::Audience) != (template == Template::Audience) {
            return Err(ManifestError::Rule(format!(
                "the {} template needs {} mode",
                template.as_str(),
                if template == Template::Audience { "audience" } else { "aggregate" }
            )));
        }
        let fingerprint = preset_fingerprint.ok_or_else(|| ManifestError::UnknownPreset(self.preset.clone()))?;
        let host_group = match template {
            Template::Segments | Template::Measurement => self.group.clone(),
            Template::Overlap | Template::Audience => None,
        };
        if template == Template::Measurement && self.measurement.is_none() {
            return Err(ManifestError::Rule("the measurement template needs exposed and control labels".into()));
        }
        let output = OutputRules { epsilon: self.epsilon, pair: self.pair };
        let mut keys = self.keys.clone();
        keys.sort_unstable();
        keys.dedup();
        let m = Manifest {
            version: PROTOCOL_VERSION,
            template,
            mode,
            preset: self.preset.clone(),
            preset_fingerprint: fingerprint,
            keys,
            k: self.k,
            min_records: self.min_records.max(output.min_records()),
            max_records: self.max_records,
            host_group,
            guest_group: None,
            measurement: self.measurement.as_ref().map(|m| Measurement {
                side: m.side,
                exposed: m.exposed.clone(),
                control: m.control.clone(),
            }),
            purpose: self.purpose.clone(),
            output,
        };
        m.validate()?;
        Ok(m)
    }

    /// [`Proposal::manifest`] with the fingerprint of a built-in preset.
    ///
    /// # Errors
    /// As [`Proposal::manifest`].
    pub fn to_manifest(&self) -> Result<Manifest, ManifestError> {
        self.manifest(crate::normalize::Preset::named(&self.preset).map(|p| p.fingerprint()))
    }
}
