//! Two sessions through an in-memory frame pump: handshake, agreement, run, report,
//! tightening, mismatches, tampering and resumption after a drop.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pair;

use cleanmatch::manifest::{LocalRules, Manifest, Mode};
use cleanmatch::normalize::Preset;
use cleanmatch::psi::OwnSet;
use cleanmatch::seal::Invite;
use cleanmatch::session::{Event, Session};
use pair::*;

fn proposal(mode: Mode) -> Manifest {
    let mut m = manifest(mode, &["email", "phone"], 5);
    m.preset_fingerprint = Preset::named("uid2").unwrap().fingerprint();
    m
}

struct Side {
    s: Session,
    records: Vec<Rec<'static>>,
    events: Vec<Event>,
    held: Vec<String>,
    online: bool,
    /// Whether the person says the verification codes match as soon as they show.
    confirms_code: bool,
}

impl Side {
    fn set(&self, m: &Manifest) -> OwnSet {
        own_set(&self.records, &m.keys)
    }

    /// Runs tasks and reacts to events like a user who accepts everything.
    fn step(&mut self) {
        while let Some(t) = self.s.poll_task() {
            let r = t.run(self.s.secret().unwrap());
            let _ = self.s.complete(t.id, r);
        }
        while let Some(e) = self.s.poll_event() {
            match &e {
                Event::Connected { .. } if self.confirms_code => self.s.confirm_code().unwrap(),
                Event::Proposed(_) => {
                    let _ = self.s.accept(&self.held, None);
                }
                Event::Countered { .. } => self.s.confirm().unwrap(),
                Event::Agreed(m) => {
                    let set = self.set(m);
                    let _ = self.s.start(set);
                }
                _ => {}
            }
            self.events.push(e);
        }
    }
}

fn side(s: Session, records: Vec<Rec<'static>>, held: &[&str]) -> Side {
    Side { s, records, events: vec![], held: held.iter().map(|s| s.to_string()).collect(), online: true, confirms_code: true }
}

/// Moves frames both ways until nothing moves; `tamper` may rewrite host→guest frames.
fn pump(a: &mut Side, b: &mut Side, tamper: &mut dyn FnMut(Vec<u8>) -> Vec<Vec<u8>>) {
    for _ in 0..100_000 {
        a.step();
        b.step();
        let mut moved = false;
        while let Some(f) = a.s.poll_transmit() {
            moved = true;
            for f in tamper(f) {
                if b.online {
                    let _ = b.s.receive(&f);
                }
            }
        }
        while let Some(f) = b.s.poll_transmit() {
            moved = true;
            if a.online {
                let _ = a.s.receive(&f);
            }
        }
        if !moved && a.s.poll_task().is_none() && b.s.poll_task().is_none() {
            a.step();
            b.step();
            if a.s.poll_transmit().is_none() && b.s.poll_transmit().is_none() {
                return;
            }
        }
    }
}

fn pair(mode: Mode, host_n: std::ops::Range<usize>, guest_n: std::ops::Range<usize>, guest_rules: LocalRules) -> (Side, Side) {
    let invite = Invite::generate().unwrap();
    let host = Session::host(invite.clone(), LocalRules::default(), proposal(mode)).unwrap();
    let guest = Session::guest(Invite::parse(&format!("http://x/#{}", invite.fragment())).unwrap(), guest_rules);
    let recs = |r: std::ops::Range<usize>| r.map(|i| (None, vec![email(i), phone(i)])).collect::<Vec<Rec>>();
    let mut a = side(host, recs(host_n), &["email", "phone"]);
    let mut b = side(guest, recs(guest_n), &["email", "phone"]);
    a.s.peer_joined().unwrap();
    b.s.peer_joined().unwrap();
    (a, b)
}

fn finished(s: &Side) -> bool {
    s.events.iter().any(|e| matches!(e, Event::Finished))
}

fn failure(s: &Side) -> Option<(&'static str, String)> {
    s.events.iter().find_map(|e| match e {
        Event::Failed { code, message } => Some((*code, message.clone())),
        _ => None,
    })
}

#[test]
fn two_sessions_agree_match_and_confirm() {
    let (mut a, mut b) = pair(Mode::Audience, 0..300, 200..600, LocalRules::default());
    pump(&mut a, &mut b, &mut |f| vec![f]);
    assert!(finished(&a) && finished(&b), "{:?} {:?}", failure(&a), failure(&b));
    let code = |s: &Side| s.events.iter().find_map(|e| match e {
        Event::Connected { verification_code } => Some(verification_code.clone()),
        _ => None,
    });
    assert_eq!(code(&a), code(&b));
    assert_eq!(a.s.report().unwrap(), b.s.report().unwrap());
    assert_eq!(a.s.report().unwrap().figures.host.matched, Some(100));
    assert_eq!(a.s.matched_rows().unwrap(), (200..300).collect::<Vec<u32>>());
}

#[test]
fn the_guest_tightens_and_the_host_sees_what_changed() {
    let strict = LocalRules { min_k: 20, allow_audience: false, ..LocalRules::default() };
    let (mut a, mut b) = pair(Mode::Audience, 0..300, 200..600, strict);
    pump(&mut a, &mut b, &mut |f| vec![f]);
    let changes = a.events.iter().find_map(|e| match e {
        Event::Countered { changes, .. } => Some(changes.join("; ")),
        _ => None,
    });
    let changes = changes.expect("the host is shown the tightened manifest");
    assert!(changes.contains("threshold k 5 → 20") && changes.contains("aggregate"), "{changes}");
    assert!(finished(&a) && finished(&b));
    assert_eq!(a.s.manifest().unwrap().k, 20);
    assert_eq!(a.s.matched_rows(), None, "audience was refused by the guest");
}

#[test]
fn a_preset_mismatch_says_what_differs_on_both_sides() {
    let invite = Invite::generate().unwrap();
    let mut m = proposal(Mode::Aggregate);
    m.preset_fingerprint = "0000".into();
    let mut a = side(Session::host(invite.clone(), LocalRules::default(), m).unwrap(), vec![], &["email"]);
    let mut b = side(Session::guest(invite, LocalRules::default()), vec![], &["email"]);
    a.s.peer_joined().unwrap();
    b.s.peer_joined().unwrap();
    pump(&mut a, &mut b, &mut |f| vec![f]);
    let (code, message) = failure(&b).unwrap();
    assert_eq!(code, "preset-mismatch");
    assert!(message.contains("0000"), "{message}");
    let (code, message) = failure(&a).unwrap();
    assert_eq!(code, "partner-aborted");
    assert!(message.contains("preset"), "{message}");
}

#[test]
fn a_too_small_partner_set_is_refused() {
    let invite = Invite::generate().unwrap();
    let mut m = proposal(Mode::Aggregate);
    m.min_records = 100;
    let host = Session::host(invite.clone(), LocalRules::default(), m).unwrap();
    let recs = |r: std::ops::Range<usize>| r.map(|i| (None, vec![email(i)])).collect::<Vec<Rec>>();
    let mut a = side(host, recs(0..200), &["email"]);
    let mut b = side(Session::guest(invite, LocalRules::default()), recs(0..10), &["email"]);
    a.s.peer_joined().unwrap();
    b.s.peer_joined().unwrap();
    pump(&mut a, &mut b, &mut |f| vec![f]);
    assert_eq!(failure(&b).unwrap().0, "set-too-small");
    assert!(failure(&a).is_some());
}

#[test]
fn a_wrong_invite_never_connects() {
    let host = Session::host(Invite::generate().unwrap(), LocalRules::default(), proposal(Mode::Aggregate)).unwrap();
    let guest = Session::guest(Invite::generate().unwrap(), LocalRules::default());
    let mut a = side(host, vec![], &["email"]);
    let mut b = side(guest, vec![], &["email"]);
    a.s.peer_joined().unwrap();
    b.s.peer_joined().unwrap();
    pump(&mut a, &mut b, &mut |f| vec![f]);
    assert_eq!(failure(&b).unwrap().0, "seal");
    assert!(!a.events.iter().any(|e| matches!(e, Event::Connected { .. })));
}

#[test]
fn forged_frames_end_the_session_and_replays_are_ignored() {
    // Flip a bit in the 6th host→guest frame.
    let (mut a, mut b) = pair(Mode::Aggregate, 0..100, 50..150, LocalRules::default());
    let mut n = 0;
    pump(&mut a, &mut b, &mut |mut f: Vec<u8>| {
        n += 1;
        if n == 6 {
            let last = f.len() - 1;
            f[last] ^= 1;
        }
        vec![f]
    });
    assert_eq!(failure(&b).unwrap().0, "seal");
    assert!(!finished(&a));

    // Deliver every host→guest frame twice: duplicates are ignored, the run completes.
    let (mut a, mut b) = pair(Mode::Aggregate, 0..100, 50..150, LocalRules::default());
    pump(&mut a, &mut b, &mut |f: Vec<u8>| vec![f.clone(), f]);
    assert!(finished(&a) && finished(&b));
}

#[test]
fn a_dropped_connection_resumes_without_resending_everything() {
    let (mut a, mut b) = pair(Mode::Aggregate, 0..40_000, 20_000..60_000, LocalRules::default());
    // Let the run start, then lose everything the host sends for a while.
    let mut n = 0usize;
    let mut lost = 0usize;
    pump(&mut a, &mut b, &mut |f: Vec<u8>| {
        n += 1;
        if (8..14).contains(&n) {
            lost += 1;
            vec![]
        } else {
            vec![f]
        }
    });
    assert!(lost > 0);
    assert!(!finished(&b), "the guest is stuck waiting for the lost frames");
    // The relay reports the reconnect to both sides; they resume.
    a.s.peer_joined().unwrap();
    b.s.peer_joined().unwrap();
    pump(&mut a, &mut b, &mut |f| vec![f]);
    assert!(finished(&a) && finished(&b), "{:?} {:?}", failure(&a), failure(&b));
    assert_eq!(a.s.report().unwrap().figures.guest.matched, Some(20_000));
}

#[test]
fn nothing_is_proposed_or_accepted_before_both_people_compared_the_code() {
    let (mut a, mut b) = pair(Mode::Aggregate, 0..100, 50..150, LocalRules::default());
    a.confirms_code = false;
    b.confirms_code = false;
    pump(&mut a, &mut b, &mut |f| vec![f]);
    let code = |s: &Side| {
        s.events.iter().find_map(|e| match e {
            Event::Connected { verification_code } => Some(verification_code.clone()),
            _ => None,
        })
    };
    assert!(code(&a).is_some() && code(&a) == code(&b));
    // The host has not confirmed: its proposal has not gone out.
    assert!(!b.events.iter().any(|e| matches!(e, Event::Proposed(_))));
    a.s.confirm_code().unwrap();
    pump(&mut a, &mut b, &mut |f| vec![f]);
    assert!(b.events.iter().any(|e| matches!(e, Event::Proposed(_))));
    // The guest has not confirmed: it cannot accept.
    let err = b.s.accept(&b.held, None).unwrap_err();
    assert_eq!(err.code(), "state");
    assert!(err.to_string().contains("verification code"), "{err}");
    assert!(!finished(&a));
    b.s.confirm_code().unwrap();
    b.s.accept(&b.held.clone(), None).unwrap();
    pump(&mut a, &mut b, &mut |f| vec![f]);
    assert!(finished(&a) && finished(&b), "{:?} {:?}", failure(&a), failure(&b));
}

#[test]
fn a_drop_during_the_handshake_resumes() {
    // Each handshake frame the host sends is lost once in turn (its commit, then its
    // hello): the relay reports the reconnect, both resend, and the run completes
    // instead of failing with "control frame before the handshake".
    for lose in 1..=2 {
        let (mut a, mut b) = pair(Mode::Aggregate, 0..100, 50..150, LocalRules::default());
        let mut n = 0;
        pump(&mut a, &mut b, &mut |f: Vec<u8>| {
            n += 1;
            if n == lose {
                vec![]
            } else {
                vec![f]
            }
        });
        assert!(!finished(&b), "frame {lose} was lost");
        assert_eq!(failure(&a), None, "frame {lose}");
        assert_eq!(failure(&b), None, "frame {lose}");
        a.s.peer_joined().unwrap();
        b.s.peer_joined().unwrap();
        pump(&mut a, &mut b, &mut |f| vec![f]);
        assert!(finished(&a) && finished(&b), "frame {lose}: {:?} {:?}", failure(&a), failure(&b));
        assert_eq!(a.s.report().unwrap().figures.guest.matched, Some(50));
    }
}
