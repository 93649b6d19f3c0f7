//! Suppression: records that must be removed before anything is blinded, because the
//! person opted out. Either a second file of identifiers (any of its identifier columns
//! is read like the main file's), or a column of the main file whose truthy value flags
//! the row (`opt_out`, `unsubscribed`, `do_not_contact`).

use super::record::{MatchKey, Record};
use super::roles::fold;
use std::collections::HashSet;

/// The digests of suppressed identifiers.
#[derive(Clone, Debug, Default)]
pub struct Suppression {
    keys: HashSet<(MatchKey, [u8; 32])>,
}

impl Suppression {
    /// An empty list.
    pub fn new() -> Suppression {
        Suppression::default()
    }

    /// A list holding every key of `records` (read from the suppression file with the
    /// same preset as the main file, so digests compare).
    pub fn from_records<I: IntoIterator<Item = Record>>(records: I) -> Suppression {
        let mut s = Suppression::new();
        for r in records {
            s.insert(&r);
        }
        s
    }

    /// Adds every key of `record`.
    pub fn insert(&mut self, record: &Record) {
        self.keys.extend(record.keys.iter().copied());
    }

    /// Whether any key of `record` is suppressed.
    pub fn contains(&self, record: &Record) -> bool {
        record.keys.iter().any(|k| self.keys.contains(k))
    }

    /// How many distinct keys the list holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the list holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Folded names of opt-out flag columns.
const OPT_OUT_NAMES: &[&str] = &[
    "optout", "optedout", "unsubscribed", "unsubscribe", "donotcontact", "dnc", "donotemail",
    "donotcall", "suppressed", "suppress", "abgemeldet", "desinscrit", "desabonne", "baja",
    "afgemeld",
];

/// The first column whose header names an opt-out flag.
pub fn opt_out_column(headers: &[String]) -> Option<usize> {
    headers.iter().position(|h| is_opt_out_header(h))
}

/// Whether a header names an opt-out flag (`opt_out`, `Unsubscribed`, `do not contact`, ...).
pub fn is_opt_out_header(header: &str) -> bool {
    OPT_OUT_NAMES.contains(&fold(header).as_str())
}

/// Whether an opt-out cell says "opted out": `true`, `yes`, `y`, `1`, `x`, `ja`, `oui`,
/// `si`, `sí`, `t`, and the like, in any case.
pub fn is_truthy(value: &str) -> bool {
    matches!(
        fold(value).as_str(),
        "true" | "yes" | "y" | "1" | "x" | "ja" | "j" | "oui" | "o" | "si" | "t" | "wahr" | "vrai"
            | "verdadero" | "waar" | "optedout" | "optout" | "unsubscribed"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_any_key() {
        let a = Record { keys: vec![(MatchKey::Email, [1; 32]), (MatchKey::Phone, [2; 32])], group: None };
        let b = Record { keys: vec![(MatchKey::Phone, [2; 32])], group: None };
        let c = Record { keys: vec![(MatchKey::Email, [2; 32])], group: None };
        let s = Suppression::from_records([b]);
        assert!(s.contains(&a));
        assert!(!s.contains(&c));
    }

    #[test]
    fn flags() {
        let h: Vec<String> = ["email", "Do Not Contact"].map(String::from).into();
        assert_eq!(opt_out_column(&h), Some(1));
        assert!(is_truthy(" TRUE ") && is_truthy("Sí") && is_truthy("1"));
        assert!(!is_truthy("false") && !is_truthy("") && !is_truthy("0"));
    }
}
