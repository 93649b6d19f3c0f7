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

/// The delimiter an Excel `sep=;` first line names (`sep=,`, `"sep=;"`, `SEP=\t` too),
/// if the text starts with one.
pub fn sep_directive(text: &str) -> Option<u8> {
    let line = text.trim_start_matches('\u{feff}').split(['\n', '\r']).next()?;
    let line = line.trim_end_matches([' ']);
    let line = line.strip_prefix('"').and_then(|l| l.strip_suffix('"')).unwrap_or(line);
    let rest = line.get(..4).filter(|p| p.eq_ignore_ascii_case("sep=")).map(|_| &line[4..])?;
    match rest.as_bytes() {
        [d] if !d.is_ascii_alphanumeric() && *d != b'"' => Some(*d),
        _ => None,
    }
}

/// The text after its first line when `skip` (to sniff a delimiter without the `sep=` line).
pub fn after_sep_line(text: &str, skip: bool) -> &str {
    if !skip {
        return text;
    }
    match text.find('\n') {
        Some(i) => &text[i + 1..],
        None => "",
    }
}

/// How many of the first rows are title lines above the table ("Loyalty members export",
/// "Generated 2024-03-01 ..."), at most `max`: rows at the top that fill at most half the
/// table's width, hold no identifier and no known column name, and are followed by a
/// fuller row. A table of one column has no title lines to tell apart.
pub fn title_rows(rows: &[&[String]], max: usize) -> usize {
    let filled = |r: &[String]| r.iter().filter(|f| !f.trim().is_empty()).count();
    let width = rows.iter().map(|r| filled(r)).max().unwrap_or(0);
    if width < 2 {
        return 0;
    }
    let is_title = |r: &[String]| {
        filled(r) * 2 <= width
            && !r.iter().any(|f| looks_identifier(f))
            && !r.iter().any(|f| {
                header_role(f).is_some_and(|(role, _)| role.key().is_some())
            })
    };
    let n = rows.iter().take(max).take_while(|r| is_title(r)).count();
    // Only titles above something fuller: a sparse table is not all titles.
    if n < rows.len() && n > 0 {
        n
    } else {
        0
    }
}

/// Whether the first of `rows` is a header. A value that looks like an email, phone, hash
/// or MAID says no; a known column name says yes; a number says no; otherwise a first row
/// above a column whose values mostly have digits where its own cell has none says yes.
pub fn detect_header(rows: &[Vec<String>]) -> bool {
    let Some(first) = rows.first() else { return true };
    if first.iter().any(|f| looks_identifier(f)) {
        return false;
    }
    if first.iter().any(|f| header_role(f).is_some()) {
        return true;
    }
    let has_digit = |s: &str| s.bytes().any(|b| b.is_ascii_digit());
    // A number in the first row is data; a name with a digit (`address2`) is not.
    let is_number = |s: &str| {
        let s = s.trim();
        has_digit(s) && s.bytes().all(|b| b.is_ascii_digit() || b",.-+ ".contains(&b))
    };
    if first.iter().any(|f| is_number(f)) {
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
        !below.is_empty() && with_digits * 2 > below.len() && !first.get(c).is_some_and(|f| has_digit(f))
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
    fn sep_lines() {
        assert_eq!(sep_directive("sep=;\r\na;b\n"), Some(b';'));
        assert_eq!(sep_directive("\u{feff}SEP=|\n"), Some(b'|'));
        assert_eq!(sep_directive("\"sep=,\"\n"), Some(b','));
        assert_eq!(sep_directive("sep=\t\n"), Some(b'\t'));
        assert_eq!(sep_directive("sep;email\n"), None);
        assert_eq!(sep_directive("separator,email\n"), None);
        assert_eq!(sep_directive("sep=ab\n"), None);
        assert_eq!(after_sep_line("sep=;\r\na;b\n", true), "a;b\n");
    }

    #[test]
    fn titles() {
        let rows = |v: &[&[&str]]| -> Vec<Vec<String>> {
            v.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
        };
        let t = |v: &[Vec<String>]| title_rows(&v.iter().map(Vec::as_slice).collect::<Vec<_>>(), 10);
        let r = rows(&[
            &["Loyalty members export"],
            &["Generated 2024-03-01 09:00", ""],
            &["email", "phone", "plz"],
            &["a@b.de", "030 123456", "10115"],
        ]);
        assert_eq!(t(&r), 2);
        let r = rows(&[&["email", "phone", "plz"], &["a@b.de", "030 123456", "10115"]]);
        assert_eq!(t(&r), 0);
        // A sparse first record with an identifier is data.
        let r = rows(&[&["a@b.de", "", ""], &["c@d.de", "030 123456", "10115"]]);
        assert_eq!(t(&r), 0);
        // One column: nothing to compare with.
        let r = rows(&[&["Members"], &["email"], &["a@b.de"]]);
        assert_eq!(t(&r), 0);
    }

    #[test]
    fn headers() {
        let rows = |v: &[&[&str]]| -> Vec<Vec<String>> {
            v.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
        };
        assert!(detect_header(&rows(&[&["E-Mail", "Telefon"], &["a@b.de", "0301234567"]])));
        assert!(!detect_header(&rows(&[&["a@b.de", "0301234567"], &["c@d.de", "0307654321"]])));
        assert!(detect_header(&rows(&[&["foo", "bar"], &["x1", "22"], &["y", "33"]])));
        assert!(!detect_header(&rows(&[&["x", "22"], &["y", "33"]])));
        assert!(detect_header(&rows(&[&["street1", "spend"], &["Main St", "12.50"]])));
    }
}
