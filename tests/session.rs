//! Two sessions through an in-memory frame pump: handshake, agreement, run, report,
//! tightening, mismatches, tampering and resumption after a drop.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pair;

use cleanmatch::manifest::{Change, LocalRules, Manifest, Mode};
use cleanmatch::normalize::Preset;
use cleanmatch::psi::{KeyMask, OwnSet};
use cleanmatch::seal::Invite;
use cleanmatch::session::{Event, Origin, Session};
use cleanmatch::wire::Message;
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
    held: KeyMask,
    online: bool,
    /// Whether the person says the verification codes match as soon as they show.
    confirms_code: bool,
}

impl Side {
    /// Every key the records hold, as a driver hands them in: the session cuts them to
    /// the agreed keys.
    fn set(&self, _agreed: &Manifest) -> OwnSet {
        own_set(&self.records, &ALL_KEYS)
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
                Event::Proposed { manifest, .. } => {
                    let _ = self.s.accept(&manifest.hash(), self.held, None);
                }
                Event::Countered { .. } => self.s.confirm().unwrap(),
                Event::Agreed { manifest: m } => {
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
    Side { s, records, events: vec![], held: held.iter().map(|s| key(s)).collect(), online: true, confirms_code: true }
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
    failure_from(s).map(|(code, message, _)| (code, message))
}

fn failure_from(s: &Side) -> Option<(&'static str, String, Origin)> {
    s.events.iter().find_map(|e| match e {
        Event::Failed { code, message, origin } => Some((*code, message.clone(), *origin)),
        _ => None,
    })
}

#[test]
fn two_sessions_agree_match_and_confirm() {
    let (mut a, mut b) = pair(Mode::Audience, 0..300, 200..600, LocalRules::default());
    pump(&mut a, &mut b, &mut |f| vec![f]);
    assert!(finished(&a) && finished(&b), "{:?} {:?}", failure(&a), failure(&b));
    let code = |s: &Side| {
        s.events.iter().find_map(|e| match e {
            Event::Connected { verification_code } => Some(verification_code.clone()),
            _ => None,
        })
    };
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
        Event::Countered { changes, .. } => Some(changes.clone()),
        _ => None,
    });
    let changes = changes.expect("the host is shown the tightened manifest");
    // Fields, not sentences: rule, from, to.
    assert!(changes.contains(&Change::K { from: 5, to: 20 }), "{changes:?}");
    assert!(changes.contains(&Change::Mode { from: Mode::Audience, to: Mode::Aggregate }), "{changes:?}");
    let json = serde_json::to_value(&changes).unwrap();
    assert_eq!(json[0], serde_json::json!({ "rule": "k", "from": 5, "to": 20 }));
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
    // The host sees the guest's code, marked as the partner's.
    let (code, message, origin) = failure_from(&a).unwrap();
    assert_eq!((code, origin), ("preset-mismatch", Origin::Partner));
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
    assert_eq!(failure_from(&b).unwrap().2, Origin::Local);
    assert_eq!(failure(&b).unwrap().0, "set-too-small");
    // The host gets the same code from the partner, worded about the partner's set.
    let (code, message, origin) = failure_from(&a).unwrap();
    assert_eq!((code, origin), ("set-too-small", Origin::Partner));
    assert!(message.contains("the partner's set has 10"), "{message}");
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
fn records_with_keys_outside_the_agreement_are_cut_by_the_session() {
    // The host proposes email only; the guest's file also has phone numbers (and some
    // records have only a phone). Both hand the session every key they read.
    let invite = Invite::generate().unwrap();
    let mut m = proposal(Mode::Aggregate);
    m.keys = vec![key("email")];
    let host = Session::host(invite.clone(), LocalRules::default(), m).unwrap();
    let guest = Session::guest(Invite::parse(&format!("http://x/#{}", invite.fragment())).unwrap(), LocalRules::default());
    let host_recs: Vec<Rec> = (0..300).map(|i| (None, vec![email(i)])).collect();
    let mut guest_recs: Vec<Rec> = (200..600).map(|i| (None, vec![email(i), phone(i)])).collect();
    // Phone-only records whose phone would match host rows if phone were agreed.
    guest_recs.extend((0..50).map(|i| (None, vec![phone(i)])));
    let mut a = side(host, host_recs, &["email"]);
    let mut b = side(guest, guest_recs, &["email", "phone"]);
    a.s.peer_joined().unwrap();
    b.s.peer_joined().unwrap();
    pump(&mut a, &mut b, &mut |f| vec![f]);
    assert!(finished(&a) && finished(&b), "{:?} {:?}", failure(&a), failure(&b));
    assert_eq!(a.s.manifest().unwrap().keys, vec![key("email")]);
    let r = a.s.report().unwrap();
    assert_eq!(r, b.s.report().unwrap());
    // Truth: host emails 0..300, guest emails 200..600 → 100 shared; the 50 phone-only
    // guest records are dropped, not counted.
    assert_eq!(r.figures.host.records, 300);
    assert_eq!(r.figures.guest.records, 400);
    assert_eq!(r.figures.host.matched, Some(100));
    assert_eq!(r.figures.guest.matched, Some(100));
    assert!(r.figures.guest.by_key.iter().all(|k| k.key == key("email")), "{:?}", r.figures.guest.by_key);
}

/// A peer that speaks the sealed channel directly, to send what an honest session never
/// would. Returns the channel once both hellos crossed.
fn raw_peer(invite: &Invite, side: cleanmatch::Side, real: &mut Session) -> cleanmatch::seal::Channel {
    use cleanmatch::seal::Handshake;
    real.peer_joined().unwrap();
    let their_commit = real.poll_transmit().unwrap();
    let (mut hs, commit) = Handshake::start(invite, side).unwrap();
    let hello = hs.receive_commit(&their_commit).unwrap();
    real.receive(&commit).unwrap();
    let their_hello = real.poll_transmit().unwrap();
    real.receive(&hello).unwrap();
    real.confirm_code().unwrap(); // the people compared the code
    hs.finish(&their_hello).unwrap()
}

fn failed_with(s: &mut Session) -> Option<(&'static str, Origin)> {
    std::iter::from_fn(|| s.poll_event()).find_map(|e| match e {
        Event::Failed { code, origin, .. } => Some((code, origin)),
        _ => None,
    })
}

#[test]
fn a_second_proposal_ends_the_run_with_its_own_code() {
    let invite = Invite::generate().unwrap();
    let mut guest = Session::guest(invite.clone(), LocalRules::default());
    let mut host = raw_peer(&invite, cleanmatch::Side::Host, &mut guest);
    let shown = proposal(Mode::Aggregate);
    guest.receive(&host.seal(&Message::Propose(shown.to_json()).encode())).unwrap();
    let hash = std::iter::from_fn(|| guest.poll_event())
        .find_map(|e| match e {
            Event::Proposed { manifest, manifest_hash } => Some((manifest, manifest_hash)),
            _ => None,
        })
        .unwrap();
    assert_eq!(hash.0, shown);
    assert_eq!(hash.1, cleanmatch::report::hex(&shown.hash()));
    // While the guest reviews, the host swaps in audience mode on two keys.
    let mut swapped = proposal(Mode::Audience);
    swapped.purpose = "harmless".into();
    let err = guest.receive(&host.seal(&Message::Propose(swapped.to_json()).encode())).unwrap_err();
    assert_eq!(err.code(), "second-proposal");
    assert_eq!(failed_with(&mut guest), Some(("second-proposal", Origin::Local)));
    // Accepting is no longer possible, and the host is told why.
    assert!(guest.accept(&swapped.hash(), KeyMask::ALL, None).is_err());
    assert!(guest.manifest().is_none());
    let abort = std::iter::from_fn(|| guest.poll_transmit()).find_map(|f| host.open(&f).ok()).unwrap();
    assert!(matches!(Message::decode(&abort).unwrap(), Message::Abort { code, .. } if code == "second-proposal"));
}

#[test]
fn the_host_refuses_an_acceptance_of_other_terms() {
    let invite = Invite::generate().unwrap();
    let proposed = proposal(Mode::Aggregate);
    let mut host = Session::host(invite.clone(), LocalRules::default(), proposed.clone()).unwrap();
    let mut guest = raw_peer(&invite, cleanmatch::Side::Guest, &mut host);
    let propose = std::iter::from_fn(|| host.poll_transmit()).find_map(|f| guest.open(&f).ok()).unwrap();
    assert_eq!(Message::decode(&propose).unwrap(), Message::Propose(proposed.to_json()));
    // The guest answers with the proposal's terms but bound to other terms it was shown.
    let mut other = proposed.clone();
    other.mode = Mode::Audience;
    let counter = Message::Counter { proposal_hash: other.hash(), manifest: proposed.to_json() };
    let err = host.receive(&guest.seal(&counter.encode())).unwrap_err();
    assert_eq!(err.code(), "terms-mismatch");
    assert_eq!(failed_with(&mut host), Some(("terms-mismatch", Origin::Local)));
    assert!(host.manifest().is_none(), "nothing was agreed");
}

#[test]
fn a_guest_accepts_only_the_proposal_it_was_shown() {
    let invite = Invite::generate().unwrap();
    let mut guest = Session::guest(invite.clone(), LocalRules::default());
    let mut host = raw_peer(&invite, cleanmatch::Side::Host, &mut guest);
    let shown = proposal(Mode::Aggregate);
    guest.receive(&host.seal(&Message::Propose(shown.to_json()).encode())).unwrap();
    let mut other = shown.clone();
    other.k = 2;
    let err = guest.accept(&other.hash(), KeyMask::ALL, None).unwrap_err();
    assert_eq!(err.code(), "state");
    assert!(!guest.failed(), "a driver's mistake, not the partner's: the review goes on");
    let answer = guest.accept(&shown.hash(), KeyMask::ALL, None).unwrap();
    let sent = std::iter::from_fn(|| guest.poll_transmit()).find_map(|f| host.open(&f).ok()).unwrap();
    assert_eq!(Message::decode(&sent).unwrap(), Message::Counter { proposal_hash: shown.hash(), manifest: answer.to_json() });
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
    assert!(!b.events.iter().any(|e| matches!(e, Event::Proposed { .. })));
    a.s.confirm_code().unwrap();
    pump(&mut a, &mut b, &mut |f| vec![f]);
    let shown = b
        .events
        .iter()
        .find_map(|e| match e {
            Event::Proposed { manifest, .. } => Some(manifest.hash()),
            _ => None,
        })
        .unwrap();
    // The guest has not confirmed: it cannot accept.
    let err = b.s.accept(&shown, b.held, None).unwrap_err();
    assert_eq!(err.code(), "state");
    assert!(err.to_string().contains("verification code"), "{err}");
    assert!(!finished(&a));
    b.s.confirm_code().unwrap();
    b.s.accept(&shown, b.held, None).unwrap();
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

#[test]
fn the_plaintext_tap_copies_every_data_message_both_ways() {
    // What a privacy canary reads: the frames on the relay are sealed, so a check over
    // them could never see a label or an identifier. The tap gives each side's plaintext.
    let (mut a, mut b) = pair(Mode::Aggregate, 0..300, 200..600, LocalRules::default());
    a.s.tap_plaintext();
    b.s.tap_plaintext();
    let mut wire = Vec::new();
    pump(&mut a, &mut b, &mut |f| {
        wire.extend_from_slice(&f);
        vec![f]
    });
    assert!(finished(&a) && finished(&b), "{:?} {:?}", failure(&a), failure(&b));
    let drain = |s: &mut Session| std::iter::from_fn(|| s.poll_plaintext()).collect::<Vec<_>>();
    let (from_a, from_b) = (drain(&mut a.s), drain(&mut b.s));
    let sent =
        |v: &[cleanmatch::session::Plaintext], dir: bool| v.iter().filter(|p| p.sent == dir).map(|p| p.bytes.clone()).collect::<Vec<_>>();
    // What one side sealed is, message for message, what the other opened.
    assert_eq!(sent(&from_a, true), sent(&from_b, false));
    assert_eq!(sent(&from_b, true), sent(&from_a, false));
    assert!(sent(&from_a, true).len() >= 4, "proposal, set header, points, view");
    for p in from_a.iter().chain(&from_b) {
        Message::decode(&p.bytes).unwrap();
    }
    // The manifest travels as JSON: readable in the plaintext, never on the wire.
    let plain: Vec<u8> = sent(&from_a, true).concat();
    let needle = b"preset_fingerprint";
    assert!(plain.windows(needle.len()).any(|w| w == needle));
    assert!(!wire.windows(needle.len()).any(|w| w == needle));
    // Off unless asked for.
    let (mut c, mut d) = pair(Mode::Aggregate, 0..10, 0..10, LocalRules::default());
    pump(&mut c, &mut d, &mut |f| vec![f]);
    assert!(c.s.poll_plaintext().is_none() && d.s.poll_plaintext().is_none());
}
