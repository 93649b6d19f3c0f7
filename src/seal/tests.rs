// Unit tests, compiled only under #[cfg(test)] (declared in the parent module).
//! Unit tests of the sealed channel.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn pair_with(host_invite: &Invite, guest_invite: &Invite) -> Result<(Channel, Channel), SealError> {
    let (h, h_hello) = Handshake::start(host_invite, Role::Host)?;
    let (g, g_hello) = Handshake::start(guest_invite, Role::Guest)?;
    Ok((h.finish(&g_hello)?, g.finish(&h_hello)?))
}

fn pair() -> (Channel, Channel) {
    let inv = Invite::generate().unwrap();
    pair_with(&inv, &inv).unwrap()
}

#[test]
fn round_trip_both_ways_with_equal_codes() {
    let (mut h, mut g) = pair();
    assert_eq!(h.verification_code(), g.verification_code());
    let code = h.verification_code();
    assert_eq!(code.len(), 7);
    assert_eq!(&code[3..4], " ");
    for i in 0..5u8 {
        let f = h.seal(&[i; 100]);
        assert_eq!(frame_kind(&f), Some(FrameKind::Data));
        assert_eq!(frame_counter(&f), Some(u64::from(i)));
        assert_eq!(f.len(), 100 + HEADER_LEN + TAG_LEN);
        assert_eq!(g.open(&f).unwrap(), vec![i; 100]);
        let back = g.seal(b"");
        assert_eq!(h.open(&back).unwrap(), b"");
    }
    assert_eq!((h.sent_count(), h.received_count()), (5, 5));
    assert_eq!((g.sent_count(), g.received_count()), (5, 5));
}

#[test]
fn replayed_frame_is_refused_and_changes_nothing() {
    let (mut h, mut g) = pair();
    let f0 = h.seal(b"zero");
    g.open(&f0).unwrap();
    assert_eq!(g.open(&f0), Err(SealError::Replayed { expected: 1, found: 0 }));
    let f1 = h.seal(b"one");
    assert_eq!(g.open(&f1).unwrap(), b"one");
}

#[test]
fn reordered_frame_is_refused() {
    let (mut h, mut g) = pair();
    let f0 = h.seal(b"zero");
    let f1 = h.seal(b"one");
    assert_eq!(g.open(&f1), Err(SealError::OutOfOrder { expected: 0, found: 1 }));
    assert_eq!(g.open(&f0).unwrap(), b"zero");
    assert_eq!(g.open(&f1).unwrap(), b"one");
}

#[test]
fn any_flipped_bit_is_refused() {
    let (mut h, mut g) = pair();
    let f = h.seal(b"a frame worth forging");
    for byte in 0..f.len() {
        let mut bad = f.clone();
        bad[byte] ^= 0x01;
        assert!(g.open(&bad).is_err(), "flip in byte {byte} accepted");
    }
    // Flipping the counter or the body is an authentication failure, not a replay.
    let mut bad = f.clone();
    bad[HEADER_LEN + 2] ^= 0x80;
    assert_eq!(g.open(&bad), Err(SealError::Forged));
    assert_eq!(g.open(&f).unwrap(), b"a frame worth forging");
}

#[test]
fn truncated_frames_are_refused() {
    let (mut h, mut g) = pair();
    let f = h.seal(b"some bytes");
    assert_eq!(g.open(&f[..HEADER_LEN + TAG_LEN - 1]), Err(SealError::Truncated { len: 24, min: 25 }));
    assert_eq!(g.open(&[]), Err(SealError::Truncated { len: 0, min: 25 }));
    // Cut inside the body: the tag no longer matches.
    assert_eq!(g.open(&f[..f.len() - 1]), Err(SealError::Forged));
    assert_eq!(g.open(&f).unwrap(), b"some bytes");
}

#[test]
fn own_frames_and_wrong_kinds_are_refused() {
    let (mut h, mut g) = pair();
    let f = h.seal(b"to guest");
    // A relay reflecting a frame back to its sender: other direction, other key.
    assert_eq!(h.open(&f), Err(SealError::Forged));
    assert_eq!(g.open_control(&f), Err(SealError::WrongKind));
    let c = h.seal_control(b"ack");
    assert_eq!(g.open(&c), Err(SealError::WrongKind));
    assert_eq!(g.open_control(&c).unwrap(), b"ack");
}

#[test]
fn control_counters_increase_with_gaps() {
    let (mut h, mut g) = pair();
    let c0 = h.seal_control(b"0");
    let _lost = h.seal_control(b"1");
    let c2 = h.seal_control(b"2");
    assert_eq!(frame_kind(&c2), Some(FrameKind::Control));
    assert_eq!(g.open_control(&c2).unwrap(), b"2");
    assert_eq!(g.open_control(&c0), Err(SealError::ControlReplayed { last: 2, found: 0 }));
    assert_eq!(g.open_control(&c2), Err(SealError::ControlReplayed { last: 2, found: 2 }));
    // Data and control counters are independent.
    let d = h.seal(b"data");
    assert_eq!(g.open(&d).unwrap(), b"data");
}

#[test]
fn wrong_invite_fails_the_handshake() {
    let a = Invite::from_secret([1; 32]);
    let b = Invite::from_secret([2; 32]);
    assert_eq!(pair_with(&a, &b).err(), Some(SealError::HelloNotAuthentic));
}

#[test]
fn two_hosts_are_refused() {
    let inv = Invite::generate().unwrap();
    let (h1, _) = Handshake::start(&inv, Role::Host).unwrap();
    let (_, h2_hello) = Handshake::start(&inv, Role::Host).unwrap();
    assert_eq!(h1.finish(&h2_hello).err(), Some(SealError::SameRole));
}

#[test]
fn bad_hellos_are_refused() {
    let inv = Invite::generate().unwrap();
    let (_, g_hello) = Handshake::start(&inv, Role::Guest).unwrap();
    let host = || Handshake::start(&inv, Role::Host).unwrap().0;
    assert_eq!(host().finish(&g_hello[..40]).err(), Some(SealError::Truncated { len: 40, min: HELLO_LEN }));
    assert_eq!(host().finish(b"").err(), Some(SealError::WrongKind));
    let mut v = g_hello.clone();
    v[1] = 9;
    assert_eq!(host().finish(&v).err(), Some(SealError::UnsupportedVersion { found: 9 }));
    for byte in 2..g_hello.len() {
        let mut bad = g_hello.clone();
        bad[byte] ^= 0x04;
        assert_eq!(host().finish(&bad).err(), Some(SealError::HelloNotAuthentic), "byte {byte}");
    }
}

#[test]
fn identity_and_non_canonical_keys_are_refused_even_with_the_invite() {
    // Someone holding the invite can make a well-tagged hello with any key: the point
    // checks must still hold.
    let secret = [5u8; 32];
    let inv = Invite::from_secret(secret);
    for key in [[0u8; 32], [0xff; 32]] {
        let mut hello = vec![KIND_HELLO, VERSION, 1];
        hello.extend_from_slice(&key);
        hello.extend_from_slice(&[0u8; 16]);
        let mut mac = handshake_test_mac(&secret);
        hkdf::hmac::Mac::update(&mut mac, &hello);
        hello.extend_from_slice(&hkdf::hmac::Mac::finalize(mac).into_bytes());
        let (h, _) = Handshake::start(&inv, Role::Host).unwrap();
        assert_eq!(h.finish(&hello).err(), Some(SealError::InvalidKey));
    }
}

fn handshake_test_mac(secret: &[u8; 32]) -> hkdf::hmac::Hmac<sha2::Sha256> {
    let mut key = [0u8; 32];
    invite::expand(secret, b"cleanmatch-v1 hello", &mut key);
    <hkdf::hmac::Hmac<sha2::Sha256> as hkdf::hmac::KeyInit>::new_from_slice(&key).unwrap()
}

#[test]
fn a_man_in_the_middle_with_the_invite_gets_different_codes() {
    let inv = Invite::generate().unwrap();
    // Host ↔ attacker (posing as guest) and attacker (posing as host) ↔ guest.
    let (host, host_hello) = Handshake::start(&inv, Role::Host).unwrap();
    let (guest, guest_hello) = Handshake::start(&inv, Role::Guest).unwrap();
    let (m_guest, m_guest_hello) = Handshake::start(&inv, Role::Guest).unwrap();
    let (m_host, m_host_hello) = Handshake::start(&inv, Role::Host).unwrap();
    let mut host = host.finish(&m_guest_hello).unwrap();
    let mut guest = guest.finish(&m_host_hello).unwrap();
    let m_to_host = m_guest.finish(&host_hello).unwrap();
    let m_to_guest = m_host.finish(&guest_hello).unwrap();
    assert_eq!(host.verification_code(), m_to_host.verification_code());
    assert_eq!(guest.verification_code(), m_to_guest.verification_code());
    assert_ne!(host.verification_code(), guest.verification_code());
    // And frames do not pass straight through the attacker.
    let f = host.seal(b"x");
    assert_eq!(guest.open(&f), Err(SealError::Forged));
}

#[test]
fn frame_kind_without_keys() {
    assert_eq!(frame_kind(b""), None);
    assert_eq!(frame_kind(b"Zxx"), None);
    let inv = Invite::generate().unwrap();
    let (_, hello) = Handshake::start(&inv, Role::Host).unwrap();
    assert_eq!(hello.len(), HELLO_LEN);
    assert_eq!(frame_kind(&hello), Some(FrameKind::Hello));
    assert_eq!(frame_counter(&hello), None);
    assert_eq!(frame_counter(b"D123"), None);
}

#[test]
fn role_serializes_lowercase() {
    assert_eq!(serde_json::to_string(&Role::Guest).unwrap(), "\"guest\"");
    assert_eq!(serde_json::from_str::<Role>("\"host\"").unwrap(), Role::Host);
    assert_eq!(Role::Host.peer(), Role::Guest);
}
