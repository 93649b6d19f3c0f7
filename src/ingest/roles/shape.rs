//! Value shapes: whether a sampled value looks like an email, a phone number, a SHA-256
//! digest, a MAID, a postal code or a country code.

/// The shape a single value has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    Email,
    Phone,
    Hash,
    Maid,
    Postal,
    Country,
}

/// Whether a value looks like an email address.
pub fn looks_email(v: &str) -> bool {
    let v = v.trim();
    let Some((local, domain)) = v.split_once('@') else { return false };
    !local.is_empty()
        && v.len() <= 254
        && domain.contains('.')
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.contains(char::is_whitespace)
}

/// Whether a value looks like a phone number: 7 to 15 digits and only phone punctuation,
/// and not a date.
pub fn looks_phone(v: &str) -> bool {
    let v = v.trim();
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let allowed = v.bytes().all(|b| b.is_ascii_digit() || b" +-()./".contains(&b));
    allowed && (7..=15).contains(&digits) && !looks_date(v)
}

/// `2024-01-31`, `31/01/2024`, `31.01.2024` and the like.
fn looks_date(v: &str) -> bool {
    let parts: Vec<&str> = v.split(['-', '/', '.']).collect();
    parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
        && (parts[0].len() == 4 || parts[2].len() == 4)
}

/// Whether a value is a SHA-256 digest: 64 hex digits or 44 base64 characters.
pub fn looks_sha256(v: &str) -> bool {
    let v = v.trim();
    (v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        || (v.len() == 44
            && v.ends_with('=')
            && v.as_bytes()[..43].iter().copied().all(|b| b.is_ascii_alphanumeric() || b"+/-_".contains(&b)))
}

/// Whether a value is a MAID: a UUID, `8-4-4-4-12` hex digits.
pub fn looks_maid(v: &str) -> bool {
    let v = v.trim();
    let groups: Vec<&str> = v.split('-').collect();
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a value is shaped like a postal code (US `12345`, `12345-6789`, UK `SW1A 1AA`,
/// NL `1234 AB`, CA `K1A 0B1`, ...).
fn looks_postal(v: &str) -> bool {
    let v = v.trim();
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let alnum = v.bytes().filter(u8::is_ascii_alphanumeric).count();
    // Mostly digits, or letters and digits in two groups (UK, NL, CA): not "gold12".
    (3..=10).contains(&v.len())
        && digits > 0
        && (digits * 2 >= alnum || v.contains(' '))
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-')
}

/// Whether a value is a two-letter country code.
fn looks_country(v: &str) -> bool {
    let v = v.trim();
    // Upper case only: lower-case pairs are as often "no", "ja" or initials.
    v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase())
}

/// Whether a value looks like an identifier (so a row holding it is not a header).
pub fn looks_identifier(v: &str) -> bool {
    looks_email(v) || looks_phone(v) || looks_sha256(v) || looks_maid(v)
}

pub(super) fn shape(v: &str) -> Option<Shape> {
    if looks_sha256(v) {
        Some(Shape::Hash)
    } else if looks_maid(v) {
        Some(Shape::Maid)
    } else if looks_email(v) {
        Some(Shape::Email)
    } else if looks_phone(v) {
        Some(Shape::Phone)
    } else if looks_country(v) {
        Some(Shape::Country)
    } else if looks_postal(v) {
        Some(Shape::Postal)
    } else {
        None
    }
}

/// The dominant shape of a column's sample values and the share of non-empty values
/// that have it; `None` for an empty sample.
pub(super) fn value_shape<'a>(values: impl Iterator<Item = &'a str>) -> Option<(Option<Shape>, f32)> {
    let mut counts = [0usize; 7];
    let mut total = 0usize;
    for v in values.filter(|v| !v.trim().is_empty()) {
        total += 1;
        let i = match shape(v) {
            Some(Shape::Email) => 0,
            Some(Shape::Phone) => 1,
            Some(Shape::Hash) => 2,
            Some(Shape::Maid) => 3,
            Some(Shape::Postal) => 4,
            Some(Shape::Country) => 5,
            None => 6,
        };
        counts[i] += 1;
    }
    if total == 0 {
        return None;
    }
    let shapes = [
        Some(Shape::Email),
        Some(Shape::Phone),
        Some(Shape::Hash),
        Some(Shape::Maid),
        Some(Shape::Postal),
        Some(Shape::Country),
        None,
    ];
    let (i, n) = counts.iter().enumerate().max_by_key(|(_, n)| **n).unwrap_or((6, &0));
    Some((shapes[i], *n as f32 / total as f32))
}
