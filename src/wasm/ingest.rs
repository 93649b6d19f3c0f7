//! File reading bindings: the browser streams a `File` through `FileIngest` chunk by
//! chunk (never whole) and gets the local quality report and this side's records; an
//! optional suppression list is read the same way (`SuppressionList`); after an
//! audience match, `MatchedRows` streams the file again into CSV of the matched rows.
//! All three only translate: the loop is the core's [`crate::loader`], the same one the
//! command line runs.

use super::error::{CoreError, JsResult};
use crate::ingest::IngestError;
use crate::export::AudienceFormat;
use crate::loader::{LoadOptions, Loaded, Loader, RowPicker, SuppressionLoader};
use crate::normalize::Preset;
use wasm_bindgen::prelude::*;

fn preset(name: &str) -> JsResult<Preset> {
    Preset::named(name).ok_or_else(|| CoreError::new("unknown-preset", "unknown normalization preset"))
}

/// A suppression (opt-out) list being read.
#[wasm_bindgen(js_name = SuppressionList)]
pub struct JsSuppressionList {
    loader: Option<SuppressionLoader>,
    list: Option<crate::ingest::Suppression>,
}

#[wasm_bindgen(js_class = SuppressionList)]
impl JsSuppressionList {
    /// A reader hashing with `preset`, as the main file will be.
    #[wasm_bindgen(constructor)]
    pub fn new(preset_name: &str, default_country: Option<String>) -> JsResult<JsSuppressionList> {
        Ok(JsSuppressionList { loader: Some(SuppressionLoader::new(preset(preset_name)?, default_country)), list: None })
    }

    /// Feeds the next chunk.
    pub fn push(&mut self, chunk: &[u8]) -> JsResult<()> {
        let loader = self.loader.as_mut().ok_or(IngestError::Finished)?;
        Ok(loader.push(chunk)?)
    }

    /// Ends the file; returns how many identifiers the list holds.
    pub fn finish(&mut self) -> JsResult<usize> {
        let loader = self.loader.take().ok_or(IngestError::Finished)?;
        let list = loader.finish()?;
        let n = list.len();
        self.list = Some(list);
        Ok(n)
    }
}

/// One file being read.
#[wasm_bindgen(js_name = FileIngest)]
pub struct JsFileIngest {
    loader: Option<Loader>,
    loaded: Option<Loaded>,
}

#[wasm_bindgen(js_class = FileIngest)]
impl JsFileIngest {
    /// A reader hashing with `preset`; `columns` overrides guessed roles
    /// (`"NAME=ROLE,…"`, as `cleanmatch inspect --columns`); `group` names the breakdown
    /// column; `suppression` (finished) removes its identifiers' records; `header_row`
    /// is the header's row number (0: none; absent: detected).
    #[wasm_bindgen(constructor)]
    pub fn new(
        preset_name: &str,
        columns: Option<String>,
        default_country: Option<String>,
        group: Option<String>,
        suppression: Option<JsSuppressionList>,
        header_row: Option<u32>,
    ) -> JsResult<JsFileIngest> {
        let options = LoadOptions { columns, group, default_country, sheet: None, header_row: header_row.map(u64::from) };
        let list = suppression.and_then(|mut s| s.list.take());
        Ok(JsFileIngest { loader: Some(Loader::new(preset(preset_name)?, options, list)), loaded: None })
    }

    /// Feeds the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) -> JsResult<()> {
        let loader = self.loader.as_mut().ok_or(IngestError::Finished)?;
        Ok(loader.push(chunk)?)
    }

    /// What the start of the file says (format, delimiter, headers, preview, guessed
    /// roles) as JSON, once known.
    pub fn sniff(&self) -> Option<String> {
        self.loader.as_ref()?.sniff().and_then(|s| serde_json::to_string(s).ok())
    }

    /// Rows read so far.
    #[wasm_bindgen(js_name = rowsRead)]
    pub fn rows_read(&self) -> f64 {
        self.loader.as_ref().map(|l| l.rows_read() as f64).unwrap_or(0.0)
    }

    /// Ends the file; returns the local quality report as JSON.
    pub fn finish(&mut self) -> JsResult<String> {
        let loader = self.loader.as_mut().ok_or(IngestError::Finished)?;
        let loaded = loader.finish()?;
        let json = serde_json::to_string(&loaded.report).map_err(|e| CoreError::new("internal", e))?;
        self.loaded = Some(loaded);
        Ok(json)
    }

    /// The records read (after `finish`): `{rows: Uint32Array, counts: Uint8Array,
    /// keys: Uint8Array, digests: Uint8Array, groups: Uint32Array, labels: string[]}`,
    /// the arguments of `OwnSet.addBatch`.
    #[wasm_bindgen(js_name = takeRecords)]
    pub fn take_records(&mut self) -> js_sys::Object {
        let r = self.loaded.take().map(|l| l.set.to_flat()).unwrap_or_default();
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
}

/// The matched rows of an audience run, as CSV safe against formula injection.
#[wasm_bindgen(js_name = MatchedRows)]
pub struct JsMatchedRows {
    picker: RowPicker,
}

#[wasm_bindgen(js_class = MatchedRows)]
impl JsMatchedRows {
    /// A picker for the matched row numbers (`Session.matchedRows()`), reading the file
    /// with the `columns`, `default_country` and `header_row` it was read with, writing
    /// `format` (`plain`, `google`, `google-sha256`, `meta`, `meta-sha256`; default plain).
    #[wasm_bindgen(constructor)]
    pub fn new(
        rows: &[u32],
        format: Option<String>,
        columns: Option<String>,
        default_country: Option<String>,
        header_row: Option<u32>,
    ) -> JsResult<JsMatchedRows> {
        let format = match format.as_deref() {
            None => AudienceFormat::Plain,
            Some(name) => AudienceFormat::parse(name)
                .ok_or_else(|| CoreError::new("unknown-format", "unknown audience format"))?,
        };
        let options = LoadOptions { columns, default_country, header_row: header_row.map(u64::from), ..LoadOptions::default() };
        Ok(JsMatchedRows { picker: RowPicker::new(rows.to_vec(), options, format) })
    }

    /// Feeds the next chunk of the same file; returns the CSV bytes produced so far.
    pub fn push(&mut self, chunk: &[u8]) -> JsResult<Vec<u8>> {
        self.picker.push(chunk)?;
        Ok(self.picker.take_output())
    }

    /// Ends the file; returns the remaining CSV bytes.
    pub fn finish(&mut self) -> JsResult<Vec<u8>> {
        self.picker.finish()?;
        Ok(self.picker.take_output())
    }
}
