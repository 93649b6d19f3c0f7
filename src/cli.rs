//! The native command line. Each subcommand lives in its own file and only does I/O
//! around the core.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub mod audit;
pub mod bench;
pub mod inspect;
pub mod matching;
pub mod normalize;
pub mod records;
pub mod serve;
pub mod tasks;

/// cleanmatch: find the customers two partners share without either handing over its file.
#[derive(Parser, Debug)]
#[command(name = "cleanmatch", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per run
enum Command {
    /// Serve the page and the relay in one process.
    Serve(serve::Args),
    /// Normalize raw identifiers from stdin: `normalized<TAB>sha256hex` per line.
    Normalize(normalize::Args),
    /// Read a customer file and print its local quality report as JSON.
    Inspect(inspect::Args),
    /// Run a match as the host (`--host`) or join one (`--invite URL`).
    // Boxed: its many options would make every other variant as large.
    Match(Box<matching::Args>),
    /// Time each operation of the protocol and print JSON.
    Bench(bench::Args),
    /// Check a report (the page's JSON download) against the disclosure rule.
    Audit(audit::Args),
}

/// Parses the arguments and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(a) => serve::run(a),
        Command::Normalize(a) => normalize::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Match(a) => matching::run(*a),
        Command::Bench(a) => bench::run(a),
        Command::Audit(a) => audit::run(a),
    }
}

/// Prints an error the way every subcommand does and returns the failure exit code.
pub fn fail(msg: impl core::fmt::Display) -> ExitCode {
    eprintln!("cleanmatch: {msg}");
    ExitCode::FAILURE
}
