//! Value shapes: whether a sampled value looks like an email, a phone number, a SHA-256
//! digest, a MAID, a postal code or a country code.

/// The shape a single value has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    // In the order of `SHAPES`: the discriminant indexes the counts.
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

/// What kind of non-identifier a column's values look like, to say why it is not one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IdHint {
    /// Integers counting up (`1001`, `1002`, ...): a record or customer number.
    Sequential,
    /// Letters then digits (`G0`, `G1`, `CUST-0042`): a record id.
    Prefixed,
    /// Dates (`2024-03-01`, `01.03.2024`, `20240301` under no header).
    Date,
    /// Amounts with decimals (`12.50`, `1.234,56`).
    Amount,
    /// Yes/no flags (`true`, `0`, `ja`, `Y`).
    Boolean,
    /// UUIDs: as often record ids as advertising ids, so only a header makes them MAIDs.
    Uuid,
    /// Plain digit strings: phones, ids and order numbers look the same.
    Digits,
}

impl IdHint {
    pub(super) fn describe(self) -> &'static str {
        match self {
            IdHint::Sequential => "values count up like record numbers (an id column)",
            IdHint::Prefixed => "values look like record ids (letters then a number)",
            IdHint::Date => "values are dates",
            IdHint::Amount => "values are amounts",
            IdHint::Boolean => "values are yes/no flags",
            IdHint::Uuid => "values are UUIDs, as often record ids as advertising ids",
            IdHint::Digits => "values are plain digit strings, as phones, ids and order numbers all are",
        }
    }
}

/// What a column's sampled values say.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Values {
    /// Non-empty values sampled.
    pub total: usize,
    /// The most common shape and the share of values having it.
    pub shape: Option<(Shape, f32)>,
    /// Share of values that are phone-shaped *and* written as phones (a `+` or `00`
    /// prefix, or digit groups separated by spaces, dashes, dots or parentheses).
    pub formatted_phone: f32,
    /// What the values look like if not identifiers.
    pub hint: Option<IdHint>,
}

fn is_boolean(v: &str) -> bool {
    const WORDS: [&str; 24] = [
        "0",
        "1",
        "y",
        "n",
        "yes",
        "no",
        "true",
        "false",
        "ja",
        "nein",
        "oui",
        "non",
        "si",
        "sí",
        "x",
        "wahr",
        "falsch",
        "vrai",
        "faux",
        "verdadero",
        "falso",
        "vero",
        "sim",
        "nee",
    ];
    WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
}

fn is_amount(v: &str) -> bool {
    // 12.50, -3,10, 1.234,56, 1,234.56, 12.50 €: digits with a decimal separator and
    // two (or one/three) decimals.
    let v = v.trim_matches(|c: char| c.is_whitespace() || "€$£%".contains(c));
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    let Some(sep) = v.rfind(['.', ',']) else { return false };
    let (int, frac) = (&v[..sep], &v[sep + 1..]);
    !int.is_empty()
        && (1..=3).contains(&frac.len())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && int.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b',' || b == b'\'')
        && int.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

fn is_prefixed_id(v: &str) -> bool {
    // Letters first, then digits (optionally after a separator): G0, A-1001, CUST_0042.
    let v = v.trim();
    let letters = v.bytes().take_while(u8::is_ascii_alphabetic).count();
    let rest = v[letters..].trim_start_matches(['-', '_', '#', ' ', '/']);
    (1..=6).contains(&letters) && !rest.is_empty() && rest.len() <= 12 && rest.bytes().all(|b| b.is_ascii_digit())
}

/// A date in the common spellings, or 8 digits that read as yyyymmdd.
fn is_date(v: &str) -> bool {
    if looks_date(v) {
        return true;
    }
    let b = v.as_bytes();
    if b.len() == 8 && b.iter().all(u8::is_ascii_digit) {
        let num = |r: core::ops::Range<usize>| v[r].parse::<u32>().unwrap_or(0);
        let (y, m, d) = (num(0..4), num(4..6), num(6..8));
        return (1900..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d);
    }
    // A timestamp: a date, a space or T, then a time.
    v.split_once([' ', 'T']).is_some_and(|(d, t)| looks_date(d) && t.contains(':'))
}

/// Whether a phone-shaped value is also written as a phone, not only as a run of digits.
pub(super) fn formatted_phone(v: &str) -> bool {
    let v = v.trim();
    if v.starts_with('+') || v.starts_with("00") {
        return true;
    }
    // At least two digit groups: "030 1234567", "(212) 555-0199", "415.555.0100".
    v.split([' ', '-', '.', '/', '(', ')']).filter(|g| !g.is_empty()).count() >= 2
}

/// Reads a column's sampled values: their dominant shape, how many phones are written
/// as phones, and what else they look like.
pub(super) fn analyse<'a>(values: impl Iterator<Item = &'a str>) -> Values {
    let mut counts = [0usize; 6];
    let mut hints = [0usize; 7];
    let (mut total, mut phones_written, mut prev, mut steps) = (0usize, 0usize, None::<u64>, 0usize);
    for v in values.map(str::trim).filter(|v| !v.is_empty()) {
        total += 1;
        let s = shape(v);
        if let Some(s) = s {
            counts[s as usize] += 1;
        }
        if s == Some(Shape::Phone) && formatted_phone(v) && !is_amount(v) {
            phones_written += 1;
        }
        let n = if v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()) { v.parse::<u64>().ok() } else { None };
        if let (Some(a), Some(b)) = (prev, n) {
            if b > a && b - a <= 10 {
                steps += 1;
            }
        }
        prev = n;
        let hint = if is_boolean(v) {
            Some(IdHint::Boolean)
        } else if is_date(v) {
            Some(IdHint::Date)
        } else if is_amount(v) {
            Some(IdHint::Amount)
        } else if looks_maid(v) {
            Some(IdHint::Uuid)
        } else if is_prefixed_id(v) {
            Some(IdHint::Prefixed)
        } else if n.is_some() {
            Some(IdHint::Digits)
        } else {
            None
        };
        if let Some(h) = hint {
            hints[h as usize] += 1;
        }
    }
    if total == 0 {
        return Values::default();
    }
    let share = |n: usize| n as f32 / total as f32;
    let shape = (0..6).max_by_key(|&i| counts[i]).filter(|&i| counts[i] > 0).map(|i| (SHAPES[i], share(counts[i])));
    let mut hint = (0..7).max_by_key(|&i| hints[i]).filter(|&i| share(hints[i]) >= 0.6).map(|i| HINTS[i]);
    // Digits that mostly count up are record numbers.
    if matches!(hint, Some(IdHint::Digits)) && total >= 3 && steps * 10 >= (total - 1) * 8 {
        hint = Some(IdHint::Sequential);
    }
    Values { total, shape, formatted_phone: share(phones_written), hint }
}

const SHAPES: [Shape; 6] = [Shape::Email, Shape::Phone, Shape::Hash, Shape::Maid, Shape::Postal, Shape::Country];
const HINTS: [IdHint; 7] =
    [IdHint::Sequential, IdHint::Prefixed, IdHint::Date, IdHint::Amount, IdHint::Boolean, IdHint::Uuid, IdHint::Digits];
