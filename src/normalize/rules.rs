//! The configurable rules underneath every preset.
//!
//! A [`Rules`] value is plain data: it serializes to JSON (the README shows it, and
//! [`Preset::fingerprint`](super::Preset::fingerprint) hashes it), so two partners
//! can compare exactly what each side will do to its identifiers before matching.

use serde::{Deserialize, Serialize};

/// Version of the rule *semantics* (the code that interprets [`Rules`], including the
/// country table in `phone`). Bump it whenever the same `Rules` would produce different
/// bytes, so that the fingerprints of two builds that disagree differ too.
pub const RULES_VERSION: u32 = 1;

/// Every rule a preset applies, grouped by identifier kind.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Rules for `email`.
    pub email: EmailRules,
    /// Rules for `phone`.
    pub phone: PhoneRules,
    /// Rules for `name`.
    pub name: NameRules,
    /// Rules for `postal`.
    pub postal: PostalRules,
    /// Rules for `maid`.
    pub maid: MaidRules,
    /// Rules for `sha256` (already-hashed input).
    pub sha256: DigestRules,
}

/// What to do with whitespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Whitespace {
    /// Remove leading and trailing whitespace; whitespace inside is kept (for an email
    /// that makes the value invalid).
    Trim,
    /// Remove whitespace everywhere (Google: "leading, trailing and intermediate").
    RemoveAll,
}

/// Email rules. Every preset lowercases the whole address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailRules {
    /// Whitespace handling before validation.
    pub whitespace: Whitespace,
    /// Remove every `.` from the local part of a gmail.com address.
    pub gmail_remove_dots: bool,
    /// Remove a `+tag` (the `+` and everything after it) from the local part of a
    /// gmail.com address.
    pub gmail_remove_plus_tag: bool,
    /// Apply the two gmail rules to googlemail.com addresses too. The domain itself is
    /// kept as written, as Google's formatting guide does.
    pub googlemail_is_gmail: bool,
}

/// How a normalized phone number is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneFormat {
    /// E.164 with the leading plus: `+12345678901` (UID2, Google).
    PlusE164,
    /// The same digits without the plus: `12345678901` (Meta).
    Digits,
}

/// Phone rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneRules {
    /// Output format.
    pub format: PhoneFormat,
}

/// What to do with punctuation, digits and symbols in a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamePunctuation {
    /// Keep them (`o'brien`, `mary-jane`).
    Keep,
    /// Remove everything that is not a letter, a combining mark or a space
    /// (`obrien`, `maryjane`): Meta's "a-z only, no punctuation", accents kept.
    Remove,
}

/// What to do with spaces inside a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InnerSpaces {
    /// Collapse each run of whitespace to one space (`mary ann`).
    Collapse,
    /// Remove them (`maryann`).
    Remove,
}

/// Name rules. Every preset trims, lowercases and applies Unicode NFC.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameRules {
    /// Punctuation handling.
    pub punctuation: NamePunctuation,
    /// Inner whitespace handling.
    pub inner_spaces: InnerSpaces,
}

/// Letter case of a normalized value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Case {
    /// Lowercase.
    Lower,
    /// Uppercase.
    Upper,
}

/// Postal code rules. Every preset removes spaces and hyphens.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostalRules {
    /// Letter case (only matters for alphanumeric codes such as UK or Canadian ones).
    pub case: Case,
    /// Cut a US ZIP+4 (`12345-6789`) to its 5-digit ZIP, so a partner with the
    /// extension and one without still match.
    pub us_zip5: bool,
}

/// Mobile advertising id rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaidRules {
    /// Letter case of the hex digits. Apple shows IDFAs in uppercase and Android shows
    /// AAIDs in lowercase; the built-in presets all use lowercase, so an IDFA from iOS
    /// and the same id lowercased by an export tool still match.
    pub case: Case,
}

/// Which encodings of an already-computed SHA-256 digest are accepted.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestRules {
    /// 64 hex digits, either case.
    pub hex: bool,
    /// 44 characters of standard, padded base64 (as UID2 hashes are exchanged).
    pub base64: bool,
}

impl Rules {
    /// UID2: gmail.com dots and `+tag` removed (gmail.com only), `+E164` phones,
    /// hex or base64 hashes.
    pub fn uid2() -> Rules {
        Rules {
            email: EmailRules {
                whitespace: Whitespace::Trim,
                gmail_remove_dots: true,
                gmail_remove_plus_tag: true,
                googlemail_is_gmail: false,
            },
            sha256: DigestRules { hex: true, base64: true },
            ..Rules::plain()
        }
    }

    /// Google (Data Manager / Customer Match): all whitespace removed from emails;
    /// gmail.com and googlemail.com dots and `+tag` removed (domain kept); `+E164`
    /// phones; postal codes uppercase.
    pub fn google() -> Rules {
        Rules {
            email: EmailRules {
                whitespace: Whitespace::RemoveAll,
                gmail_remove_dots: true,
                gmail_remove_plus_tag: true,
                googlemail_is_gmail: true,
            },
            postal: PostalRules { case: Case::Upper, us_zip5: true },
            sha256: DigestRules { hex: true, base64: true },
            ..Rules::plain()
        }
    }

    /// Meta (custom audiences): no gmail rules, phones as digits with the country code
    /// and no `+`, names without punctuation, postal codes lowercase, hex hashes.
    pub fn meta() -> Rules {
        Rules {
            phone: PhoneRules { format: PhoneFormat::Digits },
            name: NameRules { punctuation: NamePunctuation::Remove, inner_spaces: InnerSpaces::Collapse },
            sha256: DigestRules { hex: true, base64: false },
            ..Rules::plain()
        }
    }

    /// IAB PAIR: lowercase and trim, no gmail rules, hex hashes.
    pub fn pair() -> Rules {
        Rules { sha256: DigestRules { hex: true, base64: false }, ..Rules::plain() }
    }

    /// Plain: trim and lowercase only; `+E164` phones; hex or base64 hashes.
    pub fn plain() -> Rules {
        Rules {
            email: EmailRules {
                whitespace: Whitespace::Trim,
                gmail_remove_dots: false,
                gmail_remove_plus_tag: false,
                googlemail_is_gmail: false,
            },
            phone: PhoneRules { format: PhoneFormat::PlusE164 },
            name: NameRules { punctuation: NamePunctuation::Keep, inner_spaces: InnerSpaces::Collapse },
            postal: PostalRules { case: Case::Lower, us_zip5: true },
            maid: MaidRules { case: Case::Lower },
            sha256: DigestRules { hex: true, base64: true },
        }
    }

    /// The canonical bytes that [`Preset::fingerprint`](super::Preset::fingerprint)
    /// hashes: the rules version and the rules as compact JSON (field order is the
    /// declaration order, so it is stable).
    pub fn canonical_encoding(&self) -> String {
        // Serializing plain structs and unit enums to JSON cannot fail.
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("cleanmatch-rules-v{RULES_VERSION}\n{json}")
    }
}
