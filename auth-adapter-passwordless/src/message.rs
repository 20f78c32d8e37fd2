//! [`Message`]: what a [`Sender`](crate::Sender) delivers, and its text.

use std::fmt;

use chrono::{DateTime, Utc};

/// Where a message goes, already normalised (see the service's docs): an email address
/// as Auth.js normalises it, or a phone number in E.164 (`+4915112345678`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Recipient {
    /// An email address.
    Email(String),
    /// A phone number in E.164.
    Phone(String),
}

impl Recipient {
    /// The address or number.
    pub fn as_str(&self) -> &str {
        match self {
            Recipient::Email(s) | Recipient::Phone(s) => s,
        }
    }
}

/// The secret a message carries. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Content {
    /// A sign-in link (Auth.js's `…/callback/email?…&token=…&email=…`).
    MagicLink {
        /// The whole link, token included.
        url: String,
    },
    /// A one-time code.
    Code {
        /// The code, as the user types it.
        code: String,
    },
}

impl fmt::Debug for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Content::MagicLink { .. } => f.write_str("MagicLink { url: \"<redacted>\" }"),
            Content::Code { .. } => f.write_str("Code { code: \"<redacted>\" }"),
        }
    }
}

/// One sign-in message: who it goes to, the link or code, until when it works, and the
/// name of the site it signs in to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// The recipient.
    pub to: Recipient,
    /// The link or code (redacted in `Debug`).
    pub content: Content,
    /// When the link or code stops working.
    pub expires: DateTime<Utc>,
    /// The name of the site or app, shown in the subject and body (`"Acme"`).
    pub site_name: String,
}

impl Message {
    /// A message.
    pub fn new(
        to: Recipient,
        content: Content,
        expires: DateTime<Utc>,
        site_name: impl Into<String>,
    ) -> Self {
        Message {
            to,
            content,
            expires,
            site_name: site_name.into(),
        }
    }

    /// The email subject. It never contains the code or the link (subjects show in
    /// notifications and lock screens).
    pub fn subject(&self) -> String {
        format!("Sign in to {}", self.site_name)
    }

    /// The plain-text body (the whole SMS for a phone recipient).
    pub fn text(&self) -> String {
        let minutes = self.minutes_left();
        match &self.content {
            Content::MagicLink { url } => format!(
                "Sign in to {}\n\n{url}\n\nThe link works once, for {minutes}. If you did not \
                 ask to sign in, ignore this email.\n",
                self.site_name
            ),
            Content::Code { code } => format!(
                "{code} is your {} sign-in code. It works once, for {minutes}. Do not share it.",
                self.site_name
            ),
        }
    }

    /// The HTML body of an email, everything in it escaped.
    pub fn html(&self) -> String {
        let site = escape(&self.site_name);
        let minutes = self.minutes_left();
        let body = match &self.content {
            Content::MagicLink { url } => format!(
                "<p><a href=\"{url}\">Sign in to {site}</a></p>\
                 <p>The link works once, for {minutes}. If you did not ask to sign in, ignore \
                 this email.</p>",
                url = escape(url)
            ),
            Content::Code { code } => format!(
                "<p>Your {site} sign-in code:</p><p style=\"font-size:24px;font-weight:bold;\
                 letter-spacing:4px\">{code}</p><p>It works once, for {minutes}. Do not share \
                 it.</p>",
                code = escape(code)
            ),
        };
        format!(
            "<!doctype html><html><body style=\"font-family:sans-serif\"><h1 \
             style=\"font-size:18px\">Sign in to {site}</h1>{body}</body></html>"
        )
    }

    fn minutes_left(&self) -> String {
        // Rounded up: a code made for 10 minutes says 10, not 9, a moment later.
        let seconds = (self.expires - Utc::now()).num_seconds();
        let minutes = ((seconds + 59) / 60).max(1);
        match minutes {
            1 => "1 minute".to_owned(),
            m if m % 60 == 0 && m >= 120 => format!("{} hours", m / 60),
            60 => "1 hour".to_owned(),
            m => format!("{m} minutes"),
        }
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn code() -> Message {
        Message::new(
            Recipient::Email("a@example.com".into()),
            Content::Code {
                code: "123456".into(),
            },
            Utc::now() + TimeDelta::minutes(10),
            "Acme <&>",
        )
    }

    #[test]
    fn the_code_is_in_the_bodies_and_never_in_the_subject_or_debug() {
        let m = code();
        assert!(!m.subject().contains("123456"));
        assert!(m.text().contains("123456") && m.text().contains("10 minutes"));
        assert!(m.html().contains("123456") && m.html().contains("Acme &lt;&amp;&gt;"));
        assert!(!format!("{m:?}").contains("123456"));
    }

    #[test]
    fn a_link_is_escaped_in_html() {
        let m = Message::new(
            Recipient::Email("a@example.com".into()),
            Content::MagicLink {
                url: "https://x.test/cb?a=1&token=t\"".into(),
            },
            Utc::now() + TimeDelta::hours(24),
            "Acme",
        );
        assert!(m.html().contains("a=1&amp;token=t&quot;"));
        assert!(m.text().contains("24 hours"));
        assert!(!format!("{m:?}").contains("token=t"));
    }
}
