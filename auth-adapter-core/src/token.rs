//! Magic-link (verification) tokens exactly as Auth.js makes and stores them.

use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;

use crate::error::{AdapterError, Result};

/// The default lifetime of a verification token (24 hours), as in Auth.js.
pub const VERIFICATION_TOKEN_MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// A new raw token: 32 random bytes as 64 lowercase hex characters, the form Auth.js puts
/// in the magic link. Store only its [hash](hash_verification_token).
pub fn generate_verification_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The stored form of a raw token: lowercase hex SHA-256 of `raw + secret` (plain
/// concatenation), byte for byte what Auth.js stores, so a link minted by either side is
/// accepted by the other.
///
/// ```
/// use auth_adapter_core::hash_verification_token;
/// assert_eq!(
///     hash_verification_token("", ""),
///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
pub fn hash_verification_token(raw: &str, secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(raw.as_bytes());
    hasher.update(secret.as_bytes());
    hex(&hasher.finalize())
}

/// The hash Auth.js computes when its `secret` is a list (`AUTH_SECRET_1`, … for
/// rotation): the list is joined with `,` before concatenation, as JavaScript stringifies
/// an array.
pub fn hash_verification_token_with_secrets(raw: &str, secrets: &[&str]) -> String {
    hash_verification_token(raw, &secrets.join(","))
}

/// Compares two stored tokens in constant time.
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Normalises an email into the identifier Auth.js stores with a verification token:
/// NFKC-normalised, lower-cased and trimmed; exactly one `@`; no `"`; anything after a `,`
/// in the domain dropped.
///
/// ```
/// use auth_adapter_core::normalize_identifier;
/// assert_eq!(normalize_identifier("  Ada@Example.COM ").unwrap(), "ada@example.com");
/// assert_eq!(normalize_identifier("a@b.com,evil.com").unwrap(), "a@b.com");
/// assert!(normalize_identifier("a@b@c").is_err());
/// ```
pub fn normalize_identifier(email: &str) -> Result<String> {
    let normalized: String = email.nfkc().collect::<String>().to_lowercase();
    let trimmed = normalized.trim();
    if trimmed.is_empty() {
        return Err(AdapterError::invalid("identifier", "is empty"));
    }
    if trimmed.contains('"') {
        return Err(AdapterError::invalid("identifier", "contains a quote"));
    }
    let mut parts = trimmed.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(AdapterError::invalid(
            "identifier",
            "must contain exactly one `@`",
        ));
    };
    let domain = domain.split(',').next().unwrap_or_default();
    Ok(format!("{local}@{domain}"))
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
    fn raw_tokens_are_64_lowercase_hex_and_differ() {
        let a = generate_verification_token();
        let b = generate_verification_token();
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        );
        assert_ne!(a, b);
    }

    #[test]
    fn secret_lists_join_with_commas() {
        assert_eq!(
            hash_verification_token_with_secrets("t", &["s1", "s0"]),
            hash_verification_token("t", "s1,s0")
        );
    }

    #[test]
    fn normalises_unicode_compatibility_forms() {
        // FULLWIDTH LATIN CAPITAL A, NFKC → "a" after lower-casing
        assert_eq!(normalize_identifier("\u{FF21}@x.io").unwrap(), "a@x.io");
        assert!(normalize_identifier("\"a\"@x.io").is_err());
        assert!(normalize_identifier("nobody").is_err());
    }

    #[test]
    fn tokens_match_compares_whole_values() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "abcd"));
    }
}
