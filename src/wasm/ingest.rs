//! File reading bindings: the browser streams a `File` through `FileIngest` chunk by
//! chunk (never whole), and gets the local quality report and this side's records.
//! The loop is the core's `quality::Inspector`, the same one `cleanmatch inspect` runs.

use super::error::{CoreError, JsResult};
use super::session::JsOwnSet;
use crate::ingest::roles::{apply_overrides, find_column};
use crate::ingest::{Ingest, IngestError, IngestOptions};
use crate::normalize::Preset;
use crate::psi::{key_index, OwnSet, DIGEST_LEN};
use crate::quality::{Inspector, RowOutcome};
use wasm_bindgen::prelude::*;

/// Every match key: the manifest restricts them later (`Session::start`).
const ALL_KEYS: u8 = 0x1f;

/// One file being read.
#[wasm_bindgen(js_name = FileIngest)]
pub struct JsFileIngest {
    ingest: Ingest,
    inspector: Option<Inspector<Preset>>,
    own: OwnSet,
    preset: Preset,
    columns: Option<String>,
    default_country: Option<String>,
    group: Option<String>,
}

#[wasm_bindgen(js_class = FileIngest)]
impl JsFileIngest {
    /// A reader hashing with `preset`; `columns` overrides guessed roles
    /// (`"NAME=ROLE,…"`, as `cleanmatch inspect --columns`); `group` names the breakdown column.
    #[wasm_bindgen(constructor)]
    pub fn new(preset: &str, columns: Option<String>, default_country: Option<String>, group: Option<String>) -> JsResult<JsFileIngest> {
        let preset = Preset::named(preset).ok_or_else(|| CoreError::new("unknown-preset", "unknown normalization preset"))?;
        Ok(JsFileIngest {
            ingest: Ingest::new(IngestOptions::default()),
            inspector: None,
            own: OwnSet::new(),
            preset,
            columns,
            default_country,
            group,
        })
    }

    /// Feeds the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) -> JsResult<()> {
        self.ingest.push(chunk)?;
        self.drain()
    }

    /// What the start of the file says (format, delimiter, headers, guessed roles) as
    /// JSON, once known.
    pub fn sniff(&self) -> Option<String> {
        self.ingest.sniff().and_then(|s| serde_json::to_string(s).ok())
    }

    /// Ends the file; returns the local quality report as JSON.
    pub fn finish(&mut self) -> JsResult<String> {
        self.ingest.finish()?;
        self.drain()?;
        let inspector = self.inspector.take().ok_or(IngestError::EmptyFile)?;
        let report = inspector.finish(self.ingest.stats());
        serde_json::to_string(&report).map_err(|e| CoreError::new("internal", e))
    }

    /// The records read (after `finish`), for `Session.start`.
    #[wasm_bindgen(js_name = takeOwnSet)]
    pub fn take_own_set(&mut self) -> JsOwnSet {
        JsOwnSet::from(std::mem::take(&mut self.own))
    }

    fn drain(&mut self) -> JsResult<()> {
        if self.inspector.is_none() {
            let Some(sniff) = self.ingest.sniff().cloned() else { return Ok(()) };
            let mut columns = sniff.columns.clone();
            if let Some(spec) = &self.columns {
                apply_overrides(&mut columns, spec)?;
            }
            let group = match &self.group {
                Some(name) => Some(find_column(&columns, name).ok_or_else(|| {
                    CoreError::new("unknown-column", "the group column is not in the file")
                })?),
                None => None,
            };
            self.inspector = Some(Inspector::new(
                &sniff,
                &columns,
                self.preset.clone(),
                self.default_country.as_deref(),
                group,
                None,
            )?);
        }
        let Some(inspector) = self.inspector.as_mut() else { return Ok(()) };
        while let Some(row) = self.ingest.next_row() {
            let (outcome, record) = inspector.add(&row);
            if outcome != RowOutcome::Used {
                continue;
            }
            let keys: Vec<(usize, [u8; DIGEST_LEN])> =
                record.keys.iter().filter_map(|(k, d)| key_index(k.as_str()).map(|i| (i, *d))).collect();
            // Row numbers beyond u32 cannot occur within the ingest row limits; saturate anyway.
            let number = u32::try_from(row.number).unwrap_or(u32::MAX);
            self.own.add(number, record.group.as_deref(), &keys, ALL_KEYS);
        }
        Ok(())
    }
}
