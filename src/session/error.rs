//! Why a session stopped: [`SessionError`] with its stable [`SessionError::code`], the
//! agreement's own violations ([`Negotiation`]), and the list of codes an abort may
//! carry to the partner.

use crate::manifest::ManifestError;
use crate::psi::{PartyError, PsiError};
use crate::seal::SealError;
use crate::wire::WireError;

/// Every code [`SessionError::code`] returns, plus `cancelled` (a caller's
/// [`super::Session::cancel`]). An abort from the partner whose code is not listed here
/// (a newer release, a modified page) arrives as `partner-aborted`.
pub const CODES: &[&str] = &[
    "seal",
    "randomness",
    "protocol",
    "manifest",
    "version-mismatch",
    "preset-mismatch",
    "unknown-preset",
    "no-shared-key",
    "second-proposal",
    "terms-mismatch",
    "set-too-small",
    "set-too-large",
    "invalid-point",
    "invalid-secret",
    "invalid-length",
    "unknown-key",
    "report-mismatch",
    "breakdown-identifier",
    "partner-invalid-report",
    "partner-aborted",
    "cancelled",
    "state",
];

/// How the partner broke the agreement step (DESIGN §3 step 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Negotiation {
    /// The host sent a second proposal: the terms shown could be swapped for others.
    SecondProposal,
    /// The guest accepted terms other than the ones this host proposed.
    AcceptedOtherTerms,
    /// The host confirmed terms other than the ones this guest accepted.
    ConfirmedOtherTerms,
    /// A proposal, answer or confirmation from the wrong side or at the wrong time.
    OutOfTurn,
    /// Run data before both agreed.
    DataBeforeAgreement,
}

impl core::fmt::Display for Negotiation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Negotiation::SecondProposal => {
                "the partner sent a second proposal while the first was under review; the run is stopped so the terms shown cannot be swapped"
            }
            Negotiation::AcceptedOtherTerms => "the partner accepted terms other than the ones proposed here",
            Negotiation::ConfirmedOtherTerms => "the partner confirmed terms other than the ones accepted here",
            Negotiation::OutOfTurn => "the partner sent a proposal, answer or confirmation out of turn",
            Negotiation::DataBeforeAgreement => "the partner sent data before both agreed",
        })
    }
}

impl Negotiation {
    /// A stable kebab-case code.
    pub fn code(&self) -> &'static str {
        match self {
            Negotiation::SecondProposal => "second-proposal",
            Negotiation::AcceptedOtherTerms | Negotiation::ConfirmedOtherTerms => "terms-mismatch",
            Negotiation::OutOfTurn | Negotiation::DataBeforeAgreement => "protocol",
        }
    }
}

/// Why the session stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionError {
    /// Sealing or opening failed (wrong invite, tampering).
    Seal(SealError),
    /// A message could not be decoded.
    Wire(WireError),
    /// The manifests disagree.
    Manifest(ManifestError),
    /// The partner broke the agreement step.
    Negotiation(Negotiation),
    /// The protocol run failed.
    Party(PartyError),
    /// The partner stopped and sent why.
    Partner {
        /// The partner's code (one of [`CODES`]).
        code: &'static str,
        /// The partner's reason, written for this side.
        reason: String,
    },
    /// A call came at the wrong time.
    State(&'static str),
}

impl core::fmt::Display for SessionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SessionError::Seal(e) => write!(f, "{e}"),
            SessionError::Wire(e) => write!(f, "the partner sent a malformed message: {e}"),
            SessionError::Manifest(e) => write!(f, "{e}"),
            SessionError::Negotiation(e) => write!(f, "{e}"),
            SessionError::Party(e) => write!(f, "{e}"),
            SessionError::Partner { reason, .. } => write!(f, "the partner stopped: {reason}"),
            SessionError::State(what) => write!(f, "{what}"),
        }
    }
}

impl std::error::Error for SessionError {}

impl SessionError {
    /// A stable code for the page, the JS API and the partner (one of [`CODES`]).
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::Seal(e) => e.code(),
            SessionError::Wire(e) => e.code(),
            SessionError::Manifest(e) => e.code(),
            SessionError::Negotiation(e) => e.code(),
            SessionError::Party(e) => e.code(),
            SessionError::Partner { code, .. } => code,
            SessionError::State(_) => "state",
        }
    }

    /// The message the partner is sent: this error as the partner reads it ("your set"
    /// here is "the partner's set" there).
    pub(super) fn for_partner(&self) -> String {
        match self {
            SessionError::Party(e) => e.for_partner().to_string(),
            other => other.to_string(),
        }
    }

    /// The partner's abort: its code if it is one this release knows.
    pub(super) fn from_partner(code: &str, reason: String) -> SessionError {
        let code = CODES.iter().find(|c| **c == code).copied().unwrap_or("partner-aborted");
        SessionError::Partner { code, reason }
    }
}

impl From<SealError> for SessionError {
    fn from(e: SealError) -> Self {
        SessionError::Seal(e)
    }
}
impl From<WireError> for SessionError {
    fn from(e: WireError) -> Self {
        SessionError::Wire(e)
    }
}
impl From<ManifestError> for SessionError {
    fn from(e: ManifestError) -> Self {
        SessionError::Manifest(e)
    }
}
impl From<Negotiation> for SessionError {
    fn from(e: Negotiation) -> Self {
        SessionError::Negotiation(e)
    }
}
impl From<PartyError> for SessionError {
    fn from(e: PartyError) -> Self {
        SessionError::Party(e)
    }
}
impl From<PsiError> for SessionError {
    fn from(e: PsiError) -> Self {
        SessionError::Party(PartyError::Psi(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_and_kebab_case() {
        let errors = [
            SessionError::Seal(SealError::Forged),
            SessionError::Seal(SealError::Randomness),
            SessionError::Wire(WireError::Empty),
            SessionError::Manifest(ManifestError::NoSharedKey),
            SessionError::Manifest(ManifestError::UnknownPreset("x".into())),
            SessionError::Negotiation(Negotiation::SecondProposal),
            SessionError::Negotiation(Negotiation::AcceptedOtherTerms),
            SessionError::Party(PartyError::ReportMismatch),
            SessionError::Party(PartyError::Psi(PsiError::InvalidPoint { index: 0 })),
            SessionError::Party(PartyError::Breakdown(crate::psi::BreakdownError { why: "x" })),
            SessionError::Party(PartyError::InvalidReport(crate::report::check::InvalidReport("x"))),
            SessionError::from_partner("no-such-code", "x".into()),
            SessionError::State("x"),
        ];
        for e in errors {
            assert!(CODES.contains(&e.code()), "{}", e.code());
        }
        for c in CODES {
            assert!(c.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') && c.len() <= crate::wire::MAX_CODE);
        }
        assert_eq!(SessionError::from_partner("set-too-small", String::new()).code(), "set-too-small");
        assert_eq!(SessionError::from_partner("no-such-code", String::new()).code(), "partner-aborted");
    }
}
