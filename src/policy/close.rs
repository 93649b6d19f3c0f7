//! The relay's WebSocket close codes: the one authoritative table.
//!
//! Codes 4000–4999 are the application range of RFC 6455 §7.4.2; the relay picks
//! `4000 + the HTTP status` of the same meaning, so 4004 reads as "not found" and 4029 as
//! "too many requests". 1001 is the standard "going away".

use serde::Serialize;

/// Whether a client should reconnect after a close with a given code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Retry {
    /// The refusal will not change: fail at once.
    Never,
    /// Retry only a side that was already in its room (a reconnect), within the
    /// reconnect window; a first connection fails at once.
    WhileRejoining,
    /// A connection problem: reconnect within the reconnect window.
    Always,
}

impl Retry {
    /// The kebab-case name used in the wasm export and the docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Retry::Never => "never",
            Retry::WhileRejoining => "while-rejoining",
            Retry::Always => "always",
        }
    }

    /// Whether to reconnect now, given whether this side had been in its room before.
    pub fn allows(self, rejoining: bool) -> bool {
        match self {
            Retry::Never => false,
            Retry::WhileRejoining => rejoining,
            Retry::Always => true,
        }
    }
}

/// Every close code the relay sends, with its reason and retry rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseCode {
    /// 1001: the relay is shutting down (a restart or a deploy).
    ShuttingDown,
    /// 4000: a malformed request: a bad room id or role, or a text message from a client.
    BadRequest,
    /// 4001: the role is taken (a third client, or a reconnect the relay has not yet
    /// matched with the old connection's end).
    RoomFull,
    /// 4004: a guest before its host, or after the room ended unused.
    NoSuchRoom,
    /// 4008: a timeout: the room was idle, reached its lifetime, the side answered no
    /// ping, or a message stayed incomplete too long.
    Timeout,
    /// 4010: the invite was already used for a collaboration.
    InviteUsed,
    /// 4013: a frame over the frame limit, or the room's byte limit reached.
    TooLarge,
    /// 4029: too many connections from this client address (IPv6: its /64).
    TooManyFromAddress,
    /// 4503: the relay is at capacity: too many rooms, or no memory left for
    /// incomplete messages.
    RelayBusy,
}

impl CloseCode {
    /// Every code, in numeric order (the docs and the wasm export list them so).
    pub const ALL: [CloseCode; 9] = [
        CloseCode::ShuttingDown,
        CloseCode::BadRequest,
        CloseCode::RoomFull,
        CloseCode::NoSuchRoom,
        CloseCode::Timeout,
        CloseCode::InviteUsed,
        CloseCode::TooLarge,
        CloseCode::TooManyFromAddress,
        CloseCode::RelayBusy,
    ];

    /// The number on the wire.
    pub fn code(self) -> u16 {
        match self {
            CloseCode::ShuttingDown => 1001,
            CloseCode::BadRequest => 4000,
            CloseCode::RoomFull => 4001,
            CloseCode::NoSuchRoom => 4004,
            CloseCode::Timeout => 4008,
            CloseCode::InviteUsed => 4010,
            CloseCode::TooLarge => 4013,
            CloseCode::TooManyFromAddress => 4029,
            CloseCode::RelayBusy => 4503,
        }
    }

    /// The code for a number, if the relay uses it.
    pub fn from_code(code: u16) -> Option<CloseCode> {
        CloseCode::ALL.into_iter().find(|c| c.code() == code)
    }

    /// A stable kebab-case name (`room-full`), for logs, the page and the docs.
    pub fn name(self) -> &'static str {
        match self {
            CloseCode::ShuttingDown => "shutting-down",
            CloseCode::BadRequest => "bad-request",
            CloseCode::RoomFull => "room-full",
            CloseCode::NoSuchRoom => "no-such-room",
            CloseCode::Timeout => "timeout",
            CloseCode::InviteUsed => "invite-used",
            CloseCode::TooLarge => "too-large",
            CloseCode::TooManyFromAddress => "too-many-from-address",
            CloseCode::RelayBusy => "relay-busy",
        }
    }

    /// What a client should do after this close.
    pub fn retry(self) -> Retry {
        match self {
            CloseCode::BadRequest | CloseCode::NoSuchRoom | CloseCode::InviteUsed | CloseCode::TooLarge => Retry::Never,
            CloseCode::RoomFull | CloseCode::TooManyFromAddress | CloseCode::RelayBusy => Retry::WhileRejoining,
            CloseCode::ShuttingDown | CloseCode::Timeout => Retry::Always,
        }
    }

    /// One sentence for a person, as the command line prints it (the page words its own
    /// from the code).
    pub fn meaning(self) -> &'static str {
        match self {
            CloseCode::ShuttingDown => "the relay is restarting",
            CloseCode::BadRequest => "the relay refused the request (the client and the relay may be different releases)",
            CloseCode::RoomFull => "this collaboration already has two sides: the invite is in use by someone else",
            CloseCode::NoSuchRoom => "no such collaboration: the host is not connected (the invite expired or the host closed the page)",
            CloseCode::Timeout => "the connection timed out",
            CloseCode::InviteUsed => "this invite was already used; ask the host for a new link",
            CloseCode::TooLarge => "a frame or the whole exchange exceeded the relay's size limit",
            CloseCode::TooManyFromAddress => "too many connections from this network address; try again later",
            CloseCode::RelayBusy => "the relay is at capacity; try again later",
        }
    }
}

/// The retry rule for any close code a client may see, the relay's or not.
///
/// Codes the relay does not use follow their range: an unknown application code
/// (4000–4999, perhaps from a newer relay) is a refusal, anything else (1006 "abnormal
/// closure", a proxy's 1011…) a connection problem.
pub fn retry_for(code: u16) -> Retry {
    match CloseCode::from_code(code) {
        Some(c) => c.retry(),
        None if (4000..5000).contains(&code) => Retry::Never,
        None => Retry::Always,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for c in CloseCode::ALL {
            assert!(seen.insert(c.code()), "{c:?}");
            assert_eq!(CloseCode::from_code(c.code()), Some(c));
        }
        assert!(CloseCode::ALL.windows(2).all(|w| w[0].code() < w[1].code()));
    }

    #[test]
    fn unknown_codes_follow_their_range() {
        assert_eq!(retry_for(4001), Retry::WhileRejoining);
        assert_eq!(retry_for(4999), Retry::Never);
        assert_eq!(retry_for(1006), Retry::Always);
        assert_eq!(retry_for(1000), Retry::Always);
        assert!(!Retry::WhileRejoining.allows(false));
        assert!(Retry::WhileRejoining.allows(true));
    }
}
