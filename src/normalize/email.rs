//! `email`: whitespace rule, lowercase, validate, then the gmail rules.
//!
//! Validation is deliberately practical rather than RFC 5322-complete: one `@`, a
//! non-empty local part of atext characters and dots (no quoted strings, no comments),
//! a domain of at least two labels with a top-level label of at least two letters.
//! Non-ASCII letters are allowed in both parts (internationalized addresses).

use super::rules::EmailRules;
use super::text;
use super::NormalizeError;

const LOCAL_MAX: usize = 64;
const TOTAL_MAX: usize = 254;

/// Normalizes an email address under `rules`.
pub(super) fn normalize(rules: &EmailRules, raw: &str) -> Result<String, NormalizeError> {
    let s = text::whitespace(raw, rules.whitespace)?;
    text::refuse_controls(&s)?;
    let s = s.to_lowercase();
    let (local, domain) = split(&s)?;
    check_local(local)?;
    check_domain(domain)?;
    let local = gmail_rules(rules, local, domain)?;
    if local.len() + 1 + domain.len() > TOTAL_MAX {
        return Err(NormalizeError::Invalid("email too long"));
    }
    Ok(format!("{local}@{domain}"))
}

fn split(s: &str) -> Result<(&str, &str), NormalizeError> {
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NormalizeError::Invalid(if s.contains('@') { "more than one @" } else { "no @" }));
    };
    if local.is_empty() {
        return Err(NormalizeError::Invalid("empty local part"));
    }
    if domain.is_empty() {
        return Err(NormalizeError::Invalid("empty domain"));
    }
    Ok((local, domain))
}

fn check_local(local: &str) -> Result<(), NormalizeError> {
    if local.len() > LOCAL_MAX {
        return Err(NormalizeError::Invalid("local part longer than 64 bytes"));
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c) || (!c.is_ascii() && c.is_alphanumeric());
    if !local.chars().all(|c| c == '.' || atext(c)) {
        return Err(NormalizeError::Invalid("character not allowed in the local part"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(NormalizeError::Invalid("misplaced dot in the local part"));
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), NormalizeError> {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(NormalizeError::Invalid("domain without a dot"));
    }
    for label in &labels {
        if label.is_empty() {
            return Err(NormalizeError::Invalid("empty domain label"));
        }
        if !label.chars().all(|c| c == '-' || c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric())) {
            return Err(NormalizeError::Invalid("character not allowed in the domain"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(NormalizeError::Invalid("domain label starts or ends with a hyphen"));
        }
    }
    // An all-digit or one-letter top-level label means an IP address or a typo.
    let tld = labels.last().copied().unwrap_or_default();
    if tld.chars().count() < 2 || tld.chars().all(|c| c.is_ascii_digit()) {
        return Err(NormalizeError::Invalid("top-level domain is not a name"));
    }
    Ok(())
}

/// Gmail ignores dots and `+tags` in the local part, so the platforms strip them to make
/// one mailbox one identifier. Only for the gmail domains the rules name.
fn gmail_rules(rules: &EmailRules, local: &str, domain: &str) -> Result<String, NormalizeError> {
    let is_gmail = domain == "gmail.com" || (rules.googlemail_is_gmail && domain == "googlemail.com");
    if !is_gmail {
        return Ok(local.to_string());
    }
    let mut local = local;
    if rules.gmail_remove_plus_tag {
        local = local.split('+').next().unwrap_or_default();
    }
    let local: String = if rules.gmail_remove_dots { local.chars().filter(|&c| c != '.').collect() } else { local.to_string() };
    if local.is_empty() {
        return Err(NormalizeError::Invalid("empty local part"));
    }
    // Removing a tag can leave a trailing dot (`a.+x`); refuse what we would refuse as
    // input, so normalizing twice gives the same answer.
    check_local(&local)?;
    Ok(local)
}
