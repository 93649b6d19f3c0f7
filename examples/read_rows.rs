//! Streams a file through the ingest reader alone and prints rows and fields read, to
//! measure the reader's speed and memory apart from normalization and the report:
//! `cargo run --release --example read_rows -- FILE`.
#![allow(clippy::print_stdout)] // an example prints its result

use cleanmatch::ingest::{Ingest, IngestOptions};
use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: read_rows FILE")?;
    let mut file = std::fs::File::open(path)?;
    let mut ingest = Ingest::new(IngestOptions::default());
    let mut buf = vec![0u8; 1 << 20];
    let (mut rows, mut fields) = (0u64, 0u64);
    let start = std::time::Instant::now();
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        ingest.push(&buf[..n])?;
        while let Some(row) = ingest.next_row() {
            rows += 1;
            fields += row.fields.len() as u64;
        }
    }
    ingest.finish()?;
    while let Some(row) = ingest.next_row() {
        rows += 1;
        fields += row.fields.len() as u64;
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{{\"rows\":{rows},\"fields\":{fields},\"seconds\":{secs:.3},\"rows_per_second\":{:.0}}}", rows as f64 / secs);
    Ok(())
}
