//! `cleanmatch audit REPORT.json`: checks a published report against the disclosure rule
//! (README, "What each side learns") with the exact auditor of [`crate::report::audit`],
//! and checks that its figures still hash to its `report_hash` (an edited download does
//! not). Reads the page's "JSON" download (`{report: {figures, report_hash}}`) or a
//! report itself (`{figures, report_hash}`); prints one JSON object on stdout:
//! `{"audit": "pass"|"fail", "model": "joint"|"per-view"|"noised"|null, "leak": text|null,
//! "hash": "matches"|"differs"|"absent", "k", "suppressed"}`. Exit 0 when both pass, 1 when
//! not, 2 for a file that is not a report.

use std::path::PathBuf;
use std::process::ExitCode;

use sha2::{Digest, Sha256};

use crate::report::audit::{audit, Model};
use crate::report::{hex, Figures};

/// Arguments of `cleanmatch audit`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The report as JSON: the page's JSON download, or a report object.
    file: PathBuf,
}

const NOT_A_REPORT: u8 = 2;

/// Runs the subcommand.
pub fn run(args: Args) -> ExitCode {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => return super::fail(format_args!("cannot read {}: {e}", args.file.display())),
    };
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("cleanmatch: {} is not JSON: {e}", args.file.display());
            return ExitCode::from(NOT_A_REPORT);
        }
    };
    // The page's download wraps the report; a report holds `figures` itself.
    let report = value.get("report").filter(|r| r.get("figures").is_some()).unwrap_or(&value);
    let figures: Figures = match report.get("figures").cloned().map(serde_json::from_value) {
        Some(Ok(f)) => f,
        Some(Err(e)) => {
            eprintln!("cleanmatch: the report's figures are malformed: {e}");
            return ExitCode::from(NOT_A_REPORT);
        }
        None => {
            eprintln!("cleanmatch: {} holds no report figures (`figures` or `report.figures`)", args.file.display());
            return ExitCode::from(NOT_A_REPORT);
        }
    };
    let hash = match report.get("report_hash").and_then(|h| h.as_str()) {
        // The figures are hashed as the core serializes them (`Report::assemble`).
        Some(h) => match serde_json::to_string(&figures) {
            Ok(json) if hex(&Sha256::digest(json.as_bytes())) == h => "matches",
            _ => "differs",
        },
        None => "absent",
    };
    let (model, leak) = match audit(&figures) {
        Ok(Model::Joint) => (Some("joint"), None),
        Ok(Model::PerView) => (Some("per-view"), None),
        Ok(Model::Noised) => (Some("noised"), None),
        Err(leak) => (None, Some(leak.to_string())),
    };
    let suppressed = [&figures.host, &figures.guest]
        .iter()
        .map(|v| {
            usize::from(v.matched.is_none())
                + v.by_key.iter().filter(|x| x.matched.is_none()).count()
                + v.groups.iter().filter(|x| x.matched.is_none()).count()
                + v.cells.iter().filter(|x| x.matched.is_none()).count()
        })
        .sum::<usize>();
    let pass = leak.is_none() && hash != "differs";
    let out = serde_json::json!({
        "audit": if pass { "pass" } else { "fail" },
        "model": model,
        "leak": leak,
        "hash": hash,
        "k": figures.k,
        "suppressed": suppressed,
    });
    println!("{out}");
    if pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
