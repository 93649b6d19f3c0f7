//! Two native parties complete a match through the real `cleanmatch serve` on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod cli_support;

use cli_support::{run_match, serve, temp_dir, write_csv, BIN};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn two_terminals_match_in_both_modes() {
    let dir = temp_dir("modes");
    let host = dir.join("host.csv");
    let guest = dir.join("guest.tsv");
    // Host: 3000 customers with email and phone; guest: 2500, half of them known to the
    // host by email (mixed case and spaces), 100 by phone only.
    write_csv(&host, "Email,Phone,Region", (0..3000).map(|i| {
        format!("user{i}@example.com,+1 212 555 {:04},{}", i, if i % 2 == 0 { "east" } else { "west" })
    }));
    write_csv(&guest, "E-Mail\tTelefon\tSegment", (1500..4000).map(|i| {
        if i < 1600 {
            format!("nobody{i}@example.org\t(212) 555-{:04}\tgold", i)
        } else {
            format!("  User{i}@EXAMPLE.com \t\t{}", if i % 3 == 0 { "gold" } else { "silver" })
        }
    }));
    let server = serve();
    let h = host.to_str().unwrap();
    let g = guest.to_str().unwrap();
    let receipt = dir.join("receipt.json");
    let (a, b) = run_match(
        &server,
        &["--file", h, "--group", "Region", "--default-country", "US", "--k", "20", "--receipt", receipt.to_str().unwrap()],
        &["--file", g, "--group", "Segment", "--default-country", "US"],
    );
    assert_eq!(a["report_hash"], b["report_hash"]);
    assert_eq!(a["own_records"], 3000);
    assert_eq!(a["partner_records"], 2500);
    assert_eq!(a["own_matched"], 1500, "{a}");
    assert_eq!(b["own_matched"], 1500);
    assert_eq!(a["k"], 50, "the guest's default k = 50 is stricter and wins");
    assert_eq!(a["by_key"]["phone"]["own_matched"], 100);
    assert!(a["cells"].as_array().unwrap().len() >= 2);
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    assert_eq!(r["report_hash"], a["report_hash"]);
    assert_eq!(r["manifest"]["k"], 50);
    assert_eq!(r["file"], "host.csv");
    assert_eq!(r["verification_code"].as_str().unwrap().len(), 7);
    assert!(!r.to_string().contains("user1@example.com"), "a receipt names no identifier");

    // Audience: each side writes its own matched rows, CSV-injection safe.
    let out = dir.join("audience.csv");
    let (a, b) = run_match(
        &server,
        &["--file", h, "--mode", "audience", "--default-country", "US", "--audience-out", out.to_str().unwrap()],
        &["--file", g, "--mode", "audience", "--default-country", "US"],
    );
    assert_eq!(a["report_hash"], b["report_hash"]);
    assert_eq!(a["audience_rows_written"], 1500);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("Email,Phone,Region\r\n"));
    assert_eq!(text.lines().count(), 1501);
    assert!(text.contains("user1500@example.com,\"'+1 212 555 1500\",east"), "phones starting with + are neutralized");

    // Asking for the rows is opting in: a guest with --audience-out and no --mode gets them.
    let guest_out = dir.join("guest-audience.csv");
    let (a, b) = run_match(
        &server,
        &["--file", h, "--mode", "audience", "--default-country", "US"],
        &["--file", g, "--default-country", "US", "--audience-out", guest_out.to_str().unwrap()],
    );
    assert_eq!(a["mode"], "audience", "{a}");
    assert_eq!(b["audience_rows_written"], 1500, "{b}");
    assert_eq!(std::fs::read_to_string(&guest_out).unwrap().lines().count(), 1501);

    // A partner that does not opt in: the run still reports (aggregate) and writes nothing.
    let none = dir.join("not-agreed.csv");
    let (a, b) = run_match(
        &server,
        &["--file", h, "--default-country", "US", "--audience-out", none.to_str().unwrap()],
        &["--file", g, "--default-country", "US"],
    );
    assert_eq!(a["report_hash"], b["report_hash"]);
    assert_eq!(a["mode"], "aggregate", "{a}");
    assert_eq!(a["own_matched"], 1500);
    assert!(a.get("audience_rows_written").is_none());
    assert!(!none.exists(), "no rows without audience mode");
}

#[test]
fn wrong_and_used_invites_say_what_happened() {
    let server = serve();
    let dir = temp_dir("invites");
    let file = dir.join("f.csv");
    write_csv(&file, "email", (0..100).map(|i| format!("u{i}@example.com")));
    let f = file.to_str().unwrap();
    let bad = Command::new(BIN).args(["match", "--invite", "http://127.0.0.1:1/#k=short", "--file", f]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("copied whole"), "{}", String::from_utf8_lossy(&bad.stderr));
    // A valid-looking invite for a room with no host.
    let orphan = format!("http://{}/#k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", server.addr);
    let none = Command::new(BIN).args(["match", "--invite", &orphan, "--file", f]).output().unwrap();
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("host is not connected"), "{}", String::from_utf8_lossy(&none.stderr));
}

#[test]
fn the_verification_code_is_checked_before_anything_is_agreed() {
    let server = serve();
    let dir = temp_dir("code");
    let file = dir.join("f.csv");
    write_csv(&file, "email", (0..100).map(|i| format!("u{i}@example.com")));
    let f = file.to_str().unwrap();
    let relay = format!("ws://{}", server.addr);
    let start_host = || {
        let mut h = Command::new(BIN)
            .args(["match", "--relay", &relay, "--host", "--yes", "--file", f])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(h.stdout.take().unwrap()).read_line(&mut first).unwrap();
        (h, first.strip_prefix("invite ").unwrap().trim().to_string())
    };

    // A script told a different code: the guest stops, and so does the host.
    let (h, invite) = start_host();
    let g = Command::new(BIN).args(["match", "--invite", &invite, "--file", f, "--code", "000 000"]).output().unwrap();
    let err = String::from_utf8_lossy(&g.stderr);
    assert!(!g.status.success());
    assert!(err.contains("not the 000 000 you were given"), "{err}");
    assert!(!err.contains("agreed on manifest"), "nothing was agreed: {err}");
    let host = h.wait_with_output().unwrap();
    assert!(!host.status.success());

    // No terminal to ask and neither --code nor --yes: a clear message, nothing agreed.
    let (h, invite) = start_host();
    let g = Command::new(BIN).args(["match", "--invite", &invite, "--file", f]).stdin(Stdio::null()).output().unwrap();
    let err = String::from_utf8_lossy(&g.stderr);
    assert!(!g.status.success());
    assert!(err.contains("pass --code NNNNNN") && err.contains("--yes"), "{err}");
    assert!(!err.contains("agreed on manifest"), "{err}");
    assert!(!h.wait_with_output().unwrap().status.success());
}

/// A POS export with a title line, read with `--header-row`, and the matched rows written
/// in Google's Customer Match layout: the file can be uploaded as it is.
#[test]
fn audience_in_an_upload_layout() {
    let dir = temp_dir("audience-format");
    let host = dir.join("host.csv");
    let guest = dir.join("guest.csv");
    write_csv(&host, "Loyalty members export", std::iter::once("Member no,E-Mail,Mobile,Country".to_string()).chain(
        (0..300).map(|i| format!("{},m{i}@example.com,447700900{:03}.0,GB", 9000 + i, i)),
    ));
    write_csv(&guest, "email", (200..500).map(|i| format!("m{i}@example.com")));
    let server = serve();
    let out = dir.join("google.csv");
    let (a, b) = run_match(
        &server,
        &["--file", host.to_str().unwrap(), "--mode", "audience", "--header-row", "2", "--audience-format", "google",
          "--audience-out", out.to_str().unwrap()],
        &["--file", guest.to_str().unwrap(), "--mode", "audience"],
    );
    assert_eq!(a["report_hash"], b["report_hash"]);
    assert_eq!(a["own_matched"], 100);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Email,Phone,Country");
    assert_eq!(lines.len(), 101);
    assert_eq!(lines[1], "m200@example.com,+447700900200,GB", "the pandas float read as its digits, no quote");
}

#[test]
fn every_email_and_phone_column_of_a_record_takes_part() {
    let dir = temp_dir("columns");
    let host = dir.join("host.csv");
    let guest = dir.join("guest.csv");
    // Host: `work_email`, `home_email`, two columns both named `phone`. Person i has a
    // work email always, a home email when i % 3 == 0, a second phone when i % 4 == 0.
    let work = |i: usize| format!("w{i}@work.example.com");
    let home = |i: usize| if i % 3 == 0 { format!("h{i}@home.example.org") } else { String::new() };
    let phone2 = |i: usize| if i % 4 == 0 { format!("+1 212 555 {i:04}") } else { String::new() };
    write_csv(&host, "work_email,home_email,phone,phone", (0..600).map(|i| {
        format!("{},{},+1 646 555 {i:04},{}", work(i), home(i), phone2(i))
    }));
    // Guest: people 300..900, known by the home email for i % 6 == 0, else by the second
    // phone for i % 8 == 4, else by the work email for i % 5 == 0, else by nothing shared.
    let mut truth_host = std::collections::BTreeSet::new();
    let mut by_email = 0;
    let mut by_phone = 0;
    write_csv(&guest, "Email,Mobile", (300..900).map(|i| {
        let known = i < 600;
        if i % 6 == 0 {
            by_email += usize::from(known);
            if known {
                truth_host.insert(i);
            }
            format!("{},", home(i))
        } else if i % 8 == 4 {
            by_phone += usize::from(known);
            if known {
                truth_host.insert(i);
            }
            format!(",{}", phone2(i).replace("+1 212 555 ", "(212) 555-"))
        } else if i % 5 == 0 {
            by_email += usize::from(known);
            if known {
                truth_host.insert(i);
            }
            format!("{},", work(i))
        } else {
            format!("other{i}@example.net,")
        }
    }));
    let server = serve();
    let (a, b) = run_match(
        &server,
        &["--file", host.to_str().unwrap(), "--default-country", "US", "--k", "20"],
        &["--file", guest.to_str().unwrap(), "--default-country", "US", "--k", "20"],
    );
    assert_eq!(a["report_hash"], b["report_hash"]);
    assert_eq!(a["own_records"], 600);
    assert_eq!(a["own_matched"], truth_host.len(), "{a}");
    assert_eq!(b["own_matched"], truth_host.len(), "one guest row per matched host person");
    assert_eq!(a["by_key"]["email"]["own_records"], 600, "per-key figures count records, not values");
    assert_eq!(a["by_key"]["email"]["own_matched"], by_email);
    assert_eq!(a["by_key"]["phone"]["own_matched"], by_phone);
}
