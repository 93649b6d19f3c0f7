//! Header names: which role a column's name suggests, in English, German, French,
//! Spanish and Dutch. Names are compared after [`fold`]ing.

use super::ColumnRole;
use unicode_normalization::UnicodeNormalization;

/// Header names per role, folded (see [`fold`]). Exact matches score highest.
const NAMES: &[(ColumnRole, &[&str])] = &[
    (
        ColumnRole::EmailSha256,
        &[
            "emailsha256",
            "sha256email",
            "hashedemail",
            "emailhash",
            "hem",
            "sha256hashedemail",
            "emailhashed",
            "hashedemailaddress",
            "emailsha",
        ],
    ),
    (
        ColumnRole::PhoneSha256,
        &["phonesha256", "sha256phone", "hashedphone", "phonehash", "phonehashed", "hashedphonenumber"],
    ),
    (
        ColumnRole::Email,
        &[
            "email",
            "emailaddress",
            "emailadresse",
            "mail",
            "mailadresse",
            "email1",
            "courriel",
            "adressecourriel",
            "adresseemail",
            "adressemail",
            "adresseelectronique",
            "correo",
            "correoelectronico",
            "direcciondecorreo",
            "direccionemail",
            "emailadres",
            "mailadres",
            "epost",
            "emailid",
            "primaryemail",
            "contactemail",
            "useremail",
            "customeremail",
            "indirizzoemail",
            "postaelettronica",
            "correioeletronico",
            "enderecodeemail",
            "emailadresse1",
            "emailprivat",
            "emailgeschaftlich",
            "mailaddress",
            "emailaddr",
            "emailadr",
        ],
    ),
    (
        ColumnRole::Phone,
        &[
            "phone",
            "phonenumber",
            "telephone",
            "telephonenumber",
            "tel",
            "telnr",
            "telno",
            "mobile",
            "mobilephone",
            "mobilenumber",
            "cell",
            "cellphone",
            "cellnumber",
            "msisdn",
            "telefon",
            "telefonnummer",
            "handy",
            "handynummer",
            "mobil",
            "mobilnummer",
            "rufnummer",
            "numerodetelephone",
            "portable",
            "telefono",
            "numerodetelefono",
            "movil",
            "celular",
            "telefoonnummer",
            "telefoon",
            "mobiel",
            "mobielnummer",
            "gsm",
            "phone1",
            "contactphone",
            "telefono1",
            "cellulare",
            "numeroditelefono",
            "telefonocellulare",
            "telemovel",
            "telefone",
            "celular1",
            "numerodetelefone",
            "mobiltelefon",
            "telefonnr",
            "phoneno",
            "mobileno",
            "natel",
            "portabile",
        ],
    ),
    (
        ColumnRole::FirstName,
        &[
            "firstname",
            "first",
            "givenname",
            "fname",
            "forename",
            "vorname",
            "prenom",
            "nombre",
            "primernombre",
            "voornaam",
            "roepnaam",
            "nome",
            "primeironome",
            "firstnames",
            "givennames",
            "vornamen",
            "prenoms",
        ],
    ),
    (
        ColumnRole::LastName,
        &[
            "lastname",
            "last",
            "surname",
            "familyname",
            "lname",
            "nachname",
            "familienname",
            "nom",
            "nomdefamille",
            "apellido",
            "apellidos",
            "achternaam",
            "familienaam",
            "cognome",
            "sobrenome",
            "apelido",
            "ultimonome",
            "nomedefamilia",
            "nombrefamilia",
            "zuname",
        ],
    ),
    (
        ColumnRole::FullName,
        &[
            "name",
            "fullname",
            "customername",
            "contactname",
            "nomcomplet",
            "nombrecompleto",
            "volledigenaam",
            "naam",
            "vollstandigername",
            "kundenname",
            "nomecompleto",
            "nominativo",
            "nomeecognome",
            "nomeprenom",
            "nombreyapellidos",
            "vorundnachname",
        ],
    ),
    (
        ColumnRole::Postal,
        &[
            "zip",
            "zipcode",
            "postal",
            "postalcode",
            "postcode",
            "plz",
            "postleitzahl",
            "codepostal",
            "cp",
            "codigopostal",
            "zip5",
            "postcodes",
            "cap",
            "codiceavviamentopostale",
            "codicepostale",
            "codigopostal1",
            "cep",
            "postnummer",
            "postnr",
            "zippostalcode",
            "zippostal",
        ],
    ),
    (
        ColumnRole::Country,
        &[
            "country",
            "countrycode",
            "land",
            "pays",
            "pais",
            "nation",
            "countryiso",
            "iso2",
            "landcode",
            "codepays",
            "codigopais",
            "paese",
            "codicepaese",
            "countryregion",
            "landeskennung",
        ],
    ),
    (
        ColumnRole::Maid,
        &[
            "maid",
            "idfa",
            "aaid",
            "gaid",
            "adid",
            "advertisingid",
            "deviceid",
            "mobileadid",
            "ifa",
            "mobileadvertisingid",
        ],
    ),
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
    if super::super::suppression::is_opt_out_header(header) {
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
    "id",
    "nr",
    "no",
    "num",
    "number",
    "nummer",
    "numero",
    "key",
    "date",
    "datum",
    "fecha",
    "amount",
    "total",
    "revenue",
    "spend",
    "price",
    "count",
    "qty",
    "quantity",
    "score",
    "age",
    "year",
    "created",
    "updated",
    "order",
    "orders",
    "customerid",
    "clientid",
    "kundennummer",
    "status",
    "segment",
    "tier",
    "value",
    "ltv",
    "sku",
    "code",
    // Customer, member, order and receipt numbers in the other languages.
    "kunde",
    "kunden",
    "kundennr",
    "kundenid",
    "customer",
    "client",
    "cliente",
    "klant",
    "klantnr",
    "klantnummer",
    "member",
    "membre",
    "mitglied",
    "mitgliedsnummer",
    "socio",
    "lid",
    "lidnummer",
    "loyalty",
    "card",
    "karte",
    "carte",
    "tarjeta",
    "tessera",
    "cartao",
    "kaart",
    "bestellung",
    "bestellnummer",
    "auftrag",
    "commande",
    "pedido",
    "ordine",
    "encomenda",
    "bestelling",
    "invoice",
    "rechnung",
    "facture",
    "factura",
    "fattura",
    "fatura",
    "factuur",
    "ref",
    "reference",
    "referenz",
    "ticket",
    "receipt",
    "beleg",
    "bon",
    "uuid",
    "guid",
    // Amounts, dates, flags and other attributes.
    "betrag",
    "umsatz",
    "montant",
    "importe",
    "importo",
    "valor",
    "bedrag",
    "preis",
    "prix",
    "precio",
    "prezzo",
    "preco",
    "prijs",
    "points",
    "punkte",
    "punti",
    "puntos",
    "pontos",
    "punten",
    "data",
    "dia",
    "jour",
    "giorno",
    "tag",
    "dob",
    "birthday",
    "geburtsdatum",
    "active",
    "aktiv",
    "actif",
    "activo",
    "attivo",
    "ativo",
    "actief",
    "newsletter",
    "optin",
    "consent",
    "einwilligung",
    "gender",
    "geschlecht",
    "sexe",
    "sexo",
    "sesso",
    "geslacht",
    "anrede",
    "salutation",
    "title",
    "titel",
    "city",
    "stadt",
    "ort",
    "ville",
    "ciudad",
    "citta",
    "cidade",
    "stad",
    "plaats",
    "street",
    "strasse",
    "rue",
    "calle",
    "via",
    "rua",
    "straat",
    "address",
    "adresse",
    "direccion",
    "indirizzo",
    "endereco",
    "adres",
    "store",
    "filiale",
    "shop",
    "branch",
    "tienda",
    "negozio",
    "loja",
    "winkel",
    "state",
    "bundesland",
    "region",
    "provincia",
    "provincie",
    "estado",
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
