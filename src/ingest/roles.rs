//! Column roles: what each column holds, guessed from its header and its values.
//!
//! A header name is compared after folding case and accents and dropping everything but
//! letters and digits (`E-Mail`, `e_mail` and `EMAIL` are all `email`), against names in
//! English, German, French, Spanish and Dutch. Sampled values are tested for the shape of
//! an email, a phone number, a SHA-256 digest, a MAID, a postal code or a country code.
//! The two are combined into one role with a confidence in `0.0..=1.0`; the caller shows
//! the guess and lets the user override it.

use super::IngestError;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// Given name.
    FirstName,
    /// Family name.
    LastName,
    /// Whole name in one column.
    FullName,
    /// Postal (ZIP) code.
    Postal,
    /// Country (ISO 3166 alpha-2 code), used to read the row's phone and postal code.
    Country,
    /// Mobile advertising id.
    Maid,
    /// SHA-256 of a normalized email, as hex or base64.
    EmailSha256,
    /// SHA-256 of a normalized phone number, as hex or base64.
    PhoneSha256,
    /// Anything else: kept for breakdowns and the audience export, never matched on.
    Attribute,
    /// Not read at all.
    Ignore,
}

impl ColumnRole {
    /// Every role, in a stable order.
    pub const ALL: [ColumnRole; 12] = [
        ColumnRole::Email,
        ColumnRole::Phone,
        ColumnRole::FirstName,
        ColumnRole::LastName,
        ColumnRole::FullName,
        ColumnRole::Postal,
        ColumnRole::Country,
        ColumnRole::Maid,
        ColumnRole::EmailSha256,
        ColumnRole::PhoneSha256,
        ColumnRole::Attribute,
        ColumnRole::Ignore,
    ];

    /// The role's name, as in `--columns` and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnRole::Email => "email",
            ColumnRole::Phone => "phone",
            ColumnRole::FirstName => "first_name",
            ColumnRole::LastName => "last_name",
            ColumnRole::FullName => "full_name",
            ColumnRole::Postal => "postal",
            ColumnRole::Country => "country",
            ColumnRole::Maid => "maid",
            ColumnRole::EmailSha256 => "email_sha256",
            ColumnRole::PhoneSha256 => "phone_sha256",
            ColumnRole::Attribute => "attribute",
            ColumnRole::Ignore => "ignore",
        }
    }

    /// Parses a role name.
    pub fn parse(name: &str) -> Option<ColumnRole> {
        ColumnRole::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Whether a column of this role yields a match key on its own (postal and country
    /// only qualify other keys, so a file of ZIP codes alone has no identifier).
    pub fn is_identifier(self) -> bool {
        matches!(
            self,
            ColumnRole::Email
                | ColumnRole::Phone
                | ColumnRole::FirstName
                | ColumnRole::LastName
                | ColumnRole::FullName
                | ColumnRole::Maid
                | ColumnRole::EmailSha256
                | ColumnRole::PhoneSha256
        )
    }
}

/// A column's guessed role.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnGuess {
    /// The column's name: its header, or `column N` in a file without one.
    pub name: String,
    /// The role.
    pub role: ColumnRole,
    /// How sure the guess is, `0.0..=1.0` (1.0 for a role the user chose).
    #[serde(serialize_with = "serialize_confidence")]
    pub confidence: f32,
}

/// Writes a confidence with two decimals (`0.98`, not `0.97999996`).
///
/// # Errors
/// Those of the serializer.
pub fn serialize_confidence<S: serde::Serializer>(c: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((f64::from(*c) * 100.0).round() / 100.0)
}

/// Header names per role, folded (see [`fold`]). Exact matches score highest.
const NAMES: &[(ColumnRole, &[&str])] = &[
    (ColumnRole::EmailSha256, &[
        "emailsha256", "sha256email", "hashedemail", "emailhash", "hem", "sha256hashedemail",
        "emailhashed", "hashedemailaddress", "emailsha",
    ]),
    (ColumnRole::PhoneSha256, &[
        "phonesha256", "sha256phone", "hashedphone", "phonehash", "phonehashed", "hashedphonenumber",
    ]),
    (ColumnRole::Email, &[
        "email", "emailaddress", "emailadresse", "mail", "mailadresse", "email1", "courriel",
        "adressecourriel", "adresseemail", "adressemail", "adresseelectronique", "correo",
        "correoelectronico", "direcciondecorreo", "direccionemail", "emailadres", "mailadres",
        "epost", "emailid", "primaryemail", "contactemail", "useremail", "customeremail",
    ]),
    (ColumnRole::Phone, &[
        "phone", "phonenumber", "telephone", "telephonenumber", "tel", "telnr", "telno", "mobile",
        "mobilephone", "mobilenumber", "cell", "cellphone", "cellnumber", "msisdn", "telefon",
        "telefonnummer", "handy", "handynummer", "mobil", "mobilnummer", "rufnummer",
        "numerodetelephone", "portable", "telefono", "numerodetelefono", "movil", "celular",
        "telefoonnummer", "telefoon", "mobiel", "mobielnummer", "gsm", "phone1", "contactphone",
    ]),
    (ColumnRole::FirstName, &[
        "firstname", "first", "givenname", "fname", "forename", "vorname", "prenom", "nombre",
        "primernombre", "voornaam", "roepnaam",
    ]),
    (ColumnRole::LastName, &[
        "lastname", "last", "surname", "familyname", "lname", "nachname", "familienname", "nom",
        "nomdefamille", "apellido", "apellidos", "achternaam", "familienaam",
    ]),
    (ColumnRole::FullName, &[
        "name", "fullname", "customername", "contactname", "nomcomplet", "nombrecompleto",
        "volledigenaam", "naam", "vollstandigername", "kundenname",
    ]),
    (ColumnRole::Postal, &[
        "zip", "zipcode", "postal", "postalcode", "postcode", "plz", "postleitzahl", "codepostal",
        "cp", "codigopostal", "zip5", "postcodes",
    ]),
    (ColumnRole::Country, &[
        "country", "countrycode", "land", "pays", "pais", "nation", "countryiso", "iso2", "landcode",
        "codepays", "codigopais",
    ]),
    (ColumnRole::Maid, &[
        "maid", "idfa", "aaid", "gaid", "adid", "advertisingid", "deviceid", "mobileadid", "ifa",
        "mobileadvertisingid",
    ]),
];

/// Folds a header for comparison: NFD, lowercase, ASCII letters and digits only.
pub fn fold(header: &str) -> String {
    header.nfd().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// The role a header name suggests, with a confidence: 0.9 for a known name, 0.75 for a
/// known name as one of its words (`Customer E-Mail`), 0.6 for a long known name inside it.
pub fn header_role(header: &str) -> Option<(ColumnRole, f32)> {
    let folded = fold(header);
    if folded.is_empty() {
        return None;
    }
    // An opt-out flag is read by the suppression step; its yes/no values are not countries.
    if super::suppression::is_opt_out_header(header) {
        return Some((ColumnRole::Attribute, 0.9));
    }
    let exact = NAMES.iter().find(|(_, names)| names.contains(&folded.as_str()));
    if let Some((role, _)) = exact {
        return Some((*role, 0.9));
    }
    // Hashed columns are named in many ways; a "hash"/"sha" word plus the kind is enough.
    if folded.contains("sha") || folded.contains("hash") {
        if ["phone", "tel", "mobil"].iter().any(|w| folded.contains(w)) {
            return Some((ColumnRole::PhoneSha256, 0.75));
        }
        if folded.contains("mail") {
            return Some((ColumnRole::EmailSha256, 0.75));
        }
    }
    let words: Vec<String> = split_words(header).iter().map(|w| fold(w)).collect();
    // Adjacent words joined too, so "E Mail" and "Zip Code" are found among others.
    let pairs = words.windows(2).map(|w| format!("{}{}", w[0], w[1]));
    let candidates: Vec<String> = words.iter().cloned().chain(pairs).collect();
    for (role, names) in NAMES {
        if candidates.iter().any(|w| names.contains(&w.as_str()) && w.len() >= 3) {
            return Some((*role, 0.75));
        }
    }
    for (role, names) in NAMES {
        if names.iter().any(|n| n.len() >= 6 && folded.contains(n)) {
            return Some((*role, 0.6));
        }
    }
    // Names of ids, amounts and dates: their digits must not pass for phones or ZIPs.
    if candidates.iter().any(|w| ATTRIBUTE_WORDS.contains(&w.as_str())) {
        return Some((ColumnRole::Attribute, 0.7));
    }
    None
}

/// Words in the names of columns that are never identifiers.
const ATTRIBUTE_WORDS: &[&str] = &[
    "id", "nr", "no", "num", "number", "nummer", "numero", "key", "date", "datum", "fecha", "amount",
    "total", "revenue", "spend", "price", "count", "qty", "quantity", "score", "age", "year",
    "created", "updated", "order", "orders", "customerid", "clientid", "kundennummer", "status",
    "segment", "tier", "value", "ltv", "sku", "code",
];

/// Splits a header into words at non-alphanumerics and lower-to-upper case changes.
fn split_words(header: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in header.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(core::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            words.push(core::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase();
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// The shape a single value has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Email,
    Phone,
    Hash,
    Maid,
    Postal,
    Country,
}

/// Whether a value looks like an email address.
pub fn looks_email(v: &str) -> bool {
    let v = v.trim();
    let Some((local, domain)) = v.split_once('@') else { return false };
    !local.is_empty()
        && v.len() <= 254
        && domain.contains('.')
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.contains(char::is_whitespace)
}

/// Whether a value looks like a phone number: 7 to 15 digits and only phone punctuation,
/// and not a date.
pub fn looks_phone(v: &str) -> bool {
    let v = v.trim();
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let allowed = v.bytes().all(|b| b.is_ascii_digit() || b" +-()./".contains(&b));
    allowed && (7..=15).contains(&digits) && !looks_date(v)
}

/// `2024-01-31`, `31/01/2024`, `31.01.2024` and the like.
fn looks_date(v: &str) -> bool {
    let parts: Vec<&str> = v.split(['-', '/', '.']).collect();
    parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
        && (parts[0].len() == 4 || parts[2].len() == 4)
}

/// Whether a value is a SHA-256 digest: 64 hex digits or 44 base64 characters.
pub fn looks_sha256(v: &str) -> bool {
    let v = v.trim();
    (v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        || (v.len() == 44
            && v.ends_with('=')
            && v[..43].bytes().all(|b| b.is_ascii_alphanumeric() || b"+/-_".contains(&b)))
}

/// Whether a value is a MAID: a UUID, `8-4-4-4-12` hex digits.
pub fn looks_maid(v: &str) -> bool {
    let v = v.trim();
    let groups: Vec<&str> = v.split('-').collect();
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a value is shaped like a postal code (US `12345`, `12345-6789`, UK `SW1A 1AA`,
/// NL `1234 AB`, CA `K1A 0B1`, ...).
fn looks_postal(v: &str) -> bool {
    let v = v.trim();
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let alnum = v.bytes().filter(u8::is_ascii_alphanumeric).count();
    // Mostly digits, or letters and digits in two groups (UK, NL, CA): not "gold12".
    (3..=10).contains(&v.len())
        && digits > 0
        && (digits * 2 >= alnum || v.contains(' '))
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-')
}

/// Whether a value is a two-letter country code.
fn looks_country(v: &str) -> bool {
    let v = v.trim();
    // Upper case only: lower-case pairs are as often "no", "ja" or initials.
    v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase())
}

/// Whether a value looks like an identifier (so a row holding it is not a header).
pub fn looks_identifier(v: &str) -> bool {
    looks_email(v) || looks_phone(v) || looks_sha256(v) || looks_maid(v)
}

fn shape(v: &str) -> Option<Shape> {
    if looks_sha256(v) {
        Some(Shape::Hash)
    } else if looks_maid(v) {
        Some(Shape::Maid)
    } else if looks_email(v) {
        Some(Shape::Email)
    } else if looks_phone(v) {
        Some(Shape::Phone)
    } else if looks_country(v) {
        Some(Shape::Country)
    } else if looks_postal(v) {
        Some(Shape::Postal)
    } else {
        None
    }
}

/// The dominant shape of a column's sample values and the share of non-empty values
/// that have it; `None` for an empty sample.
fn value_shape<'a>(values: impl Iterator<Item = &'a str>) -> Option<(Option<Shape>, f32)> {
    let mut counts = [0usize; 7];
    let mut total = 0usize;
    for v in values.filter(|v| !v.trim().is_empty()) {
        total += 1;
        let i = match shape(v) {
            Some(Shape::Email) => 0,
            Some(Shape::Phone) => 1,
            Some(Shape::Hash) => 2,
            Some(Shape::Maid) => 3,
            Some(Shape::Postal) => 4,
            Some(Shape::Country) => 5,
            None => 6,
        };
        counts[i] += 1;
    }
    if total == 0 {
        return None;
    }
    let shapes = [
        Some(Shape::Email),
        Some(Shape::Phone),
        Some(Shape::Hash),
        Some(Shape::Maid),
        Some(Shape::Postal),
        Some(Shape::Country),
        None,
    ];
    let (i, n) = counts.iter().enumerate().max_by_key(|(_, n)| **n).unwrap_or((6, &0));
    Some((shapes[i], *n as f32 / total as f32))
}

/// Guesses the role of each column from its name (if the file has a header) and from
/// `sample`, the first data rows.
pub fn guess_roles(names: &[String], has_header: bool, sample: &[Vec<String>]) -> Vec<ColumnGuess> {
    names
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let header = if has_header { header_role(name) } else { None };
            let values = value_shape(sample.iter().filter_map(|r| r.get(c)).map(String::as_str));
            let (role, confidence) = combine(header, values);
            ColumnGuess { name: name.clone(), role, confidence }
        })
        .collect()
}

/// Reconciles the header's suggestion with the values' shape.
fn combine(header: Option<(ColumnRole, f32)>, values: Option<(Option<Shape>, f32)>) -> (ColumnRole, f32) {
    let (shape, share) = match values {
        Some((Some(s), share)) if share >= 0.6 => (Some(s), share),
        Some(_) => (None, 0.0),
        // No values to judge by: the header alone decides.
        None => return header.unwrap_or((ColumnRole::Ignore, 0.5)),
    };
    match (header, shape) {
        // Hashed values: the header says which identifier they are hashes of.
        (Some((ColumnRole::Phone | ColumnRole::PhoneSha256, c)), Some(Shape::Hash)) => {
            (ColumnRole::PhoneSha256, c.max(share * 0.95))
        }
        (Some((_, c)), Some(Shape::Hash)) => (ColumnRole::EmailSha256, c.max(share * 0.9)),
        (None, Some(Shape::Hash)) => (ColumnRole::EmailSha256, 0.4 + 0.4 * share),
        (Some((role, c)), Some(s)) if agrees(role, s) => (role, (c + 0.1 * share).min(0.99)),
        // Header and values disagree: unmistakable values win, else the header does.
        (Some(_), Some(s @ (Shape::Email | Shape::Maid))) => (shape_role(s), 0.6 * share),
        (Some((role, c)), None) if has_shape(role) => {
            // The header says email, phone or MAID but few values look like one.
            (role, c * 0.6)
        }
        (Some((role, c)), None) => (role, c),
        (Some((role, c)), _) => (role, c * 0.8),
        (None, Some(s)) => {
            let (base, span) = match s {
                Shape::Email | Shape::Maid => (0.5, 0.45),
                Shape::Phone => (0.4, 0.4),
                _ => (0.3, 0.3),
            };
            (shape_role(s), base + span * share)
        }
        (None, None) => (ColumnRole::Attribute, 0.5),
    }
}

/// Roles whose values have a recognizable shape.
fn has_shape(role: ColumnRole) -> bool {
    matches!(role, ColumnRole::Email | ColumnRole::Phone | ColumnRole::Maid | ColumnRole::EmailSha256 | ColumnRole::PhoneSha256)
}

fn agrees(role: ColumnRole, shape: Shape) -> bool {
    matches!(
        (role, shape),
        (ColumnRole::Email, Shape::Email)
            | (ColumnRole::Phone, Shape::Phone)
            | (ColumnRole::Maid, Shape::Maid)
            | (ColumnRole::Postal, Shape::Postal | Shape::Phone)
            | (ColumnRole::Country, Shape::Country)
    )
}

fn shape_role(shape: Shape) -> ColumnRole {
    match shape {
        Shape::Email => ColumnRole::Email,
        Shape::Phone => ColumnRole::Phone,
        Shape::Hash => ColumnRole::EmailSha256,
        Shape::Maid => ColumnRole::Maid,
        Shape::Postal => ColumnRole::Postal,
        Shape::Country => ColumnRole::Country,
    }
}

/// Applies user choices `name=role,name=role` to `columns` (confidence 1.0). A column is
/// named by its header exactly, by its folded header (`e-mail` finds `E-Mail`), or by its
/// 1-based number.
///
/// # Errors
/// [`IngestError::UnknownColumn`] or [`IngestError::UnknownRole`].
pub fn apply_overrides(columns: &mut [ColumnGuess], spec: &str) -> Result<(), IngestError> {
    for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, role) = pair.rsplit_once('=').unwrap_or((pair, ""));
        let (name, role) = (name.trim(), role.trim());
        let role = ColumnRole::parse(role).ok_or_else(|| IngestError::UnknownRole { role: role.to_owned() })?;
        let index = find_column(columns, name).ok_or_else(|| IngestError::UnknownColumn { name: name.to_owned() })?;
        columns[index].role = role;
        columns[index].confidence = 1.0;
    }
    Ok(())
}

/// The 0-based index of the column `name` names: its header exactly, its folded header,
/// or its 1-based number.
pub fn find_column(columns: &[ColumnGuess], name: &str) -> Option<usize> {
    let folded = fold(name);
    columns
        .iter()
        .position(|c| c.name == name)
        .or_else(|| columns.iter().position(|c| !folded.is_empty() && fold(&c.name) == folded))
        .or_else(|| name.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).filter(|&i| i < columns.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides() {
        let mut cols: Vec<ColumnGuess> = ["E-Mail", "x"]
            .iter()
            .map(|n| ColumnGuess { name: n.to_string(), role: ColumnRole::Attribute, confidence: 0.5 })
            .collect();
        assert_eq!(apply_overrides(&mut cols, "e-mail=email_sha256, 2=phone"), Ok(()));
        assert_eq!(cols[0].role, ColumnRole::EmailSha256);
        assert_eq!(cols[1].role, ColumnRole::Phone);
        assert!(matches!(apply_overrides(&mut cols, "zzz=email"), Err(IngestError::UnknownColumn { .. })));
        assert!(matches!(apply_overrides(&mut cols, "x=mail"), Err(IngestError::UnknownRole { .. })));
    }

    fn role(h: &str) -> Option<ColumnRole> {
        header_role(h).map(|(r, _)| r)
    }

    #[test]
    fn header_names_in_five_languages() {
        assert_eq!(role("E-Mail"), Some(ColumnRole::Email));
        assert_eq!(role("Courriel"), Some(ColumnRole::Email));
        assert_eq!(role("Correo electrónico"), Some(ColumnRole::Email));
        assert_eq!(role("Teléfono"), Some(ColumnRole::Phone));
        assert_eq!(role("Telefoonnummer"), Some(ColumnRole::Phone));
        assert_eq!(role("Vorname"), Some(ColumnRole::FirstName));
        assert_eq!(role("Prénom"), Some(ColumnRole::FirstName));
        assert_eq!(role("Achternaam"), Some(ColumnRole::LastName));
        assert_eq!(role("Postleitzahl"), Some(ColumnRole::Postal));
        assert_eq!(role("Code postal"), Some(ColumnRole::Postal));
        assert_eq!(role("País"), Some(ColumnRole::Country));
        assert_eq!(role("Customer E-Mail"), Some(ColumnRole::Email));
        assert_eq!(role("firstName"), Some(ColumnRole::FirstName));
        assert_eq!(role("hashed_phone"), Some(ColumnRole::PhoneSha256));
        assert_eq!(role("SHA256 (email)"), Some(ColumnRole::EmailSha256));
        assert_eq!(role("IDFA"), Some(ColumnRole::Maid));
        assert_eq!(role("lifetime_value"), Some(ColumnRole::Attribute));
        assert_eq!(role("favourite colour"), None);
    }

    #[test]
    fn values_decide_without_header() {
        let names: Vec<String> = (1..=4).map(|i| format!("column {i}")).collect();
        let sample: Vec<Vec<String>> = (0..20)
            .map(|i| {
                vec![
                    format!("user{i}@example.com"),
                    format!("+1 415 555 {:04}", i),
                    format!("{:064x}", i),
                    format!("gold{i}"),
                ]
            })
            .collect();
        let g = guess_roles(&names, false, &sample);
        let roles: Vec<ColumnRole> = g.iter().map(|g| g.role).collect();
        assert_eq!(roles, [ColumnRole::Email, ColumnRole::Phone, ColumnRole::EmailSha256, ColumnRole::Attribute]);
        assert!(g[0].confidence > 0.9);
    }

    #[test]
    fn hashed_phone_by_header() {
        let names = vec!["Phone".to_string(), "Email".to_string()];
        let sample = vec![vec![format!("{:064x}", 7), format!("{:064x}", 8)]];
        let g = guess_roles(&names, true, &sample);
        assert_eq!(g[0].role, ColumnRole::PhoneSha256);
        assert_eq!(g[1].role, ColumnRole::EmailSha256);
    }
}
