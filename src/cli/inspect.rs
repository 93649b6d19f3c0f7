//! `cleanmatch inspect FILE`: reads a customer file the way a match would and prints its
//! local quality report as one JSON object on stdout, with a short summary on stderr.
//! The file is read in 1 MiB chunks through the same core the browser uses.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::loader::LoadOptions;
use crate::normalize::Preset;
use crate::quality::QualityReport;

/// Arguments of `cleanmatch inspect`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The customer file: CSV/TSV text (any delimiter) or an .xlsx/.xls/.ods workbook.
    file: PathBuf,
    /// Normalization preset: uid2, google, meta, pair or plain.
    #[arg(long, default_value = "uid2")]
    preset: String,
    /// ISO 3166-1 alpha-2 country for phone numbers written without a country code.
    #[arg(long, value_name = "CC")]
    default_country: Option<String>,
    /// Column roles that replace the guesses: `name=role,...` (a column by header or 1-based
    /// number; roles: email, phone, first_name, last_name, full_name, postal, country, maid,
    /// email_sha256, phone_sha256, attribute, ignore).
    #[arg(long, value_name = "NAME=ROLE,...")]
    columns: Option<String>,
    /// Column whose values break the report down (by header or 1-based number).
    #[arg(long, value_name = "COLUMN")]
    group: Option<String>,
    /// A file of identifiers to remove before matching (opt-outs).
    #[arg(long, value_name = "FILE")]
    suppress: Option<PathBuf>,
    /// The sheet to read from a workbook (default: the first).
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// The header's row number (rows above it are skipped, e.g. report titles); 0 for a
    /// file without a header row. Default: detected.
    #[arg(long, value_name = "N")]
    header_row: Option<u64>,
}

/// Exit code for bad arguments, as clap uses.
const USAGE: u8 = 2;

/// Runs the subcommand.
pub fn run(args: Args) -> ExitCode {
    if Preset::named(&args.preset).is_none() {
        eprintln!("cleanmatch: unknown preset {:?}; valid presets: {}", args.preset, Preset::NAMES.join(", "));
        return ExitCode::from(USAGE);
    }
    let options = LoadOptions {
        columns: args.columns.clone(),
        group: args.group.clone(),
        default_country: args.default_country.clone(),
        sheet: args.sheet.clone(),
        header_row: args.header_row,
    };
    let report = match super::records::read(&args.file, &args.preset, options, args.suppress.as_deref(), false) {
        Ok(loaded) => loaded.report,
        Err(e) => return super::fail(e),
    };
    let json = match serde_json::to_string(&report) {
        Ok(j) => j,
        Err(e) => return super::fail(format_args!("inspect: {e}")),
    };
    let mut out = io::stdout().lock();
    if writeln!(out, "{json}").is_err() {
        return ExitCode::FAILURE;
    }
    eprint!("{}", summary(&report));
    ExitCode::SUCCESS
}

/// The few lines a person reads on stderr.
fn summary(r: &QualityReport) -> String {
    let mut s = String::new();
    let how = match (r.encoding, &r.delimiter, &r.sheet) {
        (Some(enc), Some(d), _) => format!("{enc}, delimiter {:?}", d),
        (_, _, Some(sheet)) => format!("sheet {sheet:?}"),
        _ => String::new(),
    };
    s.push_str(&format!("cleanmatch inspect: {} rows ({how}); {} records usable\n", r.rows, r.records));
    if let Some(h) = r.header_row {
        s.push_str(&format!("  header: row {h}\n"));
    }
    s.push_str("  columns:\n");
    for c in &r.columns {
        s.push_str(&format!("    {} = {} ({:.2}): {}\n", c.name, c.role.as_str(), c.confidence, c.evidence));
    }
    for (kind, k) in &r.by_key {
        s.push_str(&format!(
            "  {kind}: {} valid, {} invalid, {} empty, {} duplicate\n",
            k.valid, k.invalid, k.empty, k.duplicate
        ));
    }
    for (why, n) in &r.unused_rows {
        s.push_str(&format!("  not used ({why}): {n}\n"));
    }
    for w in &r.warnings {
        s.push_str(&format!("  warning: {w}\n"));
    }
    s
}
