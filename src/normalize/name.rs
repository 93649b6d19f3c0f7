//! `name`: one first or last name.
//!
//! Trim, lowercase, apply the punctuation and inner-space rules, then Unicode NFC last,
//! so that removing a character between a letter and its combining accent still yields
//! the composed form and normalizing twice changes nothing.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::rules::{InnerSpaces, NamePunctuation, NameRules};
use super::text;
use super::NormalizeError;

/// Normalizes a name under `rules`.
pub(super) fn normalize(rules: &NameRules, raw: &str) -> Result<String, NormalizeError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(NormalizeError::Empty);
    }
    text::refuse_controls(s)?;
    let lower = s.to_lowercase();
    let kept: String = match rules.punctuation {
        NamePunctuation::Keep => lower,
        NamePunctuation::Remove => lower.chars().filter(|&c| c.is_alphabetic() || is_combining_mark(c) || c.is_whitespace()).collect(),
    };
    let sep = match rules.inner_spaces {
        InnerSpaces::Collapse => " ",
        InnerSpaces::Remove => "",
    };
    let joined = kept.split_whitespace().collect::<Vec<_>>().join(sep);
    let out: String = joined.nfc().collect();
    if out.is_empty() {
        return Err(NormalizeError::Invalid("no letters in a name"));
    }
    if !out.chars().any(char::is_alphabetic) {
        return Err(NormalizeError::Invalid("no letters in a name"));
    }
    Ok(out)
}
