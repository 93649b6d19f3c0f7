//! Recognizes what a file is from its first bytes, so a PNG or a PDF dropped by mistake
//! gets a clear error instead of a "CSV" of garbage.

use serde::Serialize;

/// What a file's first bytes say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Text: CSV, TSV or similar.
    Text,
    /// An OOXML workbook (`.xlsx`), or another OOXML package (checked when opened).
    Xlsx,
    /// An OpenDocument spreadsheet (`.ods`).
    Ods,
    /// An OLE compound file: a legacy `.xls` (or a `.doc`, checked when opened).
    Xls,
    /// Something that is neither text nor a spreadsheet.
    Binary(BinaryKind),
}

/// A non-spreadsheet binary file type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BinaryKind {
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// GIF image.
    Gif,
    /// PDF document.
    Pdf,
    /// A ZIP archive that is not a spreadsheet.
    Zip,
    /// gzip-compressed data.
    Gzip,
    /// bzip2-compressed data.
    Bzip2,
    /// xz-compressed data.
    Xz,
    /// zstd-compressed data.
    Zstd,
    /// 7-Zip archive.
    SevenZip,
    /// RAR archive.
    Rar,
    /// Parquet file.
    Parquet,
    /// SQLite database.
    Sqlite,
    /// Executable (ELF, PE, Mach-O) or WebAssembly.
    Executable,
    /// Anything else with NUL or control bytes where text has none.
    Unknown,
}

impl BinaryKind {
    /// A human name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryKind::Png => "PNG image",
            BinaryKind::Jpeg => "JPEG image",
            BinaryKind::Gif => "GIF image",
            BinaryKind::Pdf => "PDF",
            BinaryKind::Zip => "ZIP archive (not a spreadsheet)",
            BinaryKind::Gzip => "gzip-compressed",
            BinaryKind::Bzip2 => "bzip2-compressed",
            BinaryKind::Xz => "xz-compressed",
            BinaryKind::Zstd => "zstd-compressed",
            BinaryKind::SevenZip => "7-Zip archive",
            BinaryKind::Rar => "RAR archive",
            BinaryKind::Parquet => "Parquet",
            BinaryKind::Sqlite => "SQLite database",
            BinaryKind::Executable => "program (executable)",
            BinaryKind::Unknown => "binary (not text)",
        }
    }
}

/// How many leading bytes [`sniff_format`] wants to see to be sure (fewer is fine at the
/// end of a short file).
pub const SNIFF_LEN: usize = 4096;

/// Magic numbers of formats that are never customer lists.
const MAGIC: &[(&[u8], BinaryKind)] = &[
    (b"\x89PNG\r\n\x1a\n", BinaryKind::Png),
    (b"\xff\xd8\xff", BinaryKind::Jpeg),
    (b"GIF87a", BinaryKind::Gif),
    (b"GIF89a", BinaryKind::Gif),
    (b"%PDF-", BinaryKind::Pdf),
    (b"\x1f\x8b", BinaryKind::Gzip),
    (b"BZh", BinaryKind::Bzip2),
    (b"\xfd7zXZ\x00", BinaryKind::Xz),
    (b"\x28\xb5\x2f\xfd", BinaryKind::Zstd),
    (b"7z\xbc\xaf\x27\x1c", BinaryKind::SevenZip),
    (b"Rar!\x1a\x07", BinaryKind::Rar),
    (b"PAR1", BinaryKind::Parquet),
    (b"SQLite format 3\x00", BinaryKind::Sqlite),
    (b"\x7fELF", BinaryKind::Executable),
    (b"MZ", BinaryKind::Executable),
    (b"\xcf\xfa\xed\xfe", BinaryKind::Executable),
    (b"\x00asm", BinaryKind::Executable),
];

/// Decides what `head` (the file's first bytes, ideally [`SNIFF_LEN`] of them) is.
///
/// UTF-16 text (with or without a byte order mark) is text, even though half its bytes
/// are NUL.
pub fn sniff_format(head: &[u8]) -> FileFormat {
    if head.starts_with(b"PK\x03\x04") {
        return zip_format(head);
    }
    if head.starts_with(b"PK\x05\x06") {
        // An empty ZIP archive.
        return FileFormat::Binary(BinaryKind::Zip);
    }
    if head.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        return FileFormat::Xls;
    }
    if let Some((_, kind)) = MAGIC.iter().find(|(m, _)| head.starts_with(m)) {
        return FileFormat::Binary(*kind);
    }
    if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") || utf16_without_bom(head).is_some() {
        return FileFormat::Text;
    }
    if looks_binary(head) {
        return FileFormat::Binary(BinaryKind::Unknown);
    }
    FileFormat::Text
}

/// Tells an xlsx or ods from any other ZIP by the first entry's name: Excel and
/// LibreOffice write `[Content_Types].xml` or `mimetype` first; other writers of
/// workbooks put one of the package's folders first.
fn zip_format(head: &[u8]) -> FileFormat {
    let name_len = match head.get(26..28) {
        Some(b) => usize::from(u16::from_le_bytes([b[0], b[1]])),
        None => return FileFormat::Binary(BinaryKind::Zip),
    };
    let Some(name) = head.get(30..30 + name_len) else {
        return FileFormat::Binary(BinaryKind::Zip);
    };
    if name == b"mimetype" {
        let spreadsheet = head
            .windows(b"opendocument.spreadsheet".len())
            .take(200)
            .any(|w| w == b"opendocument.spreadsheet");
        return if spreadsheet { FileFormat::Ods } else { FileFormat::Binary(BinaryKind::Zip) };
    }
    let ooxml = name == b"[Content_Types].xml"
        || name.starts_with(b"_rels/")
        || name.starts_with(b"docProps/")
        || name.starts_with(b"xl/");
    if ooxml {
        FileFormat::Xlsx
    } else {
        FileFormat::Binary(BinaryKind::Zip)
    }
}

/// Which byte order a BOM-less UTF-16 text has, judged by NULs in every other byte
/// (the high bytes of ASCII characters).
pub fn utf16_without_bom(head: &[u8]) -> Option<Utf16Order> {
    let pairs = head.len() / 2;
    if pairs < 4 {
        return None;
    }
    let even_nul = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nul = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    // Mostly-ASCII UTF-16: nearly all high bytes are NUL, nearly no low byte is.
    if odd_nul * 10 >= pairs * 7 && even_nul * 20 <= pairs {
        Some(Utf16Order::Le)
    } else if even_nul * 10 >= pairs * 7 && odd_nul * 20 <= pairs {
        Some(Utf16Order::Be)
    } else {
        None
    }
}

/// Byte order of UTF-16 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Utf16Order {
    /// Little endian (what Windows writes).
    Le,
    /// Big endian.
    Be,
}

/// Text files have no NUL and few C0 control bytes besides tab, CR, LF (and the odd
/// form feed or escape, which some exports contain).
fn looks_binary(head: &[u8]) -> bool {
    if head.contains(&0) {
        return true;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    controls * 10 > head.len().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        assert_eq!(sniff_format(b"\x89PNG\r\n\x1a\n\0\0"), FileFormat::Binary(BinaryKind::Png));
        assert_eq!(sniff_format(b"%PDF-1.7\n"), FileFormat::Binary(BinaryKind::Pdf));
        assert_eq!(sniff_format(b"\x1f\x8b\x08\0"), FileFormat::Binary(BinaryKind::Gzip));
        assert_eq!(sniff_format(b"email,phone\na@b.c,1\n"), FileFormat::Text);
        assert_eq!(sniff_format(b"\xff\xfee\0m\0"), FileFormat::Text);
        assert_eq!(sniff_format(b"e\0m\0a\0i\0l\0\t\0"), FileFormat::Text);
        assert_eq!(sniff_format(b"ab\0\x01\x02\x03cd"), FileFormat::Binary(BinaryKind::Unknown));
    }

    #[test]
    fn zip_entries() {
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&[0; 22]);
        zip.extend_from_slice(&(19u16).to_le_bytes());
        zip.extend_from_slice(&[0; 2]);
        zip.extend_from_slice(b"[Content_Types].xml");
        assert_eq!(sniff_format(&zip), FileFormat::Xlsx);
        let mut other = zip[..26].to_vec();
        other.extend_from_slice(&(9u16).to_le_bytes());
        other.extend_from_slice(&[0; 2]);
        other.extend_from_slice(b"photo.jpg");
        assert_eq!(sniff_format(&other), FileFormat::Binary(BinaryKind::Zip));
    }
}
