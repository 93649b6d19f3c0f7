// Unit tests, compiled only under #[cfg(test)] (declared in the parent module).
//! Unit tests of the sealed channel.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn pair_with(host_invite: &Invite, guest_invite: &Invite) -> Result<(Channel, Channel), SealError> {
    let (mut h, h_commit) = Handshake::start(host_invite, Role::Host)?;
    let (mut g, g_commit) = Handshake::start(guest_invite, Role::Guest)?;
    let h_hello = h.receive_commit(&g_commit)?;
    let g_hello = g.receive_commit(&h_commit)?;
    Ok((h.finish(&g_hello)?, g.finish(&h_hello)?))
}

/// A started handshake that already holds the partner's commit, and the partner's hello.
fn ready(inv: &Invite, role: Role) -> (Handshake, Vec<u8>) {
    let (mut me, my_commit) = Handshake::start(inv, role).unwrap();
    let (mut peer, peer_commit) = Handshake::start(inv, role.peer()).unwrap();
    me.receive_commit(&peer_commit).unwrap();
    let peer_hello = peer.receive_commit(&my_commit).unwrap();
    (me, peer_hello)
}

/// A well-tagged handshake frame made by someone holding the invite.
fn tagged(secret: &[u8; 32], mut body: Vec<u8>) -> Vec<u8> {
    let mut mac = handshake_test_mac(secret);
    hkdf::hmac::Mac::update(&mut mac, &body);
    body.extend_from_slice(&hkdf::hmac::Mac::finalize(mac).into_bytes());
    body
}

/// The commit frame for `hello`, made by someone holding the invite.
fn commit_for(secret: &[u8; 32], hello: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let mut body = vec![KIND_COMMIT, VERSION, hello[2]];
    body.extend_from_slice(&sha2::Sha256::new().chain_update(b"cleanmatch-v1 commit").chain_update(hello).finalize());
    tagged(secret, body)
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
    let (mut h1, _) = Handshake::start(&inv, Role::Host).unwrap();
    let (_, h2_commit) = Handshake::start(&inv, Role::Host).unwrap();
    assert_eq!(h1.receive_commit(&h2_commit).err(), Some(SealError::SameRole));
}

#[test]
fn bad_commits_are_refused() {
    let inv = Invite::generate().unwrap();
    let (_, g_commit) = Handshake::start(&inv, Role::Guest).unwrap();
    let host = || Handshake::start(&inv, Role::Host).unwrap().0;
    assert_eq!(g_commit.len(), COMMIT_LEN);
    assert_eq!(frame_kind(&g_commit), Some(FrameKind::Commit));
    assert_eq!(host().receive_commit(&g_commit[..40]).err(), Some(SealError::Truncated { len: 40, min: COMMIT_LEN }));
    assert_eq!(host().receive_commit(b"").err(), Some(SealError::WrongKind));
    let mut v = g_commit.clone();
    v[1] = 9;
    assert_eq!(host().receive_commit(&v).err(), Some(SealError::UnsupportedVersion { found: 9 }));
    for byte in 2..g_commit.len() {
        let mut bad = g_commit.clone();
        bad[byte] ^= 0x04;
        assert_eq!(host().receive_commit(&bad).err(), Some(SealError::HelloNotAuthentic), "byte {byte}");
    }
}

#[test]
fn bad_hellos_are_refused() {
    let inv = Invite::generate().unwrap();
    let (_, g_hello) = ready(&inv, Role::Host);
    let host = || ready(&inv, Role::Host).0;
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
fn a_hello_is_revealed_only_after_the_partners_commit() {
    let inv = Invite::generate().unwrap();
    let (mut h, h_commit) = Handshake::start(&inv, Role::Host).unwrap();
    let (mut g, g_commit) = Handshake::start(&inv, Role::Guest).unwrap();
    assert_eq!(h.revealed_hello(), None);
    assert_eq!(h.commit_frame(), h_commit.as_slice());
    let h_hello = h.receive_commit(&g_commit).unwrap();
    assert_eq!(h.revealed_hello(), Some(h_hello.as_slice()));
    // The same commit again (a resend after a reconnect) gives the same hello.
    assert_eq!(h.receive_commit(&g_commit).unwrap(), h_hello);
    // A hello before the commit is refused.
    let (fresh, _) = Handshake::start(&inv, Role::Guest).unwrap();
    assert_eq!(fresh.finish(&h_hello).err(), Some(SealError::HelloBeforeCommit));
    let g_hello = g.receive_commit(&h_commit).unwrap();
    assert!(h.finish(&g_hello).is_ok());
}

#[test]
fn a_changed_commitment_is_refused() {
    let inv = Invite::generate().unwrap();
    let (mut h, _) = Handshake::start(&inv, Role::Host).unwrap();
    let (_, first) = Handshake::start(&inv, Role::Guest).unwrap();
    let (_, second) = Handshake::start(&inv, Role::Guest).unwrap();
    h.receive_commit(&first).unwrap();
    assert_eq!(h.receive_commit(&second).err(), Some(SealError::CommitChanged));
}

#[test]
fn identity_and_non_canonical_keys_are_refused_even_with_the_invite() {
    // Someone holding the invite can make a well-tagged hello (and commit) with any key:
    // the point checks must still hold.
    let secret = [5u8; 32];
    let inv = Invite::from_secret(secret);
    for key in [[0u8; 32], [0xff; 32]] {
        let mut body = vec![KIND_HELLO, VERSION, 1];
        body.extend_from_slice(&key);
        body.extend_from_slice(&[0u8; 16]);
        let hello = tagged(&secret, body);
        let (mut h, _) = Handshake::start(&inv, Role::Host).unwrap();
        h.receive_commit(&commit_for(&secret, &hello)).unwrap();
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
    let (mut host, host_commit) = Handshake::start(&inv, Role::Host).unwrap();
    let (mut guest, guest_commit) = Handshake::start(&inv, Role::Guest).unwrap();
    let (mut m_guest, m_guest_commit) = Handshake::start(&inv, Role::Guest).unwrap();
    let (mut m_host, m_host_commit) = Handshake::start(&inv, Role::Host).unwrap();
    let host_hello = host.receive_commit(&m_guest_commit).unwrap();
    let guest_hello = guest.receive_commit(&m_host_commit).unwrap();
    let m_guest_hello = m_guest.receive_commit(&host_commit).unwrap();
    let m_host_hello = m_host.receive_commit(&guest_commit).unwrap();
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
fn an_attacker_cannot_choose_its_hello_after_seeing_the_honest_ones() {
    // The grinding attack: an attacker with the invite collects both honest hellos, then
    // searches its own hello (a nonce, no curve arithmetic) until the two pages' codes
    // agree. Here it has already committed, so any hello other than the committed one —
    // whatever it was searched for — is refused by the honest side.
    let secret = [7u8; 32];
    let inv = Invite::from_secret(secret);
    let (mut guest, guest_commit) = Handshake::start(&inv, Role::Guest).unwrap();
    let (mut m_host, m_host_commit) = Handshake::start(&inv, Role::Host).unwrap();
    guest.receive_commit(&m_host_commit).unwrap();
    let committed = m_host.receive_commit(&guest_commit).unwrap();
    // A searched hello: same key, another nonce, validly tagged with the invite.
    for nonce in 1u8..=16 {
        let mut body = committed[..NONCE_AT_FOR_TESTS].to_vec();
        body.extend_from_slice(&[nonce; 16]);
        let searched = tagged(&secret, body);
        assert_ne!(searched, committed);
        let (mut g, _) = Handshake::start(&inv, Role::Guest).unwrap();
        g.receive_commit(&m_host_commit).unwrap();
        assert_eq!(g.finish(&searched).err(), Some(SealError::CommitMismatch), "nonce {nonce}");
    }
    assert!(guest.finish(&committed).is_ok());
}

/// Where the nonce starts in a hello (kind, version, role, 32-byte key).
const NONCE_AT_FOR_TESTS: usize = 3 + 32;

#[test]
fn frame_kind_without_keys() {
    assert_eq!(frame_kind(b""), None);
    assert_eq!(frame_kind(b"Zxx"), None);
    let inv = Invite::generate().unwrap();
    let (_, hello) = ready(&inv, Role::Guest);
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
