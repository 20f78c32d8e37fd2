//! Compact JWE (RFC 7516) with `alg: "dir"`: `A256CBC-HS512` and `A256GCM` (RFC 7518 §5).

use aes::Aes256;
use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use aes_gcm::aead::consts::{U12, U16};
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::{Map, Value};
use sha2::Sha512;

use super::JwtError;
use super::keys::CbcHsKey;

type HmacSha512 = Hmac<Sha512>;

/// A content encryption algorithm (`enc`) this module implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Enc {
    /// AES-256-CBC with HMAC-SHA-512 truncated to 256 bits (RFC 7518 §5.2.5).
    A256CbcHs512,
    /// AES-256-GCM with a 96-bit IV and a 128-bit tag (RFC 7518 §5.3).
    A256Gcm,
}

impl Enc {
    fn name(self) -> &'static str {
        match self {
            Enc::A256CbcHs512 => "A256CBC-HS512",
            Enc::A256Gcm => "A256GCM",
        }
    }

    fn iv_len(self) -> usize {
        match self {
            Enc::A256CbcHs512 => 16,
            Enc::A256Gcm => 12,
        }
    }

    fn tag_len(self) -> usize {
        match self {
            Enc::A256CbcHs512 => 32,
            Enc::A256Gcm => 16,
        }
    }
}

/// A parsed compact JWE whose header passed the checks `jose`'s `jwtDecrypt` makes before
/// it looks for a key. Nothing in it is authenticated yet.
pub(super) struct Compact {
    /// The first segment as it appears in the token: the AAD of both algorithms.
    aad: Vec<u8>,
    pub(super) enc: Enc,
    /// The header's `kid`: `None` when absent, `Some(None)` when present but not a string.
    pub(super) kid: Option<Option<String>>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
}

impl Compact {
    pub(super) fn parse(token: &str) -> Result<Self, JwtError> {
        let mut segments = token.split('.');
        let (Some(header), Some(key), Some(iv), Some(ciphertext), Some(tag), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(JwtError::Malformed("a compact JWE has five segments"));
        };

        let header_json = b64(header, "header is not base64url")?;
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&header_json) else {
            return Err(JwtError::Malformed("header is not a JSON object"));
        };
        let enc = check_header(&fields)?;
        let kid = fields.get("kid").map(|kid| kid.as_str().map(str::to_owned));

        // `dir`: the content key is the shared key itself, so no encrypted key is sent.
        if !key.is_empty() {
            return Err(JwtError::Unsupported("alg dir carries no encrypted key"));
        }
        let iv = b64(iv, "IV is not base64url")?;
        let ciphertext = b64(ciphertext, "ciphertext is not base64url")?;
        let tag = b64(tag, "tag is not base64url")?;
        if iv.len() != enc.iv_len() {
            return Err(JwtError::Malformed("IV length"));
        }
        // The tag length is checked here, not left to the MAC: a verification that
        // compares only the bytes given would accept a truncated tag.
        if tag.len() != enc.tag_len() {
            return Err(JwtError::Malformed("tag length"));
        }
        if enc == Enc::A256CbcHs512 && (ciphertext.is_empty() || ciphertext.len() % 16 != 0) {
            return Err(JwtError::Malformed("ciphertext is not whole AES blocks"));
        }
        Ok(Self {
            aad: header.as_bytes().to_vec(),
            enc,
            kid,
            iv,
            ciphertext,
            tag,
        })
    }

    /// The plaintext, if the tag verifies under `key` (compared in constant time by
    /// `hmac`); an `A256CBC-HS512` token only.
    pub(super) fn decrypt_cbc_hs(&self, key: &CbcHsKey) -> Result<Vec<u8>, JwtError> {
        let mac = cbc_hs_mac(key, &self.aad, &self.iv, &self.ciphertext)?;
        mac.verify_truncated_left(&self.tag)
            .map_err(|_| JwtError::Decryption)?;
        cbc::Decryptor::<Aes256>::new_from_slices(&key.enc, &self.iv)
            .map_err(|_| JwtError::Malformed("IV length"))?
            .decrypt_padded_vec::<Pkcs7>(&self.ciphertext)
            // Only a holder of the key can reach this: the MAC verified.
            .map_err(|_| JwtError::Decryption)
    }

    /// The plaintext, if the GCM tag verifies under `key` (`aes-gcm` compares it in
    /// constant time); an `A256GCM` token only.
    pub(super) fn decrypt_gcm(&self, key: &[u8; 32]) -> Result<Vec<u8>, JwtError> {
        let cipher = Aes256Gcm::new(key.into());
        let nonce = Nonce::<U12>::try_from(self.iv.as_slice())
            .map_err(|_| JwtError::Malformed("IV length"))?;
        let tag = Tag::<U16>::try_from(self.tag.as_slice())
            .map_err(|_| JwtError::Malformed("tag length"))?;
        let mut plaintext = self.ciphertext.clone();
        cipher
            .decrypt_inout_detached(&nonce, &self.aad, plaintext.as_mut_slice().into(), &tag)
            .map_err(|_| JwtError::Decryption)?;
        Ok(plaintext)
    }
}

/// `alg` must be `dir`, `enc` one this module implements; compression and critical
/// extensions are refused (as `jose` refuses them).
fn check_header(fields: &Map<String, Value>) -> Result<Enc, JwtError> {
    match fields.get("alg") {
        Some(Value::String(alg)) if alg == "dir" => {}
        Some(Value::String(_)) => return Err(JwtError::Unsupported("alg is not dir")),
        _ => return Err(JwtError::Malformed("header has no alg")),
    }
    let enc = match fields.get("enc") {
        Some(Value::String(enc)) if enc == Enc::A256CbcHs512.name() => Enc::A256CbcHs512,
        Some(Value::String(enc)) if enc == Enc::A256Gcm.name() => Enc::A256Gcm,
        Some(Value::String(_)) => return Err(JwtError::Unsupported("enc")),
        _ => return Err(JwtError::Malformed("header has no enc")),
    };
    if fields.contains_key("zip") {
        return Err(JwtError::Unsupported("zip (compression)"));
    }
    if fields.contains_key("crit") {
        return Err(JwtError::Unsupported("crit (critical extensions)"));
    }
    Ok(enc)
}

/// `BASE64URL(header) "." "." BASE64URL(iv) "." BASE64URL(ciphertext) "." BASE64URL(tag)`,
/// `A256CBC-HS512` with a fresh random IV.
pub(super) fn encrypt_cbc_hs(
    key: &CbcHsKey,
    header: &Value,
    payload: &[u8],
) -> Result<String, JwtError> {
    let aad = URL_SAFE_NO_PAD.encode(header.to_string());
    let mut iv = [0u8; 16];
    rand::rng().fill_bytes(&mut iv);
    let ciphertext = cbc::Encryptor::<Aes256>::new((&key.enc).into(), (&iv).into())
        .encrypt_padded_vec::<Pkcs7>(payload);
    let tag = cbc_hs_mac(key, aad.as_bytes(), &iv, &ciphertext)?
        .finalize()
        .into_bytes();
    Ok(compact(&aad, &iv, &ciphertext, &tag[..32]))
}

/// The same with `A256GCM` and a fresh random 96-bit IV.
pub(super) fn encrypt_gcm(
    key: &[u8; 32],
    header: &Value,
    payload: &[u8],
) -> Result<String, JwtError> {
    let aad = URL_SAFE_NO_PAD.encode(header.to_string());
    let mut iv = [0u8; 12];
    rand::rng().fill_bytes(&mut iv);
    let mut ciphertext = payload.to_vec();
    let tag = Aes256Gcm::new(key.into())
        .encrypt_inout_detached(&iv.into(), aad.as_bytes(), ciphertext.as_mut_slice().into())
        // AES-GCM refuses only plaintexts over 64 GiB.
        .map_err(|_| JwtError::Unsupported("payload too large"))?;
    Ok(compact(&aad, &iv, &ciphertext, &tag))
}

/// HMAC-SHA-512 over `AAD ‖ IV ‖ ciphertext ‖ AL`, AL = the AAD's length in bits as a
/// 64-bit big-endian integer (RFC 7518 §5.2.2.1).
fn cbc_hs_mac(
    key: &CbcHsKey,
    aad: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<HmacSha512, JwtError> {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac =
        HmacSha512::new_from_slice(&key.mac).map_err(|_| JwtError::Unsupported("key length"))?;
    mac.update(aad);
    mac.update(iv);
    mac.update(ciphertext);
    mac.update(&(aad.len() as u64 * 8).to_be_bytes());
    Ok(mac)
}

fn compact(aad: &str, iv: &[u8], ciphertext: &[u8], tag: &[u8]) -> String {
    format!(
        "{aad}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(ciphertext),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

/// Strict base64url without padding (canonical trailing bits only), so every token has one
/// spelling and a changed character always changes the bytes.
fn b64(segment: &str, what: &'static str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| JwtError::Malformed(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7518 Appendix B.3: the `AEAD_AES_256_CBC_HMAC_SHA_512` test case.
    #[test]
    fn cbc_hs512_matches_rfc_7518_b3() {
        let key: Vec<u8> = (0x00..=0x3f).collect();
        let key = CbcHsKey {
            mac: key[..32].try_into().unwrap(),
            enc: key[32..].try_into().unwrap(),
        };
        let plaintext = hex(
            "41206369706865722073797374656d206d757374206e6f7420626520726571756972656420746f20\
             626520736563726574 2c20616e64206974206d7573742062652061626c6520746f2066616c6c20\
             696e746f207468652068616e6473206f662074686520656e656d7920776974686f757420696e636f\
             6e76656e69656e6365",
        );
        let iv = hex("1af38c2dc2b96ffdd86694092341bc04");
        let aad = hex(
            "546865207365636f6e64207072696e6369706c65206f66204175677573746520\
             4b6572636b686f666673",
        );
        let ciphertext =
            cbc::Encryptor::<Aes256>::new((&key.enc).into(), iv.as_slice().try_into().unwrap())
                .encrypt_padded_vec::<Pkcs7>(&plaintext);
        assert_eq!(
            ciphertext,
            hex(
                "4affaaadb78c31c5da4b1b590d10ffbd3dd8d5d302423526912da037ecbcc7bd822c301dd67c373bccb584ad3e9279c2\
                 e6d12a1374b77f077553df829410446b36ebd97066296ae6427ea75c2e0846a11a09ccf5370dc80bfecbad28c73f09b3\
                 a3b75e662a2594410ae496b2e2e6609e31e6e02cc837f053d21f37ff4f51950bbe2638d09dd7a4930930806d0703b1f6"
            )
        );
        let tag = cbc_hs_mac(&key, &aad, &iv, &ciphertext)
            .unwrap()
            .finalize()
            .into_bytes();
        assert_eq!(
            tag[..32],
            hex("4dd3b4c088a7f45c216839645b2012bf2e6269a8c56a816dbc1b267761955bc5")[..]
        );
    }

    #[test]
    fn truncated_tag_is_refused_before_the_mac() {
        let key = CbcHsKey {
            mac: [1; 32],
            enc: [2; 32],
        };
        let header = serde_json::json!({"alg": "dir", "enc": "A256CBC-HS512"});
        let token = encrypt_cbc_hs(&key, &header, b"{}").unwrap();
        let (head, tag) = token.rsplit_once('.').unwrap();
        // One byte of the tag: the MAC's own comparison of the given bytes would take it.
        let raw = URL_SAFE_NO_PAD.decode(tag).unwrap();
        let short = format!("{head}.{}", URL_SAFE_NO_PAD.encode(&raw[..1]));
        assert_eq!(
            Compact::parse(&short).err(),
            Some(JwtError::Malformed("tag length"))
        );
    }

    fn hex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }
}
