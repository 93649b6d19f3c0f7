//! Writing a side's own rows back out (audience export) as CSV that spreadsheet
//! programs cannot mistake for formulas.

/// One CSV line (with `\r\n`) for `fields`. Every field is quoted when it holds a
/// delimiter, quote or line break; a field that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'`, as
/// OWASP's CSV-injection guidance recommends.
pub fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let f = f.as_ref();
        let risky = f.starts_with(['=', '+', '-', '@', '\t', '\r']);
        let needs_quotes = risky || f.contains([',', '"', '\n', '\r']);
        if needs_quotes {
            line.push('"');
            if risky {
                line.push('\'');
            }
            line.push_str(&f.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(f);
        }
    }
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::csv_line;

    #[test]
    fn formulas_are_neutralized_and_quotes_escaped() {
        assert_eq!(csv_line(&["a", "b c"]), "a,b c\r\n");
        assert_eq!(csv_line(&["=HYPERLINK(\"x\")"]), "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
        assert_eq!(csv_line(&["+1 555", "-2", "@sum", "x,y"]), "\"'+1 555\",\"'-2\",\"'@sum\",\"x,y\"\r\n");
        assert_eq!(csv_line(&["line\nbreak"]), "\"line\nbreak\"\r\n");
    }
}
