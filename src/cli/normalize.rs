//! `cleanmatch normalize`: raw identifiers on stdin, one per line; one line out per line
//! in: `normalized<TAB>sha256hex`, or `error<TAB>reason`. A bad line never stops the run,
//! so partners can check their own pre-hashing against ours line by line.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use crate::hash::to_hex;
use crate::normalize::{Kind, Preset};

/// Arguments of `cleanmatch normalize`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Normalization preset: uid2, google, meta, pair or plain.
    #[arg(long)]
    preset: String,
    /// Identifier kind: email, phone, name, postal, maid or sha256.
    #[arg(long, required_unless_present = "show_rules")]
    kind: Option<String>,
    /// ISO 3166-1 alpha-2 country for phone numbers written without a country code.
    #[arg(long, value_name = "CC")]
    default_country: Option<String>,
    /// Print the preset's name, fingerprint and rules as JSON instead, and exit.
    #[arg(long, conflicts_with_all = ["kind", "default_country"])]
    show_rules: bool,
}

/// Exit code for bad arguments, as clap uses.
const USAGE: u8 = 2;

/// Runs the subcommand.
pub fn run(args: Args) -> ExitCode {
    let Some(preset) = Preset::named(&args.preset) else {
        eprintln!("cleanmatch: unknown preset {:?}; valid presets: {}", args.preset, Preset::NAMES.join(", "));
        return ExitCode::from(USAGE);
    };
    if args.show_rules {
        let shown = serde_json::json!({
            "preset": preset.name(),
            "fingerprint": preset.fingerprint(),
            "rules_version": crate::normalize::RULES_VERSION,
            "rules": preset.rules(),
        });
        println!("{shown}");
        return ExitCode::SUCCESS;
    }
    let kind_name = args.kind.unwrap_or_default();
    let Some(kind) = Kind::parse(&kind_name) else {
        let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        eprintln!("cleanmatch: unknown kind {kind_name:?}; valid kinds: {}", kinds.join(", "));
        return ExitCode::from(USAGE);
    };
    if let Some(cc) = args.default_country.as_deref().filter(|cc| !crate::normalize::is_known_country(cc)) {
        eprintln!("cleanmatch: unknown default country {cc:?}; give an ISO 3166-1 alpha-2 code such as US, GB or DE");
        return ExitCode::from(USAGE);
    }
    let stdin = io::stdin();
    let stdout = io::stdout();
    match process(&preset, kind, args.default_country.as_deref(), stdin.lock(), BufWriter::new(stdout.lock())) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is the reader saying it has enough.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => super::fail(format_args!("normalize: {e}")),
    }
}

/// Normalizes every line of `input` into `output`.
fn process(preset: &Preset, kind: Kind, country: Option<&str>, mut input: impl BufRead, mut output: impl Write) -> io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let raw = line.strip_suffix(b"\n").unwrap_or(&line);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        match std::str::from_utf8(raw) {
            Err(_) => writeln!(output, "error\tnot valid UTF-8")?,
            Ok(raw) => match preset.normalize_and_digest(kind, raw, country) {
                Ok((normalized, digest)) => writeln!(output, "{normalized}\t{}", to_hex(&digest))?,
                Err(e) => writeln!(output, "error\t{e}")?,
            },
        }
    }
    output.flush()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn run_lines(preset: &str, kind: Kind, input: &[u8]) -> String {
        let preset = Preset::named(preset).unwrap_or_else(|| Preset::custom("x", crate::normalize::Rules::plain()));
        let mut out = Vec::new();
        assert!(process(&preset, kind, Some("US"), input, &mut out).is_ok());
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn one_line_out_per_line_in() {
        let out = run_lines("google", Kind::Email, b"alexz@example.com\r\nquinn\n\xff\xfe\nlast@example.com");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "alexz@example.com\t509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a");
        assert_eq!(lines[1], "error\tno @");
        assert_eq!(lines[2], "error\tnot valid UTF-8");
        assert!(lines[3].starts_with("last@example.com\t"));
    }

    #[test]
    fn blank_line_is_an_error_line() {
        assert_eq!(run_lines("plain", Kind::Phone, b"\n"), "error\tempty\n");
    }
}
