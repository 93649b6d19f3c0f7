//! The invite: 32 random bytes that both partners hold, carried in a link fragment.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroize;

use super::{base64url, SealError};

/// HKDF info for the room id: the relay sees this value, never the secret.
const ROOM_INFO: &[u8] = b"cleanmatch-v1 room";

/// The 32-byte invite secret. The link carries it as `#k=<base64url>`; fragments are
/// never sent to a server, so only the two partners hold it.
///
/// The secret is wiped from memory when the value is dropped.
#[derive(Clone)]
pub struct Invite {
    secret: [u8; 32],
}

impl Drop for Invite {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl core::fmt::Debug for Invite {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The room id is public (the relay sees it); the secret never goes into a log.
        write!(f, "Invite(room {})", self.room_id())
    }
}

impl Invite {
    /// Draws a fresh secret from the system's (or browser's) random source.
    ///
    /// # Errors
    /// [`SealError::Randomness`] if no random bytes are available.
    pub fn generate() -> Result<Invite, SealError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|_| SealError::Randomness)?;
        Ok(Invite { secret })
    }

    /// Wraps a known secret (tests, or a secret kept by the caller).
    pub fn from_secret(secret: [u8; 32]) -> Invite {
        Invite { secret }
    }

    /// Reads an invite from a full link (`https://host/#k=...`), its fragment (`#k=...`,
    /// `k=...`) or the bare base64url token. Surrounding whitespace is ignored, and other
    /// `&`-separated fragment parameters are allowed next to `k`.
    ///
    /// # Errors
    /// - [`SealError::InviteMissing`] if the text is empty or a link has no `k=` parameter;
    /// - [`SealError::InviteCharacters`] if the token is not base64url;
    /// - [`SealError::InviteLength`] if it does not decode to exactly 32 bytes.
    pub fn parse(text: &str) -> Result<Invite, SealError> {
        let text = text.trim();
        let token = if let Some((_, fragment)) = text.split_once('#') {
            // `#k=<token>`, or a bare `#<token>`.
            if fragment.contains('=') {
                find_k(fragment).ok_or(SealError::InviteMissing)?
            } else {
                fragment
            }
        } else if text.contains("k=") {
            find_k(text).ok_or(SealError::InviteMissing)?
        } else if text.contains("://") {
            // A link without a fragment: the secret was lost while copying.
            return Err(SealError::InviteMissing);
        } else {
            text
        };
        if token.is_empty() {
            return Err(SealError::InviteMissing);
        }
        let mut bytes = base64url::decode(token).map_err(|()| SealError::InviteCharacters)?;
        let result = <[u8; 32]>::try_from(bytes.as_slice())
            .map(Invite::from_secret)
            .map_err(|_| SealError::InviteLength { found: bytes.len() });
        bytes.zeroize();
        result
    }

    /// The link fragment without `#`: `k=<base64url, no padding>`.
    pub fn fragment(&self) -> String {
        format!("k={}", base64url::encode(&self.secret))
    }

    /// The relay room id: 16 bytes of HKDF-SHA256(secret, info "cleanmatch-v1 room") as 32
    /// lowercase hex digits. It names the room without revealing the secret.
    pub fn room_id(&self) -> String {
        let mut id = [0u8; 16];
        expand(&self.secret, ROOM_INFO, &mut id);
        id.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub(crate) fn secret(&self) -> &[u8; 32] {
        &self.secret
    }
}

/// The value of the `k` parameter in `a=1&k=...&b=2`.
fn find_k(params: &str) -> Option<&str> {
    params.split('&').find_map(|p| p.trim().strip_prefix("k="))
}

/// HKDF-SHA256 with no salt; output lengths used here are far below the HKDF limit.
pub(crate) fn expand(ikm: &[u8], info: &[u8], out: &mut [u8]) {
    let hk = Hkdf::<Sha256>::new(None, ikm);
    // Only fails for outputs longer than 255 * 32 bytes, which no caller asks for.
    let _ = hk.expand(info, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let inv = Invite::from_secret([7u8; 32]);
        let frag = inv.fragment();
        assert!(frag.starts_with("k=") && frag.len() == 2 + 43);
        let token = &frag[2..];
        for text in [
            format!("https://example.test/app/#{frag}"),
            format!("http://127.0.0.1:8080/?x=1#a=b&{frag}&z=9"),
            format!("#{frag}"),
            format!("https://example.test/#{token}"),
            frag.clone(),
            token.to_string(),
            format!("  {token}\n"),
        ] {
            let got = Invite::parse(&text).map(|i| i.room_id());
            assert_eq!(got, Ok(inv.room_id()), "{text}");
        }
    }

    #[test]
    fn refuses_bad_invites_with_clear_errors() {
        assert_eq!(Invite::parse("").err(), Some(SealError::InviteMissing));
        assert_eq!(Invite::parse("https://example.test/").err(), Some(SealError::InviteMissing));
        assert_eq!(Invite::parse("https://example.test/#x=1").err(), Some(SealError::InviteMissing));
        assert_eq!(Invite::parse("k=").err(), Some(SealError::InviteMissing));
        assert_eq!(Invite::parse("k=abc*def").err(), Some(SealError::InviteCharacters));
        assert_eq!(Invite::parse("k=AAAA").err(), Some(SealError::InviteLength { found: 3 }));
        let long = base64url::encode(&[1u8; 33]);
        assert_eq!(Invite::parse(&long).err(), Some(SealError::InviteLength { found: 33 }));
    }

    #[test]
    fn room_id_is_32_hex_and_depends_on_secret() {
        let a = Invite::from_secret([1u8; 32]).room_id();
        let b = Invite::from_secret([2u8; 32]).room_id();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        assert_ne!(a, b);
        let g = Invite::generate().map(|i| i.room_id());
        assert!(g.is_ok());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let inv = Invite::from_secret([0xAB; 32]);
        let dbg = format!("{inv:?}");
        assert!(!dbg.contains(&inv.fragment()[2..]));
    }
}
