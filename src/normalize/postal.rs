//! `postal`: a postal or ZIP code.
//!
//! Trim, drop spaces and hyphens (`SW1A 1AA`, `00-950`, `12345-6789`), cut a US ZIP+4
//! to five digits when the rules say so, then apply the letter case. What remains must
//! be 3 to 10 ASCII letters and digits; nothing more is checked per country.

use super::rules::{Case, PostalRules};
use super::NormalizeError;

const MIN_LEN: usize = 3;
const MAX_LEN: usize = 10;

/// Normalizes a postal code under `rules`.
pub(super) fn normalize(rules: &PostalRules, raw: &str) -> Result<String, NormalizeError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(NormalizeError::Empty);
    }
    let zip_plus4 = is_zip_plus4(s);
    let mut code: String = s.chars().filter(|&c| !(c.is_whitespace() || c == '-')).collect();
    if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(NormalizeError::Invalid("postal code has characters other than letters and digits"));
    }
    if !(MIN_LEN..=MAX_LEN).contains(&code.len()) {
        return Err(NormalizeError::Invalid("postal code too short or too long"));
    }
    if rules.us_zip5 && zip_plus4 {
        code.truncate(5);
    }
    Ok(match rules.case {
        Case::Lower => code.to_ascii_lowercase(),
        Case::Upper => code.to_ascii_uppercase(),
    })
}

/// `12345-6789` or `12345 6789`: the only shapes read as ZIP+4. Nine bare digits are
/// not, because other countries have longer all-digit codes.
fn is_zip_plus4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && (b[5] == b'-' || b[5] == b' ') && b[..5].iter().chain(&b[6..]).all(u8::is_ascii_digit)
}
