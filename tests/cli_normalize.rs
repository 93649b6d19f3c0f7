//! `cleanmatch normalize` as a user runs it: the real binary, stdin in, stdout out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn normalize(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cleanmatch"))
        .arg("normalize")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cleanmatch");
    // Feed stdin from another thread: with a large input the child's stdout pipe fills
    // before we finish writing, and a single thread would deadlock.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

#[test]
fn good_and_bad_lines_each_get_one_line() {
    let input = b"  ALEXZ@example.com   \r\nquinn\n\n\xc3\x28bad utf8\nJefferson.LOVES.Hiking@googlemail.com";
    let out = normalize(&["--preset", "google", "--kind", "email"], input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "alexz@example.com\t509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a",
            "error\tno @",
            "error\tempty",
            "error\tnot valid UTF-8",
            "jeffersonloveshiking@googlemail.com\t2824967181c781aced84c32bf8bb51fc6401202eeff88263776f63c99df9314c",
        ]
    );
}

#[test]
fn phones_use_the_default_country() {
    let input = b"1 (234) 567-8901\n020 7946 0000\n";
    let us = normalize(&["--preset", "uid2", "--kind", "phone", "--default-country", "US"], input);
    let us = String::from_utf8(us.stdout).unwrap();
    assert!(us.starts_with("+12345678901\t10e6f0b47054a83359477dcb35231db6de5c69fb1816e1a6b98e192de9e5b9ee\n"), "{us}");
    let none = normalize(&["--preset", "meta", "--kind", "phone"], input);
    let none = String::from_utf8(none.stdout).unwrap();
    assert_eq!(none, "error\tno country code and no default country\nerror\tno country code and no default country\n");
}

#[test]
fn sha256_passes_through_as_lowercase_hex() {
    let hex = "B4C9A289323B21A01C3E940F150EB9B8C542587F1ABFD8F0E1CC1FFC5E475514";
    let out = normalize(&["--preset", "plain", "--kind", "sha256"], hex.as_bytes());
    let lower = hex.to_ascii_lowercase();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("{lower}\t{lower}\n"));
}

#[test]
fn unknown_preset_or_kind_lists_the_valid_ones() {
    let out = normalize(&["--preset", "acme", "--kind", "email"], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("uid2, google, meta, pair, plain"), "{err}");

    let out = normalize(&["--preset", "uid2", "--kind", "phone", "--default-country", "XX"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("unknown default country"));

    let out = normalize(&["--preset", "uid2", "--kind", "ssn"], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("email, phone, name, postal, maid, sha256"), "{err}");
}

#[test]
fn many_lines_stream_through() {
    let input: String = (0..20_000).map(|i| format!("user{i}@example.com\n")).collect();
    let out = normalize(&["--preset", "pair", "--kind", "email"], input.as_bytes());
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 20_000);
    assert!(stdout.lines().last().unwrap().starts_with("user19999@example.com\t"));
}

#[test]
fn show_rules_prints_the_fingerprint() {
    let out = normalize(&["--preset", "meta", "--show-rules"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let meta = cleanmatch::normalize::Preset::named("meta").unwrap();
    assert_eq!(v["preset"], "meta");
    assert_eq!(v["fingerprint"], meta.fingerprint());
    assert_eq!(v["rules"]["phone"]["format"], "digits");
}
