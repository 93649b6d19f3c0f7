//! Text encoding detection and streaming decoding to UTF-8.
//!
//! Detection looks only at the file's first bytes: a byte order mark decides outright;
//! without one, BOM-less UTF-16 is recognized by its NUL pattern, then the head is UTF-8
//! if it decodes as UTF-8 and Windows-1252 (Excel's "CSV" on Western Windows) otherwise.
//! A file that changes encoding later decodes with U+FFFD replacements, which the reader
//! counts per row so the report can name them.

use super::binary::{utf16_without_bom, Utf16Order};
use encoding_rs::{Decoder, Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use serde::Serialize;

/// A text encoding the reader accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TextEncoding {
    /// UTF-8 (ASCII files are reported as UTF-8).
    #[serde(rename = "UTF-8")]
    Utf8,
    /// UTF-16 little endian: Excel's "Unicode text" export.
    #[serde(rename = "UTF-16LE")]
    Utf16Le,
    /// UTF-16 big endian.
    #[serde(rename = "UTF-16BE")]
    Utf16Be,
    /// Windows-1252, a superset of Latin-1 for printable characters.
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl TextEncoding {
    /// The encoding's WHATWG name.
    pub fn as_str(self) -> &'static str {
        self.encoding().name()
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 => UTF_8,
            TextEncoding::Utf16Le => UTF_16LE,
            TextEncoding::Utf16Be => UTF_16BE,
            TextEncoding::Windows1252 => WINDOWS_1252,
        }
    }
}

/// The detected encoding and whether the file starts with a byte order mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DetectedEncoding {
    /// The encoding.
    pub encoding: TextEncoding,
    /// Whether a byte order mark was present (it is not part of the text).
    pub bom: bool,
}

/// Detects the encoding of a file from its first bytes. `complete` says `head` is the
/// whole file, so a multi-byte sequence cut at its end is an error, not a chunk border.
pub fn detect(head: &[u8], complete: bool) -> DetectedEncoding {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        let encoding = if enc == UTF_16LE {
            TextEncoding::Utf16Le
        } else if enc == UTF_16BE {
            TextEncoding::Utf16Be
        } else {
            TextEncoding::Utf8
        };
        return DetectedEncoding { encoding, bom: true };
    }
    let encoding = match utf16_without_bom(head) {
        Some(Utf16Order::Le) => TextEncoding::Utf16Le,
        Some(Utf16Order::Be) => TextEncoding::Utf16Be,
        None => match core::str::from_utf8(head) {
            Ok(_) => TextEncoding::Utf8,
            // `error_len() == None`: the head ends inside a character, which only the
            // chunk boundary caused unless this is the whole file.
            Err(e) if e.error_len().is_none() && !complete => TextEncoding::Utf8,
            Err(_) => TextEncoding::Windows1252,
        },
    };
    DetectedEncoding { encoding, bom: false }
}

/// Decodes a byte stream chunk by chunk; characters split across chunks are carried over.
pub struct TextDecoder {
    decoder: Decoder,
    out: String,
    replaced: bool,
}

impl TextDecoder {
    /// A decoder for `detected`, which drops the byte order mark if there is one.
    pub fn new(detected: DetectedEncoding) -> TextDecoder {
        let encoding = detected.encoding.encoding();
        let decoder = if detected.bom {
            encoding.new_decoder_with_bom_removal()
        } else {
            encoding.new_decoder_without_bom_handling()
        };
        TextDecoder { decoder, out: String::new(), replaced: false }
    }

    /// Decodes the next chunk (`last` for the end of the file) and returns its text,
    /// valid until the next call. Malformed bytes become U+FFFD.
    pub fn decode(&mut self, chunk: &[u8], last: bool) -> &str {
        self.out.clear();
        let need = self.decoder.max_utf8_buffer_length(chunk.len()).unwrap_or(chunk.len() * 3 + 16);
        self.out.reserve(need);
        let (_, _, replaced) = self.decoder.decode_to_string(chunk, &mut self.out, last);
        self.replaced |= replaced;
        &self.out
    }

    /// Whether any byte so far was malformed in the detected encoding.
    pub fn had_replacements(&self) -> bool {
        self.replaced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects() {
        let d = |b: &[u8]| detect(b, true);
        assert_eq!(d(b"\xef\xbb\xbfa,b"), DetectedEncoding { encoding: TextEncoding::Utf8, bom: true });
        assert_eq!(d(b"\xff\xfea\0").encoding, TextEncoding::Utf16Le);
        assert_eq!(d(b"\xfe\xff\0a").encoding, TextEncoding::Utf16Be);
        assert_eq!(d("Müller".as_bytes()).encoding, TextEncoding::Utf8);
        assert_eq!(d(b"M\xfcller").encoding, TextEncoding::Windows1252);
        // A split two-byte character at the end of a partial head is still UTF-8.
        assert_eq!(detect(b"M\xc3", false).encoding, TextEncoding::Utf8);
        assert_eq!(detect(b"M\xc3", true).encoding, TextEncoding::Windows1252);
    }

    #[test]
    fn decodes_across_chunks() {
        let bytes = "\u{feff}Zoë,€".as_bytes();
        let mut dec = TextDecoder::new(detect(bytes, true));
        let mut text = String::new();
        for b in bytes {
            text.push_str(dec.decode(core::slice::from_ref(b), false));
        }
        text.push_str(dec.decode(&[], true));
        assert_eq!(text, "Zoë,€");
        assert!(!dec.had_replacements());
    }
}
