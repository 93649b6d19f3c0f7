//! The agreement step (DESIGN §3 step 2) as one explicit state: who has proposed,
//! answered and confirmed what, and which messages may come next.
//!
//! Host: `Proposing` → (channel up: send `Propose`) → `Proposed` → (the guest's
//! `Counter`) → `Agreed` when it changed nothing, else `Countered` → (this side's
//! confirm) → `Agreed`; `Confirm` is sent on entering `Agreed`.
//! Guest: `Awaiting` → (`Propose`) → `Reviewing` → (this side's accept: send `Counter`
//! with the hash of the proposal shown) → `Accepted` → (`Confirm` of exactly that
//! answer) → `Agreed`.
//! Anything else is a [`Negotiation`] error: a second proposal cannot swap the terms
//! under review, an answer to other terms or a confirmation of another answer is refused.

use super::error::Negotiation;
use super::{Event, SessionError};
use crate::manifest::{Change, LocalRules, Manifest};
use crate::psi::KeyMask;
use crate::report::hex;
use crate::wire::Message;

/// Where the agreement stands.
pub(super) enum Agreement {
    /// Host: the proposal waits for the channel.
    Proposing { proposal: Manifest },
    /// Host: proposal sent; waiting for the guest's answer.
    Proposed { proposal: Manifest },
    /// Host: the guest's answer changed a rule; waiting for this side's confirm.
    Countered { proposal: Manifest, answer: Manifest },
    /// Guest: waiting for the proposal.
    Awaiting,
    /// Guest: the proposal is shown; waiting for this side's accept.
    Reviewing { proposal: Manifest },
    /// Guest: answer sent; waiting for the host's confirmation.
    Accepted { proposal: Manifest, answer: Manifest },
    /// Both agreed on this manifest.
    Agreed { manifest: Manifest },
}

/// What a step of the agreement asks the session to do.
#[derive(Default)]
pub(super) struct Step {
    pub(super) send: Option<Message>,
    pub(super) event: Option<Event>,
}

impl Agreement {
    /// The agreed manifest, once both agreed.
    pub(super) fn agreed(&self) -> Option<&Manifest> {
        match self {
            Agreement::Agreed { manifest } => Some(manifest),
            _ => None,
        }
    }

    /// The proposal: the host's own, or the one the guest received.
    pub(super) fn proposal(&self) -> Option<&Manifest> {
        match self {
            Agreement::Proposing { proposal }
            | Agreement::Proposed { proposal }
            | Agreement::Countered { proposal, .. }
            | Agreement::Reviewing { proposal }
            | Agreement::Accepted { proposal, .. } => Some(proposal),
            Agreement::Awaiting | Agreement::Agreed { .. } => None,
        }
    }

    /// The channel is up and the code compared: the host sends its proposal (once).
    pub(super) fn on_connected(&mut self) -> Option<Message> {
        let Agreement::Proposing { proposal } = self else { return None };
        let msg = Message::Propose(proposal.to_json());
        *self = Agreement::Proposed { proposal: proposal.clone() };
        Some(msg)
    }

    /// A negotiation message from the partner.
    pub(super) fn on_message(&mut self, msg: Message) -> Result<Step, SessionError> {
        match (&*self, msg) {
            (Agreement::Awaiting, Message::Propose(json)) => {
                let m = Manifest::parse(&json, fingerprint)?;
                let manifest_hash = hex(&m.hash());
                *self = Agreement::Reviewing { proposal: m.clone() };
                Ok(Step { send: None, event: Some(Event::Proposed { manifest: m, manifest_hash }) })
            }
            (Agreement::Reviewing { .. } | Agreement::Accepted { .. } | Agreement::Agreed { .. }, Message::Propose(_)) => {
                Err(Negotiation::SecondProposal.into())
            }
            (Agreement::Proposed { proposal }, Message::Counter { proposal_hash, manifest }) => {
                if proposal_hash != proposal.hash() {
                    return Err(Negotiation::AcceptedOtherTerms.into());
                }
                let answer = Manifest::parse(&manifest, fingerprint)?;
                proposal.check_counter(&answer)?;
                let changes = proposal.changes(&answer);
                if changes.is_empty() {
                    let step = agreed(answer);
                    *self = Agreement::Agreed { manifest: step.1 };
                    Ok(step.0)
                } else {
                    let event = Event::Countered { manifest: answer.clone(), changes };
                    *self = Agreement::Countered { proposal: proposal.clone(), answer };
                    Ok(Step { send: None, event: Some(event) })
                }
            }
            (Agreement::Accepted { answer, .. }, Message::Confirm(hash)) => {
                if hash != answer.hash() {
                    return Err(Negotiation::ConfirmedOtherTerms.into());
                }
                let manifest = answer.clone();
                *self = Agreement::Agreed { manifest: manifest.clone() };
                Ok(Step { send: None, event: Some(Event::Agreed { manifest }) })
            }
            _ => Err(Negotiation::OutOfTurn.into()),
        }
    }

    /// Guest: what accepting would answer, and what it changes, without sending it.
    pub(super) fn preview(
        &self,
        local: &LocalRules,
        held: KeyMask,
        group: Option<String>,
    ) -> Result<(Manifest, Vec<Change>), SessionError> {
        let Agreement::Reviewing { proposal } = self else {
            return Err(SessionError::State("there is no proposal under review"));
        };
        let answer = proposal.tighten(local, held, group)?;
        let changes = proposal.changes(&answer);
        Ok((answer, changes))
    }

    /// Guest: accepts the proposal shown (its hash `displayed`), tightened to `local`.
    pub(super) fn accept(
        &mut self,
        displayed: &[u8; 32],
        local: &LocalRules,
        held: KeyMask,
        group: Option<String>,
    ) -> Result<(Manifest, Message), SessionError> {
        let Agreement::Reviewing { proposal } = self else {
            return Err(SessionError::State("only the guest accepts, once, after the proposal arrived"));
        };
        if *displayed != proposal.hash() {
            return Err(SessionError::State("the terms accepted are not the terms proposed; review them again"));
        }
        let answer = proposal.tighten(local, held, group)?;
        let msg = Message::Counter { proposal_hash: proposal.hash(), manifest: answer.to_json() };
        *self = Agreement::Accepted { proposal: proposal.clone(), answer: answer.clone() };
        Ok((answer, msg))
    }

    /// Host: confirms the guest's answer.
    pub(super) fn confirm(&mut self) -> Result<Step, SessionError> {
        let Agreement::Countered { answer, .. } = self else {
            return Err(SessionError::State("only the host confirms, once, after the partner's answer"));
        };
        let (step, manifest) = agreed(answer.clone());
        *self = Agreement::Agreed { manifest };
        Ok(step)
    }
}

/// Entering `Agreed` on the host: confirm the answer's hash.
fn agreed(answer: Manifest) -> (Step, Manifest) {
    let step = Step { send: Some(Message::Confirm(answer.hash())), event: Some(Event::Agreed { manifest: answer.clone() }) };
    (step, answer)
}

/// The local fingerprint of a preset, as the partner's manifest names it.
fn fingerprint(name: &str) -> Option<String> {
    crate::normalize::Preset::named(name).map(|p| p.fingerprint())
}
