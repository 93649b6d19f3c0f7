// Unit tests, compiled only under #[cfg(test)] (declared in the parent module).
use super::*;

fn counts(c: [u8; MatchKey::COUNT]) -> KeyCounts {
    KeyCounts::from_array(c)
}

fn header() -> SetHeader {
    SetHeader { manifest_hash: [7; 32], records: 3, key_counts: [3, 1, 0, 0], groups: vec![("all".into(), 3)] }
}

#[test]
fn every_message_round_trips() {
    let msgs = vec![
        Message::Propose("{}".into()),
        Message::Counter { proposal_hash: [4; 32], manifest: "{\"k\":50}".into() },
        Message::Confirm([1; 32]),
        Message::Abort { code: "set-too-small".into(), reason: "bye".into() },
        Message::SetHeader(header()),
        Message::Structure {
            seq: 2,
            records: vec![(0, counts([1, 0, 0, 0])), (0, counts([2, 1, 0, 0])), (0, counts([0, 0, 0, 16]))],
        },
        Message::Points { key: MatchKey::Phone, seq: 9, points: vec![5; 64] },
        Message::Evaluated { key: MatchKey::Email, seq: 0, values: vec![6; 24] },
        Message::PartnerView { manifest_hash: [2; 32], json: "{}".into() },
        Message::ReportHash([3; 32]),
    ];
    for m in msgs {
        assert_eq!(Message::decode(&m.encode()), Ok(m));
    }
}

#[test]
fn malformed_messages_name_what_is_wrong() {
    assert_eq!(Message::decode(&[]), Err(WireError::Empty));
    assert_eq!(Message::decode(&[0x99]), Err(WireError::UnknownType(0x99)));
    assert_eq!(Message::decode(&[0x03, 1, 2]), Err(WireError::Truncated("manifest hash")));
    let mut long = Message::Confirm([1; 32]).encode();
    long.push(0);
    assert!(matches!(Message::decode(&long), Err(WireError::TrailingBytes(_))));
    // Points that are not whole, an unknown key, an empty chunk.
    assert!(matches!(Message::decode(&[0x12, 0, 0, 0, 0, 0, 1, 2]), Err(WireError::Malformed(_))));
    assert!(matches!(Message::decode(&[0x12, 9, 0, 0, 0, 0]), Err(WireError::Malformed(_))));
    assert!(matches!(Message::decode(&[0x13, 0, 0, 0, 0, 0]), Err(WireError::Malformed(_))));
    // An oversized chunk.
    let mut big = vec![0x12, 0, 0, 0, 0, 0];
    big.resize(6 + 32 * (MAX_CHUNK_ITEMS + 1), 1);
    assert!(matches!(Message::decode(&big), Err(WireError::TooLarge { .. })));
    // Group sizes that do not add up, and key counts above the record count.
    let mut h = header();
    h.groups = vec![("a".into(), 1)];
    assert!(matches!(Message::decode(&Message::SetHeader(h).encode()), Err(WireError::Malformed(_))));
    let mut h = header();
    h.key_counts[2] = 3 * u32::from(MAX_VALUES_PER_KEY) + 1;
    assert!(matches!(Message::decode(&Message::SetHeader(h).encode()), Err(WireError::Malformed(_))));
    // A structure record cut short: no mask, or fewer counts than its mask has keys.
    assert!(matches!(Message::decode(&[0x11, 0, 0, 0, 0, 1, 2]), Err(WireError::Truncated(_))));
    assert!(matches!(Message::decode(&[0x11, 0, 0, 0, 0, 0, 0, 3, 1]), Err(WireError::Truncated(_))));
    // A record with no key, a bit that names no key, a count of none or above the limit.
    assert!(matches!(Message::decode(&[0x11, 0, 0, 0, 0, 0, 0, 0]), Err(WireError::Malformed(_))));
    assert!(matches!(Message::decode(&[0x11, 0, 0, 0, 0, 0, 0, 0x10, 1]), Err(WireError::Malformed(_))));
    assert!(matches!(Message::decode(&[0x11, 0, 0, 0, 0, 0, 0, 1, 0]), Err(WireError::Malformed(_))));
    assert!(matches!(Message::decode(&[0x11, 0, 0, 0, 0, 0, 0, 1, 17]), Err(WireError::Malformed(_))));
    // An oversized structure chunk.
    let mut big = vec![0x11, 0, 0, 0, 0];
    for _ in 0..=MAX_CHUNK_ITEMS {
        big.extend_from_slice(&[0, 0, 1, 1]);
    }
    assert!(matches!(Message::decode(&big), Err(WireError::TooLarge { .. })));
}

#[test]
fn truncating_any_message_is_an_error_or_a_shorter_valid_one() {
    let full = Message::SetHeader(header()).encode();
    for cut in 0..full.len() {
        assert!(Message::decode(&full[..cut]).is_err(), "cut at {cut}");
    }
}
