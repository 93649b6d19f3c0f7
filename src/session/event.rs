//! What a session tells its caller: the [`Event`]s, serialized once here so every
//! binding sends the same JSON (snake_case, `{"type": …}`).

use crate::manifest::{Change, Manifest};
use serde::Serialize;

/// Something the caller should show or act on. JSON: `{"type": "connected",
/// "verification_code": "123 456"}`, `{"type": "proposed", "manifest": {…},
/// "manifest_hash": "<hex>"}`, `{"type": "countered", "manifest": {…}, "changes":
/// [{"rule": "k", "from": 50, "to": 100}, …]}`, `{"type": "agreed", "manifest": {…}}`,
/// `{"type": "finished"}`, `{"type": "failed", "code": "set-too-small", "message": "…",
/// "origin": "local" | "partner"}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The end-to-end channel is up; both pages show this code.
    Connected {
        /// Six digits; equal on both sides unless someone sits in the middle.
        verification_code: String,
    },
    /// Guest: the host's proposal, to review and [`super::Session::accept`].
    Proposed {
        /// The proposed manifest.
        manifest: Manifest,
        /// Its hash (hex): hand it back to [`super::Session::accept`] to accept what was
        /// shown and nothing else.
        manifest_hash: String,
    },
    /// Host: the guest tightened the proposal; review and [`super::Session::confirm`].
    Countered {
        /// The tightened manifest.
        manifest: Manifest,
        /// What changed, rule by rule.
        changes: Vec<Change>,
    },
    /// Both agreed; call [`super::Session::start`] with this side's records.
    Agreed {
        /// The agreed manifest.
        manifest: Manifest,
    },
    /// The report is computed and both sides' hashes agree.
    Finished,
    /// The session ended with an error, here or at the partner.
    Failed {
        /// Stable machine-readable code ([`super::SessionError::code`]); the same on
        /// both sides when the partner stopped (its abort carries the code).
        code: &'static str,
        /// What happened and what to do.
        message: String,
        /// Where the failure happened.
        origin: Origin,
    },
}

/// Which side a failure happened on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// This side (its file, its limits, its checks of the partner's messages, its
    /// caller's cancel).
    Local,
    /// The partner stopped and said why (its abort's code and reason).
    Partner,
}

impl Event {
    /// The event as JSON (see [`Event`]).
    pub fn to_json(&self) -> String {
        // Strings, numbers and enums of unit variants: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
