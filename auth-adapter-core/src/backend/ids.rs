//! Ids the JavaScript side makes, made the same way in Rust, for layouts where the client
//! (not the database) picks a row's id: Prisma's `@default(cuid())`, Drizzle's
//! `crypto.randomUUID()`.

use chrono::Utc;

/// A new id in the form of Prisma's `cuid()`: `c`, then 24 lowercase base-36 characters,
/// 8 of the time in milliseconds (good until 2059) and 16 random ones (82 bits from a v4
/// UUID's random bits). 25 characters, sortable by creation time as cuids are; Prisma's
/// client accepts any unique string in a `String @id`, and this one reads like its own.
///
/// ```
/// let id = auth_adapter_core::backend::ids::cuid();
/// assert_eq!(id.len(), 25);
/// assert!(id.starts_with('c'));
/// assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
/// assert_ne!(id, auth_adapter_core::backend::ids::cuid());
/// ```
pub fn cuid() -> String {
    let mut id = String::with_capacity(25);
    id.push('c');
    let millis = u128::try_from(Utc::now().timestamp_millis()).unwrap_or(0);
    base36(millis, 8, &mut id);
    base36(uuid::Uuid::new_v4().as_u128(), 16, &mut id);
    id
}

/// A new id as `crypto.randomUUID()` makes it (Drizzle's `$defaultFn`): a lowercase
/// hyphenated v4 UUID.
///
/// ```
/// let id = auth_adapter_core::backend::ids::uuid();
/// assert_eq!(id.len(), 36);
/// assert_eq!(id.as_bytes()[14], b'4');
/// ```
pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The `digits` lowest base-36 digits of `n`, most significant first.
fn base36(mut n: u128, digits: usize, out: &mut String) {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = vec![b'0'; digits];
    for slot in buf.iter_mut().rev() {
        *slot = ALPHABET[(n % 36) as usize];
        n /= 36;
    }
    out.extend(buf.iter().map(|&b| char::from(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base36_pads_and_keeps_the_low_digits() {
        let mut s = String::new();
        base36(35, 3, &mut s);
        assert_eq!(s, "00z");
        s.clear();
        base36(36 * 36 * 36 + 1, 3, &mut s);
        assert_eq!(s, "001");
    }
}
