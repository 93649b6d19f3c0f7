//! The native core's blinding and evaluation, for the Python tests' byte-equality check:
//! `blind_fixed KEY SCALAR_HEX` reads one hex digest (blind) or point (with KEY
//! `evaluate`) per stdin line and prints the result in hex, one per line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cleanmatch::psi::{blind_batch, evaluate_batch, MatchKey, Secret};
use std::io::BufRead;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secret = Secret::from_bytes(&unhex(&args[2])).unwrap();
    for line in std::io::stdin().lock().lines() {
        let input = unhex(line.unwrap().trim());
        let out = if args[1] == "evaluate" {
            evaluate_batch(&secret, &input)
        } else {
            blind_batch(&secret, MatchKey::parse(&args[1]).unwrap(), &input)
        };
        println!("{}", cleanmatch::hash::to_hex(&out.unwrap()));
    }
}
