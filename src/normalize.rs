//! Identifier normalization: one raw value in, the exact bytes both partners hash out.
//!
//! Matching only works if both partners turn `"  Jane.Doe+promo@GMail.com "` and
//! `"janedoe@gmail.com"` into the same bytes, the way the ad platforms their hashed
//! lists come from do. A [`Preset`] names a set of [`Rules`] (`uid2`, `google`, `meta`,
//! `pair`, `plain`, or custom ones); [`Preset::normalize`] applies them to one value of
//! one [`Kind`] and [`Preset::digest`] returns the SHA-256 both partners feed into the
//! matching protocol.
//!
//! ```
//! use cleanmatch::normalize::{Kind, Preset};
//!
//! let google = Preset::named("google").ok_or("no such preset")?;
//! let email = google.normalize(Kind::Email, "  Jefferson.Loves.Hiking@GMail.com ", None)?;
//! assert_eq!(email, "jeffersonloveshiking@gmail.com");
//! let phone = google.normalize(Kind::Phone, "(800) 555-0100", Some("US"))?;
//! assert_eq!(phone, "+18005550100");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every function here is pure and total: a bad value is an error, never a panic.
//! See `docs/normalization.md` for the rules and the reasons behind them.

use serde::{Deserialize, Serialize};

mod email;
mod hashed;
mod maid;
mod name;
pub mod name_postal;
mod phone;
mod postal;
pub mod rules;
mod text;

pub use name_postal::PersonName;
pub use rules::{Rules, RULES_VERSION};

/// What an identifier is. `Sha256` is an already-hashed value (of a normalized email or
/// phone), validated and passed through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An email address.
    Email,
    /// A phone number, normalized to E.164.
    Phone,
    /// A person's name.
    Name,
    /// A postal (ZIP) code.
    Postal,
    /// A mobile advertising id (IDFA / AAID).
    Maid,
    /// A SHA-256 digest given as 64 hex or 44 base64 characters.
    Sha256,
}

impl Kind {
    /// Every kind, in a stable order.
    pub const ALL: [Kind; 6] = [Kind::Email, Kind::Phone, Kind::Name, Kind::Postal, Kind::Maid, Kind::Sha256];

    /// The kind's name as used on the command line, in vectors and in DSTs.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Name => "name",
            Kind::Postal => "postal",
            Kind::Maid => "maid",
            Kind::Sha256 => "sha256",
        }
    }

    /// Parses a kind name.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Why a value could not be normalized. Never contains the value itself.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NormalizeError {
    /// Nothing left after trimming.
    Empty,
    /// A rule refused the value; the text says which rule, never the value.
    Invalid(&'static str),
    /// A phone number without a country code, and no default country was given.
    NoCountryCode,
    /// The default country is not an ISO 3166-1 alpha-2 code we know.
    UnknownCountry,
}

impl core::fmt::Display for NormalizeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NormalizeError::Empty => f.write_str("empty"),
            NormalizeError::Invalid(why) => f.write_str(why),
            NormalizeError::NoCountryCode => f.write_str("no country code and no default country"),
            NormalizeError::UnknownCountry => f.write_str("unknown default country"),
        }
    }
}

impl std::error::Error for NormalizeError {}

impl NormalizeError {
    /// A stable kebab-case code for programs and the JS API.
    pub fn code(&self) -> &'static str {
        match self {
            NormalizeError::Empty => "empty",
            NormalizeError::Invalid(_) => "invalid",
            NormalizeError::NoCountryCode => "no-country-code",
            NormalizeError::UnknownCountry => "unknown-country",
        }
    }
}

/// Whether `iso` (ISO 3166-1 alpha-2, any case) is a country the phone rules know, so
/// callers can refuse a bad `default_country` once instead of on every record.
pub fn is_known_country(iso: &str) -> bool {
    phone::is_known_country(iso)
}

/// A named set of normalization [`Rules`]. Both partners must use presets with the same
/// [`fingerprint`](Preset::fingerprint), or their digests will not match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preset {
    name: String,
    rules: Rules,
}

impl Preset {
    /// The names of the built-in presets, in a stable order.
    pub const NAMES: [&'static str; 5] = ["uid2", "google", "meta", "pair", "plain"];

    /// A built-in preset by name (`uid2`, `google`, `meta`, `pair`, `plain`), or `None`.
    pub fn named(name: &str) -> Option<Preset> {
        let rules = match name {
            "uid2" => Rules::uid2(),
            "google" => Rules::google(),
            "meta" => Rules::meta(),
            "pair" => Rules::pair(),
            "plain" => Rules::plain(),
            _ => return None,
        };
        Some(Preset { name: name.to_string(), rules })
    }

    /// A preset with configurable rules, e.g. a built-in preset's rules with one change.
    pub fn custom(name: impl Into<String>, rules: Rules) -> Preset {
        Preset { name: name.into(), rules }
    }

    /// The preset's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The rules the preset applies.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// A short hex fingerprint (16 hex digits: the first 8 bytes of a SHA-256) of the
    /// rules and [`RULES_VERSION`]. The name is not covered: two presets with the same
    /// rules produce the same digests, so they share a fingerprint.
    pub fn fingerprint(&self) -> String {
        let digest = crate::hash::sha256(self.rules.canonical_encoding().as_bytes());
        crate::hash::to_hex(&digest[..8])
    }

    /// Normalizes one raw value of `kind`.
    ///
    /// `default_country` (ISO 3166-1 alpha-2, e.g. `"US"`) is only used for phone
    /// numbers written without a country code.
    ///
    /// # Errors
    /// [`NormalizeError::Empty`] for a blank value; [`NormalizeError::Invalid`] when a
    /// rule refuses it (the message names the rule, never the value);
    /// [`NormalizeError::NoCountryCode`] for a national phone number without a default
    /// country; [`NormalizeError::UnknownCountry`] for an unknown default country.
    pub fn normalize(&self, kind: Kind, raw: &str, default_country: Option<&str>) -> Result<String, NormalizeError> {
        let r = &self.rules;
        match kind {
            Kind::Email => email::normalize(&r.email, raw),
            Kind::Phone => phone::normalize(&r.phone, raw, default_country),
            Kind::Name => name::normalize(&r.name, raw),
            Kind::Postal => postal::normalize(&r.postal, raw),
            Kind::Maid => maid::normalize(&r.maid, raw),
            Kind::Sha256 => hashed::decode(&r.sha256, raw).map(|d| crate::hash::to_hex(&d)),
        }
    }

    /// The 32 bytes both partners match on: SHA-256 of the normalized value, except for
    /// [`Kind::Sha256`], where it is the decoded digest itself (so a partner holding only
    /// `sha256(normalized email)` matches one holding the email).
    ///
    /// # Errors
    /// As [`Preset::normalize`].
    pub fn digest(&self, kind: Kind, raw: &str, default_country: Option<&str>) -> Result<[u8; 32], NormalizeError> {
        match kind {
            Kind::Sha256 => hashed::decode(&self.rules.sha256, raw),
            _ => self.normalize(kind, raw, default_country).map(|n| crate::hash::sha256(n.as_bytes())),
        }
    }

    /// The `name_postal` key's value of one person: `name ␟ postal ␟ country` (U+001F
    /// between the parts; see [`name_postal`] and `docs/normalization.md`). `country` is
    /// the row's country or the default one, ISO 3166-1 alpha-2.
    ///
    /// # Errors
    /// [`NormalizeError::Empty`] when the name and the postal code are both blank;
    /// [`NormalizeError::Invalid`] when a part is missing (`no last name`, `no postal
    /// code`, a full name of one word) or refused by its rules;
    /// [`NormalizeError::NoCountryCode`] without a country;
    /// [`NormalizeError::UnknownCountry`] for a country that is not a known alpha-2 code.
    pub fn normalize_name_postal(&self, person: PersonName<'_>, postal: &str, country: Option<&str>) -> Result<String, NormalizeError> {
        name_postal::normalize(&self.rules, person, postal, country)
    }

    /// SHA-256 of [`Preset::normalize_name_postal`]: the digest the `name_postal` key
    /// matches on.
    ///
    /// # Errors
    /// As [`Preset::normalize_name_postal`].
    pub fn digest_name_postal(&self, person: PersonName<'_>, postal: &str, country: Option<&str>) -> Result<[u8; 32], NormalizeError> {
        self.normalize_name_postal(person, postal, country).map(|n| crate::hash::sha256(n.as_bytes()))
    }

    /// [`Preset::normalize`] and [`Preset::digest`] in one pass, for callers that show
    /// the normalized value and match on the digest.
    ///
    /// # Errors
    /// As [`Preset::normalize`].
    pub fn normalize_and_digest(&self, kind: Kind, raw: &str, default_country: Option<&str>) -> Result<(String, [u8; 32]), NormalizeError> {
        if kind == Kind::Sha256 {
            let digest = hashed::decode(&self.rules.sha256, raw)?;
            return Ok((crate::hash::to_hex(&digest), digest));
        }
        let normalized = self.normalize(kind, raw, default_country)?;
        let digest = crate::hash::sha256(normalized.as_bytes());
        Ok((normalized, digest))
    }
}
