// Unit tests, compiled only under #[cfg(test)] (declared in the parent module).
use super::*;
use crate::hash::sha256;

fn digests(values: &[&str]) -> Vec<u8> {
    values.iter().flat_map(|v| sha256(v.as_bytes())).collect()
}

#[test]
fn batch_compression_equals_plain_multiplication() {
    let s = Secret::random().unwrap();
    let d = digests(&["a@x.com", "b@x.com", "c@x.com"]);
    let batched = blind_batch(&s, MatchKey::Email, &d).unwrap();
    let scalar = curve25519_dalek::scalar::Scalar::from_canonical_bytes(s.to_bytes()).unwrap();
    for (i, chunk) in d.chunks(32).enumerate() {
        let plain = (hash_to_group("email", chunk) * scalar).compress();
        assert_eq!(&batched[i * 32..i * 32 + 32], plain.as_bytes());
    }
}

#[test]
fn both_orders_meet_and_keys_are_separated() {
    let (a, b) = (Secret::random().unwrap(), Secret::random().unwrap());
    let d = digests(&["x", "y"]);
    let ab = evaluate_batch(&b, &blind_batch(&a, MatchKey::Email, &d).unwrap()).unwrap();
    let ba = evaluate_batch(&a, &blind_batch(&b, MatchKey::Email, &d).unwrap()).unwrap();
    assert_eq!(ab, ba);
    let other_key = evaluate_batch(&a, &blind_batch(&b, MatchKey::Phone, &d).unwrap()).unwrap();
    assert_ne!(ab, other_key);
}

#[test]
fn invalid_points_are_errors_not_panics() {
    let s = Secret::random().unwrap();
    let good = blind_batch(&s, MatchKey::Email, &digests(&["x"])).unwrap();
    // The identity encodes as all zeros.
    let mut batch = good.clone();
    batch.extend_from_slice(&[0u8; 32]);
    assert_eq!(evaluate_batch(&s, &batch), Err(PsiError::InvalidPoint { index: 1 }));
    // A non-canonical encoding (all ones is not a field element below p).
    assert_eq!(evaluate_batch(&s, &[0xffu8; 32]), Err(PsiError::InvalidPoint { index: 0 }));
    // A negative field element (low bit set) is not a valid ristretto encoding.
    let mut neg = good.clone();
    neg[0] |= 1;
    assert!(matches!(evaluate_batch(&s, &neg), Err(PsiError::InvalidPoint { index: 0 })));
    assert!(matches!(evaluate_batch(&s, &good[..31]), Err(PsiError::Length { .. })));
}

#[test]
fn secrets_round_trip_and_refuse_bad_bytes() {
    let s = Secret::random().unwrap();
    assert_eq!(Secret::from_bytes(&s.to_bytes()).unwrap().to_bytes(), s.to_bytes());
    assert!(Secret::from_bytes(&[0u8; 32]).is_err());
    assert!(Secret::from_bytes(&[0xffu8; 32]).is_err());
    assert!(Secret::from_bytes(&[1u8; 31]).is_err());
}

#[test]
fn shuffle_is_a_permutation() {
    let mut v: Vec<u32> = (0..1000).collect();
    shuffle(&mut v).unwrap();
    assert_ne!(v, (0..1000).collect::<Vec<_>>());
    v.sort();
    assert_eq!(v, (0..1000).collect::<Vec<_>>());
}

#[test]
fn a_record_keeps_every_distinct_value_of_a_key_up_to_the_limit() {
    let d = |i: u8| [i; DIGEST_LEN];
    let mut set = OwnSet::new();
    // Two emails (one given twice) and a phone; then 20 distinct emails.
    set.add(0, None, &[(MatchKey::Email, d(1)), (MatchKey::Phone, d(9)), (MatchKey::Email, d(2)), (MatchKey::Email, d(1))]);
    let many: Vec<(MatchKey, [u8; DIGEST_LEN])> = (10..30).map(|i| (MatchKey::Email, d(i))).collect();
    set.add(1, None, &many);
    assert_eq!(set.len(), 2);
    assert_eq!(set.values_per_key()[MatchKey::Email.index()], 2 + u64::from(MAX_VALUES_PER_KEY));
    assert_eq!(set.extra_values(), 20 - u64::from(MAX_VALUES_PER_KEY));
    let flat = set.to_flat();
    assert_eq!(flat.counts, vec![3, MAX_VALUES_PER_KEY]);
    assert_eq!(&flat.keys[..3], &[0, 0, 1], "a record's values in key order");
    let mut back = OwnSet::new();
    back.add_flat(&flat).unwrap();
    assert_eq!(back.to_flat(), flat);
    // Restricting to phone keeps the first record only, with its one phone.
    let phones = set.restricted(KeyMask::NONE.with(MatchKey::Phone));
    assert_eq!((phones.len(), phones.values()), (1, 1));
}
