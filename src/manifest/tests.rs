// Unit tests, compiled only under #[cfg(test)] (declared in the parent module).
use super::*;

fn proposal() -> Manifest {
    Manifest {
        version: PROTOCOL_VERSION,
        template: Template::Audience,
        mode: Mode::Audience,
        preset: "uid2".into(),
        preset_fingerprint: "abc".into(),
        keys: vec![MatchKey::Email, MatchKey::Phone],
        k: 50,
        min_records: 100,
        max_records: 1_000_000,
        host_group: None,
        guest_group: None,
        measurement: None,
        purpose: "test".into(),
        output: Default::default(),
    }
}

#[test]
fn the_stricter_rule_wins() {
    let local = LocalRules { min_k: 100, min_records: 10, max_records: 500_000, allow_audience: false, ..LocalRules::default() };
    let c = proposal().tighten(&local, KeyMask::NONE.with(MatchKey::Email), Some("region".into())).unwrap();
    assert_eq!(c.k, 100);
    assert_eq!(c.min_records, 100);
    assert_eq!(c.max_records, 500_000);
    assert_eq!(c.mode, Mode::Aggregate);
    assert_eq!(c.keys, vec![MatchKey::Email]);
    assert_eq!(c.guest_group.as_deref(), Some("region"));
    proposal().check_counter(&c).unwrap();
    assert!(!proposal().changes(&c).is_empty());
}

#[test]
fn loosening_and_mismatches_are_refused_with_what_differs() {
    let mut c = proposal();
    c.k = 10;
    assert!(proposal().check_counter(&c).unwrap_err().to_string().contains("threshold"));
    let json = proposal().to_json();
    let err = Manifest::parse(&json, |_| Some("zzz".into())).unwrap_err();
    assert!(err.to_string().contains("abc") && err.to_string().contains("zzz"));
    let mut v = proposal();
    v.version = 9;
    assert!(matches!(Manifest::parse(&v.to_json(), |_| Some("abc".into())), Err(ManifestError::Version { .. })));
    assert!(matches!(Manifest::parse("{", |_| None), Err(ManifestError::Malformed(_))));
    assert_eq!(proposal().tighten(&LocalRules::default(), KeyMask::NONE.with(MatchKey::Maid), None), Err(ManifestError::NoSharedKey));
}

#[test]
fn the_hash_is_stable_and_covers_every_field() {
    let a = proposal();
    let mut b = proposal();
    assert_eq!(a.hash(), b.hash());
    b.purpose = "other".into();
    assert_ne!(a.hash(), b.hash());
}
