//! File reading bindings: the browser streams a `File` through `FileIngest` chunk by
//! chunk (never whole), and gets the local quality report and this side's records.
//! The loop is the core's `quality::Inspector`, the same one `cleanmatch inspect` runs.

use super::error::{CoreError, JsResult};
use crate::ingest::roles::{apply_overrides, find_column};
use crate::ingest::{Ingest, IngestError, IngestOptions};
use crate::normalize::Preset;
use crate::psi::key_index;
use std::collections::HashMap;
use crate::quality::{Inspector, RowOutcome};
use wasm_bindgen::prelude::*;

/// "No group" in [`Records::groups`].
pub(super) const NO_GROUP: u32 = u32::MAX;

/// The records read, flat, so they can cross from the ingest worker to the session's
/// thread as a few transferable arrays (`OwnSet.addBatch` rebuilds the set there).
#[derive(Default)]
struct Records {
    rows: Vec<u32>,
    /// Keys per record.
    counts: Vec<u8>,
    /// Key index of each digest.
    keys: Vec<u8>,
    digests: Vec<u8>,
    /// Index into `labels`, or [`NO_GROUP`].
    groups: Vec<u32>,
    labels: Vec<String>,
    label_index: HashMap<String, u32>,
}

/// One file being read.
#[wasm_bindgen(js_name = FileIngest)]
pub struct JsFileIngest {
    ingest: Ingest,
    inspector: Option<Inspector<Preset>>,
    records: Records,
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
            records: Records::default(),
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

    /// The records read (after `finish`): `{rows: Uint32Array, counts: Uint8Array,
    /// keys: Uint8Array, digests: Uint8Array, groups: Uint32Array, labels: string[]}`,
    /// the arguments of `OwnSet.addBatch`.
    #[wasm_bindgen(js_name = takeRecords)]
    pub fn take_records(&mut self) -> js_sys::Object {
        let r = std::mem::take(&mut self.records);
        let obj = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            // Plain properties on a fresh object: cannot fail.
            let _ = js_sys::Reflect::set(&obj, &k.into(), &v);
        };
        set("rows", js_sys::Uint32Array::from(r.rows.as_slice()).into());
        set("counts", js_sys::Uint8Array::from(r.counts.as_slice()).into());
        set("keys", js_sys::Uint8Array::from(r.keys.as_slice()).into());
        set("digests", js_sys::Uint8Array::from(r.digests.as_slice()).into());
        set("groups", js_sys::Uint32Array::from(r.groups.as_slice()).into());
        let labels = js_sys::Array::new();
        for l in &r.labels {
            labels.push(&JsValue::from_str(l));
        }
        set("labels", labels.into());
        obj
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
            let r = &mut self.records;
            let mut count = 0u8;
            for (k, d) in &record.keys {
                // At most one digest per key (five keys), so the count fits a u8.
                if let (Some(i), true) = (key_index(k.as_str()), count < u8::MAX) {
                    r.keys.push(i as u8);
                    r.digests.extend_from_slice(d);
                    count += 1;
                }
            }
            // Row numbers beyond u32 cannot occur within the ingest row limits; saturate anyway.
            r.rows.push(u32::try_from(row.number).unwrap_or(u32::MAX));
            r.counts.push(count);
            let group = match record.group {
                Some(label) => match r.label_index.get(&label) {
                    Some(g) => *g,
                    None => {
                        let g = u32::try_from(r.labels.len()).unwrap_or(NO_GROUP - 1);
                        r.label_index.insert(label.clone(), g);
                        r.labels.push(label);
                        g
                    }
                },
                None => NO_GROUP,
            };
            r.groups.push(group);
        }
        Ok(())
    }
}
