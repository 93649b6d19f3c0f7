//! A partner that breaks the protocol gets an error naming what it did, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod pair;

use cleanmatch::manifest::{Mode, Side};
use cleanmatch::psi::{KeyCounts, MatchKey, Party, PartyError, ProtocolViolation, PsiError, Secret};
use cleanmatch::wire::{Message, SetHeader};
use pair::*;

fn parties(mode: Mode) -> (Party, Party) {
    let m = manifest(mode, &["email"], 2);
    let host: Vec<Rec> = (0..50).map(|i| (None, vec![email(i)])).collect();
    let guest: Vec<Rec> = (25..75).map(|i| (None, vec![email(i)])).collect();
    let a = Party::new(Side::Host, m.clone(), Secret::random().unwrap(), own_set(&host, &m.keys)).unwrap();
    let b = Party::new(Side::Guest, m, Secret::random().unwrap(), own_set(&guest, &m_keys())).unwrap();
    (a, b)
}

fn m_keys() -> Vec<MatchKey> {
    vec![MatchKey::Email]
}

fn one() -> KeyCounts {
    KeyCounts::NONE.with(MatchKey::Email, 1)
}

/// Every message `p` would send, with its tasks run.
fn outbox(p: &mut Party) -> Vec<Message> {
    p.run_tasks().unwrap();
    std::iter::from_fn(|| p.poll_message()).collect()
}

fn protocol_error(r: Result<(), PartyError>) -> String {
    match r {
        Err(PartyError::Protocol(why)) => why.to_string(),
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[test]
fn out_of_order_and_undeclared_data_is_refused() {
    let (mut a, mut b) = parties(Mode::Aggregate);
    let msgs = outbox(&mut a);
    let header = msgs[0].clone();
    let points = msgs.iter().find(|m| matches!(m, Message::Points { .. })).unwrap().clone();
    // Points before the header.
    assert!(protocol_error(b.handle(points.clone())).contains("before the header"));
    // Structure before the header.
    assert!(protocol_error(b.handle(Message::Structure { seq: 0, records: vec![(0, one())] })).contains("before the header"));
    // Typed, not a string: a caller can tell the violations apart.
    assert_eq!(
        b.handle(Message::Structure { seq: 0, records: vec![(0, one())] }),
        Err(PartyError::Protocol(ProtocolViolation::StructureBeforeHeader))
    );
    b.handle(header.clone()).unwrap();
    // A second header.
    assert!(protocol_error(b.handle(header.clone())).contains("second set header"));
    // Points before the structure.
    let (_, mut b2) = parties(Mode::Aggregate);
    b2.handle(header.clone()).unwrap();
    assert!(protocol_error(b2.handle(points.clone())).contains("before the record structure"));
    // Structure out of order, with an undeclared group, or too long.
    let (_, mut b3) = parties(Mode::Aggregate);
    b3.handle(header.clone()).unwrap();
    assert!(protocol_error(b3.handle(Message::Structure { seq: 1, records: vec![(0, one())] })).contains("out of order"));
    assert!(protocol_error(b3.handle(Message::Structure { seq: 0, records: vec![(7, one())] })).contains("undeclared group"));
    let (_, mut b4) = parties(Mode::Aggregate);
    b4.handle(header.clone()).unwrap();
    assert!(protocol_error(b4.handle(Message::Structure { seq: 0, records: vec![(0, one()); 51] })).contains("more records"));
    // Structure that disagrees with the declared key counts.
    let (_, mut b5) = parties(Mode::Aggregate);
    b5.handle(header).unwrap();
    let mut wrong = vec![(0u16, one()); 50];
    wrong[0].1 = one().with(MatchKey::Phone, 1);
    assert!(b5.handle(Message::Structure { seq: 0, records: wrong }).is_err());
}

#[test]
fn headers_outside_the_agreement_are_refused() {
    let (_, mut b) = parties(Mode::Aggregate);
    let base = SetHeader { manifest_hash: [0; 32], records: 50, key_counts: [50, 0, 0, 0], groups: vec![("all".into(), 50)] };
    assert!(protocol_error(b.handle(Message::SetHeader(base.clone()))).contains("another manifest"));
    let good_hash = manifest(Mode::Aggregate, &["email"], 2).hash();
    let phone = SetHeader { manifest_hash: good_hash, key_counts: [50, 50, 0, 0], ..base.clone() };
    assert!(protocol_error(b.handle(Message::SetHeader(phone))).contains("outside the agreement"));
    let mut small = manifest(Mode::Aggregate, &["email"], 2);
    small.max_records = 10;
    let mut c = Party::new(Side::Guest, small.clone(), Secret::random().unwrap(), own_set(&[(None, vec![email(1)])], &m_keys())).unwrap();
    let big = SetHeader { manifest_hash: small.hash(), ..base };
    assert!(matches!(c.handle(Message::SetHeader(big)), Err(PartyError::TooLarge { .. })));
}

#[test]
fn invalid_points_too_many_points_and_bad_returns_are_errors() {
    let (mut a, mut b) = parties(Mode::Aggregate);
    let msgs = outbox(&mut a);
    for m in msgs.iter().filter(|m| !matches!(m, Message::Points { .. })) {
        b.handle(m.clone()).unwrap();
    }
    b.run_tasks().unwrap(); // b's own blinding
                            // The identity point in place of a blinded one.
    let mut bad = vec![0u8; 32 * 50];
    if let Some(Message::Points { points, .. }) = msgs.iter().find(|m| matches!(m, Message::Points { .. })) {
        bad.copy_from_slice(points);
        bad[64..96].copy_from_slice(&[0u8; 32]);
    }
    b.handle(Message::Points { key: MatchKey::Email, seq: 0, points: bad }).unwrap();
    let task = b.poll_task().unwrap();
    let result = task.run(b.secret());
    assert_eq!(result, Err(PsiError::InvalidPoint { index: 2 }));
    assert!(matches!(b.complete(task.id, result), Err(PartyError::Psi(_))));

    // More points than declared.
    let (mut a, mut b) = parties(Mode::Aggregate);
    let msgs = outbox(&mut a);
    for m in &msgs {
        b.handle(m.clone()).unwrap();
    }
    assert!(protocol_error(b.handle(Message::Points { key: MatchKey::Email, seq: 1, points: vec![1; 32] })).contains("more points"));
    // Returned values out of order, or more than were sent.
    assert!(protocol_error(b.handle(Message::Evaluated { key: MatchKey::Email, seq: 5, values: vec![0; 12] })).contains("out of order"));
    assert!(protocol_error(b.handle(Message::Evaluated { key: MatchKey::Email, seq: 0, values: vec![0; 12 * 51] })).contains("more values"));
    // Negotiation after the agreement; figures about another set; an unknown task.
    assert!(b.handle(Message::Propose("{}".into())).is_err());
    assert!(b.handle(Message::PartnerView { manifest_hash: [9; 32], json: "{}".into() }).is_err());
    assert!(b.complete(999_999, Ok(vec![])).is_err());
}

#[test]
fn a_different_report_hash_is_a_mismatch() {
    let m = manifest(Mode::Aggregate, &["email"], 2);
    let host: Vec<Rec> = (0..50).map(|i| (None, vec![email(i)])).collect();
    let mut a = Party::new(Side::Host, m.clone(), Secret::random().unwrap(), own_set(&host, &m.keys)).unwrap();
    let mut b = Party::new(Side::Guest, m, Secret::random().unwrap(), own_set(&host, &m_keys())).unwrap();
    let mut last = Ok(());
    for _ in 0..10 {
        a.run_tasks().unwrap();
        b.run_tasks().unwrap();
        while let Some(msg) = a.poll_message() {
            b.handle(msg).unwrap();
        }
        while let Some(msg) = b.poll_message() {
            let msg = if matches!(msg, Message::ReportHash(_)) { Message::ReportHash([1; 32]) } else { msg };
            last = a.handle(msg);
            if last.is_err() {
                break;
            }
        }
        if last.is_err() {
            break;
        }
    }
    assert_eq!(last, Err(PartyError::ReportMismatch));
    assert!(!a.confirmed());
}
