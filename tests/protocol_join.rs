//! The join outside the core (`Party::match_outside`, what the Spark driver uses): a
//! join computed here by plain comparison, independently of the core's hash maps, gives
//! the same outcome as `JoinOutcome::compute` and the same report (same hash) as the
//! in-memory run; audience rows match; an outcome that does not fit is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod pair;

use cleanmatch::manifest::{Mode, Side};
use cleanmatch::psi::{JoinInput, JoinOutcome, MatchKey, Party, PartyError, ProtocolViolation, Secret, UNMATCHED, VALUE_LEN};
use cleanmatch::wire::Message;
use pair::*;

/// The join by comparing every pair of values (quadratic; small sets only).
fn naive(input: &JoinInput) -> JoinOutcome {
    let mut out = JoinOutcome::default();
    for k in 0..MatchKey::COUNT {
        let own: Vec<&[u8]> = input.own[k].chunks(VALUE_LEN).collect();
        let theirs: Vec<&[u8]> = input.partner[k].chunks(VALUE_LEN).collect();
        for (i, v) in theirs.iter().enumerate() {
            let groups = own.iter().zip(&input.own_groups[k]).filter(|(o, _)| *o == v).map(|(_, g)| *g);
            out.partner_group[k].push(groups.min().unwrap_or(UNMATCHED));
            out.partner_first[k].push(!theirs[..i].contains(v));
        }
        for (j, v) in own.iter().enumerate() {
            out.own_matched[k].push(theirs.contains(v));
            out.own_first[k].push(!own[..j].contains(v));
        }
    }
    out
}

/// As `run_pair`, with the host joining outside the core through `naive`.
fn run_outside(m: &cleanmatch::manifest::Manifest, host: &[Rec<'_>], guest: &[Rec<'_>]) -> Result<(Party, Party), PartyError> {
    let mut a = Party::new(Side::Host, m.clone(), Secret::random().unwrap(), own_set(host, &m.keys))?;
    a.match_outside();
    let mut b = Party::new(Side::Guest, m.clone(), Secret::random().unwrap(), own_set(guest, &m.keys))?;
    let mut joins = 0;
    loop {
        let mut moved = false;
        a.run_tasks()?;
        b.run_tasks()?;
        if let Some(input) = a.take_join() {
            let outcome = naive(&input);
            assert_eq!(outcome, JoinOutcome::compute(&input, true), "the core's in-memory join");
            assert!(a.take_join().is_none(), "handed out once");
            a.complete_join(outcome)?;
            joins += 1;
            moved = true;
        }
        while let Some(msg) = a.poll_message() {
            b.handle(Message::decode(&msg.encode()).unwrap())?;
            moved = true;
        }
        while let Some(msg) = b.poll_message() {
            a.handle(Message::decode(&msg.encode()).unwrap())?;
            moved = true;
        }
        if !moved {
            break;
        }
    }
    assert_eq!(joins, 1);
    Ok((a, b))
}

/// Records with 0–3 emails and 0–2 phones from small pools (values repeat within and
/// across records), in three groups, one of them small (merged into "(other)" at k = 5).
fn side(seed: u64, n: usize, pool: u64) -> Vec<Rec<'static>> {
    let mut x = seed;
    let mut next = move |below: u64| {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) % below
    };
    let mut out = Vec::new();
    while out.len() < n {
        let mut vals = Vec::new();
        for _ in 0..next(4) {
            vals.push(email(next(pool) as usize));
        }
        for _ in 0..next(3) {
            vals.push(phone(next(pool) as usize));
        }
        if !vals.is_empty() {
            let group = ["north", "south", "tiny"][if next(50) == 0 { 2 } else { next(2) as usize }];
            out.push((Some(group.to_string()), vals));
        }
    }
    out
}

#[test]
fn a_join_outside_the_core_gives_the_same_report() {
    for (seed, k) in [(1, 1), (2, 5), (3, 20)] {
        let (host, guest) = (side(seed, 400, 700), side(seed + 100, 300, 700));
        let m = manifest(Mode::Aggregate, &["email", "phone"], k);
        let (inside, _) = run_pair(&m, &host, &guest).unwrap();
        let (outside, guest_party) = run_outside(&m, &host, &guest).unwrap();
        assert!(outside.confirmed() && guest_party.confirmed());
        let (want, got) = (inside.report().unwrap(), outside.report().unwrap());
        assert_eq!(got.hash, want.hash, "seed {seed}: same figures, same hash");
        assert_eq!(got, want);
    }
}

#[test]
fn audience_rows_come_from_the_outside_join() {
    let ungrouped = |v: Vec<Rec<'static>>| v.into_iter().map(|(_, vals)| (None, vals)).collect::<Vec<Rec>>();
    let (host, guest) = (ungrouped(side(7, 300, 500)), ungrouped(side(8, 300, 500)));
    let m = manifest(Mode::Audience, &["email", "phone"], 1);
    let (inside, _) = run_pair(&m, &host, &guest).unwrap();
    let (outside, _) = run_outside(&m, &host, &guest).unwrap();
    let rows = outside.matched_rows().unwrap();
    assert!(!rows.is_empty());
    assert_eq!(rows, inside.matched_rows().unwrap());
    assert_eq!(outside.report().unwrap().hash, inside.report().unwrap().hash);
}

#[test]
fn with_noise_the_outside_join_completes_and_agrees() {
    let (host, guest) = (side(11, 300, 400), side(12, 300, 400));
    let mut m = manifest(Mode::Aggregate, &["email", "phone"], 5);
    m.output.epsilon = Some(cleanmatch::report::Epsilon::parse("1").unwrap());
    let (a, b) = run_outside(&m, &host, &guest).unwrap();
    assert!(a.confirmed() && b.confirmed());
    assert_eq!(a.report().unwrap().hash, b.report().unwrap().hash);
}

#[test]
fn an_outcome_that_does_not_fit_is_refused() {
    let (host, guest) = (side(21, 100, 200), side(22, 100, 200));
    let m = manifest(Mode::Aggregate, &["email", "phone"], 1);
    let bad = |f: &dyn Fn(&mut JoinOutcome)| {
        let mut a = Party::new(Side::Host, m.clone(), Secret::random().unwrap(), own_set(&host, &m.keys)).unwrap();
        a.match_outside();
        assert_eq!(a.complete_join(JoinOutcome::default()), Err(ProtocolViolation::JoinOutcome.into()), "nothing handed out yet");
        let mut b = Party::new(Side::Guest, m.clone(), Secret::random().unwrap(), own_set(&guest, &m.keys)).unwrap();
        for _ in 0..20 {
            a.run_tasks().unwrap();
            b.run_tasks().unwrap();
            while let Some(msg) = a.poll_message() {
                b.handle(msg).unwrap();
            }
            while let Some(msg) = b.poll_message() {
                a.handle(msg).unwrap();
            }
            if let Some(input) = a.take_join() {
                let mut outcome = naive(&input);
                f(&mut outcome);
                return a.complete_join(outcome);
            }
        }
        panic!("no join handed out");
    };
    let email = MatchKey::Email.index();
    assert_eq!(bad(&|o| o.partner_group[email].pop().map(drop).unwrap()), Err(ProtocolViolation::JoinOutcome.into()));
    assert_eq!(bad(&|o| o.own_matched[email].push(true)), Err(ProtocolViolation::JoinOutcome.into()));
    // Own groups: aggregate mode with one group ("all" is not given: groups north/south/tiny
    // merge at k = 1 into three); 9 is none of them.
    assert_eq!(bad(&|o| o.partner_group[email][0] = 9), Err(ProtocolViolation::JoinOutcome.into()));
    assert_eq!(bad(&|_| ()), Ok(()));
}
