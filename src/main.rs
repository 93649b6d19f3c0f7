//! The `cleanmatch` command line: see `cleanmatch --help`.

fn main() -> std::process::ExitCode {
    cleanmatch::cli::main()
}
