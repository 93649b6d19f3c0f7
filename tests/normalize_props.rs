//! Property tests for normalization: normalizing twice changes nothing, and whitespace
//! or case variants of a valid email normalize alike.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cleanmatch::normalize::rules::PhoneFormat;
use cleanmatch::normalize::{Kind, Preset};
use proptest::prelude::*;

fn presets() -> Vec<Preset> {
    Preset::NAMES.iter().map(|n| Preset::named(n).unwrap()).collect()
}

/// Plausible raw values per kind: mostly near-valid, so the property is exercised on
/// values that normalize, plus arbitrary text for the refusal paths.
fn raw_value(kind: Kind) -> BoxedStrategy<String> {
    let noise = "\\PC{0,24}".boxed();
    let valid = match kind {
        Kind::Email => "[ \t]{0,2}[A-Za-z0-9][A-Za-z0-9._+'-]{0,12}@(gmail|googlemail|[A-Za-z0-9-]{1,8})\\.(com|co\\.uk|DE)[ ]{0,2}".boxed(),
        Kind::Phone => prop_oneof![
            // International forms, with the separators and (0) people write.
            "[ ]?(\\+|00)(1 ?\\(?[2-9][0-9]{2}\\)? ?[2-9][0-9]{2}[ .-]?[0-9]{4}|44 ?(\\(0\\) ?)?[1-9][0-9]{3} ?[0-9]{6}|49 ?[1-9][0-9]{6,10}|39 ?0[0-9]{6,9}|7 ?9[0-9]{9}|(33|81|86) ?[1-9][0-9]{8})[ ]?",
            // National forms: NANP, trunk 0, trunk 8, and already-prefixed digits.
            "[ ]?(1[ -]?)?\\(?[2-9][0-9]{2}\\)?[ .-]?[2-9][0-9]{2}[ .-]?[0-9]{4}[ ]?",
            "0[1-9][0-9]{2} ?[0-9]{3} ?[0-9]{3,4}",
            "8 ?9[0-9]{2} ?[0-9]{3}-[0-9]{2}-[0-9]{2}",
            "(44|49|7)[1-9][0-9]{8,9}",
            "[ ]?(\\+|00)?[1-9][0-9 ().-]{6,16}",
        ]
        .boxed(),
        Kind::Name => "[ ]{0,2}[\\p{L}\\p{M}' .-]{1,20}[ ]{0,2}".boxed(),
        Kind::Postal => "[ ]?[A-Za-z0-9]{2,5}[ -]?[A-Za-z0-9]{0,5}[ ]?".boxed(),
        Kind::Maid => "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}".boxed(),
        Kind::Sha256 => "[0-9a-fA-F]{64}|[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=".boxed(),
    };
    prop_oneof![4 => valid, 1 => noise].boxed()
}

fn any_kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(Kind::ALL.to_vec())
}

fn country() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![None, Some("US"), Some("GB"), Some("DE"), Some("IT"), Some("RU"), Some("JP")])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)))]

    /// normalize(normalize(x)) == normalize(x) for every preset and kind. A digits-only
    /// phone (Meta) no longer says it carries a country code, so it is re-read with the
    /// `+` put back, which is what the format means.
    #[test]
    fn normalization_is_idempotent((kind, raw) in any_kind().prop_flat_map(|k| (Just(k), raw_value(k))), cc in country()) {
        for p in presets() {
            let Ok(once) = p.normalize(kind, &raw, cc) else { continue };
            let again_input = match (kind, p.rules().phone.format) {
                (Kind::Phone, PhoneFormat::Digits) => format!("+{once}"),
                _ => once.clone(),
            };
            let twice = p.normalize(kind, &again_input, cc);
            prop_assert_eq!(twice.as_ref(), Ok(&once), "preset {} kind {:?} raw {:?}", p.name(), kind, raw);
            // And the digest agrees with the normalized value it is computed from.
            let d1 = p.digest(kind, &raw, cc).unwrap();
            let d2 = p.digest(kind, &again_input, cc).unwrap();
            prop_assert_eq!(d1, d2);
        }
    }

    /// Whitespace around, and letter case anywhere in, a valid email never changes what
    /// it normalizes to.
    #[test]
    fn email_whitespace_and_case_variants_agree(
        local in "[a-z0-9]([a-z0-9_+-]|\\.[a-z0-9]){0,10}",
        domain in "(gmail|googlemail|example|mail-box)\\.(com|org|co\\.uk)",
        flips in prop::collection::vec(any::<bool>(), 40),
        left in "[ \t\u{a0}\u{2003}]{0,3}",
        right in "[ \t\u{a0}\u{2003}]{0,3}",
    ) {
        let email = format!("{local}@{domain}");
        let variant: String = email.chars().zip(flips.iter().cycle()).map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c }).collect();
        let variant = format!("{left}{variant}{right}");
        for p in presets() {
            let a = p.normalize(Kind::Email, &email, None);
            let b = p.normalize(Kind::Email, &variant, None);
            prop_assert_eq!(&a, &b, "preset {}", p.name());
            prop_assert!(a.is_ok() || local.contains('+'), "preset {} refused {:?}: {:?}", p.name(), email, a);
        }
    }

    /// No input panics, and an error message never repeats the value.
    #[test]
    fn errors_never_contain_the_value(kind in any_kind(), raw in "\\PC{4,30}", cc in country()) {
        for p in presets() {
            if let Err(e) = p.normalize(kind, &raw, cc) {
                prop_assert!(!e.to_string().contains(raw.trim()), "{e}");
            }
        }
    }
}

#[test]
fn pre_hashed_email_matches_the_plain_email() {
    for p in presets() {
        let plain = p.digest(Kind::Email, " User@Example.com ", None).unwrap();
        let hex = cleanmatch::hash::to_hex(&plain);
        assert_eq!(p.digest(Kind::Sha256, &hex, None).unwrap(), plain, "{}", p.name());
    }
}

#[test]
fn fingerprints_differ_between_presets_and_cover_every_rule() {
    let prints: Vec<String> = presets().iter().map(Preset::fingerprint).collect();
    for (i, a) in prints.iter().enumerate() {
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        for b in &prints[i + 1..] {
            assert_ne!(a, b);
        }
    }
    // Same rules under another name: same digests, so the same fingerprint.
    let uid2 = Preset::named("uid2").unwrap();
    assert_eq!(Preset::custom("mine", uid2.rules().clone()).fingerprint(), uid2.fingerprint());
    // One rule changed: a different fingerprint.
    let mut rules = uid2.rules().clone();
    rules.email.googlemail_is_gmail = true;
    assert_ne!(Preset::custom("uid2", rules).fingerprint(), uid2.fingerprint());
}

#[test]
fn rules_round_trip_through_json() {
    for p in presets() {
        let json = serde_json::to_string(p.rules()).unwrap();
        let back: cleanmatch::normalize::Rules = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, p.rules());
    }
    // Unknown fields are refused, so a typo in a custom rule file is not ignored.
    let mut v = serde_json::to_value(Preset::named("plain").unwrap().rules()).unwrap();
    v["email"]["gmail_remove_dot"] = serde_json::json!(true);
    assert!(serde_json::from_value::<cleanmatch::normalize::Rules>(v).is_err());
}

#[test]
fn named_and_names_agree() {
    for n in Preset::NAMES {
        assert_eq!(Preset::named(n).unwrap().name(), n);
    }
    assert!(Preset::named("UID2").is_none());
    assert!(Preset::named("").is_none());
}
