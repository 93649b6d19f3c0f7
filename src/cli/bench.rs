//! `cleanmatch bench`: per-operation timings and an in-process two-party run, as JSON.

use super::tasks::run_parallel;
use crate::hash::{hash_to_group, sha256};
use crate::manifest::{Manifest, Mode, Side, Template, PROTOCOL_VERSION};
use crate::psi::{blind_batch, evaluate_batch, OwnSet, Party, Secret};
use crate::wire::Message;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `cleanmatch bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Records per side for the in-process two-party run.
    #[arg(long, default_value_t = 100_000)]
    n: usize,
    /// Items per single-operation measurement.
    #[arg(long, default_value_t = 20_000)]
    ops: usize,
}

fn per_item_us(start: Instant, n: usize) -> f64 {
    start.elapsed().as_secs_f64() * 1e6 / n.max(1) as f64
}

/// Runs the subcommand.
pub fn run(args: Args) -> ExitCode {
    match bench(&args) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => super::fail(e),
    }
}

fn bench(args: &Args) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let n = args.ops.max(1);
    let inputs: Vec<String> = (0..n).map(|i| format!("user{i}@example.com")).collect();

    let t = Instant::now();
    let digests: Vec<[u8; 32]> = inputs.iter().map(|s| sha256(s.as_bytes())).collect();
    let sha = per_item_us(t, n);

    let t = Instant::now();
    let points: Vec<RistrettoPoint> = digests.iter().map(|d| hash_to_group("email", d)).collect();
    let h2g = per_item_us(t, n);

    let t = Instant::now();
    let compressed: Vec<CompressedRistretto> = points.iter().map(|p| p.compress()).collect();
    let compress = per_item_us(t, n);

    let t = Instant::now();
    let mut ok = 0usize;
    for c in &compressed {
        ok += usize::from(c.decompress().is_some());
    }
    let decompress = per_item_us(t, n);
    if ok != n {
        return Err("decompression failed".into());
    }

    let secret = Secret::random()?;
    let flat: Vec<u8> = digests.iter().flatten().copied().collect();
    let t = Instant::now();
    let blinded = blind_batch(&secret, "email", &flat)?;
    let blind = per_item_us(t, n);

    // The same work without batching: one inversion per compressed point.
    let scalar = curve25519_dalek::scalar::Scalar::from_bytes_mod_order(secret.to_bytes());
    let t = Instant::now();
    let unbatched: Vec<CompressedRistretto> = digests.iter().map(|d| (hash_to_group("email", d) * scalar).compress()).collect();
    let blind_unbatched = per_item_us(t, n);
    if unbatched.first().map(|c| c.as_bytes().as_slice()) != blinded.get(..32) {
        return Err("batched and unbatched blinding disagree".into());
    }

    let t = Instant::now();
    let evaluated = evaluate_batch(&secret, &blinded)?;
    let evaluate = per_item_us(t, n);
    if evaluated.len() != n * 12 {
        return Err("evaluation size".into());
    }

    let cores = std::thread::available_parallelism().map(|c| c.get()).unwrap_or(1);
    // Each record costs one blind and one evaluation per side and key.
    let records_per_sec_core = 1e6 / (blind + evaluate);
    let two_party = two_party_run(args.n)?;

    Ok(serde_json::json!({
        "ops": n,
        "us_per_op": {
            "sha256": sha,
            "hash_to_group": h2g,
            "compress": compress,
            "decompress": decompress,
            "blind": blind,
            "blind_unbatched": blind_unbatched,
            "evaluate": evaluate,
        },
        "records_per_sec_per_core": records_per_sec_core,
        "cores": cores,
        "two_party": two_party,
    }))
}

fn two_party_run(n: usize) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let manifest = Manifest {
        version: PROTOCOL_VERSION,
        template: Template::Overlap,
        mode: Mode::Aggregate,
        preset: "plain".into(),
        preset_fingerprint: String::new(),
        keys: vec!["email".into()],
        k: 50,
        min_records: 0,
        max_records: u32::MAX,
        host_group: None,
        guest_group: None,
        measurement: None,
        purpose: "benchmark".into(),
        output: Default::default(),
    };
    let make = |offset: usize| {
        let mut set = OwnSet::new();
        for i in 0..n {
            let d = sha256(format!("user{}@example.com", i + offset).as_bytes());
            set.add(i as u32, None, &[(0, d)], 1);
        }
        set
    };
    let start = Instant::now();
    let mut a = Party::new(Side::Host, manifest.clone(), Secret::random()?, make(0))?;
    let mut b = Party::new(Side::Guest, manifest, Secret::random()?, make(n / 2))?;
    let mut bytes = 0usize;
    loop {
        let mut moved = run_parallel(&mut a)? + run_parallel(&mut b)?;
        while let Some(m) = a.poll_message() {
            let enc = m.encode();
            bytes += enc.len();
            b.handle(Message::decode(&enc)?)?;
            moved += 1;
        }
        while let Some(m) = b.poll_message() {
            let enc = m.encode();
            bytes += enc.len();
            a.handle(Message::decode(&enc)?)?;
            moved += 1;
        }
        if moved == 0 {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let report = a.report().ok_or("no report")?;
    Ok(serde_json::json!({
        "records_per_side": n,
        "overlap": report.figures.host.matched,
        "confirmed": a.confirmed() && b.confirmed(),
        "seconds": secs,
        "wire_bytes": bytes,
    }))
}
