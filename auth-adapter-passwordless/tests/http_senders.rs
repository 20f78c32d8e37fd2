//! `ResendSender` and `TwilioSender` against a local HTTP server standing in for the
//! provider: the exact request each sends (method, path, auth, content type, body), and
//! what they do with 429, 5xx, 4xx, silence and a closed port.

#![cfg(any(feature = "resend", feature = "twilio"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// The timeout and closed-port cases run in the Resend module only (the loop is shared).
#![cfg_attr(not(feature = "resend"), allow(dead_code))]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth_adapter_passwordless::senders::HttpOptions;
use auth_adapter_passwordless::{Content, Message, Recipient, SendError};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{TimeDelta, Utc};

const CODE: &str = "482913";

/// What the stand-in answers to one request.
enum Reply {
    /// A status, headers and a JSON body.
    Json(u16, &'static [(&'static str, &'static str)], &'static str),
    /// No answer at all (the sender's timeout has to end the wait).
    Silence,
}

/// One request as the stand-in received it.
#[derive(Debug, Clone)]
struct Received {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
    at: Instant,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }
}

#[derive(Clone, Default)]
struct StandIn {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl StandIn {
    /// Serves on a free loopback port, answering requests with `replies` in order (and
    /// 599 once they run out); returns the base URL.
    async fn start(replies: Vec<Reply>) -> (StandIn, String) {
        let stand_in = StandIn {
            replies: Arc::new(Mutex::new(replies.into())),
            received: Arc::default(),
        };
        let app = Router::new().fallback(answer).with_state(stand_in.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (stand_in, base)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn answer(
    State(stand_in): State<StandIn>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    stand_in.received.lock().unwrap().push(Received {
        method,
        path: uri.to_string(),
        headers,
        body,
        at: Instant::now(),
    });
    let reply = stand_in.replies.lock().unwrap().pop_front();
    match reply {
        Some(Reply::Json(status, headers, body)) => {
            let mut response = (
                StatusCode::from_u16(status).unwrap(),
                [("content-type", "application/json")],
                body,
            )
                .into_response();
            for (name, value) in headers {
                response.headers_mut().insert(*name, value.parse().unwrap());
            }
            response
        }
        Some(Reply::Silence) => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        None => (StatusCode::from_u16(599).unwrap(), "no reply scripted").into_response(),
    }
}

/// Fast retries for tests: 200 ms timeout, 2 retries, 10 ms backoff.
fn fast() -> HttpOptions {
    HttpOptions::new()
        .timeout(Duration::from_millis(200))
        .retries(2)
        .backoff(Duration::from_millis(10))
        .max_delay(Duration::from_secs(2))
}

fn code_to(to: Recipient) -> Message {
    Message::new(
        to,
        Content::Code { code: CODE.into() },
        Utc::now() + TimeDelta::minutes(10),
        "Acme",
    )
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn assert_no_secret(error: &SendError) {
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(CODE), "the code leaked: {shown}");
}

#[cfg(feature = "resend")]
mod resend {
    use super::*;
    use auth_adapter_passwordless::Sender;
    use auth_adapter_passwordless::senders::{ResendOptions, ResendSender};

    const KEY: &str = "re_test_0123456789";

    fn sender(base: &str, http: HttpOptions) -> ResendSender {
        ResendSender::new(
            ResendOptions::new(KEY, "Acme <login@acme.test>")
                .base_url(base)
                .http(http),
        )
        .unwrap()
    }

    fn email() -> Message {
        code_to(Recipient::Email("alice@example.test".into()))
    }

    #[tokio::test]
    async fn posts_the_email_as_resend_takes_it() {
        let (stand_in, base) =
            StandIn::start(vec![Reply::Json(200, &[], r#"{"id":"49a3999c"}"#)]).await;
        let message = email();
        sender(&base, fast()).send(&message).await.unwrap();

        let received = stand_in.received();
        assert_eq!(received.len(), 1);
        let request = &received[0];
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.path, "/emails");
        assert_eq!(request.header("authorization"), format!("Bearer {KEY}"));
        assert_eq!(request.header("content-type"), "application/json");
        assert!(
            request
                .header("user-agent")
                .starts_with("auth-adapter-passwordless/")
        );
        assert!(uuid_like(request.header("idempotency-key")));
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "from": "Acme <login@acme.test>",
                "to": ["alice@example.test"],
                "subject": "Sign in to Acme",
                "html": message.html(),
                "text": message.text(),
            })
        );
        assert!(!body["subject"].as_str().unwrap().contains(CODE));
        assert!(body["text"].as_str().unwrap().contains(CODE));
    }

    fn uuid_like(key: &str) -> bool {
        key.len() == 36 && key.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
    }

    #[tokio::test]
    async fn a_429_is_retried_after_its_retry_after_with_the_same_idempotency_key() {
        let (stand_in, base) = StandIn::start(vec![
            Reply::Json(
                429,
                &[("retry-after", "1")],
                r#"{"statusCode":429,"name":"rate_limit_exceeded","message":"Too many requests"}"#,
            ),
            Reply::Json(200, &[], r#"{"id":"49a3999c"}"#),
        ])
        .await;
        // Without a Retry-After this sender would wait 4-8 s: the 1 s it waits is the header's.
        let http = fast()
            .backoff(Duration::from_secs(8))
            .max_delay(Duration::from_secs(8));
        sender(&base, http).send(&email()).await.unwrap();

        let received = stand_in.received();
        assert_eq!(received.len(), 2);
        let waited = received[1].at - received[0].at;
        assert!(
            waited >= Duration::from_millis(950) && waited < Duration::from_secs(3),
            "waited {waited:?}"
        );
        assert_eq!(
            received[0].header("idempotency-key"),
            received[1].header("idempotency-key")
        );
        assert_eq!(received[0].body, received[1].body);
    }

    #[tokio::test]
    async fn repeated_5xx_end_in_unavailable_after_the_retries() {
        let (stand_in, base) = StandIn::start(vec![
            Reply::Json(500, &[], r#"{"name":"internal_server_error"}"#),
            Reply::Json(502, &[], "{}"),
            Reply::Json(503, &[], "{}"),
            Reply::Json(200, &[], r#"{"id":"never reached"}"#),
        ])
        .await;
        let error = sender(&base, fast()).send(&email()).await.unwrap_err();
        match &error {
            SendError::Unavailable {
                message,
                retry_after,
            } => {
                assert!(
                    message.contains("503") && message.contains("3 tries"),
                    "{message}"
                );
                assert_eq!(*retry_after, None);
            }
            other => panic!("{other:?}"),
        }
        assert_no_secret(&error);
        assert_eq!(stand_in.received().len(), 3, "1 try + 2 retries");
    }

    #[tokio::test]
    async fn a_retry_after_longer_than_max_delay_is_reported_at_once() {
        let (stand_in, base) =
            StandIn::start(vec![Reply::Json(503, &[("retry-after", "120")], "{}")]).await;
        let started = Instant::now();
        let error = sender(&base, fast()).send(&email()).await.unwrap_err();
        assert!(
            matches!(error, SendError::Unavailable { retry_after: Some(d), .. } if d == Duration::from_secs(120)),
            "{error:?}"
        );
        assert_eq!(stand_in.received().len(), 1);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_400_is_rejected_with_resends_text_without_the_code_and_not_retried() {
        let (stand_in, base) = StandIn::start(vec![Reply::Json(
            422,
            &[],
            r#"{"statusCode":422,"name":"validation_error","message":"Invalid `to` field for body containing 482913"}"#,
        )])
        .await;
        let error = sender(&base, fast()).send(&email()).await.unwrap_err();
        match &error {
            SendError::Rejected { message } => {
                assert!(message.contains("422"), "{message}");
                assert!(
                    message.contains("validation_error: Invalid `to` field"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_no_secret(&error);
        assert!(!format!("{error:?}").contains(KEY));
        assert_eq!(stand_in.received().len(), 1);
    }

    #[tokio::test]
    async fn silence_and_a_closed_port_are_bounded_by_the_timeout() {
        let (stand_in, base) = StandIn::start(vec![Reply::Silence, Reply::Silence]).await;
        let started = Instant::now();
        let error = sender(&base, fast().retries(1))
            .send(&email())
            .await
            .unwrap_err();
        let took = started.elapsed();
        match &error {
            SendError::Unavailable { message, .. } => {
                assert!(message.contains("did not answer within 200ms"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(stand_in.received().len(), 2);
        // Two 200 ms timeouts and a backoff of at most 10 ms.
        assert!(
            took >= Duration::from_millis(400) && took < Duration::from_secs(2),
            "{took:?}"
        );

        let closed = format!("http://127.0.0.1:{}", closed_port());
        let error = sender(&closed, fast()).send(&email()).await.unwrap_err();
        match &error {
            SendError::Unavailable { message, .. } => {
                assert!(message.contains("could not connect"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn phones_are_not_for_resend_and_nothing_is_sent() {
        let (stand_in, base) = StandIn::start(vec![]).await;
        let sender = sender(&base, fast());
        let phone = Recipient::Phone("+4915112345678".into());
        assert!(!sender.delivers_to(&phone));
        assert!(matches!(
            sender.send(&code_to(phone)).await,
            Err(SendError::Unsupported(_))
        ));
        assert!(stand_in.received().is_empty());
        assert!(!format!("{sender:?}").contains(KEY));
        assert!(matches!(
            ResendSender::new(ResendOptions::new("", "login@acme.test")),
            Err(SendError::Config(_))
        ));
        assert!(matches!(
            ResendSender::new(ResendOptions::new("re_x\n", "login@acme.test")),
            Err(SendError::Config(_))
        ));
    }
}

#[cfg(feature = "twilio")]
mod twilio {
    use super::*;
    use auth_adapter_passwordless::Sender;
    use auth_adapter_passwordless::senders::{TwilioFrom, TwilioOptions, TwilioSender};
    use base64::Engine;

    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "twilio-auth-token-secret";

    fn options(base: &str, from: TwilioFrom) -> TwilioOptions {
        TwilioOptions::new(SID, TOKEN, from)
            .base_url(base)
            .http(fast())
    }

    fn sms() -> Message {
        code_to(Recipient::Phone("+4915112345678".into()))
    }

    fn form(body: &[u8]) -> Vec<(String, String)> {
        url::form_urlencoded::parse(body).into_owned().collect()
    }

    fn basic(user: &str, password: &str) -> String {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        format!("Basic {encoded}")
    }

    const CREATED: &str = r#"{"sid":"SM1234","status":"queued","error_code":null}"#;

    #[tokio::test]
    async fn posts_the_sms_form_to_the_accounts_messages_resource() {
        let (stand_in, base) = StandIn::start(vec![Reply::Json(201, &[], CREATED)]).await;
        let message = sms();
        // A trailing slash on the base URL does not double the path's.
        let sender = TwilioSender::new(options(
            &format!("{base}/"),
            TwilioFrom::Number("+15017122661".into()),
        ))
        .unwrap();
        sender.send(&message).await.unwrap();

        let received = stand_in.received();
        assert_eq!(received.len(), 1);
        let request = &received[0];
        assert_eq!(request.method, Method::POST);
        assert_eq!(
            request.path,
            format!("/2010-04-01/Accounts/{SID}/Messages.json")
        );
        assert_eq!(request.header("authorization"), basic(SID, TOKEN));
        assert_eq!(
            request.header("content-type"),
            "application/x-www-form-urlencoded"
        );
        assert_eq!(
            form(&request.body),
            vec![
                ("To".to_owned(), "+4915112345678".to_owned()),
                ("From".to_owned(), "+15017122661".to_owned()),
                ("Body".to_owned(), message.text()),
            ]
        );
        assert!(message.text().contains(CODE));
    }

    #[tokio::test]
    async fn a_messaging_service_and_an_api_key_change_the_form_and_the_auth() {
        let (stand_in, base) = StandIn::start(vec![
            Reply::Json(500, &[], "{}"),
            Reply::Json(201, &[], CREATED),
        ])
        .await;
        let sender = TwilioSender::new(
            options(&base, TwilioFrom::MessagingService("MG0001".into()))
                .api_key("SK0001", "key-secret"),
        )
        .unwrap();
        // A 5xx first: retried, then accepted.
        sender.send(&sms()).await.unwrap();

        let received = stand_in.received();
        assert_eq!(received.len(), 2);
        for request in &received {
            assert_eq!(
                request.header("authorization"),
                basic("SK0001", "key-secret")
            );
            let form = form(&request.body);
            assert_eq!(form[1], ("MessagingServiceSid".into(), "MG0001".into()));
            assert!(!form.iter().any(|(name, _)| name == "From"));
        }
        assert!(!format!("{sender:?}").contains("key-secret"));
    }

    #[tokio::test]
    async fn a_400_is_rejected_with_twilios_code_and_message() {
        let (stand_in, base) = StandIn::start(vec![Reply::Json(
            400,
            &[],
            r#"{"code":21211,"message":"The 'To' number +4915112345678 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#,
        )])
        .await;
        let sender =
            TwilioSender::new(options(&base, TwilioFrom::Number("+15017122661".into()))).unwrap();
        let error = sender.send(&sms()).await.unwrap_err();
        match &error {
            SendError::Rejected { message } => {
                assert!(message.contains("400"), "{message}");
                assert!(
                    message.contains("error 21211: The 'To' number"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_no_secret(&error);
        assert!(!format!("{error:?}{sender:?}").contains(TOKEN));
        assert_eq!(stand_in.received().len(), 1);
    }

    #[tokio::test]
    async fn repeated_429s_end_in_unavailable_with_the_last_retry_after() {
        let (stand_in, base) = StandIn::start(vec![
            Reply::Json(429, &[("retry-after", "0")], "{}"),
            Reply::Json(429, &[("retry-after", "0")], "{}"),
            Reply::Json(429, &[("retry-after", "1")], r#"{"code":20429}"#),
        ])
        .await;
        let sender =
            TwilioSender::new(options(&base, TwilioFrom::Number("+15017122661".into()))).unwrap();
        let error = sender.send(&sms()).await.unwrap_err();
        assert!(
            matches!(error, SendError::Unavailable { retry_after: Some(d), .. } if d == Duration::from_secs(1)),
            "{error:?}"
        );
        assert_eq!(stand_in.received().len(), 3);
    }

    #[tokio::test]
    async fn emails_are_not_for_twilio_and_bad_settings_are_config_errors() {
        let (stand_in, base) = StandIn::start(vec![]).await;
        let sender =
            TwilioSender::new(options(&base, TwilioFrom::Number("+15017122661".into()))).unwrap();
        let email = Recipient::Email("alice@example.test".into());
        assert!(!sender.delivers_to(&email));
        assert!(matches!(
            sender.send(&code_to(email)).await,
            Err(SendError::Unsupported(_))
        ));
        assert!(stand_in.received().is_empty());
        for bad in [
            TwilioOptions::new("AC/../x", TOKEN, TwilioFrom::Number("+1".into())),
            TwilioOptions::new(SID, "", TwilioFrom::Number("+1".into())),
            TwilioOptions::new(SID, TOKEN, TwilioFrom::Number(" ".into())),
            options("not a url", TwilioFrom::Number("+1".into())),
        ] {
            assert!(matches!(TwilioSender::new(bad), Err(SendError::Config(_))));
        }
    }
}
