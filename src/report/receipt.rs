//! The local audit receipt a side may keep for its compliance records (DESIGN §3 step 6).

use super::{hex, Report};
use crate::manifest::{Manifest, Side};

/// What a receipt records besides the manifest and the report.
pub struct ReceiptContext<'a> {
    /// This side.
    pub side: Side,
    /// The verification code both pages showed.
    pub verification_code: &'a str,
    /// When the run started and finished, in milliseconds since the Unix epoch (the
    /// caller's clock: the core has none).
    pub started_ms: u64,
    /// See `started_ms`.
    pub finished_ms: u64,
    /// The name of the file matched (a name only; the file never leaves the machine).
    pub file_name: &'a str,
}

/// The receipt as JSON: the manifest and its hash, the report hash, this side's figures,
/// the disclosure rule applied (see [`Report::describe_rule`]), the verification code
/// and the times. It names no identifier.
pub fn receipt(manifest: &Manifest, report: &Report, ctx: &ReceiptContext<'_>) -> serde_json::Value {
    serde_json::json!({
        "receipt": "cleanmatch audit receipt",
        "software": format!("cleanmatch {}", env!("CARGO_PKG_VERSION")),
        "side": ctx.side,
        "file": ctx.file_name,
        "started_ms": ctx.started_ms,
        "finished_ms": ctx.finished_ms,
        "verification_code": ctx.verification_code,
        "manifest": manifest,
        "manifest_hash": hex(&manifest.hash()),
        "report_hash": report.report_hash,
        "disclosure_rule": report.rule,
        "report": report.for_side(ctx.side),
    })
}
