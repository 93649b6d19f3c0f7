//! Issue 11's attacks at the protocol level, and the disclosure rule and its auditor on
//! the reports two real parties produce.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pair;

use cleanmatch::manifest::{Manifest, Mode, Side};
use cleanmatch::psi::{KeyMask, MatchKey, Party, PartyError, Secret};
use cleanmatch::report::audit::audit;
use cleanmatch::report::{Epsilon, OutputRules, Report};
use cleanmatch::wire::Message;
use pair::*;
use proptest::prelude::*;

fn rec(group: &str, i: usize) -> Rec<'static> {
    (Some(group.to_string()), vec![email(i)])
}

/// Runs both parties like `run_pair` and returns every frame each side sent, encoded.
fn run_capturing(m: &Manifest, host: &[Rec<'_>], guest: &[Rec<'_>]) -> (Party, Party, Vec<u8>, Vec<u8>) {
    let mut a = Party::new(Side::Host, m.clone(), Secret::random().unwrap(), own_set(host, &m.keys)).unwrap();
    let mut b = Party::new(Side::Guest, m.clone(), Secret::random().unwrap(), own_set(guest, &m.keys)).unwrap();
    let (mut from_a, mut from_b) = (Vec::new(), Vec::new());
    loop {
        let mut moved = false;
        a.run_tasks().unwrap();
        b.run_tasks().unwrap();
        while let Some(msg) = a.poll_message() {
            let bytes = msg.encode();
            from_a.extend_from_slice(&bytes);
            b.handle(Message::decode(&bytes).unwrap()).unwrap();
            moved = true;
        }
        while let Some(msg) = b.poll_message() {
            let bytes = msg.encode();
            from_b.extend_from_slice(&bytes);
            a.handle(Message::decode(&bytes).unwrap()).unwrap();
            moved = true;
        }
        if !moved {
            break;
        }
    }
    (a, b, from_a, from_b)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn grouped(k: u32) -> Manifest {
    let mut m = manifest(Mode::Aggregate, &["email"], k);
    m.host_group = Some("segment".into());
    m.guest_group = Some("segment".into());
    m
}

/// Every published group or cell figure of the report, as (label, value).
fn published(r: &Report) -> Vec<(String, u64)> {
    let f = &r.figures;
    let mut out = Vec::new();
    for (side, v) in [("host", &f.host), ("guest", &f.guest)] {
        out.extend(v.matched.map(|m| (format!("{side} matched"), m)));
        out.extend(v.groups.iter().filter_map(|g| g.matched.map(|m| (format!("{side} {}", g.label), m))));
        out.extend(v.cells.iter().filter_map(|c| c.matched.map(|m| (format!("{side} {}×{}", c.group, c.partner_group), m))));
    }
    out
}

#[test]
fn own_singleton_group_no_longer_reveals_membership() {
    // The host puts one person (id 5000) alone in a group; 200 others in "north", of
    // which the guest holds 100. Before the fix: matched 101 = north 100 + (other) "< k".
    let k = 50;
    let mut host: Vec<Rec> = (0..200).map(|i| rec("north", i)).collect();
    host.push(rec("target", 5000));
    let mut figures = Vec::new();
    for target_in_guest in [true, false] {
        let mut guest: Vec<Rec> = (100..200).map(|i| rec("all", i)).collect();
        guest.extend((9000..9300).map(|i| rec("all", i)));
        if target_in_guest {
            guest.push(rec("all", 5000));
        }
        let (a, b, from_host, _) = run_capturing(&grouped(k), &host, &guest);
        let r = a.report().unwrap();
        assert_eq!(r, b.report().unwrap());
        pair::assert_audit_passes(r);
        assert!(!contains(&from_host, "target"), "a group under k never leaves the machine");
        let labels: Vec<&str> = r.figures.host.groups.iter().map(|g| g.label.as_str()).collect();
        assert_eq!(labels, vec!["(other)"], "(other) took north with it to reach k");
        figures.push(published(r));
    }
    // The figures differ only in the totals (101 vs 100 matched of 201 records), which
    // no published figure about a subset without the target lets one split.
    let (with, without) = (&figures[0], &figures[1]);
    for ((l1, v1), (l2, v2)) in with.iter().zip(without) {
        assert_eq!(l1, l2);
        if v1 != v2 {
            assert_eq!(v1 - v2, 1, "{l1}");
            assert!(l1.contains("matched") || l1.contains("(other)") || l1.contains("all"), "{l1} covers the whole set");
        }
    }
    assert!(!with.iter().any(|(l, _)| l.contains("north")), "no figure about north without the target: {with:?}");
}

#[test]
fn partner_singleton_segment_is_not_revealed() {
    // An honest guest with a natural segment of one customer. The host holds all of
    // "north" and "south" and that customer; before the fix, guest matched 201 − north
    // 100 − south 100 gave the lone customer's segment away.
    let k = 50;
    let host: Vec<Rec> = (0..201).map(|i| rec("all", i)).chain((7000..7100).map(|i| rec("all", i))).collect();
    let mut guest: Vec<Rec> = (0..100).map(|i| rec("north", i)).collect();
    guest.extend((100..200).map(|i| rec("south", i)));
    guest.push(rec("solo", 200));
    guest.extend((8000..8100).map(|i| rec("east", i)));
    let (a, b, _, from_guest) = run_capturing(&grouped(k), &host, &guest);
    let r = a.report().unwrap();
    assert_eq!(r, b.report().unwrap());
    pair::assert_audit_passes(r);
    assert!(!contains(&from_guest, "solo"), "the lone segment's label never leaves the guest");
    let labels: Vec<&str> = r.figures.guest.groups.iter().map(|g| g.label.as_str()).collect();
    assert!(!labels.contains(&"solo"));
    let other = r.figures.guest.groups.iter().find(|g| g.label == "(other)").unwrap();
    assert!(other.records >= u64::from(k), "(other) holds at least k records");
}

#[test]
fn subtraction_from_the_total_is_blocked_by_a_complement() {
    // Guest groups a 100, b 100, c 60 (all ≥ k); matched a 80, b 70, c 3. Publishing
    // total 153, a and b would give c = 3: one more figure must be hidden.
    let k = 50;
    let host: Vec<Rec> = (0..80).chain(100..170).chain(200..203).map(|i| rec("all", i)).collect();
    let mut guest: Vec<Rec> = (0..100).map(|i| rec("a", i)).collect();
    guest.extend((100..200).map(|i| rec("b", i)));
    guest.extend((200..260).map(|i| rec("c", i)));
    let (a, _) = run_pair(&grouped(k), &host, &guest).unwrap();
    let r = a.report().unwrap().clone();
    let g = |r: &Report, l: &str| r.figures.guest.groups.iter().find(|g| g.label == l).unwrap().matched;
    assert_eq!(g(&r, "c"), None);
    assert_eq!(g(&r, "b"), None, "the smallest figure on the line (b) is the complement: {:?}", r.figures.guest);
    assert_eq!(g(&r, "a"), Some(80));
    assert_eq!(r.figures.guest.matched, Some(153));
    // The same report with the complement published leaks c exactly: the auditor says so.
    let mut leaky = r.clone();
    for grp in leaky.figures.guest.groups.iter_mut().filter(|g| g.label == "b") {
        grp.matched = Some(70);
    }
    let leak = audit(&leaky.figures).unwrap_err();
    assert!(leak.to_string().contains("'c'"), "{leak}");
    assert_eq!((leak.lo, leak.hi), (3, 3));
}

#[test]
fn a_partner_view_under_k_ends_the_run() {
    // A guest that skips suppression: its view of the host's records claims 3 matched.
    let m = grouped(2);
    let host: Vec<Rec> = (0..100).map(|i| rec("all", i)).collect();
    let guest: Vec<Rec> = (0..100).map(|i| rec("all", i)).collect();
    let mut a = Party::new(Side::Host, m.clone(), Secret::random().unwrap(), own_set(&host, &m.keys)).unwrap();
    let mut b = Party::new(Side::Guest, m.clone(), Secret::random().unwrap(), own_set(&guest, &m.keys)).unwrap();
    let mut m50 = m.clone();
    m50.k = 50;
    let mut err = None;
    'run: loop {
        let mut moved = false;
        a.run_tasks().unwrap();
        b.run_tasks().unwrap();
        while let Some(msg) = a.poll_message() {
            b.handle(msg).unwrap();
            moved = true;
        }
        while let Some(msg) = b.poll_message() {
            let msg = match msg {
                Message::PartnerView { manifest_hash, json } => {
                    let mut view: serde_json::Value = serde_json::from_str(&json).unwrap();
                    view["groups"][0]["matched"] = serde_json::json!(1);
                    Message::PartnerView { manifest_hash, json: view.to_string() }
                }
                other => other,
            };
            if let Err(e) = a.handle(msg) {
                err = Some(e);
                break 'run;
            }
            moved = true;
        }
        if !moved {
            break;
        }
    }
    let err = err.expect("the host refuses the view");
    assert!(matches!(err, PartyError::InvalidReport(_)), "{err}");
    assert!(err.to_string().contains("under k"), "{err}");
}

#[test]
fn identifier_breakdown_columns_are_refused() {
    let m = grouped(2);
    let by_email: Vec<Rec> = (0..100).map(|i| (Some(format!("person{i}@example.com")), vec![email(i)])).collect();
    let err = Party::new(Side::Host, m.clone(), Secret::random().unwrap(), own_set(&by_email, &m.keys)).err().unwrap();
    assert!(matches!(&err, PartyError::Breakdown(e) if e.code() == "breakdown-identifier"), "{err}");
    let unique: Vec<Rec> = (0..100).map(|i| (Some(format!("c{i}")), vec![email(i)])).collect();
    let err = Party::new(Side::Host, m, Secret::random().unwrap(), own_set(&unique, &[MatchKey::Email])).err().unwrap();
    assert!(err.to_string().contains("occur once"), "{err}");
}

#[test]
fn noise_is_drawn_once_and_both_sides_hash_it() {
    let mut m = grouped(20);
    m.output = OutputRules { epsilon: Some(Epsilon::parse("1").unwrap()), pair: false };
    let host: Vec<Rec> = (0..1000).map(|i| rec(if i % 2 == 0 { "x" } else { "y" }, i)).collect();
    let guest: Vec<Rec> = (500..1500).map(|i| rec("all", i)).collect();
    let (a, b) = run_pair(&m, &host, &guest).unwrap();
    let (ra, rb) = (a.report().unwrap(), b.report().unwrap());
    assert!(a.confirmed() && b.confirmed(), "both hash the same noised figures");
    assert_eq!(ra, rb);
    let noise = ra.figures.noise.unwrap();
    assert_eq!(noise.sensitivity, 13);
    let m_host = ra.figures.host.matched.unwrap();
    // 500 true; scale 13: 23 scales out is a chance of about e^-23.
    assert!(m_host.abs_diff(500) < 300, "{m_host}");
    // Every record matched: noise above the group size is clamped, so the partner's
    // check (no more matched than records) never refuses an honest noised view.
    let all: Vec<Rec> = (0..300).map(|i| rec("all", i)).collect();
    for _ in 0..4 {
        let (a, _) = run_pair(&m, &all, &all).unwrap();
        assert!(a.report().unwrap().figures.host.matched.is_some_and(|v| v <= 300));
    }
    let rule = &ra.rule;
    assert!(rule["text"].as_str().unwrap().contains("discrete Laplace"), "{rule}");
}

#[test]
fn pair_rules_round_and_cap_rates() {
    let mut m = manifest(Mode::Aggregate, &["email"], 50);
    m.output = OutputRules { epsilon: None, pair: true };
    m.min_records = 1000;
    let host: Vec<Rec> = (0..1000).map(|i| rec("all", i)).collect();
    let guest: Vec<Rec> = (0..900).chain(5000..5100).map(|i| rec("all", i)).collect();
    let (a, _) = run_pair(&m, &host, &guest).unwrap();
    let out = a.report().unwrap().for_side(Side::Host);
    assert_eq!(out["own_match_rate_shown"], ">85%", "{out}");
    let mut small = m.clone();
    small.min_records = 10;
    assert!(small.validate().is_err(), "PAIR needs the minimum list size");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random group structures with adversarial singletons on both sides: the report
    /// always passes the auditor, and nothing under k is published.
    #[test]
    fn random_groups_always_pass_the_auditor(
        host_groups in proptest::collection::vec((0usize..4, 0usize..3), 60..260),
        guest_extra in proptest::collection::vec(0usize..3, 0..120),
        singletons in 0usize..3,
        k in 5u32..30,
    ) {
        // Person i is in the host file (with a group) and, if i % 3 != 0, in the guest's.
        let mut host: Vec<Rec> = Vec::new();
        let mut guest: Vec<Rec> = Vec::new();
        for (i, (hg, gg)) in host_groups.iter().enumerate() {
            host.push(rec(&format!("h{hg}"), i));
            if i % 3 != 0 {
                guest.push(rec(&format!("g{gg}"), i));
            }
        }
        for (j, gg) in guest_extra.iter().enumerate() {
            guest.push(rec(&format!("g{gg}"), 100_000 + j));
        }
        for s in 0..singletons {
            host.push(rec(&format!("lone{s}"), 1_000 + s));
            guest.push(rec(&format!("alone{s}"), 1_000 + s));
        }
        let m = grouped(k);
        let (a, b) = run_pair(&m, &host, &guest).unwrap();
        let r = a.report().unwrap();
        prop_assert_eq!(r, b.report().unwrap());
        prop_assert!(audit(&r.figures).is_ok());
        for g in r.figures.host.groups.iter().chain(&r.figures.guest.groups) {
            prop_assert!(g.records >= u64::from(k) || r.figures.host.groups.len() == 1 || r.figures.guest.groups.len() == 1);
            prop_assert!(!g.label.starts_with("lone") && !g.label.starts_with("alone"));
        }
    }
}

#[test]
fn the_stricter_budget_wins_and_cannot_be_loosened() {
    use cleanmatch::manifest::LocalRules;
    let eps = |s: &str| Some(Epsilon::parse(s).unwrap());
    let mut proposal = manifest(Mode::Aggregate, &["email"], 50);
    proposal.output.epsilon = eps("1");
    let local = LocalRules { output: OutputRules { epsilon: eps("0.5"), pair: true }, ..LocalRules::default() };
    let counter = proposal.tighten(&local, KeyMask::NONE.with(MatchKey::Email), None).unwrap();
    assert_eq!(counter.output.epsilon, eps("0.5"));
    assert!(counter.output.pair && counter.min_records >= 1000, "PAIR brings its minimum list size");
    proposal.check_counter(&counter).unwrap();
    let json = counter.to_json();
    assert!(json.contains(r#""epsilon":"0.5""#) && json.contains(r#""pair":true"#), "{json}");
    let mut looser = counter.clone();
    looser.output.epsilon = eps("2");
    assert!(proposal.check_counter(&looser).unwrap_err().to_string().contains("privacy budget"));
    looser.output.epsilon = None;
    assert!(proposal.check_counter(&looser).is_err(), "dropping the noise loosens");
    // Without output rules the manifest JSON (and hash) is as before.
    assert!(!manifest(Mode::Aggregate, &["email"], 50).to_json().contains("epsilon"));
}

#[test]
fn cleanmatch_audit_passes_a_report_and_fails_one_edited_to_leak() {
    // The same attack as above, through the command a compliance reviewer runs on a
    // page's JSON download (`{report: {...}}`) or a report itself.
    let k = 50;
    let host: Vec<Rec> = (0..80).chain(100..170).chain(200..203).map(|i| rec("all", i)).collect();
    let mut guest: Vec<Rec> = (0..100).map(|i| rec("a", i)).collect();
    guest.extend((100..200).map(|i| rec("b", i)));
    guest.extend((200..260).map(|i| rec("c", i)));
    let (a, _) = run_pair(&grouped(k), &host, &guest).unwrap();
    let report = serde_json::to_value(a.report().unwrap()).unwrap();
    let dir = std::env::temp_dir().join(format!("cleanmatch-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |name: &str, json: &serde_json::Value| {
        let path = dir.join(name);
        std::fs::write(&path, json.to_string()).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cleanmatch")).arg("audit").arg(&path).output().unwrap();
        (out.status.code(), serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default())
    };
    let (code, out) = run("download.json", &serde_json::json!({ "side": "host", "report": report }));
    assert_eq!(code, Some(0), "{out}");
    assert_eq!((out["audit"].as_str(), out["model"].as_str(), out["hash"].as_str()), (Some("pass"), Some("joint"), Some("matches")));
    assert_eq!(out["suppressed"], 2, "c and its complement b");
    assert_eq!(run("report.json", &report).0, Some(0), "a bare report too");
    // The complement b shown: c = 153 − 80 − 70 exactly.
    let mut leaky = report.clone();
    for g in leaky["figures"]["guest"]["groups"].as_array_mut().unwrap() {
        if g["label"] == "b" {
            g["matched"] = 70.into();
        }
    }
    let (code, out) = run("leaky.json", &leaky);
    assert_eq!(code, Some(1), "{out}");
    assert!(out["leak"].as_str().unwrap().contains("'c'"), "{out}");
    assert_eq!(out["hash"], "differs");
    // Not a report: exit 2.
    assert_eq!(run("other.json", &serde_json::json!({ "rows": 3 })).0, Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}
