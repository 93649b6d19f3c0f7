//! Country calling codes and national trunk prefixes, by ISO 3166-1 alpha-2 code.
//!
//! This table is all the phone metadata cleanmatch carries (see `docs/normalization.md`
//! for why not libphonenumber's). A trunk prefix is what a caller dials before a
//! national number inside the country (`0` in most of Europe, `1` in the North American
//! Numbering Plan, `8` in Russia); it is dropped in E.164. Italy, San Marino and the
//! Vatican have none: their leading `0` is part of the number and stays.
//!
//! Changing a row changes digests: bump `RULES_VERSION` with it.

/// `(ISO alpha-2, country calling code, trunk prefixes)`.
pub(super) type Country = (&'static str, &'static str, &'static [&'static str]);

const NONE: &[&str] = &[];
const ZERO: &[&str] = &["0"];
const EIGHT: &[&str] = &["8"];
const NANP: &[&str] = &["1"];

/// Every country and territory we know, sorted by ISO code.
pub(super) const COUNTRIES: &[Country] = &[
    ("AD", "376", NONE), ("AE", "971", ZERO), ("AF", "93", ZERO), ("AG", "1", NANP),
    ("AI", "1", NANP), ("AL", "355", ZERO), ("AM", "374", ZERO), ("AO", "244", NONE),
    ("AR", "54", ZERO), ("AS", "1", NANP), ("AT", "43", ZERO), ("AU", "61", ZERO),
    ("AW", "297", NONE), ("AX", "358", ZERO), ("AZ", "994", ZERO), ("BA", "387", ZERO),
    ("BB", "1", NANP), ("BD", "880", ZERO), ("BE", "32", ZERO), ("BF", "226", NONE),
    ("BG", "359", ZERO), ("BH", "973", NONE), ("BI", "257", NONE), ("BJ", "229", NONE),
    ("BL", "590", ZERO), ("BM", "1", NANP), ("BN", "673", NONE), ("BO", "591", ZERO),
    ("BQ", "599", NONE), ("BR", "55", ZERO), ("BS", "1", NANP), ("BT", "975", NONE),
    ("BW", "267", NONE), ("BY", "375", EIGHT), ("BZ", "501", NONE), ("CA", "1", NANP),
    ("CD", "243", ZERO), ("CF", "236", NONE), ("CG", "242", NONE), ("CH", "41", ZERO),
    ("CI", "225", NONE), ("CK", "682", NONE), ("CL", "56", NONE), ("CM", "237", NONE),
    ("CN", "86", ZERO), ("CO", "57", NONE), ("CR", "506", NONE), ("CU", "53", ZERO),
    ("CV", "238", NONE), ("CW", "599", NONE), ("CY", "357", NONE), ("CZ", "420", NONE),
    ("DE", "49", ZERO), ("DJ", "253", NONE), ("DK", "45", NONE), ("DM", "1", NANP),
    ("DO", "1", NANP), ("DZ", "213", ZERO), ("EC", "593", ZERO), ("EE", "372", NONE),
    ("EG", "20", ZERO), ("ER", "291", ZERO), ("ES", "34", NONE), ("ET", "251", ZERO),
    ("FI", "358", ZERO), ("FJ", "679", NONE), ("FK", "500", NONE), ("FM", "691", NONE),
    ("FO", "298", NONE), ("FR", "33", ZERO), ("GA", "241", NONE), ("GB", "44", ZERO),
    ("GD", "1", NANP), ("GE", "995", ZERO), ("GF", "594", ZERO), ("GG", "44", ZERO),
    ("GH", "233", ZERO), ("GI", "350", NONE), ("GL", "299", NONE), ("GM", "220", NONE),
    ("GN", "224", NONE), ("GP", "590", ZERO), ("GQ", "240", NONE), ("GR", "30", NONE),
    ("GT", "502", NONE), ("GU", "1", NANP), ("GW", "245", NONE), ("GY", "592", NONE),
    ("HK", "852", NONE), ("HN", "504", NONE), ("HR", "385", ZERO), ("HT", "509", NONE),
    ("HU", "36", &["06"]), ("ID", "62", ZERO), ("IE", "353", ZERO), ("IL", "972", ZERO),
    ("IM", "44", ZERO), ("IN", "91", ZERO), ("IO", "246", NONE), ("IQ", "964", ZERO),
    ("IR", "98", ZERO), ("IS", "354", NONE), ("IT", "39", NONE), ("JE", "44", ZERO),
    ("JM", "1", NANP), ("JO", "962", ZERO), ("JP", "81", ZERO), ("KE", "254", ZERO),
    ("KG", "996", ZERO), ("KH", "855", ZERO), ("KI", "686", NONE), ("KM", "269", NONE),
    ("KN", "1", NANP), ("KP", "850", ZERO), ("KR", "82", ZERO), ("KW", "965", NONE),
    ("KY", "1", NANP), ("KZ", "7", EIGHT), ("LA", "856", ZERO), ("LB", "961", ZERO),
    ("LC", "1", NANP), ("LI", "423", NONE), ("LK", "94", ZERO), ("LR", "231", ZERO),
    ("LS", "266", NONE), ("LT", "370", &["8", "0"]), ("LU", "352", NONE), ("LV", "371", NONE),
    ("LY", "218", ZERO), ("MA", "212", ZERO), ("MC", "377", NONE), ("MD", "373", ZERO),
    ("ME", "382", ZERO), ("MF", "590", ZERO), ("MG", "261", ZERO), ("MH", "692", NONE),
    ("MK", "389", ZERO), ("ML", "223", NONE), ("MM", "95", ZERO), ("MN", "976", ZERO),
    ("MO", "853", NONE), ("MP", "1", NANP), ("MQ", "596", ZERO), ("MR", "222", NONE),
    ("MS", "1", NANP), ("MT", "356", NONE), ("MU", "230", NONE), ("MV", "960", NONE),
    ("MW", "265", ZERO), ("MX", "52", NONE), ("MY", "60", ZERO), ("MZ", "258", NONE),
    ("NA", "264", ZERO), ("NC", "687", NONE), ("NE", "227", NONE), ("NF", "672", NONE),
    ("NG", "234", ZERO), ("NI", "505", NONE), ("NL", "31", ZERO), ("NO", "47", NONE),
    ("NP", "977", ZERO), ("NR", "674", NONE), ("NU", "683", NONE), ("NZ", "64", ZERO),
    ("OM", "968", NONE), ("PA", "507", NONE), ("PE", "51", ZERO), ("PF", "689", NONE),
    ("PG", "675", NONE), ("PH", "63", ZERO), ("PK", "92", ZERO), ("PL", "48", NONE),
    ("PM", "508", ZERO), ("PR", "1", NANP), ("PS", "970", ZERO), ("PT", "351", NONE),
    ("PW", "680", NONE), ("PY", "595", ZERO), ("QA", "974", NONE), ("RE", "262", ZERO),
    ("RO", "40", ZERO), ("RS", "381", ZERO), ("RU", "7", EIGHT), ("RW", "250", NONE),
    ("SA", "966", ZERO), ("SB", "677", NONE), ("SC", "248", NONE), ("SD", "249", ZERO),
    ("SE", "46", ZERO), ("SG", "65", NONE), ("SH", "290", NONE), ("SI", "386", ZERO),
    ("SK", "421", ZERO), ("SL", "232", ZERO), ("SM", "378", NONE), ("SN", "221", NONE),
    ("SO", "252", ZERO), ("SR", "597", ZERO), ("SS", "211", ZERO), ("ST", "239", NONE),
    ("SV", "503", NONE), ("SX", "1", NANP), ("SY", "963", ZERO), ("SZ", "268", NONE),
    ("TC", "1", NANP), ("TD", "235", NONE), ("TG", "228", NONE), ("TH", "66", ZERO),
    ("TJ", "992", NONE), ("TK", "690", NONE), ("TL", "670", NONE), ("TM", "993", EIGHT),
    ("TN", "216", NONE), ("TO", "676", NONE), ("TR", "90", ZERO), ("TT", "1", NANP),
    ("TV", "688", NONE), ("TW", "886", ZERO), ("TZ", "255", ZERO), ("UA", "380", ZERO),
    ("UG", "256", ZERO), ("US", "1", NANP), ("UY", "598", ZERO), ("UZ", "998", NONE),
    ("VA", "39", NONE), ("VC", "1", NANP), ("VE", "58", ZERO), ("VG", "1", NANP),
    ("VI", "1", NANP), ("VN", "84", ZERO), ("VU", "678", NONE), ("WF", "681", NONE),
    ("WS", "685", NONE), ("XK", "383", ZERO), ("YE", "967", ZERO), ("YT", "262", ZERO),
    ("ZA", "27", ZERO), ("ZM", "260", ZERO), ("ZW", "263", ZERO),
];

/// Calling codes with no ISO country of their own: Ascension Island (247) and the
/// non-geographic services (freephone, satellite, global networks).
pub(super) const OTHER_CODES: &[&str] = &["247", "800", "808", "870", "878", "881", "882", "883", "888", "979"];

/// The country row for an ISO alpha-2 code, in any case.
pub(super) fn by_iso(iso: &str) -> Option<&'static Country> {
    let iso = iso.trim();
    COUNTRIES.iter().find(|(code, _, _)| code.eq_ignore_ascii_case(iso))
}

/// Whether `code` is an assigned country calling code.
pub(super) fn is_calling_code(code: &str) -> bool {
    COUNTRIES.iter().any(|(_, cc, _)| *cc == code) || OTHER_CODES.contains(&code)
}

/// Whether numbers under calling code `code` drop a national `0` trunk prefix, so that
/// `+44 (0)20…` and `+44 020…` mean `+4420…`. False for +39 (Italy keeps its `0`).
pub(super) fn drops_zero_trunk(code: &str) -> bool {
    COUNTRIES.iter().any(|(_, cc, trunk)| *cc == code && trunk.contains(&"0"))
}
