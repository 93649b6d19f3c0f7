//! Runs a party's queued tasks on every core (rayon).

use crate::psi::{Party, PartyError};
use rayon::prelude::*;

/// Computes every task the party has queued, in parallel, and hands the results back
/// in order. Returns how many tasks ran.
///
/// # Errors
/// As [`Party::complete`].
pub fn run_parallel(party: &mut Party) -> Result<usize, PartyError> {
    let mut tasks = Vec::new();
    while let Some(t) = party.poll_task() {
        tasks.push(t);
    }
    let secret = party.secret().clone();
    let results: Vec<_> = tasks.par_iter().map(|t| (t.id, t.run(&secret))).collect();
    let n = results.len();
    for (id, r) in results {
        party.complete(id, r)?;
    }
    Ok(n)
}
