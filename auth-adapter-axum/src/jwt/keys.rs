//! Keys derived from the secrets, as `@auth/core` and `next-auth` v4 derive them.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use sha2::{Digest, Sha256, Sha512};

use super::JwtError;

/// The keys one v5 secret gives for one salt: `A256CBC-HS512` (what `@auth/core` encodes
/// with) and `A256GCM` (which its `decode` also accepts), each with its `kid`.
#[derive(Clone)]
pub(super) struct V5Keys {
    pub(super) cbc: CbcHsKey,
    pub(super) cbc_kid: String,
    pub(super) gcm: [u8; 32],
    pub(super) gcm_kid: String,
}

/// An `A256CBC-HS512` key (RFC 7518 §5.2.2.1): the first half authenticates, the second
/// encrypts.
#[derive(Clone)]
pub(super) struct CbcHsKey {
    pub(super) mac: [u8; 32],
    pub(super) enc: [u8; 32],
}

impl V5Keys {
    /// `@auth/core`'s `getDerivedEncryptionKey`: HKDF-SHA256(ikm = secret, salt, info =
    /// `"Auth.js Generated Encryption Key (<salt>)"`), 64 bytes for `A256CBC-HS512` and 32
    /// for `A256GCM`; `kid` is the JWK thumbprint with SHA-(8 × key length).
    pub(super) fn derive(secret: &[u8], salt: &str) -> Result<Self, JwtError> {
        let info = format!("Auth.js Generated Encryption Key ({salt})");
        let cbc: [u8; 64] = hkdf_sha256(secret, salt.as_bytes(), info.as_bytes())?;
        let gcm: [u8; 32] = hkdf_sha256(secret, salt.as_bytes(), info.as_bytes())?;
        let mut key = CbcHsKey {
            mac: [0; 32],
            enc: [0; 32],
        };
        key.mac.copy_from_slice(&cbc[..32]);
        key.enc.copy_from_slice(&cbc[32..]);
        Ok(Self {
            cbc_kid: thumbprint::<Sha512>(&cbc),
            cbc: key,
            gcm_kid: thumbprint::<Sha256>(&gcm),
            gcm,
        })
    }
}

/// next-auth v4's `getDerivedEncryptionKey`: HKDF-SHA256(ikm = secret, salt = `""`, info =
/// `"NextAuth.js Generated Encryption Key"`), 32 bytes. (v4 appends `" (<salt>)"` to the
/// info when given a salt; session tokens never are.)
pub(super) fn derive_v4(secret: &[u8]) -> Result<[u8; 32], JwtError> {
    hkdf_sha256(secret, b"", b"NextAuth.js Generated Encryption Key")
}

fn hkdf_sha256<const N: usize>(ikm: &[u8], salt: &[u8], info: &[u8]) -> Result<[u8; N], JwtError> {
    let mut okm = [0u8; N];
    // Fails only for N > 255 × 32; the lengths used here are 32 and 64.
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut okm)
        .map_err(|_| JwtError::Unsupported("key length"))?;
    Ok(okm)
}

/// RFC 7638 thumbprint of the symmetric JWK `{"k": b64url(key), "kty": "oct"}` (members in
/// lexicographic order, no whitespace), base64url: what `jose`'s `calculateJwkThumbprint`
/// returns and `@auth/core` puts in `kid`.
fn thumbprint<D: Digest>(key: &[u8]) -> String {
    let jwk = format!(r#"{{"k":"{}","kty":"oct"}}"#, URL_SAFE_NO_PAD.encode(key));
    URL_SAFE_NO_PAD.encode(D::digest(jwk.as_bytes()))
}

impl fmt::Debug for V5Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The kids are public (every token carries one); the keys are not.
        f.debug_struct("V5Keys")
            .field("cbc_kid", &self.cbc_kid)
            .field("gcm_kid", &self.gcm_kid)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hkdf_matches_rfc_5869_case_1() {
        let ikm = [0x0b; 22];
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let okm: [u8; 42] = hkdf_sha256(&ikm, &salt, &info).unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.encode(okm),
            // 3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865
            "PLJfJfqs1XqQQ09k0DYvKi0tCpDPGlpMXbAtVuzExb80AHII1biHGFhl"
        );
    }

    #[test]
    fn thumbprint_matches_rfc_7638_shape() {
        // The JWK JSON is exactly {"k":"AAAA","kty":"oct"} for three zero bytes.
        let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(br#"{"k":"AAAA","kty":"oct"}"#));
        assert_eq!(thumbprint::<Sha256>(&[0, 0, 0]), expected);
    }

    #[test]
    fn v5_kid_depends_on_secret_and_salt() {
        let a = V5Keys::derive(b"secret", "authjs.session-token").unwrap();
        let b = V5Keys::derive(b"secret", "__Secure-authjs.session-token").unwrap();
        let c = V5Keys::derive(b"other", "authjs.session-token").unwrap();
        assert_ne!(a.cbc_kid, b.cbc_kid);
        assert_ne!(a.cbc_kid, c.cbc_kid);
        assert_eq!(a.cbc_kid.len(), 86); // 64-byte SHA-512 digest, base64url
        assert_eq!(a.gcm_kid.len(), 43); // 32-byte SHA-256 digest
        assert_ne!(derive_v4(b"secret").unwrap(), a.gcm);
    }

    #[test]
    fn debug_shows_no_key() {
        let keys = V5Keys::derive(b"secret", "authjs.session-token").unwrap();
        let shown = format!("{keys:?}");
        assert!(!shown.contains(&URL_SAFE_NO_PAD.encode(keys.cbc.mac)));
        assert!(!shown.contains(&format!("{:?}", keys.gcm)));
    }
}
