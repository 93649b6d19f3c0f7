//! Delimiter sniffing and header detection.
//!
//! The delimiter is the candidate that splits the sample's rows into the most consistent
//! number of columns (more than one); near-ties go to the one giving more columns, so a
//! `;` file with decimal commas is still read as `;`.

use super::roles::{header_role, looks_identifier};
use csv_core::{ReadRecordResult, ReaderBuilder};

/// Candidate delimiters, in order of preference on a tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many sample rows the sniffer looks at.
const SNIFF_ROWS: usize = 200;

/// Picks the delimiter of `sample`, the text at the start of the file. `complete` says the
/// sample is the whole file (so its last row is whole too). A file of one column gets `,`.
pub fn sniff_delimiter(sample: &str, complete: bool) -> u8 {
    let mut best = (DELIMITERS[0], 0.0f64, 1usize);
    for &d in &DELIMITERS {
        let counts = field_counts(sample.as_bytes(), d, complete);
        let Some((mode, freq)) = mode_of(&counts) else { continue };
        if mode < 2 {
            continue;
        }
        let (_, best_freq, best_mode) = best;
        let better = freq > best_freq + 0.1 || ((freq - best_freq).abs() <= 0.1 && mode > best_mode);
        if best_mode < 2 || better {
            best = (d, freq, mode);
        }
    }
    best.0
}

/// Number of fields of each of the sample's first rows under delimiter `d`.
fn field_counts(sample: &[u8], d: u8, complete: bool) -> Vec<usize> {
    let mut rdr = ReaderBuilder::new().delimiter(d).build();
    let mut out = vec![0u8; 1 << 16];
    let mut ends = vec![0usize; 1024];
    let mut input = sample;
    let mut counts = Vec::new();
    while counts.len() < SNIFF_ROWS {
        let (res, nin, _, nend) = rdr.read_record(input, &mut out, &mut ends);
        input = &input[nin..];
        match res {
            ReadRecordResult::Record => counts.push(nend),
            // A huge row or a runaway quote: judge on the rows read so far.
            ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => break,
            ReadRecordResult::InputEmpty => {
                if !complete {
                    // The last row may be cut off mid-way; ignore it.
                    break;
                }
                if input.is_empty() {
                    let (res, _, _, nend) = rdr.read_record(&[], &mut out, &mut ends);
                    if res == ReadRecordResult::Record {
                        counts.push(nend);
                    }
                    break;
                }
            }
            ReadRecordResult::End => break,
        }
    }
    counts
}

/// The most common count and the share of rows that have it.
fn mode_of(counts: &[usize]) -> Option<(usize, f64)> {
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let mut best: Option<(usize, usize)> = None;
    for run in sorted.chunk_by(|a, b| a == b) {
        if best.is_none_or(|(_, n)| run.len() > n) {
            best = Some((run[0], run.len()));
        }
    }
    best.map(|(mode, n)| (mode, n as f64 / counts.len() as f64))
}

/// Whether the first of `rows` is a header. A value that looks like an email, phone, hash
/// or MAID says no; a known column name says yes; otherwise a first row with no digits
/// above columns whose values have digits says yes.
pub fn detect_header(rows: &[Vec<String>]) -> bool {
    let Some(first) = rows.first() else { return true };
    if first.iter().any(|f| looks_identifier(f)) {
        return false;
    }
    if first.iter().any(|f| header_role(f).is_some()) {
        return true;
    }
    let has_digit = |s: &str| s.bytes().any(|b| b.is_ascii_digit());
    if first.iter().any(|f| has_digit(f)) {
        return false;
    }
    let rest = &rows[1..];
    if rest.is_empty() {
        return first.iter().all(|f| !f.trim().is_empty());
    }
    // A column whose first cell has no digit while most cells below do.
    (0..first.len()).any(|c| {
        let below: Vec<&str> = rest.iter().filter_map(|r| r.get(c)).map(String::as_str).collect();
        let with_digits = below.iter().filter(|v| has_digit(v)).count();
        !below.is_empty() && with_digits * 2 > below.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n", true), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2;3\n4;5,5;6\n", true), b';');
        assert_eq!(sniff_delimiter("a\tb\n\"x,y\"\t2\n", true), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n4|5", false), b'|');
        assert_eq!(sniff_delimiter("email\nx@y.z\n", true), b',');
    }

    #[test]
    fn headers() {
        let rows = |v: &[&[&str]]| -> Vec<Vec<String>> {
            v.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
        };
        assert!(detect_header(&rows(&[&["E-Mail", "Telefon"], &["a@b.de", "0301234567"]])));
        assert!(!detect_header(&rows(&[&["a@b.de", "0301234567"], &["c@d.de", "0307654321"]])));
        assert!(detect_header(&rows(&[&["foo", "bar"], &["x1", "22"], &["y", "33"]])));
        assert!(!detect_header(&rows(&[&["x1", "22"], &["y", "33"]])));
    }
}
