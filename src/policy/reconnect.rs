//! How long and how often a side retries a dropped relay connection.

use core::time::Duration;

/// The reconnect policy of every driver (command line, page, npm package).
///
/// The window is sized to the relay: it takes up to 45 s (three unanswered pings) to
/// notice that a silently dead connection is gone, and until then it refuses the
/// returning side as [`super::CloseCode::RoomFull`]; an empty room waits 2 minutes for
/// its sides, so a retry inside the window always finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// How long after the drop a side keeps trying.
    pub window: Duration,
    /// The pause between two attempts.
    pub delay: Duration,
}

impl ReconnectPolicy {
    /// The policy all drivers use.
    pub const DEFAULT: ReconnectPolicy = ReconnectPolicy { window: Duration::from_secs(60), delay: Duration::from_secs(1) };

    /// Whether an attempt is still due `since_drop` after the connection dropped.
    pub fn within_window(&self, since_drop: Duration) -> bool {
        since_drop < self.window
    }
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy::DEFAULT
    }
}
