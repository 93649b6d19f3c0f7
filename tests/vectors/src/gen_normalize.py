#!/usr/bin/env python3
"""Writes tests/vectors/normalize-*.tsv from the cases below, computing the sha256_hex
column (SHA-256 of the expected normalized value; for kind sha256, the value itself).
The expected values are written by hand; only the digests are computed. Run from
tests/vectors: python3 src/gen_normalize.py"""
import hashlib

HEADER = "# preset\tkind\tinput\tnormalized\tsha256_hex\tcomment\n"
E = "error"

def digest(kind, norm):
    if norm == E:
        return ""
    if kind == "sha256":
        return norm
    return hashlib.sha256(norm.encode()).hexdigest()

def write(name, intro, cases):
    with open(f"normalize-{name}.tsv", "w") as f:
        f.write(HEADER)
        for line in intro:
            f.write(f"# {line}\n")
        for c in cases:
            if isinstance(c, str):
                f.write(f"{c}\n")
                continue
            preset, kind, raw, norm, comment = c
            assert "\t" not in raw and "\n" not in raw
            f.write(f"{preset}\t{kind}\t{raw}\t{norm}\t{digest(kind, norm)}\t{comment}\n")

ALL = ["uid2", "google", "meta", "pair", "plain"]

email = []
for p in ALL:
    email += [
        (p, "email", "  User@Example.COM  ", "user@example.com", "trim and lowercase"),
        (p, "email", "user@example", E, "domain without a dot"),
        (p, "email", "a@b@example.com", E, "two @"),
        (p, "email", "user@", E, "empty domain"),
        (p, "email", "@example.com", E, "empty local part"),
        (p, "email", "us er@example.com", E if p != "google" else "user@example.com", "inner space: refused, except Google removes all whitespace"),
        (p, "email", "user@exa_mple.com", E, "underscore not allowed in a domain"),
        (p, "email", ".user@example.com", E, "leading dot in the local part"),
        (p, "email", "us..er@example.com", E, "consecutive dots in the local part"),
        (p, "email", "user@-example.com", E, "domain label starting with a hyphen"),
        (p, "email", "user@example..com", E, "empty domain label"),
        (p, "email", "user@192.168.0.1", E, "IP address instead of a domain"),
        (p, "email", "user@example.c", E, "one-letter top-level domain"),
        (p, "email", "\"quoted\"@example.com", E, "quoted local parts are not supported"),
        (p, "email", "o'brien+news@sub.example.co.uk", "o'brien+news@sub.example.co.uk", "atext characters kept outside gmail"),
        (p, "email", "JÖRG@Bücher.de", "jörg@bücher.de", "internationalized address, lowercased"),
        (p, "email", "   ", E, "blank"),
    ]
gmail = {
    "uid2": ("janedoe@gmail.com", "jane.doe+promo@googlemail.com"),
    "google": ("janedoe@gmail.com", "janedoe@googlemail.com"),
    "meta": ("jane.doe+promo@gmail.com", "jane.doe+promo@googlemail.com"),
    "pair": ("jane.doe+promo@gmail.com", "jane.doe+promo@googlemail.com"),
    "plain": ("jane.doe+promo@gmail.com", "jane.doe+promo@googlemail.com"),
}
for p in ALL:
    g, gm = gmail[p]
    email += [
        (p, "email", "  Jane.Doe+promo@GMail.com ", g, "gmail.com: dots and plus tag removed by uid2 and google only"),
        (p, "email", "Jane.Doe+promo@GoogleMail.com", gm, "googlemail.com: google only, domain kept"),
        (p, "email", "jane.doe+promo@gmail.co.uk", "jane.doe+promo@gmail.co.uk", "not a gmail domain: kept by every preset"),
    ]
email += [
    ("uid2", "email", "+promo@gmail.com", E, "nothing left once the plus tag is removed"),
    ("plain", "email", "+promo@gmail.com", "+promo@gmail.com", "plain keeps the plus tag, so the address is valid"),
    ("google", "email", "...@gmail.com", E, "misplaced dots are refused before the gmail rules"),
]
write("email", ["Email rules per preset; default country irrelevant."], email)

phone = [
    "# Default country US unless a '# @default-country XX' line says otherwise (until the next such line).",
]
for p in ALL:
    plus = "" if p == "meta" else "+"
    phone += [
        (p, "phone", "(800) 555-0100", f"{plus}18005550100", "US national, trunk-less"),
        (p, "phone", "1-800-555-0100", f"{plus}18005550100", "US national with the NANP trunk 1"),
        (p, "phone", "+1 800.555.0100", f"{plus}18005550100", "international with dots"),
        (p, "phone", "011 44 20 7946 0000", f"{plus}442079460000", "011 international prefix from a NANP default country"),
        (p, "phone", "0044 20 7946 0000", f"{plus}442079460000", "00 international prefix"),
        (p, "phone", "+44 (0)20 7946 0000", f"{plus}442079460000", "(0) after the UK calling code dropped"),
        (p, "phone", "+44 020 7946 0000", f"{plus}442079460000", "national 0 written after the calling code dropped"),
        (p, "phone", "+39 06 6988 0000", f"{plus}390669880000", "Italy keeps its leading 0"),
        (p, "phone", "+49 30 123456", f"{plus}4930123456", "Germany"),
        (p, "phone", "+7 495 123-45-67", f"{plus}74951234567", "one-digit calling code 7"),
        (p, "phone", "+86 10 1234 5678", f"{plus}861012345678", "China"),
    ]
phone += [
    ("uid2", "phone", "800-555-0100 ext. 12", E, "extension refused"),
    ("uid2", "phone", "800-555-0100 x12", E, "extension refused"),
    ("uid2", "phone", "1-800-FLOWERS", E, "letters refused"),
    ("uid2", "phone", "+1 800 555 0100 +", E, "plus inside the number"),
    ("uid2", "phone", "+1 (800) 555-0100 #", E, "unexpected symbol"),
    ("uid2", "phone", "555-0100", E, "too short for NANP"),
    ("uid2", "phone", "123-456-7890", E, "NANP area code cannot start with 1"),
    ("uid2", "phone", "800-155-0100", E, "NANP exchange code cannot start with 1"),
    ("uid2", "phone", "+1 800 555 01000", E, "11-digit NANP national number"),
    ("uid2", "phone", "+28 1234 5678", E, "unassigned calling code"),
    ("uid2", "phone", "+0 1234 5678", E, "calling codes never start with 0"),
    ("uid2", "phone", "+44 20 7946 0000 1234", E, "longer than 15 digits"),
    ("uid2", "phone", "+44 123", E, "shorter than 8 digits"),
    ("uid2", "phone", "  ", E, "blank"),
    ("uid2", "phone", "()-", E, "no digits"),
    ("uid2", "phone", "+44 00 20 7946 0000", E, "two national zeros after a calling code whose trunk prefix is 0"),
    ("uid2", "phone", "+39 00 6988 0000", "+390069880000", "Italy: zeros after +39 belong to the number"),
    "# @default-country GB",
    ("uid2", "phone", "020 7946 0000", "+442079460000", "GB national with trunk 0"),
    ("meta", "phone", "020 7946 0000", "442079460000", "Meta: digits only, with the country code"),
    ("meta", "phone", "442079460000", "442079460000", "Meta's own digits-only output normalizes to itself"),
    ("uid2", "phone", "07700 900123", "+447700900123", "GB mobile"),
    ("uid2", "phone", "(800) 555-0100", "+448005550100", "a US-looking number is read as GB under a GB default"),
    "# @default-country it",
    ("uid2", "phone", "06 6988 0000", "+390669880000", "Italy: the 0 is part of the number; country code in lowercase accepted"),
    "# @default-country DE",
    ("google", "phone", "030 123456", "+4930123456", "Germany trunk 0"),
    "# @default-country HU",
    ("google", "phone", "06 1 234 5678", "+3612345678", "Hungary trunk 06"),
    "# @default-country RU",
    ("google", "phone", "8 (495) 123-45-67", "+74951234567", "Russia trunk 8"),
    "# @default-country ZZ",
    ("uid2", "phone", "020 7946 0000", E, "unknown default country"),
    ("uid2", "phone", "+44 20 7946 0000", E, "unknown default country is refused even for international numbers"),
    "# @default-country none",
    ("uid2", "phone", "020 7946 0000", E, "no country code and no default country"),
    ("uid2", "phone", "+44 20 7946 0000", "+442079460000", "international numbers need no default country"),
    ("meta", "phone", "0044 20 7946 0000", "442079460000", "00 prefix needs no default country"),
]
write("phone", ["Phone: E.164 from a default country; + for all presets but meta (digits only)."], phone)

name = []
for p in ALL:
    rm = p == "meta"
    name += [
        (p, "name", "  Mary   Ann  ", "mary ann", "trim, lowercase, collapse inner spaces"),
        (p, "name", "O'Brien", "obrien" if rm else "o'brien", "apostrophe removed by meta only"),
        (p, "name", "Mary-Jane", "maryjane" if rm else "mary-jane", "hyphen removed by meta only"),
        (p, "name", "Jr. Smith", "jr smith" if rm else "jr. smith", "period removed by meta only"),
        (p, "name", "Ze\u0301lie", "z\u00e9lie", "decomposed accent composed (NFC), accent kept"),
        (p, "name", "ÉMILE", "émile", "non-ASCII uppercase lowercased"),
        (p, "name", "Straße", "straße", "sharp s kept as is"),
        (p, "name", "ЖАННА", "жанна", "Cyrillic lowercased"),
        (p, "name", "李", "李", "Han characters kept"),
        (p, "name", "---", E, "no letters"),
        (p, "name", "42", E, "digits only"),
        (p, "name", "", E, "empty"),
    ]
name += [
    ("google", "name", "  GivenName  ", "givenname", "Google example"),
    ("meta", "name", "Anne-Marie O'Neil", "annemarie oneil", "Meta: punctuation removed, space kept"),
    ("meta", "name", "R2-D2", "rd", "Meta: digits removed too (letters only)"),
]
write("name", ["Names: NFC, lowercase, trim, collapse spaces; meta removes punctuation."], name)

postal = []
for p in ALL:
    up = p == "google"
    c = (lambda s: s.upper()) if up else (lambda s: s.lower())
    postal += [
        (p, "postal", " 94043 ", "94043", "US ZIP"),
        (p, "postal", "94043-1351", "94043", "ZIP+4 cut to 5 digits"),
        (p, "postal", "94043 1351", "94043", "ZIP+4 with a space cut to 5 digits"),
        (p, "postal", "940431351", "940431351", "nine bare digits are not read as ZIP+4"),
        (p, "postal", "SW1A 1AA", c("sw1a1aa"), "UK postcode: space removed, case per preset (google upper)"),
        (p, "postal", "k1a 0b1", c("k1a0b1"), "Canadian postcode"),
        (p, "postal", "00-950", "00950", "Polish code: hyphen removed, leading zero kept"),
        (p, "postal", "75008", "75008", "French code"),
        (p, "postal", "12", E, "too short"),
        (p, "postal", "12345678901", E, "too long"),
        (p, "postal", "941#03", E, "symbol"),
        (p, "postal", "", E, "empty"),
    ]
write("postal", ["Postal codes: trim, remove spaces and hyphens, US ZIP+4 to 5 digits, case per preset."], postal)

maid = []
for p in ALL:
    maid += [
        (p, "maid", "AECE52E7-03EE-455A-B3C4-E57283966239", "aece52e7-03ee-455a-b3c4-e57283966239", "IDFA as iOS prints it (uppercase) lowercased"),
        (p, "maid", " bdd0fd9b-2d1f-4b0e-9b1c-3f2b5a6c7d8e ", "bdd0fd9b-2d1f-4b0e-9b1c-3f2b5a6c7d8e", "AAID (lowercase), trimmed"),
        (p, "maid", "00000000-0000-0000-0000-000000000000", E, "all-zero IDFA (tracking not allowed) refused"),
        (p, "maid", "aece52e703ee455ab3c4e57283966239", E, "UUID without hyphens refused"),
        (p, "maid", "{aece52e7-03ee-455a-b3c4-e57283966239}", E, "braces refused"),
        (p, "maid", "aece52e7-03ee-455a-b3c4-e5728396623g", E, "non-hex digit"),
        (p, "maid", "aece52e7-03ee-455a-b3c4e-57283966239", E, "hyphen misplaced"),
        (p, "maid", "", E, "empty"),
    ]
write("maid", ["Mobile advertising ids: 8-4-4-4-12 hex, lowercase."], maid)

h = hashlib.sha256(b"user@example.com").hexdigest()  # b4c9a2...
import base64
b64 = base64.b64encode(bytes.fromhex(h)).decode()
sha = []
for p in ALL:
    b64ok = p in ("uid2", "google", "plain")
    sha += [
        (p, "sha256", h, h, "lowercase hex passed through"),
        (p, "sha256", "  " + h.upper() + " ", h, "uppercase hex, trimmed, lowercased"),
        (p, "sha256", b64, h if b64ok else E, "padded base64 accepted by uid2, google and plain only"),
        (p, "sha256", h[:-1], E, "63 hex digits"),
        (p, "sha256", h + "0", E, "65 hex digits"),
        (p, "sha256", h[:-1] + "g", E, "non-hex digit"),
        (p, "sha256", b64[:-1], E, "unpadded base64 (43 characters)"),
        (p, "sha256", b64 + "=", E, "45 characters"),
        (p, "sha256", "user@example.com", E, "a raw email is not a digest"),
        (p, "sha256", "", E, "empty"),
    ]
# Base64 details, under a preset that accepts it.
assert b64.endswith("=")
last = b64[-2]
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
v = alphabet.index(last)
noncanon = b64[:-2] + alphabet[v | 1] + "=" if v & 3 == 0 else None
sha += [
    ("uid2", "sha256", b64.replace("=", "A") if False else b64[:-1] + "A", E, "padding position holds a data character"),
    ("uid2", "sha256", b64[:10] + "-" + b64[11:], E, "URL-safe alphabet refused (standard alphabet only)"),
    ("uid2", "sha256", b64[:-3] + "==" + "=", E, "wrong padding"),
]
if noncanon:
    sha.append(("uid2", "sha256", noncanon, E, "non-canonical base64: unused low bits set"))
# The digest of a normalized email and of its pre-hashed form are the same bytes.
write("sha256", ["Pre-hashed values: 64 hex or 44 padded base64 characters, normalized to lowercase hex.",
                 "Its digest is the decoded value, so it matches the plain identifier it is a hash of."], sha)

# name_postal: first + last name (or a full name), postal code and country as one value,
# the parts joined by U+001F (written \x1f in the normalized column). The input column
# holds first|last|postal|country, or full name|postal|country; an empty country takes the
# file's default country.
US = "\\x1f"
def np_digest(norm):
    return hashlib.sha256(norm.replace(US, "\x1f").encode()).hexdigest()

np = []
for p in ALL:
    zip_case = str.upper if p == "google" else str.lower
    np += [
        (p, "Ann|Lee|94043|", f"ann lee{US}94043{US}US", "first and last name, ZIP, the default country"),
        (p, " ANN | LEE |94043-1351|us", f"ann lee{US}94043{US}US", "case, spaces, ZIP+4 cut to 5 digits, country upper case"),
        (p, "Ann Lee|94043 1351|US", f"ann lee{US}94043{US}US", "a full name gives the same value as the two columns"),
        (p, "Lee, Ann|94043|US", f"ann lee{US}94043{US}US", "\"Last, First\" is read as First Last"),
        (p, "Ann|Lee|SW1A 1AA|GB", f"ann lee{US}{zip_case('sw1a1aa')}{US}GB", "UK postcode: space removed, case per preset"),
        (p, "Ann  Marie|van der Berg|sw1a1aa|gb", f"ann marie van der berg{US}{zip_case('sw1a1aa')}{US}GB", "middle names and particles kept, spaces collapsed"),
        (p, "Jose\u0301|Mu\u0308ller|10115|DE", f"jos\u00e9 m\u00fcller{US}10115{US}DE", "decomposed accents written composed (NFC)"),
        (p, "Ann||94043|US", E, "no last name"),
        (p, "|Lee|94043|US", E, "no first name"),
        (p, "Cher|94043|US", E, "a full name of one word"),
        (p, "Ann|Lee||US", E, "no postal code"),
        (p, "Ann|Lee|9#043|US", E, "postal code with a symbol"),
        (p, "Ann|Lee|94043|XX", E, "unknown country"),
        (p, "Ann|Lee|94043|USA", E, "alpha-3 is not alpha-2"),
        (p, "|||", E, "all blank"),
    ]
np += [
    ("meta", "Mary-Jane|O'Brien|SW1A-1AA|gb", f"maryjane obrien{US}sw1a1aa{US}GB", "meta removes punctuation from names"),
    ("plain", "Mary-Jane|O'Brien|SW1A-1AA|gb", f"mary-jane o'brien{US}sw1a1aa{US}GB", "plain keeps it"),
    "# @default-country none",
    ("uid2", "Ann|Lee|94043|", E, "no country in the row and no default country"),
    ("uid2", "Ann|Lee|94043|US", f"ann lee{US}94043{US}US", "the row's country needs no default"),
]
with open("normalize-name_postal.tsv", "w") as f:
    f.write(HEADER)
    for line in ["name_postal: name \\x1f postal \\x1f country (U+001F between the parts; docs/normalization.md).",
                 "input: first|last|postal|country or full name|postal|country; an empty country is the default country."]:
        f.write(f"# {line}\n")
    for c in np:
        if isinstance(c, str):
            f.write(f"{c}\n")
            continue
        preset, raw, norm, comment = c
        f.write(f"{preset}\tname_postal\t{raw}\t{norm}\t{'' if norm == E else np_digest(norm)}\t{comment}\n")
