//! Why a run stopped: [`PartyError`] with its stable code, and [`ProtocolViolation`],
//! the typed list of ways a partner can break the run. None carries identifiers or keys.

use crate::psi::{MatchKey, PsiError};

/// Why a run stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartyError {
    /// The partner broke the protocol.
    Protocol(ProtocolViolation),
    /// The partner sent an invalid point.
    Psi(PsiError),
    /// A set is smaller than the agreed minimum.
    TooSmall {
        /// Whose set.
        whose: Whose,
        /// Its records.
        records: u64,
        /// The agreed minimum.
        min: u32,
    },
    /// A set is larger than the agreed maximum.
    TooLarge {
        /// Whose set.
        whose: Whose,
        /// Its records.
        records: u64,
        /// The agreed maximum.
        max: u32,
    },
    /// A set holds more values of one key than the agreed maximum (`max_records` bounds
    /// each key's values as well as the records: a record with two emails sends two).
    TooManyValues {
        /// Whose set.
        whose: Whose,
        /// The key.
        key: MatchKey,
        /// Its values.
        values: u64,
        /// The agreed maximum.
        max: u32,
    },
    /// The two reports differ.
    ReportMismatch,
    /// This side's breakdown column looks like an identifier.
    Breakdown(crate::psi::BreakdownError),
    /// The partner's figures about this side's records are not a valid report.
    InvalidReport(crate::report::check::InvalidReport),
}

/// How a partner broke the run (or, for the few marked so, how a caller misused it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// A second set header.
    SecondHeader,
    /// Bulk data bound to another manifest's hash.
    OtherManifest,
    /// Points declared for a key outside the agreement.
    KeyOutsideAgreement(MatchKey),
    /// More than one group in audience mode.
    GroupsInAudienceMode,
    /// Record structure before the set header.
    StructureBeforeHeader,
    /// A structure chunk out of order.
    StructureOutOfOrder {
        /// Received.
        seq: u32,
        /// Expected.
        expected: u32,
    },
    /// More records than the header declared.
    MoreRecordsThanDeclared,
    /// A record in a group the header did not declare.
    UndeclaredGroup,
    /// The structure's key and group counts differ from the header's.
    StructureDisagrees,
    /// Points before the set header.
    PointsBeforeHeader,
    /// Points before the whole record structure.
    PointsBeforeStructure,
    /// A points chunk out of order.
    PointsOutOfOrder {
        /// The key.
        key: MatchKey,
        /// Received.
        seq: u32,
        /// Expected.
        expected: u32,
    },
    /// More points than the header declared.
    MorePointsThanDeclared,
    /// Fewer points than the structure says.
    FewerPointsThanStructure,
    /// A chunk of returned values out of order.
    ReturnedOutOfOrder {
        /// The key.
        key: MatchKey,
        /// Received.
        seq: u32,
    },
    /// More values returned than this side sent.
    MoreValuesThanSent,
    /// Figures bound to another manifest.
    FiguresForOtherManifest,
    /// Figures that are not the expected JSON.
    UnreadableFigures,
    /// Figures about a set other than this side's, or a second set of figures.
    FiguresForOtherSet,
    /// A second report hash.
    SecondReportHash,
    /// A proposal, answer or confirmation after the agreement.
    NegotiationAfterAgreement,
    /// An abort given to the run (the session handles aborts; a caller's mistake).
    AbortInRun,
    /// A task result for no task of this run (a caller's mistake).
    UnknownTask,
    /// A join outcome without a join handed out, or one that does not fit the values
    /// handed out (a caller's mistake).
    JoinOutcome,
}

impl core::fmt::Display for ProtocolViolation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::SecondHeader => f.write_str("a second set header"),
            Self::OtherManifest => f.write_str("bulk data bound to another manifest"),
            Self::KeyOutsideAgreement(key) => write!(f, "points for key '{key}' outside the agreement"),
            Self::GroupsInAudienceMode => f.write_str("groups in audience mode"),
            Self::StructureBeforeHeader => f.write_str("record structure before the header"),
            Self::StructureOutOfOrder { seq, expected } => {
                write!(f, "structure chunk {seq} out of order (expected {expected})")
            }
            Self::MoreRecordsThanDeclared => f.write_str("more records than declared"),
            Self::UndeclaredGroup => f.write_str("a record with an undeclared group"),
            Self::StructureDisagrees => f.write_str("the record structure disagrees with the declared counts"),
            Self::PointsBeforeHeader => f.write_str("points before the header"),
            Self::PointsBeforeStructure => f.write_str("points before the record structure"),
            Self::PointsOutOfOrder { key, seq, expected } => {
                write!(f, "{key} points chunk {seq} out of order (expected {expected})")
            }
            Self::MorePointsThanDeclared => f.write_str("more points than declared"),
            Self::FewerPointsThanStructure => f.write_str("fewer points than the structure says"),
            Self::ReturnedOutOfOrder { key, seq } => write!(f, "returned {key} chunk {seq} out of order"),
            Self::MoreValuesThanSent => f.write_str("more values returned than sent"),
            Self::FiguresForOtherManifest => f.write_str("figures bound to another manifest"),
            Self::UnreadableFigures => f.write_str("unreadable figures"),
            Self::FiguresForOtherSet => f.write_str("figures about a different set"),
            Self::SecondReportHash => f.write_str("a second report hash"),
            Self::NegotiationAfterAgreement => f.write_str("negotiation message after the agreement"),
            Self::AbortInRun => f.write_str("abort handled by the session"),
            Self::UnknownTask => f.write_str("result for an unknown task"),
            Self::JoinOutcome => f.write_str("a join outcome that does not fit the values handed out"),
        }
    }
}

impl core::fmt::Display for PartyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PartyError::Protocol(why) => write!(f, "the partner broke the protocol: {why}"),
            PartyError::Psi(e) => write!(f, "{e}"),
            PartyError::TooSmall { whose, records, min } => {
                write!(f, "{whose} set has {records} usable records; the agreed minimum is {min}")
            }
            PartyError::TooLarge { whose, records, max } => {
                write!(f, "{whose} set has {records} records; the agreed maximum is {max}")
            }
            PartyError::TooManyValues { whose, key, values, max } => write!(
                f,
                "{whose} set has {values} {key} values (records with several {key} columns count each); the agreed maximum is {max}"
            ),
            PartyError::Breakdown(e) => write!(f, "{e}"),
            PartyError::InvalidReport(e) => write!(f, "{e}"),
            PartyError::ReportMismatch => {
                f.write_str("the two reports differ (the partner's software disagrees with this one); nothing is shown")
            }
        }
    }
}

impl std::error::Error for PartyError {}

impl From<PsiError> for PartyError {
    fn from(e: PsiError) -> Self {
        PartyError::Psi(e)
    }
}

impl From<ProtocolViolation> for PartyError {
    fn from(v: ProtocolViolation) -> Self {
        PartyError::Protocol(v)
    }
}

/// Whose set an error is about, seen from the side that reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whose {
    /// This side's.
    Own,
    /// The partner's.
    Partner,
}

impl core::fmt::Display for Whose {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Whose::Own => "your",
            Whose::Partner => "the partner's",
        })
    }
}

impl PartyError {
    /// A stable kebab-case code for programs and the JS API.
    pub fn code(&self) -> &'static str {
        match self {
            PartyError::Protocol(_) => "protocol",
            PartyError::Psi(e) => e.code(),
            PartyError::TooSmall { .. } => "set-too-small",
            PartyError::TooLarge { .. } | PartyError::TooManyValues { .. } => "set-too-large",
            PartyError::ReportMismatch => "report-mismatch",
            PartyError::Breakdown(e) => e.code(),
            PartyError::InvalidReport(e) => e.code(),
        }
    }

    /// The same error as the partner sees it (whose set flips), for its abort message.
    #[must_use]
    pub fn for_partner(&self) -> PartyError {
        let flip = |w: Whose| if w == Whose::Own { Whose::Partner } else { Whose::Own };
        match self.clone() {
            PartyError::TooSmall { whose, records, min } => PartyError::TooSmall { whose: flip(whose), records, min },
            PartyError::TooLarge { whose, records, max } => PartyError::TooLarge { whose: flip(whose), records, max },
            PartyError::TooManyValues { whose, key, values, max } => {
                PartyError::TooManyValues { whose: flip(whose), key, values, max }
            }
            other => other,
        }
    }
}
