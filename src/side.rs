//! Host or guest: the one name for which side of a collaboration something is about,
//! from the handshake and the relay URL to the manifest, the run and the report.

use serde::{Deserialize, Serialize};

/// Which side of the collaboration: the host made the invite, the guest followed it.
/// JSON and the relay URL spell it `"host"` / `"guest"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Made the invite, opened the room and proposes the terms.
    Host,
    /// Joined with the invite and accepts or tightens the terms.
    Guest,
}

impl Side {
    /// The other side.
    pub fn peer(self) -> Side {
        match self {
            Side::Host => Side::Guest,
            Side::Guest => Side::Host,
        }
    }

    /// `"host"` or `"guest"`, as in JSON and the relay URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Host => "host",
            Side::Guest => "guest",
        }
    }

    /// The side of a name, `None` for anything else.
    pub fn parse(name: &str) -> Option<Side> {
        match name {
            "host" => Some(Side::Host),
            "guest" => Some(Side::Guest),
            _ => None,
        }
    }

    /// The byte in a handshake hello.
    pub(crate) fn byte(self) -> u8 {
        match self {
            Side::Host => 0,
            Side::Guest => 1,
        }
    }

    /// The side of a hello byte.
    pub(crate) fn from_byte(b: u8) -> Option<Side> {
        match b {
            0 => Some(Side::Host),
            1 => Some(Side::Guest),
            _ => None,
        }
    }
}

impl core::fmt::Display for Side {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}
