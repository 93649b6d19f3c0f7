//! `phone`: E.164 from what people type.
//!
//! 1. Trim; refuse letters (vanity numbers, `ext. 12`, `x12`): a guess would match the
//!    wrong person.
//! 2. Keep digits; drop the separators people use (spaces, `-`, `.`, `/`, parentheses);
//!    refuse anything else and a `+` anywhere but first.
//! 3. International form: `+CC…`, `00CC…`, or `011CC…` when the default country is in
//!    the North American Numbering Plan. The calling code must be an assigned one; a
//!    national `0` written after it (`+44 (0)20…`, `+44 020…`) is dropped, except where
//!    the `0` belongs to the number (Italy).
//! 4. National form: needs a default country; its trunk prefix (`0`, `1` for NANP, `8`
//!    for Russia…) is dropped and its calling code put in front. In a country with a
//!    trunk prefix, digits that start with the country's own calling code instead are
//!    read as the calling code written without `+` (Meta's digits-only form).
//! 5. Check E.164 length (8 to 15 digits including the calling code) and, for NANP, the
//!    10-digit plan with area and exchange codes starting 2–9.
//!
//! There is no per-country number-plan validation beyond that (see
//! `docs/normalization.md`): a well-formed but unassigned number is accepted.

mod countries;

use super::rules::{PhoneFormat, PhoneRules};
use super::NormalizeError;

const E164_MIN: usize = 8;
const E164_MAX: usize = 15;

/// Whether the country table has `iso`.
pub(super) fn is_known_country(iso: &str) -> bool {
    countries::by_iso(iso).is_some()
}

/// Normalizes a phone number under `rules`.
pub(super) fn normalize(rules: &PhoneRules, raw: &str, default_country: Option<&str>) -> Result<String, NormalizeError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(NormalizeError::Empty);
    }
    let (plus, digits) = digits_of(s)?;
    if digits.is_empty() {
        return Err(NormalizeError::Invalid("no digits in a phone number"));
    }
    let country = match default_country {
        Some(iso) => Some(countries::by_iso(iso).ok_or(NormalizeError::UnknownCountry)?),
        None => None,
    };
    let nanp_home = country.is_some_and(|(_, cc, _)| *cc == "1");
    let e164 = if plus {
        international(&digits)?
    } else if let Some(rest) = digits.strip_prefix("00") {
        international(rest)?
    } else if let (true, Some(rest)) = (nanp_home, digits.strip_prefix("011")) {
        international(rest)?
    } else {
        let (_, cc, trunks) = country.ok_or(NormalizeError::NoCountryCode)?;
        national(cc, trunks, &digits)?
    };
    check(&e164)?;
    Ok(match rules.format {
        PhoneFormat::PlusE164 => format!("+{e164}"),
        PhoneFormat::Digits => e164,
    })
}

/// Splits off a leading `+` and keeps the digits, refusing what no phone number holds.
fn digits_of(s: &str) -> Result<(bool, String), NormalizeError> {
    let (plus, body) = match s.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut digits = String::with_capacity(body.len());
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '/' | '(' | ')' | '\u{2010}'..='\u{2015}' => {}
            c if c.is_whitespace() => {}
            c if c.is_alphabetic() => return Err(NormalizeError::Invalid("letters or an extension in a phone number")),
            '+' => return Err(NormalizeError::Invalid("plus sign inside a phone number")),
            _ => return Err(NormalizeError::Invalid("character not allowed in a phone number")),
        }
    }
    Ok((plus, digits))
}

/// `digits` starts with a calling code; returns calling code + national number.
fn international(digits: &str) -> Result<String, NormalizeError> {
    // Calling codes are prefix-free (ITU-T E.164), so the first match is the only one.
    let cc_len = (1..=3)
        .find(|&n| digits.get(..n).is_some_and(countries::is_calling_code))
        .ok_or(NormalizeError::Invalid("unknown country calling code"))?;
    let (cc, mut nsn) = digits.split_at(cc_len);
    if countries::drops_zero_trunk(cc) {
        nsn = nsn.strip_prefix('0').unwrap_or(nsn);
        // Where `0` is the trunk prefix no national number starts with it, so a second
        // one is garbage; dropping it too would make normalizing twice differ.
        if nsn.starts_with('0') {
            return Err(NormalizeError::Invalid("national number starts with 0 after the trunk prefix"));
        }
    }
    Ok(format!("{cc}{nsn}"))
}

/// `digits` is a national number of the country with calling code `cc`.
fn national(cc: &str, trunks: &[&str], digits: &str) -> Result<String, NormalizeError> {
    let nsn = if cc == "1" {
        // NANP: 10 digits, optionally after the trunk `1`.
        match digits.len() {
            11 => digits.strip_prefix('1').ok_or(NormalizeError::Invalid("wrong length for a North American number"))?,
            _ => digits,
        }
    } else if let Some(nsn) = trunks.iter().find_map(|t| digits.strip_prefix(t)) {
        nsn
    } else if let (false, Some(nsn)) = (trunks.is_empty(), digits.strip_prefix(cc)) {
        // A country that dials a trunk prefix before national numbers, a number without
        // it that starts with the country's own calling code: the calling code was
        // written without `+` (`442079460000`, the digits-only form Meta asks for).
        nsn
    } else {
        digits
    };
    Ok(format!("{cc}{nsn}"))
}

/// E.164 length, and the NANP plan (the only plan cheap enough to check: every +1
/// number is NXX-NXX-XXXX).
fn check(e164: &str) -> Result<(), NormalizeError> {
    if !(E164_MIN..=E164_MAX).contains(&e164.len()) {
        return Err(NormalizeError::Invalid("phone number too short or too long for E.164"));
    }
    if let Some(nsn) = e164.strip_prefix('1') {
        let b = nsn.as_bytes();
        if b.len() != 10 {
            return Err(NormalizeError::Invalid("wrong length for a North American number"));
        }
        if b[0] < b'2' || b[3] < b'2' {
            return Err(NormalizeError::Invalid("North American area or exchange code starts with 0 or 1"));
        }
    }
    Ok(())
}
