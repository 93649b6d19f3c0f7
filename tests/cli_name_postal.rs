//! A name or a postal code alone is not a person: two native parties through the real
//! `cleanmatch serve` on loopback, with synthetic lists whose true overlap the test
//! computes on its own.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod cli_support;

use cli_support::{run_match, serve, temp_dir, write_csv, BIN};
use std::path::PathBuf;
use std::process::Command;

/// A name of letters only, different for every `i`: `prefix` + `i` in base 26 (a..z).
fn word(prefix: &str, i: usize) -> String {
    let mut s = prefix.to_owned();
    let mut n = i;
    loop {
        s.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return s;
        }
    }
}

const ZIPS: [&str; 5] = ["94043", "10001", "60614", "02139", "73301"];

fn args<'a>(file: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["--file", file, "--default-country", "US", "--k", "20"];
    a.extend_from_slice(extra);
    a
}

/// The keys a report has per-key figures for.
fn keys(report: &serde_json::Value) -> Vec<String> {
    report["by_key"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

/// Shared people (same email on both sides): 50, so the matched count is published
/// (k = 20) and must come out exactly 50; everyone else is a different person.
const SHARED: usize = 50;

fn email(side: &str, i: usize) -> String {
    if i < SHARED {
        format!("s{i}@shared.example.net")
    } else {
        format!("{side}{i}@{side}.example.com")
    }
}

#[test]
fn disjoint_people_sharing_zip_codes_or_common_names_do_not_match() {
    let dir = temp_dir("np-disjoint");
    let server = serve();
    // (a) 300 people per side, the same five ZIP codes; only the first 50 share an
    // email. A ZIP alone is no key, so nobody else matches.
    let (host, guest) = (dir.join("a-host.csv"), dir.join("a-guest.csv"));
    write_csv(&host, "Email,ZIP", (0..300).map(|i| format!("{},{}", email("h", i), ZIPS[i % 5])));
    write_csv(&guest, "Email,Zip code", (0..300).map(|i| format!("{},{}", email("g", i), ZIPS[i % 5])));
    let (h, g) = (host.to_str().unwrap(), guest.to_str().unwrap());
    let (a, b) = run_match(&server, &args(h, &[]), &args(g, &[]));
    assert_eq!(a["report_hash"], b["report_hash"]);
    assert_eq!((a["own_records"].as_u64(), a["own_matched"].as_u64()), (Some(300), Some(SHARED as u64)), "{a}");
    assert_eq!(keys(&a), ["email"], "{a}");
    // In audience mode only the shared customers are written out.
    let out = dir.join("audience.csv");
    let audience = |side: &'static str| {
        if side == "h" {
            vec!["--mode", "audience", "--audience-out", out.to_str().unwrap()]
        } else {
            vec!["--mode", "audience"]
        }
    };
    let (a, _) = run_match(&server, &args(h, &audience("h")), &args(g, &audience("g")));
    assert_eq!(a["own_matched"].as_u64(), Some(SHARED as u64), "{a}");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), 1 + SHARED, "header and the shared customers only");
    assert!(written.lines().skip(1).all(|l| l.contains("@shared.example.net")), "{written}");

    // (a') with names that differ between the sides, name + postal is formed and still
    // matches nobody else.
    let (host, guest) = (dir.join("a2-host.csv"), dir.join("a2-guest.csv"));
    write_csv(
        &host,
        "Email,First Name,Last Name,ZIP",
        (0..300).map(|i| format!("{},{},{},{}", email("h", i), word("Ho", i), word("Ha", i), ZIPS[i % 5])),
    );
    write_csv(
        &guest,
        "Email,First Name,Last Name,ZIP",
        (0..300).map(|i| format!("{},{},{},{}", email("g", i), word("Go", i), word("Ga", i), ZIPS[i % 5])),
    );
    let (a, _) = run_match(&server, &args(host.to_str().unwrap(), &[]), &args(guest.to_str().unwrap(), &[]));
    assert_eq!(a["own_matched"].as_u64(), Some(SHARED as u64), "{a}");
    assert_eq!(keys(&a), ["email", "name_postal"], "{a}");

    // (b) common first and last names on both sides, different ZIP codes.
    const COMMON: [(&str, &str); 4] = [("John", "Smith"), ("Mary", "Johnson"), ("James", "Brown"), ("Maria", "Garcia")];
    let (host, guest) = (dir.join("b-host.csv"), dir.join("b-guest.csv"));
    write_csv(
        &host,
        "Email,First Name,Last Name,ZIP",
        (0..300).map(|i| {
            let (f, l) = COMMON[i % 4];
            format!("{},{f},{l},1{i:04}", email("h", i))
        }),
    );
    write_csv(
        &guest,
        "Email,First Name,Last Name,ZIP",
        (0..300).map(|i| {
            let (f, l) = COMMON[i % 4];
            format!("{},{f},{l},2{i:04}", email("g", i))
        }),
    );
    let (a, b) = run_match(&server, &args(host.to_str().unwrap(), &[]), &args(guest.to_str().unwrap(), &[]));
    assert_eq!(a["report_hash"], b["report_hash"]);
    assert_eq!(a["own_matched"].as_u64(), Some(SHARED as u64), "{a}");
    assert_eq!(a["by_key"]["name_postal"]["own_records"].as_u64(), Some(300), "{a}");
    assert_eq!(a["by_key"]["name_postal"]["own_matched"], serde_json::Value::Null, "0 is under k: {a}");
}

/// One person as each side writes them: the host in first/last/ZIP/country columns, the
/// guest as a full name with the formatting a different export gives.
struct Person {
    first: String,
    last: String,
    zip: String,
    country: &'static str,
}

fn person(i: usize) -> Person {
    let uk = i % 3 == 1;
    let first = if i % 4 == 0 { format!("Zo\u{eb}{}", word("", i)) } else { word("An", i) };
    let zip = if uk { format!("SW{}A {}AA", 1 + i % 9, i % 10) } else { format!("9{:04}", i) };
    Person { first, last: word("Le", i), zip, country: if uk { "GB" } else { "US" } }
}

#[test]
fn the_same_people_by_name_and_postal_code_match_without_an_email() {
    let dir = temp_dir("np-same");
    let (host, guest) = (dir.join("host.csv"), dir.join("guest.csv"));
    // Host: people 0..400; a US row leaves the country empty (the default, US, applies).
    write_csv(
        &host,
        "First Name,Last Name,ZIP,Country",
        (0..400).map(|i| {
            let p = person(i);
            format!("{},{},{},{}", p.first, p.last, p.zip, if p.country == "US" { "" } else { "GB" })
        }),
    );
    // Guest: people 200..600 as "Full name" (upper case, "Last, First" every third row,
    // accents decomposed, extra spaces), postcodes in lower case without spaces, ZIP+4 on
    // even US rows, country in lower case. Every tenth person (i % 10 == 7) has moved: the
    // same name at another ZIP code is another value.
    let moved = |i: usize| i % 10 == 7;
    write_csv(
        &guest,
        "Full name,Postcode,Country",
        (200..600).map(|i| {
            let p = person(i);
            let first = p.first.to_uppercase().replace('\u{cb}', "E\u{308}");
            let last = p.last.to_uppercase();
            let name = if i % 3 == 0 { format!("\"{last},  {first}\"") } else { format!("  {first}   {last} ") };
            let zip = match (p.country, moved(i)) {
                (_, true) => "99999".to_owned(),
                ("US", _) if i % 2 == 0 => format!("{}-{:04}", p.zip, i),
                _ => p.zip.to_lowercase().replace(' ', ""),
            };
            format!("{name},{zip},{}", p.country.to_lowercase())
        }),
    );
    let truth = (200..400).filter(|&i| !moved(i)).count();
    assert_eq!(truth, 180);
    let server = serve();
    let h = host.to_str().unwrap();
    let g = guest.to_str().unwrap();
    for preset in ["uid2", "google", "meta"] {
        let (a, b) = run_match(&server, &args(h, &["--preset", preset]), &args(g, &["--preset", preset]));
        assert_eq!(a["report_hash"], b["report_hash"]);
        assert_eq!(keys(&a), ["name_postal"], "{a}");
        assert_eq!(a["own_records"].as_u64(), Some(400));
        assert_eq!(a["own_matched"].as_u64(), Some(truth as u64), "{preset}: {a}");
        assert_eq!(b["own_matched"].as_u64(), Some(truth as u64), "{preset}: {b}");
        assert_eq!(a["by_key"]["name_postal"]["own_matched"].as_u64(), Some(truth as u64), "{a}");
    }
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys").join(name)
}

#[test]
fn a_file_of_postal_codes_or_names_alone_is_refused_with_its_reason() {
    let cases = [
        ("postal_only.csv", "a postal code without first and last names"),
        ("names_only.csv", "names without a postal code"),
        ("full_name_only.csv", "names without a postal code"),
    ];
    for (file, why) in cases {
        let path = fixture(file);
        let p = path.to_str().unwrap();
        let inspect = Command::new(BIN).args(["inspect", p, "--default-country", "US"]).output().unwrap();
        // Nothing is connected to: the file is refused before a relay is needed.
        let matching = Command::new(BIN).args(["match", "--relay", "ws://127.0.0.1:9", "--host", "--yes", "--file", p]).output().unwrap();
        for (what, out) in [("inspect", inspect), ("match", matching)] {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{what} {file} succeeded");
            assert!(stderr.contains(&format!("no usable key: {why}")), "{what} {file}: {stderr}");
            assert!(stderr.contains("[no-usable-key]"), "{what} {file}: {stderr}");
            assert!(out.stdout.is_empty(), "{what} {file}: no report");
        }
    }
}
