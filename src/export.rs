//! Writing a side's own rows back out (audience export) as CSV that spreadsheet
//! programs cannot mistake for formulas, either with the file's own columns or in the
//! column layout of an ad platform's customer-list upload.
//!
//! [`AudienceFormat`] names the layouts. `google` and `meta` write the template columns
//! of Google Ads Customer Match (`Email`, `Phone`, `First Name`, `Last Name`, `Country`,
//! `Zip`) and of Meta's customer list (`email`, `phone`, `fn`, `ln`, `zip`, `country`,
//! `madid`), each value normalized with the core's preset of that platform; the `-sha256`
//! variants write the SHA-256 hex of the normalized value in the columns the platform
//! accepts hashed (Google: email, phone and names, with country and ZIP in clear; Meta:
//! all but `madid`).

use crate::ingest::roles::ColumnRole;
use crate::normalize::{Kind, Preset};

/// Whether a spreadsheet would evaluate `f` as a formula when the CSV is opened:
/// it starts with `=` or `@`, a tab or carriage return, or with `+` or `-` and is not a
/// plain signed number (`+447700900123` and `-12.5` are numbers, `+1+cmd` and `-A1` not).
pub fn is_formula(f: &str) -> bool {
    match f.as_bytes().first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => !is_plain_number(&f[1..]),
        _ => false,
    }
}

/// Digits with at most one decimal point between digits: `447700900123`, `12.5`.
fn is_plain_number(s: &str) -> bool {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

/// One CSV line (with `\r\n`) for `fields`. Every field is quoted when it holds a
/// delimiter, quote or line break; a field a spreadsheet would run as a formula (see
/// [`is_formula`]) gets a leading `'`, as OWASP's CSV-injection guidance recommends.
pub fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let f = f.as_ref();
        let risky = is_formula(f);
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

/// The column layout of an audience export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AudienceFormat {
    /// The file's own columns, as read.
    #[default]
    Plain,
    /// Google Ads Customer Match, normalized values.
    Google,
    /// Google Ads Customer Match, SHA-256 of normalized email, phone and names.
    GoogleSha256,
    /// Meta customer list, normalized values.
    Meta,
    /// Meta customer list, SHA-256 of every normalized value but `madid`.
    MetaSha256,
}

impl AudienceFormat {
    /// The names, as `--audience-format` takes them.
    pub const NAMES: [&'static str; 5] = ["plain", "google", "google-sha256", "meta", "meta-sha256"];

    /// Parses a name of [`AudienceFormat::NAMES`].
    pub fn parse(name: &str) -> Option<AudienceFormat> {
        Some(match name {
            "plain" => AudienceFormat::Plain,
            "google" => AudienceFormat::Google,
            "google-sha256" => AudienceFormat::GoogleSha256,
            "meta" => AudienceFormat::Meta,
            "meta-sha256" => AudienceFormat::MetaSha256,
            _ => return None,
        })
    }

    /// The format's name.
    pub fn as_str(self) -> &'static str {
        match self {
            AudienceFormat::Plain => "plain",
            AudienceFormat::Google => "google",
            AudienceFormat::GoogleSha256 => "google-sha256",
            AudienceFormat::Meta => "meta",
            AudienceFormat::MetaSha256 => "meta-sha256",
        }
    }

    fn platform(self) -> Option<(Platform, bool)> {
        match self {
            AudienceFormat::Plain => None,
            AudienceFormat::Google => Some((Platform::Google, false)),
            AudienceFormat::GoogleSha256 => Some((Platform::Google, true)),
            AudienceFormat::Meta => Some((Platform::Meta, false)),
            AudienceFormat::MetaSha256 => Some((Platform::Meta, true)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Platform {
    Google,
    Meta,
}

/// One output column of a platform layout: its header, the source column, how it is
/// normalized, and whether it is hashed.
#[derive(Clone, Debug)]
struct Target {
    header: &'static str,
    column: usize,
    kind: Kind,
    hashed: bool,
}

/// Writes rows in an [`AudienceFormat`].
#[derive(Clone, Debug)]
pub struct AudienceWriter {
    preset: Option<Preset>,
    targets: Vec<Target>,
    country_column: Option<usize>,
    country_target: Option<(&'static str, bool, bool)>,
    default_country: Option<String>,
}

impl AudienceWriter {
    /// A writer for a file whose columns have `roles`. `default_country` (ISO alpha-2)
    /// reads phones of rows without a country. Columns a layout has no place for (a
    /// full-name column: the platforms want first and last names apart; a MAID in
    /// Google's contact template) are left out.
    pub fn new(format: AudienceFormat, roles: &[ColumnRole], default_country: Option<&str>) -> AudienceWriter {
        let default_country = default_country.map(str::to_ascii_uppercase);
        let Some((platform, hashed)) = format.platform() else {
            return AudienceWriter {
                preset: None,
                targets: Vec::new(),
                country_column: None,
                country_target: None,
                default_country,
            };
        };
        let preset = Preset::named(match platform {
            Platform::Google => "google",
            Platform::Meta => "meta",
        });
        let mut targets = Vec::new();
        // Template order first, then the file's order within a role (several emails).
        let order: &[(ColumnRole, &'static str, Kind, bool)] = match platform {
            Platform::Google => &[
                (ColumnRole::Email, "Email", Kind::Email, true),
                (ColumnRole::EmailSha256, "Email", Kind::Sha256, true),
                (ColumnRole::Phone, "Phone", Kind::Phone, true),
                (ColumnRole::PhoneSha256, "Phone", Kind::Sha256, true),
                (ColumnRole::FirstName, "First Name", Kind::Name, true),
                (ColumnRole::LastName, "Last Name", Kind::Name, true),
                (ColumnRole::Postal, "Zip", Kind::Postal, false),
            ],
            Platform::Meta => &[
                (ColumnRole::Email, "email", Kind::Email, true),
                (ColumnRole::EmailSha256, "email", Kind::Sha256, true),
                (ColumnRole::Phone, "phone", Kind::Phone, true),
                (ColumnRole::PhoneSha256, "phone", Kind::Sha256, true),
                (ColumnRole::FirstName, "fn", Kind::Name, true),
                (ColumnRole::LastName, "ln", Kind::Name, true),
                (ColumnRole::Postal, "zip", Kind::Postal, true),
                (ColumnRole::Maid, "madid", Kind::Maid, false),
            ],
        };
        for &(role, header, kind, hashable) in order {
            // A hashed column fits only a hashed layout: it cannot be shown in clear.
            if kind == Kind::Sha256 && !hashed {
                continue;
            }
            for (column, _) in roles.iter().enumerate().filter(|(_, r)| **r == role) {
                targets.push(Target { header, column, kind, hashed: hashed && hashable });
            }
        }
        let country_column = roles.iter().position(|r| *r == ColumnRole::Country);
        let country_target = match platform {
            // Google: country in clear, upper case as ISO writes it; Meta: lower case, hashed
            // in the hashed layout.
            Platform::Google => Some(("Country", false, false)),
            Platform::Meta => Some(("country", true, hashed)),
        }
        .filter(|_| country_column.is_some() || default_country.is_some());
        AudienceWriter { preset, targets, country_column, country_target, default_country }
    }

    /// Whether the writer keeps the file's own columns.
    pub fn is_plain(&self) -> bool {
        self.preset.is_none()
    }

    /// The header line's fields (for a platform layout; the plain layout keeps the file's).
    pub fn header(&self) -> Vec<&'static str> {
        let mut h: Vec<&'static str> = self.targets.iter().map(|t| t.header).collect();
        if let Some((name, _, _)) = self.country_target {
            h.push(name);
        }
        h
    }

    /// One row's fields in the layout: normalized (or hashed) values, empty where a cell
    /// is empty or does not normalize.
    pub fn row(&self, fields: &[String]) -> Vec<String> {
        let Some(preset) = &self.preset else { return fields.to_vec() };
        let cell = |c: usize| fields.get(c).map(|s| s.trim()).unwrap_or("");
        let row_country = self
            .country_column
            .map(cell)
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(str::to_ascii_uppercase)
            .or_else(|| self.default_country.clone());
        let mut out: Vec<String> = self
            .targets
            .iter()
            .map(|t| {
                let raw = cell(t.column);
                let raw = match (t.kind, crate::ingest::numeric::read_numeric(raw)) {
                    (Kind::Phone | Kind::Postal, crate::ingest::numeric::NumericCell::IntegerOfDecimal(d)) => d,
                    (Kind::Phone | Kind::Postal, crate::ingest::numeric::NumericCell::Scientific) => {
                        return String::new()
                    }
                    _ => raw,
                };
                if raw.is_empty() {
                    return String::new();
                }
                match (t.hashed, t.kind) {
                    (true, _) => preset.digest(t.kind, raw, row_country.as_deref()).map(|d| crate::hash::to_hex(&d)),
                    (false, _) => preset.normalize(t.kind, raw, row_country.as_deref()),
                }
                .unwrap_or_default()
            })
            .collect();
        if let Some((_, lower, hashed)) = self.country_target {
            let cc = row_country.unwrap_or_default();
            let cc = if lower { cc.to_ascii_lowercase() } else { cc };
            out.push(if hashed && !cc.is_empty() {
                crate::hash::to_hex(&crate::hash::sha256(cc.as_bytes()))
            } else {
                cc
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralized_and_quotes_escaped() {
        assert_eq!(csv_line(&["a", "b c"]), "a,b c\r\n");
        assert_eq!(csv_line(&["=HYPERLINK(\"x\")"]), "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
        assert_eq!(csv_line(&["+1+cmd", "-A1", "@sum", "x,y"]), "\"'+1+cmd\",\"'-A1\",\"'@sum\",\"x,y\"\r\n");
        assert_eq!(csv_line(&["line\nbreak"]), "\"line\nbreak\"\r\n");
    }

    #[test]
    fn signed_numbers_are_not_formulas() {
        for plain in ["+447700900123", "-12.5", "+1", "-0.25", "12", "a-b", "ann@example.com", ""] {
            assert!(!is_formula(plain), "{plain}");
        }
        for formula in [
            "=1+1",
            "@SUM(A1)",
            "+1 415 555 0100",
            "-12.5.1",
            "+",
            "-",
            "+.5",
            "-5.",
            "+1e3",
            "\tx",
            "\r=1",
            "-2+3",
            "+A1",
        ] {
            assert!(is_formula(formula), "{formula}");
        }
        assert_eq!(csv_line(&["+447700900123", "-12.5"]), "+447700900123,-12.5\r\n");
    }
}
