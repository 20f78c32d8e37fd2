//! One-time codes: their format, how they are drawn, and the keyed hash that is stored.

use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use sha2::Sha256;

use crate::error::ConfigError;

type HmacSha256 = Hmac<Sha256>;

/// What a one-time code looks like: `length` characters drawn uniformly from `alphabet`.
/// Default: 6 digits (10⁶ codes; with 5 checks per window an attacker's odds are 5 in a
/// million per window).
///
/// ```
/// use auth_adapter_passwordless::CodeFormat;
/// let format = CodeFormat::new(8, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789")?;
/// assert_eq!(format.get_length(), 8);
/// assert_eq!(CodeFormat::default(), CodeFormat::digits(6)?);
/// # Ok::<(), auth_adapter_passwordless::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeFormat {
    length: usize,
    alphabet: Vec<u8>,
}

impl Default for CodeFormat {
    fn default() -> Self {
        CodeFormat {
            length: 6,
            alphabet: b"0123456789".to_vec(),
        }
    }
}

impl CodeFormat {
    /// `length` decimal digits.
    pub fn digits(length: usize) -> Result<Self, ConfigError> {
        CodeFormat::new(length, "0123456789")
    }

    /// `length` (4 to 32) characters from `alphabet`: 2 to 64 different visible ASCII
    /// characters other than `-`, which is ignored when a code is typed in (as is white
    /// space). An alphabet without lower-case letters accepts typed codes in any case.
    pub fn new(length: usize, alphabet: &str) -> Result<Self, ConfigError> {
        if !(4..=32).contains(&length) {
            return Err(ConfigError::CodeFormat("length must be 4 to 32"));
        }
        let bytes = alphabet.as_bytes();
        if !(2..=64).contains(&bytes.len()) {
            return Err(ConfigError::CodeFormat(
                "alphabet must have 2 to 64 characters",
            ));
        }
        if !bytes.iter().all(|b| b.is_ascii_graphic() && *b != b'-') {
            return Err(ConfigError::CodeFormat(
                "alphabet may hold only visible ASCII other than -",
            ));
        }
        let mut sorted = bytes.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != bytes.len() {
            return Err(ConfigError::CodeFormat(
                "alphabet must not repeat a character",
            ));
        }
        Ok(CodeFormat {
            length,
            alphabet: bytes.to_vec(),
        })
    }

    /// The number of characters in a code.
    pub fn get_length(&self) -> usize {
        self.length
    }

    /// The characters a code is drawn from.
    pub fn get_alphabet(&self) -> &str {
        // Built from a `&str` of ASCII only.
        std::str::from_utf8(&self.alphabet).unwrap_or_default()
    }

    /// A new code, every character uniform over the alphabet (rejection sampling from the
    /// operating system's generator, so no character is more likely than another).
    pub(crate) fn generate(&self) -> String {
        let n = self.alphabet.len();
        // The largest multiple of n that fits in a byte: bytes at or above it are redrawn.
        let zone = 256 - 256 % n;
        let mut rng = rand::rng();
        let mut code = String::with_capacity(self.length);
        let mut buf = [0u8; 64];
        while code.len() < self.length {
            rng.fill_bytes(&mut buf);
            for &b in &buf {
                if usize::from(b) < zone && code.len() < self.length {
                    code.push(char::from(self.alphabet[usize::from(b) % n]));
                }
            }
        }
        code
    }

    /// A typed-in code as it was sent: white space and `-` removed, upper-cased when the
    /// alphabet has no lower-case letters; `None` when it cannot be a code of this format.
    pub(crate) fn clean(&self, typed: &str) -> Option<String> {
        if typed.len() > 4 * self.length + 16 {
            return None;
        }
        let upper = !self.alphabet.iter().any(u8::is_ascii_lowercase);
        let code: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| if upper { c.to_ascii_uppercase() } else { c })
            .collect();
        let fits = code.len() == self.length
            && code
                .bytes()
                .all(|b| b.is_ascii() && self.alphabet.contains(&b));
        fits.then_some(code)
    }
}

/// The key codes are hashed with: derived from the service's secret, so it is never the
/// secret itself (which Auth.js also uses, for other hashes).
#[derive(Clone)]
pub(crate) struct CodeKey([u8; 32]);

impl CodeKey {
    pub(crate) fn derive(secret: &str) -> CodeKey {
        let mut mac = mac(secret.as_bytes());
        mac.update(b"auth-adapter-passwordless one-time code key v1");
        CodeKey(mac.finalize().into_bytes().into())
    }

    /// What is stored for `code`: lowercase hex HMAC-SHA256 over the row's identifier, the
    /// code's generation and the code, each part length-prefixed. Without the key, a dump of
    /// the store gives no way to test codes offline.
    pub(crate) fn hash(&self, identifier: &str, generation: u64, code: &str) -> String {
        let mut mac = mac(&self.0);
        for part in [
            identifier.as_bytes(),
            &generation.to_be_bytes(),
            code.as_bytes(),
        ] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        hex(&mac.finalize().into_bytes())
    }
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length.
    match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable_key(),
    }
}

#[cold]
fn unreachable_key() -> HmacSha256 {
    // `new_from_slice` fails only for MACs with a fixed key size; HMAC has none. Keep a
    // total function all the same: a constant key, never reached.
    <HmacSha256 as KeyInit>::new(&Default::default())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_outside_the_bounds_are_refused() {
        assert!(CodeFormat::digits(3).is_err());
        assert!(CodeFormat::digits(33).is_err());
        assert!(CodeFormat::new(6, "0").is_err());
        assert!(CodeFormat::new(6, "0012").is_err());
        assert!(CodeFormat::new(6, "01-2").is_err());
        assert!(CodeFormat::new(6, "01 2").is_err());
        assert!(CodeFormat::new(6, "0123é").is_err());
        assert!(CodeFormat::new(6, "AB").is_ok());
    }

    #[test]
    fn codes_are_uniform_over_the_alphabet() {
        let format = CodeFormat::new(32, "ABC").unwrap();
        let mut counts = [0usize; 3];
        for _ in 0..300 {
            let code = format.generate();
            assert_eq!(code.len(), 32);
            for b in code.bytes() {
                counts[usize::from(b - b'A')] += 1;
            }
        }
        // 9600 draws, 3200 expected each; a biased draw (256 % 3 = 1) would still pass
        // this, the rejection zone is what makes it exact: this catches a broken mapping.
        for c in counts {
            assert!((2900..3500).contains(&c), "{counts:?}");
        }
        let digits = CodeFormat::default().generate();
        assert!(digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn typed_codes_are_cleaned_or_refused() {
        let digits = CodeFormat::default();
        assert_eq!(digits.clean(" 123-456 ").as_deref(), Some("123456"));
        assert_eq!(digits.clean("12345"), None);
        assert_eq!(digits.clean("12345a"), None);
        assert_eq!(digits.clean("١٢٣٤٥٦"), None);
        let upper = CodeFormat::new(6, "ABCDEF").unwrap();
        assert_eq!(upper.clean("abc def").as_deref(), Some("ABCDEF"));
        let mixed = CodeFormat::new(6, "abcABC").unwrap();
        assert_eq!(mixed.clean("abcabc").as_deref(), Some("abcabc"));
        assert_eq!(mixed.clean(&"1".repeat(1000)), None);
    }

    #[test]
    fn the_hash_is_keyed_and_binds_every_part() {
        let key = CodeKey::derive("secret");
        let h = key.hash("otp:a@b.co", 3, "123456");
        assert_eq!(h.len(), 64);
        assert_eq!(h, key.hash("otp:a@b.co", 3, "123456"));
        assert_ne!(h, CodeKey::derive("other").hash("otp:a@b.co", 3, "123456"));
        assert_ne!(h, key.hash("otp:a@b.co", 4, "123456"));
        assert_ne!(h, key.hash("otp:a@b.c", 3, "o123456"));
        assert_ne!(h, key.hash("otp:b@b.co", 3, "123456"));
        // Not the bare hash of the code.
        use sha2::Digest;
        let bare = hex(&Sha256::digest(b"123456"));
        assert_ne!(h, bare);
    }
}
