//! The protocol vectors' runner: `tests/vectors/protocol-*.tsv` checked against this core,
//! natively (`cargo test --lib vectors`) and in the browser (the wasm module in Chromium,
//! `tests/browser/protocol-vectors.test.mjs`), so both builds produce the same bytes.
//!
//! # File format
//! Tab-separated, one case per line; lines starting with `#` are comments. The first
//! field names the case, the last one says what it shows. A name starting with `fail_`
//! marks an input that must be refused: its result column holds the error's variant name
//! (`InvalidPoint`, `HelloNotAuthentic`, ...) instead of bytes. The columns of each file
//! are listed in its header and in [`KINDS`]; `docs/protocol.md` says what every byte means.
//!
//! # Regenerating
//! When the protocol changes on purpose, the result columns are recomputed from the
//! input columns by
//! `cargo test --lib vectors::tests::regenerate -- --ignored`
//! which rewrites the files in place (names, inputs and comments stay); review the diff
//! (`git diff tests/vectors`) and bump the protocol version if the bytes changed.
//!
//! Compiled only for tests and under the `danger` feature: it uses fixed scalars and
//! fixed ephemeral keys ([`crate::seal::danger`]).

mod cases;
mod message_json;

use core::fmt::Debug;

/// One kind of vector file: `protocol-<name>.tsv`, its columns (without the trailing
/// comment) and the function computing a row's results from its inputs.
pub struct VectorKind {
    /// The part of the file name after `protocol-`.
    pub name: &'static str,
    /// Column names, the first being the case name; the comment column follows them.
    pub columns: &'static [&'static str],
    compute: fn(&Case) -> Result<Vec<String>, String>,
}

/// Every kind, in the order `docs/protocol.md` describes them. The runners refuse a
/// vector set that lacks any of them.
pub const KINDS: &[VectorKind] = &[
    VectorKind { name: "room-id", columns: &["name", "invite", "room_id"], compute: cases::room_id },
    VectorKind {
        name: "hello",
        columns: &["name", "secret", "role", "ephemeral", "nonce", "hello", "commit"],
        compute: cases::hello,
    },
    VectorKind {
        name: "handshake",
        columns: &[
            "name",
            "secret",
            "role",
            "ephemeral",
            "nonce",
            "peer_hello",
            "code",
            "host_to_guest_data",
            "guest_to_host_data",
            "host_to_guest_control",
            "guest_to_host_control",
        ],
        compute: cases::handshake,
    },
    VectorKind {
        name: "sealed-frames",
        columns: &["name", "key", "kind", "counter", "plaintext", "frame"],
        compute: cases::sealed_frame,
    },
    VectorKind { name: "messages", columns: &["name", "message", "bytes"], compute: cases::message },
    VectorKind {
        name: "manifest-hash",
        columns: &["name", "manifest", "manifest_hash"],
        compute: cases::manifest_hash,
    },
    VectorKind { name: "blind", columns: &["name", "key", "digest", "secret", "point"], compute: cases::blind },
    VectorKind { name: "evaluate", columns: &["name", "secret", "point", "value"], compute: cases::evaluate },
    VectorKind {
        name: "report-hash",
        columns: &["name", "manifest", "host_view", "guest_view", "figures", "report_hash"],
        compute: cases::report_hash,
    },
];

/// One line of a vector file.
pub(crate) struct Case {
    /// The fields, comment excluded.
    fields: Vec<String>,
}

impl Case {
    pub(crate) fn is_fail(&self) -> bool {
        self.fields.first().is_some_and(|n| n.starts_with("fail_"))
    }

    /// The field named `column` of `kind` (empty if absent; the runner checks counts).
    pub(crate) fn get(&self, kind: &VectorKind, column: &str) -> &str {
        kind.columns.iter().position(|c| *c == column).and_then(|i| self.fields.get(i)).map_or("", String::as_str)
    }
}

/// What running one file gave.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Cases run.
    pub rows: usize,
    /// One line per problem: `file:line [case]: what differs`.
    pub failures: Vec<String>,
}

/// The kind of a file by its name (`…/protocol-blind.tsv` → `blind`).
pub fn kind_of(file: &str) -> Option<&'static VectorKind> {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = base.strip_prefix("protocol-")?.strip_suffix(".tsv")?;
    KINDS.iter().find(|k| k.name == stem)
}

/// Splits a file into `(line number, case, comment)`, or the problems with its layout.
fn parse<'a>(file: &str, kind: &VectorKind, text: &'a str) -> (Vec<(usize, Case, &'a str)>, Vec<String>) {
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != kind.columns.len() + 1 {
            problems.push(format!(
                "{file}:{}: expected {} tab-separated fields ({}, comment), found {}",
                i + 1,
                kind.columns.len() + 1,
                kind.columns.join(", "),
                fields.len()
            ));
            continue;
        }
        let comment = fields.pop().unwrap_or_default();
        cases.push((i + 1, Case { fields: fields.into_iter().map(str::to_string).collect() }, comment));
    }
    (cases, problems)
}

/// Runs every case of one file. An unknown file name or a file without cases is a failure.
pub fn run_file(file: &str, text: &str) -> Outcome {
    let Some(kind) = kind_of(file) else {
        let names: Vec<String> = KINDS.iter().map(|k| format!("protocol-{}.tsv", k.name)).collect();
        return Outcome {
            rows: 0,
            failures: vec![format!("{file}: not a protocol vector file (one of {})", names.join(", "))],
        };
    };
    let (cases, mut failures) = parse(file, kind, text);
    for (line, case, comment) in &cases {
        let at = format!("{file}:{line} [{}] ({comment})", case.fields[0]);
        match (kind.compute)(case) {
            Err(why) => failures.push(format!("{at}: {why}")),
            Ok(want) => {
                for ((column, have), got) in kind.columns.iter().zip(&case.fields).zip(&want) {
                    if have != got {
                        failures.push(format!("{at}: column {column}: the file has {have:?}, the core gives {got:?}"));
                    }
                }
            }
        }
    }
    if cases.is_empty() {
        failures.push(format!("{file}: no vectors"));
    }
    Outcome { rows: cases.len(), failures }
}

/// The file with every case's result columns recomputed (names, inputs, comments and
/// comment lines kept).
///
/// # Errors
/// The first case that cannot be computed (a `fail_` case that is accepted, or a case
/// that is refused), naming its line.
pub fn regenerate_file(file: &str, text: &str) -> Result<String, String> {
    let kind = kind_of(file).ok_or_else(|| format!("{file}: not a protocol vector file"))?;
    let (cases, problems) = parse(file, kind, text);
    if let Some(p) = problems.first() {
        return Err(p.clone());
    }
    let mut cases = cases.into_iter().peekable();
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        match cases.peek() {
            Some((at, case, comment)) if *at == i + 1 => {
                let fields = (kind.compute)(case).map_err(|why| format!("{file}:{at}: {why}"))?;
                out.push_str(&fields.join("\t"));
                out.push('\t');
                out.push_str(comment);
                cases.next();
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    Ok(out)
}

/// The name of an error's variant (`InvalidPoint { index: 0 }` → `InvalidPoint`): what a
/// `fail_` case expects.
pub(crate) fn variant<E: Debug>(e: &E) -> String {
    let debug = format!("{e:?}");
    debug.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').next().unwrap_or_default().to_string()
}

/// A case's result: the value for a success case, the error's variant for a `fail_` case,
/// or why the case does not hold.
pub(crate) fn outcome<E: Debug + core::fmt::Display>(case: &Case, r: Result<String, E>) -> Result<String, String> {
    match (case.is_fail(), r) {
        (false, Ok(v)) => Ok(v),
        (false, Err(e)) => Err(format!("refused ({}: {e}) but must be accepted", variant(&e))),
        (true, Ok(_)) => Err("accepted but must be refused (a fail_ case)".into()),
        (true, Err(e)) => Ok(variant(&e)),
    }
}

/// Lowercase hex to bytes.
pub(crate) fn unhex(what: &str, s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{what} is not hex: {s:?}"));
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| format!("{what}: {e}"))).collect()
}

/// Exactly `N` bytes of hex.
pub(crate) fn unhex_array<const N: usize>(what: &str, s: &str) -> Result<[u8; N], String> {
    let v = unhex(what, s)?;
    <[u8; N]>::try_from(v.as_slice()).map_err(|_| format!("{what} must be {N} bytes, found {}", v.len()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");

    /// Every `protocol-*.tsv`, sorted.
    fn files() -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(DIR)
            .expect("tests/vectors")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("protocol-")))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn protocol_vectors() {
        let files = files();
        assert!(!files.is_empty(), "no tests/vectors/protocol-*.tsv");
        for kind in KINDS {
            assert!(
                files.iter().any(|f| f.ends_with(format!("protocol-{}.tsv", kind.name))),
                "tests/vectors/protocol-{}.tsv is missing",
                kind.name
            );
        }
        let (mut rows, mut failures) = (0, Vec::new());
        for f in &files {
            let name = f.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().display().to_string();
            let out = run_file(name.trim_start_matches('/'), &std::fs::read_to_string(f).unwrap());
            rows += out.rows;
            failures.extend(out.failures);
        }
        assert!(failures.is_empty(), "{} problem(s) in {rows} cases:\n{}", failures.len(), failures.join("\n"));
        eprintln!("{rows} protocol vectors passed in {} files", files.len());
    }

    #[test]
    fn runner_refuses_an_empty_file_and_an_unknown_one() {
        let out = run_file("tests/vectors/protocol-blind.tsv", "# name\tkey\tdigest\tsecret\tpoint\tcomment\n");
        assert_eq!((out.rows, out.failures.len()), (0, 1), "{:?}", out.failures);
        assert!(out.failures[0].contains("no vectors"));
        let out = run_file("tests/vectors/protocol-shoe.tsv", "x\ty\n");
        assert_eq!(out.failures.len(), 1);
    }

    #[test]
    fn runner_names_the_file_line_and_column_of_a_wrong_value() {
        let path = format!("{DIR}/protocol-evaluate.tsv");
        let text = std::fs::read_to_string(&path).unwrap();
        // Flip the last hex digit of the first success case's value.
        let (n, line) = text.lines().enumerate().find(|(_, l)| !l.starts_with('#') && !l.starts_with("fail_")).unwrap();
        let mut fields: Vec<String> = line.split('\t').map(str::to_string).collect();
        let value = &mut fields[3];
        let last = value.pop().unwrap();
        value.push(if last == '0' { '1' } else { '0' });
        let bad: String = text
            .lines()
            .enumerate()
            .map(|(i, l)| if i == n { fields.join("\t") } else { l.to_string() } + "\n")
            .collect();
        let out = run_file("protocol-evaluate.tsv", &bad);
        assert_eq!(out.failures.len(), 1, "{:?}", out.failures);
        assert!(out.failures[0].starts_with(&format!("protocol-evaluate.tsv:{}", n + 1)), "{}", out.failures[0]);
        assert!(out.failures[0].contains("column value"), "{}", out.failures[0]);
    }

    #[test]
    fn a_fail_case_that_is_accepted_is_a_failure() {
        let path = format!("{DIR}/protocol-evaluate.tsv");
        let text = std::fs::read_to_string(&path).unwrap();
        let line = text.lines().find(|l| !l.starts_with('#') && !l.starts_with("fail_")).unwrap();
        let out = run_file("protocol-evaluate.tsv", &format!("fail_{line}\n"));
        assert_eq!(out.failures.len(), 1, "{:?}", out.failures);
        assert!(out.failures[0].contains("must be refused"), "{}", out.failures[0]);
    }

    #[test]
    fn regenerating_the_files_changes_nothing() {
        for f in files() {
            let text = std::fs::read_to_string(&f).unwrap();
            let name = f.display().to_string();
            assert_eq!(regenerate_file(&name, &text).unwrap(), text, "{name} is not what the core computes");
        }
    }

    /// Rewrites every vector file's results from its inputs. Run deliberately, when the
    /// protocol changes on purpose:
    /// `cargo test --lib vectors::tests::regenerate -- --ignored`, then review `git diff`.
    #[test]
    #[ignore = "rewrites tests/vectors/protocol-*.tsv"]
    fn regenerate() {
        for f in files() {
            let name = f.display().to_string();
            let text = std::fs::read_to_string(&f).unwrap();
            let new = regenerate_file(&name, &text).unwrap_or_else(|e| panic!("{e}"));
            if new != text {
                std::fs::write(&f, new).unwrap();
                eprintln!("rewrote {name}");
            }
        }
    }
}
