//! Email addresses as Auth.js normalises them, and phone numbers in E.164.

use std::panic::{AssertUnwindSafe, catch_unwind};

use auth_adapter_core::normalize_identifier;
use phonenumber::country;

use crate::error::SignInError;

/// The longest address accepted (RFC 5321's 254 characters).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Normalises an email address the way Auth.js does (NFKC, lower case, trimmed, exactly one
/// `@`, no `"`, the domain cut at a `,`: [`normalize_identifier`]), then checks that a
/// message can go there: a non-empty local part, a domain with a dot and no empty label, no
/// white space or control characters, at most [`MAX_EMAIL_CHARS`] characters.
///
/// What Auth.js stores as a magic link's identifier, so both sides find the same user.
///
/// ```
/// use auth_adapter_passwordless::normalize_email;
/// assert_eq!(normalize_email("  Ada@Example.COM ").unwrap(), "ada@example.com");
/// assert_eq!(normalize_email("ada@example.com,evil.com").unwrap(), "ada@example.com");
/// assert!(normalize_email("ada@localhost").is_err());
/// assert!(normalize_email("a b@example.com").is_err());
/// ```
pub fn normalize_email(input: &str) -> Result<String, SignInError> {
    let email = normalize_identifier(input).map_err(|_| {
        SignInError::invalid_email("is not one address with exactly one @ and no quote")
    })?;
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(SignInError::invalid_email("is longer than 254 characters"));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(SignInError::invalid_email(
            "holds white space or a control character",
        ));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(SignInError::invalid_email("has no @"));
    };
    if local.is_empty() {
        return Err(SignInError::invalid_email("has nothing before the @"));
    }
    if !domain.contains('.') || domain.split('.').any(str::is_empty) {
        return Err(SignInError::invalid_email(
            "has no domain with a dot after the @",
        ));
    }
    Ok(email)
}

/// The longest phone number input looked at (formatting included).
const MAX_PHONE_INPUT: usize = 64;

/// A region for numbers written without their country code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region(country::Id);

impl Region {
    /// An ISO 3166 alpha-2 code libphonenumber has metadata for.
    pub(crate) fn parse(code: &str) -> Option<Region> {
        let id: country::Id = code.trim().to_ascii_uppercase().parse().ok()?;
        phonenumber::metadata::DATABASE.by_id(id.as_ref())?;
        Some(Region(id))
    }
}

/// Validates a phone number and writes it in E.164 (`+4915123456789`), with Google's
/// libphonenumber rules (the `phonenumber` crate): the country code must exist and the
/// number must be a valid one of that country, by its length and number ranges.
///
/// Accepted input: digits, an optional leading `+` (or `00`, the international prefix most
/// countries use), and the separators ` -./()`. A number without a country code is read
/// as a number of `default_region` (its trunk prefix dropped: `0151 23456789` in `DE`), and
/// is refused when there is none. Letters (vanity numbers) and extensions are refused: a
/// text cannot go to an extension.
pub(crate) fn normalize_phone(
    input: &str,
    default_region: Option<Region>,
) -> Result<String, SignInError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(SignInError::invalid_phone("is empty"));
    }
    if input.chars().count() > MAX_PHONE_INPUT {
        return Err(SignInError::invalid_phone("is longer than 64 characters"));
    }
    let allowed = |c: char| c.is_ascii_digit() || " -./()".contains(c);
    let body = input.strip_prefix('+').unwrap_or(input);
    if !body.chars().all(allowed) {
        return Err(SignInError::invalid_phone(
            "holds characters other than digits, a leading +, and -./() or spaces",
        ));
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 3 {
        return Err(SignInError::invalid_phone("has too few digits"));
    }
    let international = if input.starts_with('+') {
        Some(digits.clone())
    } else {
        digits.strip_prefix("00").map(str::to_owned)
    };
    let (text, region) = match (international, default_region) {
        (Some(rest), _) => (format!("+{rest}"), None),
        (None, Some(region)) => (digits, Some(region.0)),
        (None, None) => {
            return Err(SignInError::invalid_phone(
                "has no country code (+…) and no default region is configured",
            ));
        }
    };
    // The crate indexes strings without bounds checks in places; input it cannot parse
    // must be a typed error here, never a panic that takes the request down.
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        let number = phonenumber::parse(region, &text).ok()?;
        if number.extension().is_some() || !phonenumber::is_valid(&number) {
            return None;
        }
        Some(number.format().mode(phonenumber::Mode::E164).to_string())
    }));
    match parsed {
        Ok(Some(e164)) if e164.starts_with('+') && e164.len() <= 16 => Ok(e164),
        _ => Err(SignInError::invalid_phone(
            "is not a valid number for its country",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de() -> Option<Region> {
        Region::parse("de")
    }

    #[test]
    fn phone_numbers_in_any_common_form_become_one_e164() {
        for input in [
            "+49 151 23456789",
            "+49 (151) 234-567-89",
            "0049 151 23456789",
            "0151 23456789",
            "0151/23456789",
            " +4915123456789 ",
        ] {
            assert_eq!(
                normalize_phone(input, de()).unwrap(),
                "+4915123456789",
                "{input}"
            );
        }
        // Italy keeps its leading 0 in E.164; the US has no trunk 0.
        assert_eq!(
            normalize_phone("06 6982 1234", Region::parse("IT")).unwrap(),
            "+390669821234"
        );
        assert_eq!(
            normalize_phone("(201) 555-0123", Region::parse("US")).unwrap(),
            "+12015550123"
        );
    }

    #[test]
    fn invalid_numbers_are_typed_errors() {
        for input in [
            "",
            "+",
            "12",
            "+49 12",
            "+999 1234567",
            "+1 800 FLOWERS",
            "+49 151 23456789 ext. 12",
            "+49 151 23456789;ext=1",
            "+49 151 2345678999999999",
            "0151 23456789",
        ] {
            let region = if input == "0151 23456789" { None } else { de() };
            assert!(
                matches!(
                    normalize_phone(input, region),
                    Err(SignInError::InvalidPhone { .. })
                ),
                "{input}"
            );
        }
    }

    #[test]
    fn no_input_makes_the_parser_panic_through_us() {
        // Short strings over the accepted alphabet, where parsers meet their edge cases.
        let alphabet = ['+', '0', '1', '4', '9', ' ', '(', ')', '-', '.', '/'];
        let mut n: u64 = 0x9e37_79b9;
        for _ in 0..5000 {
            n ^= n << 13;
            n ^= n >> 7;
            n ^= n << 17;
            let len = 1 + (n % 12) as usize;
            let s: String = (0..len)
                .map(|i| alphabet[((n >> (i * 4)) % alphabet.len() as u64) as usize])
                .collect();
            let _ = normalize_phone(&s, de());
            let _ = normalize_phone(&s, None);
        }
    }

    #[test]
    fn regions_are_iso_codes_with_metadata() {
        assert!(Region::parse("DE").is_some());
        assert!(Region::parse("us").is_some());
        assert!(Region::parse("XX").is_none());
        assert!(Region::parse("").is_none());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        for bad in [
            "",
            "nobody",
            "@example.com",
            "a@",
            "a@b@c.com",
            "\"a\"@b.com",
            "a@example..com",
            "a@.com",
            "a\tb@example.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(normalize_email(&long).is_err());
        assert_eq!(normalize_email("\u{FF21}@X.io").unwrap(), "a@x.io");
    }
}
