//! Small text helpers shared by the kinds.

use super::rules::Whitespace;
use super::NormalizeError;

/// Applies a whitespace rule, then refuses an empty result.
pub(super) fn whitespace(raw: &str, rule: Whitespace) -> Result<String, NormalizeError> {
    let out: String = match rule {
        Whitespace::Trim => raw.trim().to_string(),
        Whitespace::RemoveAll => raw.chars().filter(|c| !c.is_whitespace()).collect(),
    };
    if out.is_empty() {
        return Err(NormalizeError::Empty);
    }
    Ok(out)
}

/// Refuses control characters (tabs, NULs, line breaks inside a value), which no
/// identifier contains and which would break the line-based formats around us.
pub(super) fn refuse_controls(s: &str) -> Result<(), NormalizeError> {
    if s.chars().any(char::is_control) {
        return Err(NormalizeError::Invalid("control character"));
    }
    Ok(())
}
