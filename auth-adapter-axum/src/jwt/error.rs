//! Why a token was refused.

/// Why a session JWT could not be made or read.
///
/// Every message is a fixed text chosen here: neither `Display` nor `Debug` ever contains
/// the token, a key, a secret or a claim, so an error can be logged as is. A web layer
/// treats every decoding error alike, as "signed out" (Auth.js clears the cookie); the
/// variants exist for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// No secret was given, or an empty one (Auth.js: `MissingSecret`).
    #[error("no secret to derive the session JWT key from")]
    MissingSecret,
    /// Not a compact JWE: the number of segments, base64url, the header's JSON, or the
    /// length of the IV, ciphertext or tag.
    #[error("malformed session JWT: {0}")]
    Malformed(&'static str),
    /// A well-formed JWE whose header asks for something this format does not accept
    /// (an `alg` other than `dir`, another `enc`, compression, critical extensions).
    #[error("unsupported session JWT header: {0}")]
    Unsupported(&'static str),
    /// The header's `kid` is not the key id of any configured secret: the token was made
    /// with another secret or another salt (cookie name).
    #[error("no configured secret matches the session JWT's key id")]
    UnknownKey,
    /// The authentication tag does not match: the token was tampered with, truncated, or
    /// encrypted with another secret or salt.
    #[error("the session JWT does not decrypt with any configured secret")]
    Decryption,
    /// The decrypted payload is not a JSON object, or a registered claim has the wrong
    /// type (the field is named).
    #[error("invalid session JWT claims: {0}")]
    InvalidClaims(&'static str),
    /// `exp` is more than the clock tolerance (15 s) in the past.
    #[error("the session JWT has expired")]
    Expired,
    /// `nbf` is more than the clock tolerance (15 s) in the future.
    #[error("the session JWT is not valid yet")]
    NotYetValid,
}
