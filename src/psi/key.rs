//! The match keys and sets of them: the one vocabulary from a column role to the wire,
//! the manifest and both reports.
//!
//! A [`MatchKey`] is what two records are compared on (DESIGN §5: keys identify a
//! person). Its wire index ([`MatchKey::index`]) is its bit in a record's [`KeyMask`] and
//! its byte in `Points`/`Evaluated` messages; its name ([`MatchKey::as_str`]) is its JSON
//! form and its hash-to-group domain (`cleanmatch-v1:<name>`).
//!
//! A record may hold several values of one key (two email columns): [`KeyCounts`] says
//! how many of each key a record holds; its [`KeyCounts::mask`] is the keys it has.

use serde::{Deserialize, Serialize};

/// A key the protocol matches on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    /// Email address (plain or SHA-256).
    Email,
    /// Phone number (plain or SHA-256).
    Phone,
    /// First name, last name, postal code and country together (as Google Customer Match
    /// and Meta match addresses): a name or a postal code alone is shared by many people,
    /// so neither is a key on its own. See `docs/normalization.md` for the value's bytes.
    NamePostal,
    /// Mobile advertising id.
    Maid,
}

impl MatchKey {
    /// How many keys there are (the length of per-key arrays).
    pub const COUNT: usize = 4;

    /// Every key, in wire order.
    pub const ALL: [MatchKey; MatchKey::COUNT] = [MatchKey::Email, MatchKey::Phone, MatchKey::NamePostal, MatchKey::Maid];

    /// The key's name, as in JSON, reports and the hash-to-group domain.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKey::Email => "email",
            MatchKey::Phone => "phone",
            MatchKey::NamePostal => "name_postal",
            MatchKey::Maid => "maid",
        }
    }

    /// The key of a name, `None` for anything else.
    pub fn parse(name: &str) -> Option<MatchKey> {
        MatchKey::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The wire index: the key's bit in a [`KeyMask`] and its byte on the wire.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The key of a wire index, `None` if out of range.
    pub fn from_index(i: usize) -> Option<MatchKey> {
        MatchKey::ALL.get(i).copied()
    }
}

impl core::fmt::Display for MatchKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of match keys, one bit per [`MatchKey::index`]: which keys a record has, which
/// a side holds, which were agreed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyMask(u8);

impl KeyMask {
    /// No key.
    pub const NONE: KeyMask = KeyMask(0);
    /// Every key.
    pub const ALL: KeyMask = KeyMask((1 << MatchKey::COUNT) - 1);

    /// The mask of its wire byte, `None` if a bit names no key.
    pub fn from_bits(bits: u8) -> Option<KeyMask> {
        (bits & !KeyMask::ALL.0 == 0).then_some(KeyMask(bits))
    }

    /// The mask of its wire byte, bits beyond the known keys dropped.
    pub fn from_bits_truncate(bits: u8) -> KeyMask {
        KeyMask(bits & KeyMask::ALL.0)
    }

    /// The wire byte.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Whether `key` is in the set.
    pub fn contains(self, key: MatchKey) -> bool {
        self.0 & (1 << key.index()) != 0
    }

    /// The set with `key` added.
    #[must_use]
    pub fn with(self, key: MatchKey) -> KeyMask {
        KeyMask(self.0 | 1 << key.index())
    }

    /// Keys in both sets.
    #[must_use]
    pub fn intersect(self, other: KeyMask) -> KeyMask {
        KeyMask(self.0 & other.0)
    }

    /// Keys in either set.
    #[must_use]
    pub fn union(self, other: KeyMask) -> KeyMask {
        KeyMask(self.0 | other.0)
    }

    /// Whether every key of `self` is in `other`.
    pub fn is_subset(self, other: KeyMask) -> bool {
        self.0 & !other.0 == 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many keys are in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The keys in wire order.
    pub fn iter(self) -> impl Iterator<Item = MatchKey> {
        MatchKey::ALL.into_iter().filter(move |k| self.contains(*k))
    }

    /// The keys in wire order, as a list.
    pub fn to_vec(self) -> Vec<MatchKey> {
        self.iter().collect()
    }
}

impl FromIterator<MatchKey> for KeyMask {
    fn from_iter<I: IntoIterator<Item = MatchKey>>(iter: I) -> KeyMask {
        iter.into_iter().fold(KeyMask::NONE, KeyMask::with)
    }
}

impl<'a> FromIterator<&'a MatchKey> for KeyMask {
    fn from_iter<I: IntoIterator<Item = &'a MatchKey>>(iter: I) -> KeyMask {
        iter.into_iter().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_indexes_and_masks_agree() {
        for (i, k) in MatchKey::ALL.into_iter().enumerate() {
            assert_eq!(k.index(), i);
            assert_eq!(MatchKey::from_index(i), Some(k));
            assert_eq!(MatchKey::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
        }
        assert_eq!(MatchKey::from_index(MatchKey::COUNT), None);
        assert_eq!(MatchKey::parse("Email"), None);
        let m: KeyMask = [MatchKey::Phone, MatchKey::Email].into_iter().collect();
        assert_eq!(m.bits(), 0b11);
        assert_eq!(m.to_vec(), vec![MatchKey::Email, MatchKey::Phone]);
        assert!(m.is_subset(KeyMask::ALL) && !KeyMask::ALL.is_subset(m));
        assert_eq!(KeyMask::from_bits(0x10), None);
        assert_eq!(MatchKey::parse("name"), None, "a name alone is no key");
        assert_eq!(MatchKey::parse("postal"), None, "a postal code alone is no key");
        assert_eq!(KeyMask::from_bits_truncate(0xff), KeyMask::ALL);
    }
}

/// At most this many distinct values of one key per record (a record with more keeps
/// the first ones; see [`super::OwnSet::add`]). Bounded so a record's counts fit the
/// wire's one byte per key and the flat form's one byte per record.
pub const MAX_VALUES_PER_KEY: u8 = 16;

/// How many values of each key one record holds, indexed by [`MatchKey::index`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyCounts([u8; MatchKey::COUNT]);

impl KeyCounts {
    /// No values.
    pub const NONE: KeyCounts = KeyCounts([0; MatchKey::COUNT]);

    /// Counts from one byte per key, in wire order.
    pub fn from_array(counts: [u8; MatchKey::COUNT]) -> KeyCounts {
        KeyCounts(counts)
    }

    /// One value of each key in `mask`.
    pub fn ones(mask: KeyMask) -> KeyCounts {
        let mut c = KeyCounts::NONE;
        for k in mask.iter() {
            c.0[k.index()] = 1;
        }
        c
    }

    /// Values of `key`.
    pub fn get(self, key: MatchKey) -> usize {
        usize::from(self.0[key.index()])
    }

    /// Values of the key with wire index `i` (0 if out of range).
    pub fn at(self, i: usize) -> usize {
        self.0.get(i).map_or(0, |c| usize::from(*c))
    }

    /// The counts with `key` set to `n`.
    #[must_use]
    pub fn with(mut self, key: MatchKey, n: u8) -> KeyCounts {
        self.0[key.index()] = n;
        self
    }

    /// The keys with at least one value.
    pub fn mask(self) -> KeyMask {
        MatchKey::ALL.into_iter().filter(|k| self.0[k.index()] > 0).collect()
    }

    /// Values over all keys.
    pub fn total(self) -> usize {
        self.0.iter().map(|c| usize::from(*c)).sum()
    }

    /// Whether the record holds no value.
    pub fn is_empty(self) -> bool {
        self.0.iter().all(|c| *c == 0)
    }

    /// One byte per key, in wire order.
    pub fn to_array(self) -> [u8; MatchKey::COUNT] {
        self.0
    }
}
