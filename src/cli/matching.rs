//! `cleanmatch matching` (not built yet).

use std::process::ExitCode;

/// Arguments of `cleanmatch matching`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> ExitCode {
    super::fail("this subcommand is not built yet")
}
