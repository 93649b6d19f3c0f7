//! Numbers that spreadsheets and data tools rewrite, read back as the digits a person
//! wrote, or refused.
//!
//! pandas and csvkit write a phone column holding a blank as floats: `447700900123.0`.
//! Read as a phone, the `.0` is one more digit (`+4477009001230`, a different number that
//! still looks valid). A cell of a numeric identifier (phone, postal code) that is an
//! integer followed by `.0` is read as the integer's digits. Scientific notation
//! (`4.477E+11`, Excel's display of a long number in a General cell) has lost digits and is
//! refused: no digit is ever invented.
//!
//! This is decided here, when a cell is read as an identifier, not in `normalize`: the
//! `.0` is an artifact of the file's cell type, and a normalizer given one value cannot
//! tell it from punctuation a person typed (`030.1234.567`).

/// Why a numeric identifier cell was refused.
pub const SCIENTIFIC: &str =
    "written in scientific notation, which has lost digits; export the column as text (a spreadsheet rounded it)";

/// How a numeric identifier cell was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumericCell<'a> {
    /// As written.
    AsWritten(&'a str),
    /// An integer written as a decimal (`447700900123.0`): its integer digits.
    IntegerOfDecimal(&'a str),
    /// Scientific notation (`4.477E+11`): refused.
    Scientific,
}

/// Reads a phone or postal-code cell (already trimmed). No allocation: a slice of `raw`.
pub fn read_numeric(raw: &str) -> NumericCell<'_> {
    let b = raw.as_bytes();
    // Fast path: most cells have no '.', 'e' or 'E' at all.
    if !b.iter().any(|&c| c == b'.' || c == b'e' || c == b'E') {
        return NumericCell::AsWritten(raw);
    }
    if let Some(dot) = raw.rfind('.') {
        let (int, frac) = (&raw[..dot], &raw[dot + 1..]);
        let digits = int.strip_prefix('+').unwrap_or(int);
        if !digits.is_empty()
            && digits.bytes().all(|c| c.is_ascii_digit())
            && !frac.is_empty()
            && frac.bytes().all(|c| c == b'0')
        {
            return NumericCell::IntegerOfDecimal(int);
        }
    }
    if is_scientific(raw) {
        return NumericCell::Scientific;
    }
    NumericCell::AsWritten(raw)
}

/// `4.477E+11`, `4,477e11`, `4E11`: a mantissa, `e`/`E`, an exponent.
fn is_scientific(v: &str) -> bool {
    let Some(e) = v.find(['e', 'E']) else { return false };
    let (mantissa, exp) = (&v[..e], &v[e + 1..]);
    let mantissa = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    let mut seps = 0;
    !mantissa.is_empty()
        && mantissa.bytes().next().is_some_and(|c| c.is_ascii_digit())
        && mantissa.bytes().all(|c| {
            if c == b'.' || c == b',' {
                seps += 1;
            }
            c.is_ascii_digit() || c == b'.' || c == b','
        })
        && seps <= 1
        && !exp.is_empty()
        && exp.len() <= 3
        && exp.bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_and_scientific() {
        use NumericCell::*;
        assert_eq!(read_numeric("447700900123.0"), IntegerOfDecimal("447700900123"));
        assert_eq!(read_numeric("+447700900123.00"), IntegerOfDecimal("+447700900123"));
        assert_eq!(read_numeric("2100.0"), IntegerOfDecimal("2100"));
        assert_eq!(read_numeric("447700900123"), AsWritten("447700900123"));
        assert_eq!(read_numeric("030.1234.567"), AsWritten("030.1234.567"));
        assert_eq!(read_numeric("030.1234.0"), AsWritten("030.1234.0"));
        assert_eq!(read_numeric("12.5"), AsWritten("12.5"));
        assert_eq!(read_numeric("4.477E+11"), Scientific);
        assert_eq!(read_numeric("4,47701E+11"), Scientific);
        assert_eq!(read_numeric("4e11"), Scientific);
        assert_eq!(read_numeric("SW1A 1AA"), AsWritten("SW1A 1AA"));
        assert_eq!(read_numeric("E1 6AN"), AsWritten("E1 6AN"));
        assert_eq!(read_numeric("1E"), AsWritten("1E"));
        assert_eq!(read_numeric(".0"), AsWritten(".0"));
    }
}
