//! `maid`: a mobile advertising id (Apple IDFA or Android AAID).
//!
//! Both are UUIDs written 8-4-4-4-12 hex digits. Apple prints IDFAs in uppercase and
//! Android prints AAIDs in lowercase; the rules pick one case so both spellings match.
//! The all-zero id is what iOS returns when the user has not allowed tracking: it names
//! no one, and matching on it would join every such record, so it is refused.

use super::rules::{Case, MaidRules};
use super::NormalizeError;

/// Normalizes a mobile advertising id under `rules`.
pub(super) fn normalize(rules: &MaidRules, raw: &str) -> Result<String, NormalizeError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(NormalizeError::Empty);
    }
    let b = s.as_bytes();
    let shape_ok = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() });
    if !shape_ok {
        return Err(NormalizeError::Invalid("not a UUID (8-4-4-4-12 hex digits)"));
    }
    if b.iter().all(|c| *c == b'0' || *c == b'-') {
        return Err(NormalizeError::Invalid("all-zero advertising id (tracking not allowed)"));
    }
    Ok(match rules.case {
        Case::Lower => s.to_ascii_lowercase(),
        Case::Upper => s.to_ascii_uppercase(),
    })
}
