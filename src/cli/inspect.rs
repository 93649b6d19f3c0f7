//! `cleanmatch inspect FILE`: reads a customer file the way a match would and prints its
//! local quality report as one JSON object on stdout, with a short summary on stderr.
//! The file is read in 1 MiB chunks through the same core the browser uses.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::ingest::roles::{apply_overrides, find_column};
use crate::ingest::{Ingest, IngestError, IngestOptions, Record, RecordExtractor, Row, Sniff, Suppression};
use crate::normalize::Preset;
use crate::quality::{Inspector, QualityReport};

/// Bytes per read: big enough to amortize the system call, small enough for constant memory.
const CHUNK: usize = 1 << 20;

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
}

/// Exit code for bad arguments, as clap uses.
const USAGE: u8 = 2;

/// Runs the subcommand.
pub fn run(args: Args) -> ExitCode {
    let Some(preset) = Preset::named(&args.preset) else {
        eprintln!("cleanmatch: unknown preset {:?}; valid presets: {}", args.preset, Preset::NAMES.join(", "));
        return ExitCode::from(USAGE);
    };
    let suppression = match &args.suppress {
        Some(path) => match read_suppression(path, &preset, args.default_country.as_deref()) {
            Ok(s) => Some(s),
            Err(e) => return super::fail(format_args!("{}: {e}", path.display())),
        },
        None => None,
    };
    let report = match inspect(&args, preset, suppression) {
        Ok(r) => r,
        Err(e) => return super::fail(format_args!("{}: {e}", args.file.display())),
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

/// Why inspecting failed: the file could not be read, or the core refused it.
#[derive(Debug)]
enum Failure {
    Io(io::Error),
    Ingest(IngestError),
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Failure::Io(e) => write!(f, "cannot read: {e}"),
            Failure::Ingest(e) => e.fmt(f),
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Io(e)
    }
}

impl From<IngestError> for Failure {
    fn from(e: IngestError) -> Failure {
        Failure::Ingest(e)
    }
}

/// Streams `path` through the core: `setup` builds the row consumer once the file's shape
/// is known (after the first chunk, or at the end for a workbook), `each` feeds it rows.
fn read_file<T>(
    path: &Path,
    sheet: Option<&str>,
    mut setup: impl FnMut(&Sniff) -> Result<T, IngestError>,
    mut each: impl FnMut(&mut T, &Row),
) -> Result<(Ingest, Option<T>), Failure> {
    let mut file = File::open(path)?;
    let mut ingest = Ingest::new(IngestOptions { sheet: sheet.map(str::to_owned), ..IngestOptions::default() });
    let mut state: Option<T> = None;
    let mut buf = vec![0u8; CHUNK];
    let mut drain = |ingest: &mut Ingest, state: &mut Option<T>| -> Result<(), IngestError> {
        if state.is_none() {
            let Some(sniff) = ingest.sniff() else { return Ok(()) };
            *state = Some(setup(sniff)?);
        }
        if let Some(state) = state {
            while let Some(row) = ingest.next_row() {
                each(state, &row);
            }
        }
        Ok(())
    };
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        ingest.push(&buf[..n])?;
        drain(&mut ingest, &mut state)?;
    }
    ingest.finish()?;
    drain(&mut ingest, &mut state)?;
    Ok((ingest, state))
}

fn inspect(args: &Args, preset: Preset, suppression: Option<Suppression>) -> Result<QualityReport, Failure> {
    let mut suppression = suppression;
    let setup = |sniff: &Sniff| {
        let mut columns = sniff.columns.clone();
        if let Some(spec) = &args.columns {
            apply_overrides(&mut columns, spec)?;
        }
        let group = match &args.group {
            Some(name) => {
                Some(find_column(&columns, name).ok_or_else(|| IngestError::UnknownColumn { name: name.clone() })?)
            }
            None => None,
        };
        Inspector::new(sniff, &columns, preset.clone(), args.default_country.as_deref(), group, suppression.take())
    };
    let (ingest, inspector) = read_file(&args.file, args.sheet.as_deref(), setup, |ins, row| {
        ins.add(row);
    })?;
    let inspector = inspector.ok_or(Failure::Ingest(IngestError::EmptyFile))?;
    Ok(inspector.finish(ingest.stats()))
}

/// Reads a suppression file: every valid identifier of every row, in whatever identifier
/// columns its roles guess finds.
fn read_suppression(path: &Path, preset: &Preset, default_country: Option<&str>) -> Result<Suppression, Failure> {
    let setup = |sniff: &Sniff| {
        let roles: Vec<_> = sniff.columns.iter().map(|c| c.role).collect();
        let extractor = RecordExtractor::new(&roles, preset.clone(), default_country, None)?;
        Ok((extractor, Suppression::new()))
    };
    let (_, state) = read_file(path, None, setup, |(extractor, list), row| {
        let record: Record = extractor.extract(&row.fields).record;
        list.insert(&record);
    })?;
    Ok(state.map(|(_, list)| list).unwrap_or_default())
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
    let cols: Vec<String> =
        r.columns.iter().map(|c| format!("{}={} ({:.2})", c.name, c.role.as_str(), c.confidence)).collect();
    s.push_str(&format!("  columns: {}\n", cols.join(", ")));
    for (kind, k) in &r.kinds {
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
