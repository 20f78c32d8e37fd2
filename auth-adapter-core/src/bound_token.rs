//! Tokens bound to an account (API-key style sign-in): their format, checked offline, and
//! the keyed hash under which a [`TokenStore`](crate::TokenStore) keeps them.
//!
//! # Format
//!
//! A server-generated token is GitHub's format (`ghp_…`): a prefix, 43 random characters
//! of base62 (`0-9A-Za-z`, 256 bits from `rand::rng()`, a CSPRNG seeded by the operating
//! system) and a 6-character
//! checksum, the base62 of the CRC32 of the random part, left-padded with `0`:
//!
//! ```text
//! aa_8wyHnqYwlul7TK3BxLg6FRFWXnt3GeHFskyJNE9Uzs0 4OcWu4
//! └┬┘└──────────── 43 random characters ────────┘└─┬──┘
//! prefix                                 CRC32 of the random part, base62
//! ```
//!
//! (shown with a space for reading; a token has none). `_` is no base62 character, so the
//! prefix is unambiguous, and a double-click still selects the whole token. Secret
//! scanners (and [`TokenFormat::parse`]) reject a typo or a random string offline, before
//! any store is asked.
//!
//! # Client-chosen tokens
//!
//! For BosBase compatibility (`bind-token` with a token the client picked), a
//! [`TokenFormat`] may also accept tokens it did not generate
//! ([`TokenFormat::client_chosen`]), but only strong ones:
//! [`MIN_CLIENT_TOKEN_CHARS`]..=[`MAX_TOKEN_CHARS`] printable ASCII characters (no space)
//! whose estimated entropy reaches [`MIN_CLIENT_TOKEN_BITS`]. The estimate is the Shannon
//! entropy of the token's own character frequencies, in bits per character, times the
//! number of characters that neither repeat the previous one nor follow it in ASCII order
//! (so `aaaa…`, `abab…` and `abcdef…` score low). It is a floor on guessability, not a
//! measure of it: a 32-character random base62 or base64 string passes (about 140 bits),
//! as does 48 random hex characters (about 150 bits); a UUID (122 random bits) or 32 hex
//! characters (128 bits, estimated below) does not. A client-chosen token that starts
//! with the server's prefix must be a valid generated token, so the offline check never
//! turns a bound token away.
//!
//! # Storage
//!
//! A store never sees a token or the server's secret: the caller hashes the token with its
//! [`TokenSecret`] (HMAC-SHA256) and hands the store the [`TokenHash`]. A dump of the store
//! cannot be turned back into tokens, nor checked against guesses without the secret.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::{AdapterError, Result};

/// The prefix of [`TokenFormat::default`].
pub const DEFAULT_TOKEN_PREFIX: &str = "aa_";

/// Random characters in a generated token: 43 base62 characters hold 256.03 bits.
pub const TOKEN_RANDOM_CHARS: usize = 43;

/// Checksum characters at the end of a generated token: the CRC32 of the random part in
/// base62, left-padded with `0` (62⁶ > 2³²).
pub const TOKEN_CHECKSUM_CHARS: usize = 6;

/// The longest prefix a [`TokenFormat`] takes (Unkey's limit).
pub const MAX_TOKEN_PREFIX_CHARS: usize = 16;

/// The longest token accepted, generated or client-chosen (what GitHub tells integrators
/// to accept).
pub const MAX_TOKEN_CHARS: usize = 255;

/// The shortest client-chosen token accepted.
pub const MIN_CLIENT_TOKEN_CHARS: usize = 32;

/// The least estimated entropy of a client-chosen token, in bits (see the
/// [module docs](self#client-chosen-tokens)).
pub const MIN_CLIENT_TOKEN_BITS: u32 = 128;

/// Characters of the token (after a generated token's prefix) kept in the clear as its
/// [display prefix](BoundToken::display_prefix).
pub const DISPLAY_CHARS: usize = 4;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The CRC-32 (IEEE 802.3, reflected, polynomial `0xEDB88320`) lookup table, built at
/// compile time.
const CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// The CRC-32 of `bytes` (the checksum of zlib, PNG and GitHub's tokens).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc = CRC32_TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// The checksum of a random part: its CRC32 in base62, 6 characters.
fn checksum(random: &[u8]) -> [u8; TOKEN_CHECKSUM_CHARS] {
    let mut value = crc32(random);
    let mut out = [b'0'; TOKEN_CHECKSUM_CHARS];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    out
}

fn is_base62(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Why a token was turned away before any store was asked. Never holds the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// No token at all.
    #[error("the token is empty")]
    Empty,
    /// Longer than [`MAX_TOKEN_CHARS`].
    #[error("the token is longer than {MAX_TOKEN_CHARS} characters")]
    TooLong,
    /// It does not start with this server's prefix (and client-chosen tokens are not
    /// accepted).
    #[error("the token does not start with this server's prefix")]
    WrongPrefix,
    /// It starts with the prefix but is not prefix + 43 + 6 base62 characters.
    #[error("the token is not a prefix followed by 49 base62 characters")]
    Malformed,
    /// The checksum does not match the random part: a typo, or not a token of this format.
    #[error("the token's checksum does not match")]
    BadChecksum,
    /// A client-chosen token where this format accepts generated ones only.
    #[error("client-chosen tokens are not accepted")]
    ClientChosenNotAllowed,
    /// A client-chosen token shorter than [`MIN_CLIENT_TOKEN_CHARS`].
    #[error("a client-chosen token needs at least {MIN_CLIENT_TOKEN_CHARS} characters")]
    TooShort,
    /// A client-chosen token with a character outside printable ASCII (or a space).
    #[error("a client-chosen token may hold printable ASCII characters only, without spaces")]
    BadCharacters,
    /// A client-chosen token whose estimated entropy is below [`MIN_CLIENT_TOKEN_BITS`].
    #[error(
        "the client-chosen token is too predictable: about {bits} bits estimated, \
         {MIN_CLIENT_TOKEN_BITS} needed"
    )]
    TooWeak {
        /// The estimate, in whole bits.
        bits: u32,
    },
}

impl From<TokenError> for AdapterError {
    /// `InvalidInput` on the field `token`, with the reason (never the token).
    fn from(err: TokenError) -> Self {
        AdapterError::invalid("token", err.to_string())
    }
}

/// A token's value: secret. Shown to its owner once, when it is made; afterwards only its
/// [`TokenHash`] is kept.
///
/// `Debug` prints `BoundToken(<redacted>)`, there is no `Display`, and `==` compares in
/// constant time. [`expose_secret`](Self::expose_secret) is the one way to the text.
#[derive(Clone)]
pub struct BoundToken {
    value: String,
    /// Bytes of the server's prefix at the front (0 for a client-chosen token).
    prefix_len: usize,
}

impl BoundToken {
    /// The token's text, to hand to its owner once (or to send as `Authorization: Bearer`).
    pub fn expose_secret(&self) -> &str {
        &self.value
    }

    /// What may be shown of the token in a list, so its owner can tell tokens apart: the
    /// prefix and the first [`DISPLAY_CHARS`] characters after it (`aa_Vq3X`), or the first
    /// [`DISPLAY_CHARS`] characters of a client-chosen token. Shown with an ellipsis
    /// (`aa_Vq3X…`), it gives away 24 of a generated token's 256 bits.
    pub fn display_prefix(&self) -> String {
        let end = (self.prefix_len + DISPLAY_CHARS).min(self.value.len());
        // Every token is ASCII, so any byte index is a character boundary.
        self.value.get(..end).unwrap_or_default().to_owned()
    }

    /// Whether the client chose this token (it is not of the generated format).
    pub fn is_client_chosen(&self) -> bool {
        self.prefix_len == 0
    }
}

impl fmt::Debug for BoundToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BoundToken(<redacted>)")
    }
}

impl PartialEq for BoundToken {
    fn eq(&self, other: &Self) -> bool {
        self.value.len() == other.value.len()
            && bool::from(self.value.as_bytes().ct_eq(other.value.as_bytes()))
    }
}

impl Eq for BoundToken {}

/// How this server makes and checks bound tokens: the prefix, and whether client-chosen
/// tokens are accepted (default: no). See the [module docs](self).
///
/// ```
/// use auth_adapter_core::{TokenError, TokenFormat};
///
/// let format = TokenFormat::new("myapp_")?;
/// let token = format.generate();
/// assert!(token.expose_secret().starts_with("myapp_"));
/// assert_eq!(token.expose_secret().len(), 6 + 43 + 6);
/// // What the server does with a presented token, before asking any store:
/// assert_eq!(format.accept(token.expose_secret()), Ok(token.clone()));
/// // A typo is caught by the checksum.
/// let mut typo = token.expose_secret().to_owned();
/// let last = if typo.ends_with('A') { "B" } else { "A" };
/// typo.replace_range(typo.len() - 1.., last);
/// assert_eq!(format.accept(&typo), Err(TokenError::BadChecksum));
/// # Ok::<(), auth_adapter_core::AdapterError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFormat {
    prefix: String,
    client_chosen: bool,
}

impl Default for TokenFormat {
    /// Prefix [`DEFAULT_TOKEN_PREFIX`], generated tokens only.
    fn default() -> Self {
        TokenFormat {
            prefix: DEFAULT_TOKEN_PREFIX.to_owned(),
            client_chosen: false,
        }
    }
}

impl TokenFormat {
    /// A format with `prefix`: 2 to [`MAX_TOKEN_PREFIX_CHARS`] characters of `A-Za-z0-9_`,
    /// ending with `_` and not starting with one (`myapp_`, `sk_live_`). Anything else is
    /// [`AdapterError::InvalidInput`].
    pub fn new(prefix: &str) -> Result<Self> {
        let valid = (2..=MAX_TOKEN_PREFIX_CHARS).contains(&prefix.len())
            && prefix.bytes().all(|b| is_base62(b) || b == b'_')
            && prefix.ends_with('_')
            && !prefix.starts_with('_');
        if !valid {
            return Err(AdapterError::invalid(
                "prefix",
                format!(
                    "must be 2 to {MAX_TOKEN_PREFIX_CHARS} characters of A-Za-z0-9_, \
                     ending with `_` and not starting with one"
                ),
            ));
        }
        Ok(TokenFormat {
            prefix: prefix.to_owned(),
            client_chosen: false,
        })
    }

    /// Whether [`accept`](Self::accept) and [`client_chosen`](Self::client_chosen) take
    /// tokens the client chose (default `false`).
    pub fn accept_client_chosen(mut self, accept: bool) -> Self {
        self.client_chosen = accept;
        self
    }

    /// The prefix of generated tokens.
    pub fn get_prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether client-chosen tokens are accepted.
    pub fn get_accept_client_chosen(&self) -> bool {
        self.client_chosen
    }

    /// A new token: the prefix, 256 random bits as 43 base62 characters (from
    /// `rand::rng()`, by rejection sampling so every character is uniform), and the
    /// checksum.
    pub fn generate(&self) -> BoundToken {
        let mut value = String::with_capacity(self.prefix.len() + TOKEN_RANDOM_CHARS + 6);
        value.push_str(&self.prefix);
        let mut random = [0u8; TOKEN_RANDOM_CHARS];
        let mut filled = 0;
        let mut rng = rand::rng();
        while filled < TOKEN_RANDOM_CHARS {
            let mut bytes = [0u8; 64];
            rng.fill_bytes(&mut bytes);
            // 248 = 4 × 62: bytes at or above it would favour the first characters.
            for b in bytes.into_iter().filter(|&b| b < 248) {
                if filled == TOKEN_RANDOM_CHARS {
                    break;
                }
                random[filled] = BASE62[usize::from(b % 62)];
                filled += 1;
            }
        }
        value.extend(random.iter().map(|&b| char::from(b)));
        value.extend(checksum(&random).iter().map(|&b| char::from(b)));
        BoundToken {
            value,
            prefix_len: self.prefix.len(),
        }
    }

    /// Checks that `text` is a token of this format (the prefix, 49 base62 characters, a
    /// matching checksum), offline: what a secret scanner does. Client-chosen tokens are
    /// not of this format; see [`accept`](Self::accept).
    pub fn parse(&self, text: &str) -> std::result::Result<BoundToken, TokenError> {
        if text.is_empty() {
            return Err(TokenError::Empty);
        }
        if text.len() > MAX_TOKEN_CHARS {
            return Err(TokenError::TooLong);
        }
        let Some(rest) = text.strip_prefix(self.prefix.as_str()) else {
            return Err(TokenError::WrongPrefix);
        };
        let rest = rest.as_bytes();
        if rest.len() != TOKEN_RANDOM_CHARS + TOKEN_CHECKSUM_CHARS
            || !rest.iter().all(|&b| is_base62(b))
        {
            return Err(TokenError::Malformed);
        }
        let (random, sum) = rest.split_at(TOKEN_RANDOM_CHARS);
        if !bool::from(checksum(random).as_slice().ct_eq(sum)) {
            return Err(TokenError::BadChecksum);
        }
        Ok(BoundToken {
            value: text.to_owned(),
            prefix_len: self.prefix.len(),
        })
    }

    /// Checks a token the client chose, before binding it: refused unless this format
    /// [accepts client-chosen tokens](Self::accept_client_chosen); one that starts with the
    /// prefix must be a valid generated token ([`parse`](Self::parse)); any other must meet
    /// the rule in the [module docs](self#client-chosen-tokens).
    pub fn client_chosen(&self, text: &str) -> std::result::Result<BoundToken, TokenError> {
        if !self.client_chosen {
            return Err(TokenError::ClientChosenNotAllowed);
        }
        if text.starts_with(self.prefix.as_str()) {
            return self.parse(text);
        }
        check_client_chosen(text)?;
        Ok(BoundToken {
            value: text.to_owned(),
            prefix_len: 0,
        })
    }

    /// Checks a token presented to the server (a bearer token, a sign-in with a token):
    /// [`parse`](Self::parse) when it starts with the prefix, else the client-chosen rule
    /// when those are accepted, else [`TokenError::WrongPrefix`]. Offline, and cheap: run
    /// it before any store lookup, so garbage never reaches the store.
    pub fn accept(&self, presented: &str) -> std::result::Result<BoundToken, TokenError> {
        if presented.starts_with(self.prefix.as_str()) || !self.client_chosen {
            return self.parse(presented);
        }
        self.client_chosen(presented)
    }
}

/// The rule for client-chosen tokens (see the module docs).
fn check_client_chosen(text: &str) -> std::result::Result<(), TokenError> {
    if text.is_empty() {
        return Err(TokenError::Empty);
    }
    if text.len() > MAX_TOKEN_CHARS {
        return Err(TokenError::TooLong);
    }
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(TokenError::BadCharacters);
    }
    if text.len() < MIN_CLIENT_TOKEN_CHARS {
        return Err(TokenError::TooShort);
    }
    let bits = estimated_bits(text.as_bytes());
    if bits < f64::from(MIN_CLIENT_TOKEN_BITS) {
        // Below 128, so the cast cannot overflow; fractions are dropped.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Err(TokenError::TooWeak { bits: bits as u32 });
    }
    Ok(())
}

/// The entropy estimate of the module docs: Shannon entropy of the byte frequencies (bits
/// per character) × the characters that neither repeat nor step by one from the previous.
fn estimated_bits(bytes: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    let per_char: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum();
    let fresh = 1 + bytes.windows(2).filter(|w| w[0].abs_diff(w[1]) > 1).count();
    per_char * fresh as f64
}

type HmacSha256 = Hmac<Sha256>;

/// The context the server secret is keyed with to make the bound-token key, so this key is
/// never the key of another use of the same secret.
const KEY_CONTEXT: &[u8] = b"auth-adapter bound token v1";

/// The server's key for bound tokens, made from its secret (`AUTH_SECRET`): the HMAC-SHA256
/// of the secret over a fixed context string, so the secret itself keys nothing else here.
/// Owned by the caller: a [`TokenStore`](crate::TokenStore) only ever sees
/// [`TokenHash`]es. `Debug` prints `TokenSecret(<redacted>)`.
///
/// Changing the secret invalidates every bound token (their hashes no longer match); an
/// app that rotates `AUTH_SECRET` keeps the old [`TokenSecret`] to look tokens up with
/// until they are re-issued.
///
/// ```
/// use auth_adapter_core::{TokenFormat, TokenSecret};
/// let secret = TokenSecret::new("the AUTH_SECRET of the app")?;
/// let token = TokenFormat::default().generate();
/// let hash = secret.hash(&token);
/// assert_eq!(hash.as_hex().len(), 64);
/// assert_eq!(hash, secret.hash(&token));
/// assert_ne!(hash, TokenSecret::new("another secret")?.hash(&token));
/// # Ok::<(), auth_adapter_core::AdapterError>(())
/// ```
#[derive(Clone)]
pub struct TokenSecret {
    keyed: HmacSha256,
}

impl TokenSecret {
    /// The key made from `secret`. An empty secret is [`AdapterError::InvalidInput`] (as
    /// Auth.js refuses one).
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self> {
        let secret = secret.as_ref();
        if secret.is_empty() {
            return Err(AdapterError::invalid("secret", "is empty"));
        }
        let invalid = |_| AdapterError::invalid("secret", "cannot key HMAC-SHA256");
        let mut derive = HmacSha256::new_from_slice(secret).map_err(invalid)?;
        derive.update(KEY_CONTEXT);
        let key = derive.finalize().into_bytes();
        let keyed = HmacSha256::new_from_slice(&key).map_err(invalid)?;
        Ok(TokenSecret { keyed })
    }

    /// The stored form of `token`: HMAC-SHA256 under this key, as 64 lowercase hex digits.
    pub fn hash(&self, token: &BoundToken) -> TokenHash {
        let mut mac = self.keyed.clone();
        mac.update(token.value.as_bytes());
        TokenHash(hex(&mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSecret(<redacted>)")
    }
}

/// A bound token as stores keep it: its HMAC-SHA256 under the server's [`TokenSecret`], 64
/// lowercase hex digits. Not a secret by itself (it cannot be presented in place of the
/// token), but `Debug` leaves it out all the same and `==` is constant-time.
#[derive(Clone)]
pub struct TokenHash(String);

impl TokenHash {
    /// Length of the hex text.
    pub const HEX_LEN: usize = 64;

    /// The hash as stored: 64 lowercase hex digits.
    pub fn as_hex(&self) -> &str {
        &self.0
    }

    /// A hash read back from a store (or written by hand in a test): `None` unless `hex` is
    /// 64 lowercase hex digits.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let valid = hex.len() == Self::HEX_LEN
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| TokenHash(hex.to_owned()))
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(<redacted>)")
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.0.as_bytes().ct_eq(other.0.as_bytes()))
    }
}

impl Eq for TokenHash {}

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
    fn the_documented_token_checks_out() {
        // The example in the module docs, made with Python's zlib.crc32.
        let text = "aa_8wyHnqYwlul7TK3BxLg6FRFWXnt3GeHFskyJNE9Uzs04OcWu4";
        assert!(TokenFormat::default().parse(text).is_ok());
    }

    #[test]
    fn crc32_is_the_standard_one() {
        // The check value of CRC-32/ISO-HDLC (zlib, PNG).
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
        // 0 and u32::MAX in base62, six characters.
        let mut value = u32::MAX;
        let mut digits = Vec::new();
        while value > 0 {
            digits.push(BASE62[(value % 62) as usize]);
            value /= 62;
        }
        assert!(digits.len() <= TOKEN_CHECKSUM_CHARS);
    }

    #[test]
    fn generated_tokens_have_the_format_and_differ() {
        let format = TokenFormat::default();
        let a = format.generate();
        let b = format.generate();
        assert_ne!(a, b);
        assert!(!a.is_client_chosen());
        let text = a.expose_secret();
        assert_eq!(text.len(), 3 + 43 + 6);
        assert!(text.starts_with("aa_"));
        assert!(text[3..].bytes().all(is_base62));
        assert_eq!(format.parse(text), Ok(a.clone()));
        assert_eq!(a.display_prefix(), text[..7]);
        assert_eq!(format!("{a:?}"), "BoundToken(<redacted>)");
    }

    #[test]
    fn every_base62_character_comes_up() {
        let format = TokenFormat::default();
        let mut seen = [false; 256];
        for _ in 0..64 {
            for b in format.generate().expose_secret()[3..3 + 43].bytes() {
                seen[usize::from(b)] = true;
            }
        }
        assert!(BASE62.iter().all(|&b| seen[usize::from(b)]));
    }

    #[test]
    fn parse_rejects_garbage_offline() {
        let format = TokenFormat::new("myapp_").unwrap();
        let token = format.generate();
        let text = token.expose_secret();
        assert_eq!(format.parse(""), Err(TokenError::Empty));
        assert_eq!(format.parse(&"a".repeat(256)), Err(TokenError::TooLong));
        assert_eq!(format.parse(&text[1..]), Err(TokenError::WrongPrefix));
        assert_eq!(
            format.parse(&text[..text.len() - 1]),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            format.parse(&format!("{}-", &text[..text.len() - 1])),
            Err(TokenError::Malformed)
        );
        // Swap two different characters of the random part: the CRC catches it.
        let bytes = text.as_bytes();
        let i = (6..48).find(|&i| bytes[i] != bytes[i + 1]).unwrap();
        let mut swapped = bytes.to_vec();
        swapped.swap(i, i + 1);
        let swapped = String::from_utf8(swapped).unwrap();
        assert_eq!(format.parse(&swapped), Err(TokenError::BadChecksum));
        // A token of another prefix is not ours.
        let other = TokenFormat::default().generate();
        assert_eq!(
            format.parse(other.expose_secret()),
            Err(TokenError::WrongPrefix)
        );
    }

    #[test]
    fn prefixes_are_checked() {
        for good in ["aa_", "sk_live_", "Ab1_", "x_"] {
            assert!(TokenFormat::new(good).is_ok(), "{good}");
        }
        for bad in ["", "_", "aa", "_aa_", "a-b_", "ü_", "toolongprefix123_"] {
            assert!(
                TokenFormat::new(bad).unwrap_err().is_invalid_input(),
                "{bad}"
            );
        }
    }

    #[test]
    fn client_chosen_tokens_need_length_and_entropy() {
        let strict = TokenFormat::default();
        let loose = TokenFormat::default().accept_client_chosen(true);
        let strong = "Xq9vB2mK7pL4sT8wZ1cF6hJ3nR5yD0gA";
        assert_eq!(strong.len(), 32);
        assert_eq!(
            strict.client_chosen(strong),
            Err(TokenError::ClientChosenNotAllowed)
        );
        assert_eq!(strict.accept(strong), Err(TokenError::WrongPrefix));
        let token = loose.client_chosen(strong).unwrap();
        assert!(token.is_client_chosen());
        assert_eq!(token.display_prefix(), "Xq9v");
        assert_eq!(loose.accept(strong), Ok(token));
        // 64 random hex characters (a SHA-256) pass; a UUID does not.
        let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert!(loose.client_chosen(sha).is_ok(), "{sha}");
        assert!(matches!(
            loose.client_chosen("3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
            Err(TokenError::TooWeak { .. })
        ));
        assert_eq!(loose.client_chosen("short"), Err(TokenError::TooShort));
        assert_eq!(
            loose.client_chosen(&format!("{strong} ")),
            Err(TokenError::BadCharacters)
        );
        assert_eq!(
            loose.client_chosen(&format!("{strong}é")),
            Err(TokenError::BadCharacters)
        );
        assert_eq!(
            loose.client_chosen(&"x".repeat(256)),
            Err(TokenError::TooLong)
        );
        for weak in [
            "a".repeat(64),
            "ab".repeat(32),
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".to_owned(),
            "passwordpasswordpasswordpassword".to_owned(),
        ] {
            assert!(
                matches!(loose.client_chosen(&weak), Err(TokenError::TooWeak { .. })),
                "{weak}"
            );
        }
        // A chosen token with the server's prefix must be a generated one.
        assert_eq!(
            loose.client_chosen(&format!("aa_{strong}")),
            Err(TokenError::Malformed)
        );
        let generated = loose.generate();
        assert_eq!(
            loose.client_chosen(generated.expose_secret()),
            Ok(generated)
        );
    }

    #[test]
    fn errors_never_hold_the_token() {
        let loose = TokenFormat::default().accept_client_chosen(true);
        let weak = "qwertyqwertyqwertyqwertyqwertyqwerty";
        let err: AdapterError = loose.client_chosen(weak).unwrap_err().into();
        assert!(err.is_invalid_input());
        assert!(!err.to_string().contains(weak), "{err}");
        assert!(!format!("{err:?}").contains(weak));
    }

    #[test]
    fn hashes_are_keyed_hex_and_redacted() {
        let token = TokenFormat::default().generate();
        let secret = TokenSecret::new("s3cret").unwrap();
        let hash = secret.hash(&token);
        assert_eq!(TokenHash::from_hex(hash.as_hex()), Some(hash.clone()));
        assert_ne!(hash, TokenSecret::new("s3cret!").unwrap().hash(&token));
        assert!(TokenSecret::new("").unwrap_err().is_invalid_input());
        assert_eq!(format!("{hash:?}"), "TokenHash(<redacted>)");
        assert_eq!(format!("{secret:?}"), "TokenSecret(<redacted>)");
        assert!(TokenHash::from_hex(&hash.as_hex().to_uppercase()).is_none());
        assert!(TokenHash::from_hex("abc").is_none());
        // The key is derived from the secret: not the plain HMAC under the secret.
        let mut plain = HmacSha256::new_from_slice(b"s3cret").unwrap();
        plain.update(token.expose_secret().as_bytes());
        assert_ne!(hex(&plain.finalize().into_bytes()), hash.as_hex());
    }
}
