//! # cleanmatch
//!
//! A two-party data clean room. Each partner's identifiers are read, normalized and
//! SHA-256-hashed on their own machine, mapped to ristretto255 and blinded with a secret
//! scalar; only blinded points cross the relay, sealed end to end. Both partners compute
//! the same aggregate report (overlap, match rates, breakdowns above a threshold `k`,
//! lift), and with both partners' consent each may export its own matched rows.
//!
//! Which API to use:
//! - [`normalize`] turns one raw identifier into the bytes both partners hash.
//! - [`ingest`] streams a CSV or Excel file into rows and guesses column roles;
//!   [`quality`] summarises it locally.
//! - [`psi`] is the matching protocol's arithmetic (blind, evaluate, match);
//!   [`session`] is the whole two-party conversation as a sans-IO state machine.
//! - [`seal`] derives the room and the end-to-end keys from an invite secret.
//! - [`report`] computes the shared aggregate report.
//!
//! The core performs no I/O: sockets, files and workers live in the command line
//! (`cli`, `relay`, native only) and in the browser bindings (`wasm`).

pub mod export;
pub mod hash;
pub mod ingest;
pub mod loader;
pub mod manifest;
pub mod normalize;
pub mod policy;
pub mod psi;
pub mod quality;
pub mod report;
pub mod seal;
pub mod session;
pub mod side;
pub mod wire;

/// The protocol vectors' runner (`tests/vectors/protocol-*.tsv`); tests and the `danger`
/// feature only.
#[cfg(any(test, feature = "danger"))]
pub mod vectors;
pub use side::Side;

#[cfg(not(target_arch = "wasm32"))]
pub mod relay;

#[cfg(target_arch = "wasm32")]
mod wasm;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
