//! `SmtpSender` against a real SMTP server (aiosmtpd, which `scripts/test` starts), reading
//! back the emails it filed in its maildir; and its SMTP replies, timeouts and refusals
//! against a scripted server.

#![cfg(feature = "smtp")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use auth_adapter_passwordless::senders::{SmtpOptions, SmtpSender, SmtpTls};
use auth_adapter_passwordless::{Content, Message, Recipient, SendError, Sender};
use chrono::{TimeDelta, Utc};
use mail_parser::{MessageParser, PartType};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const FROM: &str = "Acme Sign-in <login@acme.test>";

/// The server `scripts/test` started (or one you run): its URL and the maildir its
/// Mailbox handler writes.
fn server() -> (String, PathBuf) {
    match (std::env::var("SMTP_URL"), std::env::var("SMTP_MAILDIR")) {
        (Ok(url), Ok(dir)) if !url.is_empty() && !dir.is_empty() => (url, PathBuf::from(dir)),
        _ => panic!(
            "SMTP_URL and SMTP_MAILDIR are not set: run scripts/test (starts a throwaway \
             aiosmtpd), or start one yourself (Debian: apt-get install python3-aiosmtpd; or \
             pip install aiosmtpd) with \
             `python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox /tmp/maildir` \
             and set SMTP_URL='smtp://127.0.0.1:2525?tls=none' SMTP_MAILDIR=/tmp/maildir"
        ),
    }
}

/// An address no other test (or earlier run against the same server) sends to.
fn unique_address() -> String {
    format!("user-{}@example.test", uuid::Uuid::new_v4().simple())
}

fn message(to: &str, content: Content, lifetime: TimeDelta) -> Message {
    Message::new(
        Recipient::Email(to.into()),
        content,
        Utc::now() + lifetime,
        "Acme",
    )
}

/// The raw emails the server filed for `rcpt` (its envelope recipient, which aiosmtpd
/// records as `X-RcptTo`).
fn arrived(maildir: &Path, rcpt: &str) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(maildir.join(sub)) else {
            continue;
        };
        for entry in entries {
            let raw = std::fs::read(entry.unwrap().path()).unwrap();
            let parsed = MessageParser::default().parse(&raw).unwrap();
            if parsed.header_raw("X-RcptTo").map(str::trim) == Some(rcpt) {
                found.push(raw);
            }
        }
    }
    found
}

/// Sends `content` to a fresh address through the real server and returns the parsed
/// parts of the one email that arrived: (subject, text part, html part).
async fn send_and_read_back(content: Content, lifetime: TimeDelta) -> (String, String, String) {
    let (url, maildir) = server();
    let sender = SmtpSender::new(SmtpOptions::from_url(&url, FROM).unwrap()).unwrap();
    let to = unique_address();
    sender
        .send(&message(&to, content, lifetime))
        .await
        .unwrap_or_else(|e| panic!("sending through {url} failed: {e}"));

    // aiosmtpd files the message before it answers 250 to DATA: it is there now.
    let raws = arrived(&maildir, &to);
    assert_eq!(raws.len(), 1, "exactly one email for {to} in {maildir:?}");
    let email = MessageParser::default().parse(&raws[0]).unwrap();

    assert_eq!(
        email.header_raw("X-MailFrom").map(str::trim),
        Some("login@acme.test")
    );
    let from = email.from().and_then(|f| f.first()).unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("Acme Sign-in"), Some("login@acme.test"))
    );
    let to_header = email.to().and_then(|t| t.first()).unwrap();
    assert_eq!(to_header.address(), Some(to.as_str()));
    assert!(
        email
            .message_id()
            .is_some_and(|id| id.ends_with("@acme.test")),
        "Message-ID on the From domain: {:?}",
        email.message_id()
    );
    let content_type = email.header_raw("Content-Type").unwrap();
    assert!(
        content_type.contains("multipart/alternative"),
        "{content_type}"
    );
    assert_eq!((email.text_body.len(), email.html_body.len()), (1, 1));
    let text = match &email.parts[email.text_body[0] as usize].body {
        PartType::Text(text) => text.to_string(),
        other => panic!("the text part is {other:?}"),
    };
    let html = match &email.parts[email.html_body[0] as usize].body {
        PartType::Html(html) => html.to_string(),
        other => panic!("the html part is {other:?}"),
    };
    (email.subject().unwrap().to_owned(), text, html)
}

#[tokio::test]
async fn a_code_arrives_in_both_parts_and_not_in_the_subject() {
    let code = "731904";
    let (subject, text, html) =
        send_and_read_back(Content::Code { code: code.into() }, TimeDelta::minutes(10)).await;
    assert_eq!(subject, "Sign in to Acme");
    assert!(text.contains(code) && text.contains("10 minutes"), "{text}");
    assert!(!text.contains('<'), "the text part is plain text: {text}");
    assert!(html.contains(&format!(">{code}<")), "{html}");
    assert!(html.contains("Sign in to Acme"), "{html}");
}

#[tokio::test]
async fn a_link_arrives_in_both_parts_and_not_in_the_subject() {
    let token = "9f2c4e0b7d1a".repeat(5);
    let url = format!(
        "https://acme.test/api/auth/callback/email?callbackUrl=https%3A%2F%2Facme.test%2F&token={token}&email=a%40example.test"
    );
    let (subject, text, html) = send_and_read_back(
        Content::MagicLink { url: url.clone() },
        TimeDelta::hours(24),
    )
    .await;
    assert_eq!(subject, "Sign in to Acme");
    assert!(!subject.contains(&token));
    assert!(text.contains(&url) && text.contains("24 hours"), "{text}");
    // In HTML, `&` between the query's parameters is written `&amp;`.
    assert!(html.contains(&url.replace('&', "&amp;")), "{html}");
}

#[tokio::test]
async fn check_connection_reaches_the_server_and_phones_are_not_for_smtp() {
    let (url, _) = server();
    let sender = SmtpSender::new(SmtpOptions::from_url(&url, FROM).unwrap()).unwrap();
    sender.check_connection().await.unwrap();
    let phone = Recipient::Phone("+4915112345678".into());
    assert!(!sender.delivers_to(&phone));
    assert!(sender.delivers_to(&Recipient::Email("a@example.test".into())));
    let sms = Message::new(
        phone,
        Content::Code {
            code: "111111".into(),
        },
        Utc::now() + TimeDelta::minutes(10),
        "Acme",
    );
    assert!(matches!(
        sender.send(&sms).await,
        Err(SendError::Unsupported(_))
    ));
}

/// A plain-text SMTP server on a free loopback port that greets after `greeting_delay`,
/// answers `RCPT TO` with `rcpt_reply` (on its first connection after `first_rcpt_delay`)
/// and everything else as a server that takes the message would. Returns its port and
/// the number of connections it took.
async fn scripted_server(
    rcpt_reply: &'static str,
    greeting_delay: Duration,
    first_rcpt_delay: Duration,
) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let first = counter.fetch_add(1, Ordering::SeqCst) == 0;
            tokio::spawn(async move {
                tokio::time::sleep(greeting_delay).await;
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 scripted ESMTP\r\n").await.ok()?;
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let reply: &str = if in_data {
                        if line != "." {
                            continue;
                        }
                        in_data = false;
                        "250 OK queued"
                    } else {
                        match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                            Some("EHLO") => "250-scripted\r\n250 8BITMIME",
                            Some("RCPT") => {
                                if first {
                                    tokio::time::sleep(first_rcpt_delay).await;
                                }
                                rcpt_reply
                            }
                            Some("DATA") => {
                                in_data = true;
                                "354 go ahead"
                            }
                            Some("QUIT") => "221 bye",
                            _ => "250 OK",
                        }
                    };
                    write
                        .write_all(format!("{reply}\r\n").as_bytes())
                        .await
                        .ok()?;
                }
                Some(())
            });
        }
    });
    (port, connections)
}

fn plain_sender(port: u16, timeout: Duration) -> SmtpSender {
    SmtpSender::new(
        SmtpOptions::new("127.0.0.1", FROM)
            .tls(SmtpTls::None)
            .port(port)
            .timeout(timeout),
    )
    .unwrap()
}

#[tokio::test]
async fn smtp_replies_timeouts_and_refused_connections_become_typed_errors() {
    let code = Content::Code {
        code: "482913".into(),
    };
    let msg = message("a@example.test", code, TimeDelta::minutes(10));

    // 5xx: refused for good. The reply text is kept, without the code it repeats.
    let (port, _) = scripted_server(
        "550 5.1.1 mailbox unavailable (482913)",
        Duration::ZERO,
        Duration::ZERO,
    )
    .await;
    match plain_sender(port, Duration::from_secs(5)).send(&msg).await {
        Err(SendError::Rejected { message }) => {
            assert!(message.contains("550"), "{message}");
            assert!(!message.contains("482913"), "{message}");
        }
        other => panic!("550 gave {other:?}"),
    }

    // 4xx: deferred, try later.
    let (port, _) =
        scripted_server("451 4.3.0 try again later", Duration::ZERO, Duration::ZERO).await;
    match plain_sender(port, Duration::from_secs(5)).send(&msg).await {
        Err(SendError::Unavailable { message, .. }) => {
            assert!(message.contains("451"), "{message}")
        }
        other => panic!("451 gave {other:?}"),
    }

    // A server that never greets: the timeout ends the send.
    let (port, _) = scripted_server("250 OK", Duration::from_secs(60), Duration::ZERO).await;
    let started = Instant::now();
    match plain_sender(port, Duration::from_millis(300))
        .send(&msg)
        .await
    {
        Err(SendError::Unavailable { .. }) => {}
        other => panic!("a silent server gave {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // Nothing listens: could not connect.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    match plain_sender(closed, Duration::from_secs(5))
        .send(&msg)
        .await
    {
        Err(SendError::Unavailable { message, .. }) => {
            assert!(!message.contains("482913"), "{message}")
        }
        other => panic!("a closed port gave {other:?}"),
    }

    // STARTTLS required and the server does not offer it: refused before MAIL FROM.
    let (port, _) = scripted_server("250 OK", Duration::ZERO, Duration::ZERO).await;
    let starttls = SmtpSender::new(
        SmtpOptions::new("127.0.0.1", FROM)
            .tls(SmtpTls::StartTls)
            .port(port)
            .timeout(Duration::from_secs(5)),
    )
    .unwrap();
    match starttls.send(&msg).await {
        Err(SendError::Unavailable { message, .. }) => eprintln!("STARTTLS: {message}"),
        other => panic!("no STARTTLS gave {other:?}"),
    }
}

#[tokio::test]
async fn after_a_timeout_mid_transaction_the_next_send_gets_a_fresh_connection() {
    // The first connection answers RCPT TO only after 1 s, past the 300 ms timeout: that
    // connection must not go back to the pool with its reply still coming.
    let (port, connections) =
        scripted_server("250 OK", Duration::ZERO, Duration::from_secs(1)).await;
    let sender = plain_sender(port, Duration::from_millis(300));
    let msg = message(
        "a@example.test",
        Content::Code {
            code: "482913".into(),
        },
        TimeDelta::minutes(10),
    );
    match sender.send(&msg).await {
        Err(SendError::Unavailable { message, .. }) => {
            assert!(message.contains("did not finish"), "{message}")
        }
        other => panic!("a slow RCPT gave {other:?}"),
    }
    for _ in 0..3 {
        sender.send(&msg).await.unwrap();
    }
    // The connection given up on was not used again.
    assert!(connections.load(Ordering::SeqCst) >= 2);
}
