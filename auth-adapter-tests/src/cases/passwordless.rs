//! The cases of [`passwordless_suite!`](crate::passwordless_suite): the
//! `auth-adapter-passwordless` service on a backend, end to end, through a
//! [`RecordingSender`].
//!
//! Each case takes any backend value (`Arc<T>` where `T: Adapter + CounterStore`), builds
//! its own service on it, and uses addresses and numbers of its own.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use auth_adapter_core::chrono::{TimeDelta, Utc};
use auth_adapter_core::{
    NewUser, SessionPolicy, VerificationToken, hash_verification_token,
    hash_verification_token_with_secrets,
};
use auth_adapter_passwordless::{
    Channel, Client, ConfigError, Limit, LimitScope, Limits, PHONE_PROVIDER, Passwordless,
    PasswordlessBuilder, Recipient, SendError, SignInError,
};

use crate::fixtures;
use crate::passwordless::{CallLog, RecordingSender, Store};

/// The secret of every case's service.
pub const SECRET: &str = "the AUTH_SECRET of the passwordless cases";

/// The site of every case's service.
pub const SITE: &str = "https://app.example.com";

/// A service on `store` that sends through `sender`, with the cases' secret, site and
/// region `DE`, and whatever `configure` adds.
pub fn service(
    store: &Store,
    sender: &Arc<RecordingSender>,
    configure: impl FnOnce(PasswordlessBuilder) -> PasswordlessBuilder,
) -> Passwordless {
    let builder = Passwordless::builder(
        store.adapter.clone(),
        store.counters.clone(),
        sender.clone(),
    )
    .secret(SECRET)
    .site_url(SITE)
    .site_name("Acme")
    .default_region("DE");
    match configure(builder).build() {
        Ok(service) => service,
        Err(e) => panic!("building the service: {e}"),
    }
}

/// A fresh address of this run.
fn email() -> String {
    fixtures::unique_email()
}

/// A fresh, valid German mobile number in E.164.
pub fn phone() -> String {
    let digits: String = fixtures::uuid()
        .bytes()
        .filter(u8::is_ascii_digit)
        .chain(std::iter::repeat(b'7'))
        .take(8)
        .map(char::from)
        .collect();
    format!("+49151{digits}")
}

/// A client at `10.0.<n / 256>.<n % 256>` (test data only: nothing is sent there).
pub fn client(n: u32) -> Client {
    let [_, _, a, b] = n.to_be_bytes();
    Client::new(Some(IpAddr::V4(Ipv4Addr::new(10, 0, a, b)))).user_agent("suite")
}

/// A fresh client address for this case.
fn any_client() -> Client {
    let n = fixtures::uuid()
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    client(n)
}

fn parts(store: impl Into<Store>) -> (Store, Arc<RecordingSender>) {
    (store.into(), Arc::new(RecordingSender::new()))
}

/// A code that is not `code` (same format).
fn other_code(code: &str) -> String {
    code.bytes()
        .map(|b| char::from(b'0' + (b - b'0' + 1) % 10))
        .collect()
}

fn expect_err<T: std::fmt::Debug>(result: Result<T, SignInError>, what: &str) -> SignInError {
    match result {
        Err(e) => e,
        Ok(v) => panic!("{what}: expected an error, got {v:?}"),
    }
}

fn expect_ok<T>(result: Result<T, SignInError>, what: &str) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e} ({e:?})"),
    }
}

/// A magic link sent by the service is Auth.js's link; verifying it signs the user in with
/// a new database session, and the link works once.
pub async fn magic_link_round_trip(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| b);
    let to = email();
    let c = any_client();
    let sent = expect_ok(
        pwl.send_magic_link(&to.to_uppercase(), Some("/dashboard?tab=1"), &c)
            .await,
        "send_magic_link",
    );
    assert_eq!(sent.to, Recipient::Email(to.clone()));
    let in_24h = Utc::now() + TimeDelta::hours(24);
    assert!((sent.expires - in_24h).num_seconds().abs() < 60, "{sent:?}");
    let link = sender.last_link(&to);
    assert_eq!(link.path, format!("{SITE}/api/auth/callback/email"));
    assert_eq!(
        link.names,
        ["callbackUrl", "token", "email"],
        "{}",
        link.url
    );
    assert_eq!(link.callback_url, format!("{SITE}/dashboard?tab=1"));
    assert_eq!(link.email, to);
    assert!(
        link.token.len() == 64
            && link
                .token
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "Auth.js's token form: 64 lowercase hex"
    );
    let message = sender.last_to(&to).unwrap_or_else(|| panic!("no message"));
    assert!(!message.subject().contains(&link.token));

    let signed_in = expect_ok(
        pwl.verify_magic_link(&link.email, &link.token, &c).await,
        "verify_magic_link",
    );
    assert!(signed_in.is_new_user);
    assert_eq!(signed_in.user.email.as_deref(), Some(to.as_str()));
    assert!(signed_in.user.email_verified.is_some());
    assert_eq!(signed_in.session.user_id, signed_in.user.id);
    let policy = SessionPolicy::default();
    let in_30d = Utc::now() + policy.max_age;
    assert!((signed_in.session.expires - in_30d).num_seconds().abs() < 60);
    let (session, user) = expect_ok(
        pwl.get_session(&signed_in.session.session_token).await,
        "get_session",
    )
    .unwrap_or_else(|| panic!("the new session is in the store"));
    assert_eq!(session.user_id, user.id);
    assert_eq!(user.id, signed_in.user.id);

    let again = expect_err(
        pwl.verify_magic_link(&link.email, &link.token, &c).await,
        "a used link",
    );
    assert!(matches!(again, SignInError::InvalidLink), "{again:?}");
    // A link for another address, or a changed token, is nothing.
    let wrong = expect_err(
        pwl.verify_magic_link(&email(), &link.token, &c).await,
        "the token under another address",
    );
    assert!(matches!(wrong, SignInError::InvalidLink), "{wrong:?}");
}

/// A link Auth.js minted (its token hashed with `sha256(token + secret)`, the secret list
/// joined with `,` when it has several) is redeemed by the service, and the rows the
/// service stores are the ones Auth.js would.
pub async fn auth_js_links_are_redeemed(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let c = any_client();
    for secrets in [vec![SECRET], vec!["new secret", SECRET]] {
        let pwl = {
            let mut b = Passwordless::builder(
                store.adapter.clone(),
                store.counters.clone(),
                sender.clone(),
            )
            .site_url(SITE);
            for s in &secrets {
                b = b.secret(*s);
            }
            b.build()
                .unwrap_or_else(|e| panic!("building the service: {e}"))
        };
        let to = email();
        let raw = auth_adapter_core::generate_verification_token();
        let row = VerificationToken {
            identifier: to.clone(),
            token: hash_verification_token_with_secrets(&raw, &secrets),
            expires: Utc::now() + TimeDelta::hours(24),
        };
        crate::check::ok(
            store.adapter.create_verification_token(row).await,
            "create_verification_token as Auth.js does",
        );
        let signed_in = expect_ok(pwl.verify_magic_link(&to, &raw, &c).await, "Auth.js link");
        assert_eq!(signed_in.user.email.as_deref(), Some(to.as_str()));

        // And the other way: the row behind a link the service sends is found with
        // Auth.js's hash of the link's token.
        expect_ok(pwl.send_magic_link(&to, None, &c).await, "send");
        let link = sender.last_link(&to);
        let used = crate::check::ok(
            store
                .adapter
                .use_verification_token(
                    &to,
                    &hash_verification_token(&link.token, &secrets.join(",")),
                )
                .await,
            "use_verification_token with Auth.js's hash",
        );
        assert!(
            used.is_some(),
            "the stored row is Auth.js's hash of the token"
        );
    }
}

/// An email code signs in the user of that address (the same user a link signs in), once.
pub async fn email_code_round_trip(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| b);
    let to = email();
    let c = any_client();
    let sent = expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "send_otp");
    assert!(
        (sent.expires - (Utc::now() + TimeDelta::minutes(10)))
            .num_seconds()
            .abs()
            < 60
    );
    let code = sender.last_code(&to);
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    let message = sender.last_to(&to).unwrap_or_else(|| panic!("no message"));
    assert!(!message.subject().contains(&code), "never in the subject");

    // Typed with spaces, as people do.
    let typed = format!("{} {}", &code[..3], &code[3..]);
    let signed_in = expect_ok(
        pwl.verify_otp(Channel::Email, &to.to_uppercase(), &typed, &c)
            .await,
        "verify_otp",
    );
    assert!(signed_in.is_new_user);
    assert_eq!(signed_in.user.email.as_deref(), Some(to.as_str()));
    assert!(signed_in.user.email_verified.is_some());
    let used = expect_err(
        pwl.verify_otp(Channel::Email, &to, &code, &c).await,
        "a used code",
    );
    assert!(matches!(used, SignInError::InvalidCode), "{used:?}");

    // A magic link to the same address signs in the same user.
    expect_ok(pwl.send_magic_link(&to, None, &c).await, "send_magic_link");
    let link = sender.last_link(&to);
    let by_link = expect_ok(pwl.verify_magic_link(&to, &link.token, &c).await, "link");
    assert_eq!(by_link.user.id, signed_in.user.id);
    assert!(!by_link.is_new_user);
}

/// `confirm_otp` is a proof, not a sign-in: a wrong code counts against the same budget
/// as `verify_otp`'s, a right one returns the code's user (created as a sign-in would) and
/// is used up, and no session is created.
pub async fn confirmed_codes_prove_without_a_session(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let log = CallLog::new(store.clone());
    let logged = Store::from(log.clone());
    let limits = Limits::new().wrong_codes(Limit::new(3, TimeDelta::minutes(15)));
    let pwl = service(&logged, &sender, |b| b.limits(limits));
    let to = email();
    let c = any_client();
    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "send_otp");
    let code = sender.last_code(&to);
    let wrong = expect_err(
        pwl.confirm_otp(Channel::Email, &to, &other_code(&code), &c)
            .await,
        "a wrong code",
    );
    assert!(matches!(wrong, SignInError::InvalidCode), "{wrong:?}");
    log.take();
    let user = expect_ok(
        pwl.confirm_otp(Channel::Email, &to, &code, &c).await,
        "confirm_otp",
    );
    assert_eq!(user.email.as_deref(), Some(to.as_str()));
    let calls = log.take();
    assert!(
        !calls.iter().any(|c| c.contains("session")),
        "a proof creates no session: {calls:?}"
    );
    let found = crate::check::ok(store.adapter.get_user_by_email(&to).await, "lookup");
    assert_eq!(
        found.map(|u| u.id),
        Some(user.id.clone()),
        "the user it proved"
    );
    // Used up, by either door.
    for used in [
        pwl.confirm_otp(Channel::Email, &to, &code, &c).await.err(),
        pwl.verify_otp(Channel::Email, &to, &code, &c).await.err(),
    ] {
        assert!(matches!(used, Some(SignInError::InvalidCode)), "{used:?}");
    }
    // Both doors spend one budget: on a fresh address, two wrong proofs and one wrong
    // sign-in use the 3 guesses, and then even the right code is not evaluated.
    let to = email();
    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "second send");
    let code = sender.last_code(&to);
    for _ in 0..2 {
        let e = expect_err(
            pwl.confirm_otp(Channel::Email, &to, &other_code(&code), &c)
                .await,
            "wrong",
        );
        assert!(matches!(e, SignInError::InvalidCode), "{e:?}");
    }
    let e = expect_err(
        pwl.verify_otp(Channel::Email, &to, &other_code(&code), &c)
            .await,
        "third wrong, through verify",
    );
    assert!(matches!(e, SignInError::InvalidCode), "{e:?}");
    let limited = expect_err(
        pwl.confirm_otp(Channel::Email, &to, &code, &c).await,
        "past the budget, even the right code",
    );
    assert!(
        matches!(limited, SignInError::TooManyAttempts { .. }),
        "{limited:?}"
    );
}

/// An SMS code signs in the phone user: created on the first sign-in with no email, the
/// number as name and a `phone` account, found again by that account after.
pub async fn sms_code_round_trip(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| b);
    let number = phone();
    let national = format!("0{} {}", &number[3..6], &number[6..]);
    let c = any_client();
    let sent = expect_ok(pwl.send_otp(Channel::Sms, &national, &c).await, "send_otp");
    assert_eq!(sent.to, Recipient::Phone(number.clone()));
    let code = sender.last_code(&number);
    let first = expect_ok(
        pwl.verify_otp(Channel::Sms, &number, &code, &c).await,
        "verify_otp",
    );
    assert!(first.is_new_user);
    assert_eq!(first.user.email, None);
    assert_eq!(first.user.name.as_deref(), Some(number.as_str()));
    let account = crate::check::ok(
        store.adapter.get_account(PHONE_PROVIDER, &number).await,
        "get_account",
    )
    .unwrap_or_else(|| panic!("the phone account"));
    assert_eq!(account.user_id, first.user.id);
    assert_eq!(account.account_type.as_str(), "email");

    expect_ok(pwl.send_otp(Channel::Sms, &number, &c).await, "send again");
    let code = sender.last_code(&number);
    let spaced = format!("+49 {} {}", &number[3..6], &number[6..]);
    let second = expect_ok(
        pwl.verify_otp(Channel::Sms, &spaced, &code, &c).await,
        "second sign-in",
    );
    assert!(!second.is_new_user);
    assert_eq!(second.user.id, first.user.id);
    assert_ne!(second.session.session_token, first.session.session_token);
}

/// N wrong codes are evaluated; the next check is refused with the time left, even with the
/// right code.
pub async fn wrong_codes_hit_the_limit_with_retry_after(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let window = TimeDelta::minutes(15);
    let pwl = service(&store, &sender, |b| {
        b.limits(Limits::default().wrong_codes(Limit::new(3, window)))
    });
    let to = email();
    let c = any_client();
    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "send_otp");
    let code = sender.last_code(&to);
    for i in 0..3 {
        let e = expect_err(
            pwl.verify_otp(Channel::Email, &to, &other_code(&code), &c)
                .await,
            "a wrong code",
        );
        assert!(matches!(e, SignInError::InvalidCode), "guess {i}: {e:?}");
    }
    let e = expect_err(
        pwl.verify_otp(Channel::Email, &to, &code, &c).await,
        "the right code past the limit",
    );
    let SignInError::TooManyAttempts { retry_after, .. } = e else {
        panic!("expected TooManyAttempts, got {e:?}");
    };
    assert!(
        retry_after > Duration::from_secs(800) && retry_after <= Duration::from_secs(900),
        "{retry_after:?}"
    );
    assert!(e.retry_after_secs().is_some_and(|s| s <= 900));
    // Another recipient's budget is its own.
    let other = email();
    expect_ok(
        pwl.send_otp(Channel::Email, &other, &c).await,
        "send to another",
    );
    let code = sender.last_code(&other);
    expect_ok(
        pwl.verify_otp(Channel::Email, &other, &code, &c).await,
        "another recipient",
    );
}

/// A re-send replaces the code (the old one stops working) and does not reset the budget;
/// a right code resets it.
pub async fn resend_replaces_the_code_and_keeps_the_budget(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| {
        b.limits(Limits::default().wrong_codes(Limit::new(4, TimeDelta::minutes(15))))
    });
    let to = email();
    let c = any_client();
    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "first send");
    let first = sender.last_code(&to);
    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "second send");
    let second = sender.last_code(&to);
    if first != second {
        let e = expect_err(
            pwl.verify_otp(Channel::Email, &to, &first, &c).await,
            "the replaced code",
        );
        assert!(matches!(e, SignInError::InvalidCode), "{e:?}");
    } else {
        // One in a million: the same code twice; spend the check all the same.
        let _ = pwl
            .verify_otp(Channel::Email, &to, &other_code(&first), &c)
            .await;
    }
    // 1 check spent; two more wrong, a re-send, one more wrong: 4 = the budget.
    for _ in 0..2 {
        let _ = pwl
            .verify_otp(Channel::Email, &to, &other_code(&second), &c)
            .await;
    }
    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "third send");
    let third = sender.last_code(&to);
    let e = expect_err(
        pwl.verify_otp(Channel::Email, &to, &other_code(&third), &c)
            .await,
        "the fourth check",
    );
    assert!(matches!(e, SignInError::InvalidCode), "{e:?}");
    let e = expect_err(
        pwl.verify_otp(Channel::Email, &to, &third, &c).await,
        "the right new code after the budget is spent",
    );
    assert!(matches!(e, SignInError::TooManyAttempts { .. }), "{e:?}");

    // A right code resets the budget: on a fresh recipient, 3 wrong + right, then 3 wrong
    // more are still evaluated.
    let to = email();
    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "send");
    let code = sender.last_code(&to);
    for _ in 0..3 {
        let _ = pwl
            .verify_otp(Channel::Email, &to, &other_code(&code), &c)
            .await;
    }
    expect_ok(
        pwl.verify_otp(Channel::Email, &to, &code, &c).await,
        "right code",
    );
    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "send");
    let code = sender.last_code(&to);
    for i in 0..3 {
        let e = expect_err(
            pwl.verify_otp(Channel::Email, &to, &other_code(&code), &c)
                .await,
            "wrong code after a reset",
        );
        assert!(matches!(e, SignInError::InvalidCode), "check {i}: {e:?}");
    }
}

/// 64 concurrent wrong guesses from 64 addresses: exactly N are evaluated, the rest
/// refused, and the right code afterwards too.
pub async fn parallel_wrong_guesses_evaluate_at_most_the_limit(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    const N: u64 = 5;
    let pwl = service(&store, &sender, |b| {
        b.limits(Limits::default().wrong_codes(Limit::new(N, TimeDelta::minutes(15))))
    });
    let to = email();
    expect_ok(pwl.send_otp(Channel::Email, &to, &client(1)).await, "send");
    let code = sender.last_code(&to);
    let wrong = other_code(&code);
    let tasks: Vec<_> = (0..64u32)
        .map(|i| {
            let (pwl, to, wrong) = (pwl.clone(), to.clone(), wrong.clone());
            tokio::spawn(async move {
                pwl.verify_otp(Channel::Email, &to, &wrong, &client(1000 + i))
                    .await
            })
        })
        .collect();
    let (mut evaluated, mut refused) = (0, 0);
    for t in tasks {
        match t.await {
            Ok(Err(SignInError::InvalidCode)) => evaluated += 1,
            Ok(Err(SignInError::TooManyAttempts { .. })) => refused += 1,
            other => panic!("unexpected answer to a wrong guess: {other:?}"),
        }
    }
    assert_eq!(evaluated, N, "guesses evaluated");
    assert_eq!(refused, 64 - N);
    let e = expect_err(
        pwl.verify_otp(Channel::Email, &to, &code, &client(1)).await,
        "the right code after the guesses",
    );
    assert!(matches!(e, SignInError::TooManyAttempts { .. }), "{e:?}");
}

/// Sends are limited per recipient and per client address; a refused send sends nothing
/// and does not replace the code that is out.
pub async fn send_limits_per_recipient_and_per_ip(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let window = TimeDelta::minutes(15);
    let pwl = service(&store, &sender, |b| {
        b.limits(
            Limits::default()
                .sends_per_recipient(Limit::new(3, window))
                .sends_per_ip(Limit::new(4, window)),
        )
    });
    let to = email();
    expect_ok(pwl.send_otp(Channel::Email, &to, &client(1)).await, "1st");
    expect_ok(pwl.send_magic_link(&to, None, &client(2)).await, "2nd");
    expect_ok(pwl.send_otp(Channel::Email, &to, &client(3)).await, "3rd");
    let code = sender.last_code(&to);
    let before = sender.messages().len();
    // The same recipient, from two more addresses: refused.
    let e = expect_err(
        pwl.send_otp(Channel::Email, &to, &client(4)).await,
        "past the recipient's limit",
    );
    let SignInError::RateLimited {
        scope: LimitScope::Recipient,
        retry_after,
        ..
    } = e
    else {
        panic!("expected RateLimited(Recipient), got {e:?}");
    };
    assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(900));
    let e = expect_err(
        pwl.send_magic_link(&to, None, &client(5)).await,
        "a link past the recipient's limit",
    );
    assert!(
        matches!(
            e,
            SignInError::RateLimited {
                scope: LimitScope::Recipient,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        sender.messages().len(),
        before,
        "refused sends send nothing"
    );
    // The code that is out still works: a refused send replaced nothing.
    expect_ok(
        pwl.verify_otp(Channel::Email, &to, &code, &client(3)).await,
        "the last code sent",
    );

    // One address, many recipients.
    let ip = client(7);
    for i in 0..4 {
        expect_ok(
            pwl.send_otp(Channel::Email, &email(), &ip).await,
            &format!("send {i}"),
        );
    }
    let e = expect_err(
        pwl.send_otp(Channel::Sms, &phone(), &ip).await,
        "past the address's limit",
    );
    assert!(
        matches!(
            e,
            SignInError::RateLimited {
                scope: LimitScope::ClientIp,
                ..
            }
        ),
        "{e:?}"
    );
    // Clients without an address share one bucket (fail closed).
    let anonymous = Client::default();
    for _ in 0..4 {
        expect_ok(
            pwl.send_otp(Channel::Email, &email(), &anonymous).await,
            "no address",
        );
    }
    let e = expect_err(
        pwl.send_otp(Channel::Email, &email(), &Client::default())
            .await,
        "the shared bucket",
    );
    assert!(
        matches!(
            e,
            SignInError::RateLimited {
                scope: LimitScope::ClientIp,
                ..
            }
        ),
        "{e:?}"
    );
}

/// Code checks from one client address are limited whatever the recipient (spraying).
pub async fn code_checks_per_ip_are_limited(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| {
        b.limits(Limits::default().code_checks_per_ip(Limit::new(3, TimeDelta::minutes(15))))
    });
    let ip = any_client();
    for i in 0..3 {
        let e = expect_err(
            pwl.verify_otp(Channel::Email, &email(), "000000", &ip)
                .await,
            "a guess",
        );
        assert!(matches!(e, SignInError::InvalidCode), "guess {i}: {e:?}");
    }
    let to = email();
    expect_ok(pwl.send_otp(Channel::Email, &to, &client(9)).await, "send");
    let code = sender.last_code(&to);
    let e = expect_err(
        pwl.verify_otp(Channel::Email, &to, &code, &ip).await,
        "past the address's check limit",
    );
    assert!(
        matches!(
            e,
            SignInError::RateLimited {
                scope: LimitScope::ClientIp,
                ..
            }
        ),
        "{e:?}"
    );
    expect_ok(
        pwl.verify_otp(Channel::Email, &to, &code, &client(9)).await,
        "from another address",
    );
}

/// A code or link past its lifetime is refused (and used up).
pub async fn expired_codes_and_links_are_refused(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| {
        b.code_max_age(TimeDelta::milliseconds(300))
            .link_max_age(TimeDelta::milliseconds(300))
    });
    let to = email();
    let c = any_client();
    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "send_otp");
    expect_ok(pwl.send_magic_link(&to, None, &c).await, "send_magic_link");
    let code = sender
        .messages()
        .iter()
        .rev()
        .find_map(|m| match &m.content {
            auth_adapter_passwordless::Content::Code { code } => Some(code.clone()),
            _ => None,
        });
    let code = code.unwrap_or_else(|| panic!("no code"));
    let link = sender.last_link(&to);
    tokio::time::sleep(Duration::from_millis(700)).await;
    // A backend may drop expired rows by itself (Redis): then the code is simply unknown.
    let e = expect_err(pwl.verify_otp(Channel::Email, &to, &code, &c).await, "code");
    assert!(
        matches!(e, SignInError::Expired | SignInError::InvalidCode),
        "{e:?}"
    );
    let e = expect_err(pwl.verify_magic_link(&to, &link.token, &c).await, "link");
    assert!(
        matches!(e, SignInError::Expired | SignInError::InvalidLink),
        "{e:?}"
    );
    // Used up: the same again is unknown.
    let e = expect_err(pwl.verify_magic_link(&to, &link.token, &c).await, "again");
    assert!(matches!(e, SignInError::InvalidLink), "{e:?}");
    let user = crate::check::ok(store.adapter.get_user_by_email(&to).await, "lookup");
    assert!(user.is_none(), "an expired sign-in creates no user");
}

/// Eight concurrent verifications of one link, and of one code: one sign-in each.
pub async fn parallel_verifies_have_one_winner(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| b);
    let to = email();
    let c = any_client();
    expect_ok(pwl.send_magic_link(&to, None, &c).await, "send link");
    let link = sender.last_link(&to);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (pwl, to, token, c) = (pwl.clone(), to.clone(), link.token.clone(), c.clone());
            tokio::spawn(async move { pwl.verify_magic_link(&to, &token, &c).await })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok(signed_in)) => winners.push(signed_in),
            Ok(Err(SignInError::InvalidLink)) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "one link, one sign-in");

    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "send code");
    let code = sender.last_code(&to);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (pwl, to, code) = (pwl.clone(), to.clone(), code.clone());
            tokio::spawn(
                async move { pwl.verify_otp(Channel::Email, &to, &code, &client(i)).await },
            )
        })
        .collect();
    let mut code_winners = 0;
    for t in tasks {
        match t.await {
            Ok(Ok(_)) => code_winners += 1,
            // Past the 5 checks a recipient gets, the rest are not evaluated at all.
            Ok(Err(SignInError::InvalidCode | SignInError::TooManyAttempts { .. })) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(code_winners, 1, "one code, one sign-in");
    let user_id = &winners[0].user.id;
    let sessions = crate::check::ok(
        store.adapter.delete_sessions_by_user_id(user_id).await,
        "delete_sessions_by_user_id",
    );
    assert_eq!(sessions, 2, "one session per winning verification");
}

/// When the sender fails, the send reports it and the link or code it carried does not
/// work.
pub async fn failed_send_leaves_nothing_usable(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| b);
    let to = email();
    let number = phone();
    let c = any_client();
    sender.set_failing(true);
    let e = expect_err(pwl.send_magic_link(&to, None, &c).await, "failing link");
    assert!(
        matches!(e, SignInError::Send(SendError::Unavailable { .. })),
        "{e:?}"
    );
    assert!(e.is_transient());
    let link = sender.last_link(&to);
    let e = expect_err(pwl.send_otp(Channel::Email, &to, &c).await, "failing code");
    assert!(matches!(e, SignInError::Send(_)), "{e:?}");
    let code = sender.last_code(&to);
    let e = expect_err(pwl.send_otp(Channel::Sms, &number, &c).await, "failing SMS");
    assert!(matches!(e, SignInError::Send(_)), "{e:?}");
    let sms = sender.last_code(&number);
    sender.set_failing(false);
    let e = expect_err(pwl.verify_magic_link(&to, &link.token, &c).await, "link");
    assert!(matches!(e, SignInError::InvalidLink), "{e:?}");
    let e = expect_err(pwl.verify_otp(Channel::Email, &to, &code, &c).await, "code");
    assert!(matches!(e, SignInError::InvalidCode), "{e:?}");
    let e = expect_err(pwl.verify_otp(Channel::Sms, &number, &sms, &c).await, "sms");
    assert!(matches!(e, SignInError::InvalidCode), "{e:?}");

    // A sender that cannot deliver SMS refuses before anything is stored or counted.
    let emails_only = Arc::new(RecordingSender::emails_only());
    let pwl = service(&store, &emails_only, |b| b);
    let e = expect_err(
        pwl.send_otp(Channel::Sms, &number, &c).await,
        "no SMS sender",
    );
    assert!(
        matches!(e, SignInError::Send(SendError::Unsupported(_))),
        "{e:?}"
    );
    assert!(emails_only.messages().is_empty());
}

/// Addresses are normalised as Auth.js does (one user per address, whatever its case);
/// what cannot be an address is a typed error and nothing is sent.
pub async fn emails_are_normalised(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| b);
    let c = any_client();
    let local = fixtures::uuid();
    let sent = expect_ok(
        pwl.send_otp(
            Channel::Email,
            &format!("  {local}@Example.COM,evil.com "),
            &c,
        )
        .await,
        "send",
    );
    let to = format!("{local}@example.com");
    assert_eq!(sent.to, Recipient::Email(to.clone()));
    let code = sender.last_code(&to);
    let signed_in = expect_ok(
        pwl.verify_otp(
            Channel::Email,
            &format!("{}@EXAMPLE.com", local.to_uppercase()),
            &code,
            &c,
        )
        .await,
        "verify in another case",
    );
    assert_eq!(signed_in.user.email.as_deref(), Some(to.as_str()));
    let before = sender.messages().len();
    for bad in [
        "",
        "nobody",
        "a@b@c.io",
        "\"a\"@b.io",
        "a b@c.io",
        "a@localhost",
    ] {
        let e = expect_err(pwl.send_magic_link(bad, None, &c).await, bad);
        assert!(
            matches!(e, SignInError::InvalidEmail { .. }),
            "{bad:?}: {e:?}"
        );
        let e = expect_err(pwl.send_otp(Channel::Email, bad, &c).await, bad);
        assert!(
            matches!(e, SignInError::InvalidEmail { .. }),
            "{bad:?}: {e:?}"
        );
    }
    assert_eq!(
        sender.messages().len(),
        before,
        "nothing sent to invalid addresses"
    );
}

/// Phone numbers in any common form become one E.164 number (one identifier, one user);
/// what is not a valid number is a typed error and nothing is sent.
pub async fn phones_are_normalised_and_invalid_ones_refused(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| {
        b.limits(Limits::default().sends_per_recipient(Limit::new(3, TimeDelta::minutes(15))))
    });
    let c = any_client();
    let number = phone();
    let (area, rest) = (&number[3..6], &number[6..]);
    for form in [
        format!("+49 ({area}) {rest}"),
        format!("0049-{area}-{rest}"),
        format!("0{area}/{rest}"),
    ] {
        let sent = expect_ok(pwl.send_otp(Channel::Sms, &form, &c).await, &form);
        assert_eq!(sent.to, Recipient::Phone(number.clone()), "{form}");
    }
    // Three forms, one recipient: its send limit of 3 is reached.
    let e = expect_err(pwl.send_otp(Channel::Sms, &number, &c).await, "4th send");
    assert!(
        matches!(
            e,
            SignInError::RateLimited {
                scope: LimitScope::Recipient,
                ..
            }
        ),
        "{e:?}"
    );
    let before = sender.messages().len();
    for bad in [
        "",
        "12",
        "+49 12",
        "+999 1234567",
        "+1 800 FLOWERS",
        "+49 151 1234 ext 5",
    ] {
        let e = expect_err(pwl.send_otp(Channel::Sms, bad, &c).await, bad);
        assert!(
            matches!(e, SignInError::InvalidPhone { .. }),
            "{bad:?}: {e:?}"
        );
        let e = expect_err(pwl.verify_otp(Channel::Sms, bad, "123456", &c).await, bad);
        assert!(
            matches!(e, SignInError::InvalidPhone { .. }),
            "{bad:?}: {e:?}"
        );
    }
    assert_eq!(sender.messages().len(), before);
    // Without a default region a national number cannot be read.
    let no_region = Passwordless::builder(
        store.adapter.clone(),
        store.counters.clone(),
        sender.clone(),
    )
    .secret(SECRET)
    .site_url(SITE)
    .build()
    .unwrap_or_else(|e| panic!("{e}"));
    let e = expect_err(
        no_region
            .send_otp(Channel::Sms, &format!("0{area}{rest}"), &c)
            .await,
        "national number without a region",
    );
    assert!(matches!(e, SignInError::InvalidPhone { .. }), "{e:?}");
    let unknown = Passwordless::builder(store.adapter.clone(), store.counters.clone(), sender)
        .secret(SECRET)
        .site_url(SITE)
        .default_region("XX")
        .build();
    assert!(matches!(unknown, Err(ConfigError::Region)), "{unknown:?}");
}

/// Auth.js's user rules: an existing user (created elsewhere, unverified) is found and gets
/// `emailVerified`, updated again on each email sign-in; no account row is written.
pub async fn users_are_created_once_and_email_verified_is_set(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| b);
    let c = any_client();
    let to = email();
    let existing = crate::check::ok(
        store
            .adapter
            .create_user(NewUser {
                name: Some("Ada".into()),
                ..NewUser::with_email(&to)
            })
            .await,
        "create_user",
    );
    assert_eq!(existing.email_verified, None);
    expect_ok(pwl.send_magic_link(&to, None, &c).await, "send");
    let link = sender.last_link(&to);
    let first = expect_ok(pwl.verify_magic_link(&to, &link.token, &c).await, "verify");
    assert!(!first.is_new_user);
    assert_eq!(first.user.id, existing.id);
    assert_eq!(first.user.name.as_deref(), Some("Ada"), "other fields kept");
    let verified = first
        .user
        .email_verified
        .unwrap_or_else(|| panic!("emailVerified set"));
    assert!((Utc::now() - verified).num_seconds() < 60);

    tokio::time::sleep(Duration::from_millis(20)).await;
    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "send code");
    let code = sender.last_code(&to);
    let second = expect_ok(pwl.verify_otp(Channel::Email, &to, &code, &c).await, "code");
    assert_eq!(second.user.id, existing.id);
    assert!(
        second.user.email_verified > Some(verified),
        "emailVerified moves on each email sign-in"
    );
    for provider in ["email", "nodemailer", PHONE_PROVIDER] {
        let account = crate::check::ok(
            store.adapter.get_account(provider, &to).await,
            "get_account",
        );
        assert!(account.is_none(), "no account row for an email sign-in");
    }
    // And a new address creates its user once, whatever happens in parallel.
    let new = email();
    expect_ok(pwl.send_magic_link(&new, None, &c).await, "send link");
    let link = sender.last_link(&new);
    expect_ok(pwl.send_otp(Channel::Email, &new, &c).await, "send code");
    let code = sender.last_code(&new);
    let (a, b) = tokio::join!(
        pwl.verify_magic_link(&new, &link.token, &c),
        pwl.verify_otp(Channel::Email, &new, &code, &c)
    );
    let (a, b) = (expect_ok(a, "link"), expect_ok(b, "code"));
    assert_eq!(a.user.id, b.user.id, "one user for one address");
    assert!(a.is_new_user != b.is_new_user, "created once");
}

/// `revoke_session` signs one session out, `revoke_all_sessions` every one of the user.
pub async fn sessions_are_revoked_one_or_all(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| b);
    let c = any_client();
    let to = email();
    let mut tokens = Vec::new();
    for _ in 0..3 {
        expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "send");
        let code = sender.last_code(&to);
        let s = expect_ok(
            pwl.verify_otp(Channel::Email, &to, &code, &c).await,
            "verify",
        );
        tokens.push((s.session.session_token, s.user.id));
    }
    let user_id = tokens[0].1.clone();
    assert!(tokens.iter().all(|(_, id)| *id == user_id));
    for (token, _) in &tokens {
        assert!(expect_ok(pwl.get_session(token).await, "get").is_some());
    }
    assert!(expect_ok(pwl.revoke_session(&tokens[0].0).await, "revoke"));
    assert!(!expect_ok(
        pwl.revoke_session(&tokens[0].0).await,
        "revoke again"
    ));
    assert!(expect_ok(pwl.get_session(&tokens[0].0).await, "get").is_none());
    assert!(expect_ok(pwl.get_session(&tokens[1].0).await, "get").is_some());
    assert_eq!(
        expect_ok(pwl.revoke_all_sessions(&user_id).await, "revoke all"),
        2
    );
    for (token, _) in &tokens {
        assert!(expect_ok(pwl.get_session(token).await, "get").is_none());
    }
    assert_eq!(
        expect_ok(pwl.revoke_all_sessions(&user_id).await, "none left"),
        0
    );
    assert!(expect_ok(pwl.get_session("no-such-token").await, "unknown").is_none());
}

/// A send to an address that belongs to a user and one that does not: the same answer and
/// the very same store calls (no lookup of the user), so neither the answer nor its timing
/// tells them apart.
pub async fn sends_do_the_same_work_for_known_and_unknown_addresses(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let log = CallLog::new(store.clone());
    let logged = Store::from(log.clone());
    let pwl = service(&logged, &sender, |b| b);
    let c = any_client();
    let known = email();
    crate::check::ok(
        store.adapter.create_user(NewUser::with_email(&known)).await,
        "create_user",
    );
    let unknown = email();
    let mut calls = Vec::new();
    for to in [&known, &unknown] {
        log.take();
        let link = expect_ok(pwl.send_magic_link(to, None, &c).await, "link");
        let code = expect_ok(pwl.send_otp(Channel::Email, to, &c).await, "code");
        assert_eq!(link.to, Recipient::Email(to.clone()));
        assert_eq!(code.to, Recipient::Email(to.clone()));
        calls.push(log.take());
    }
    assert_eq!(calls[0], calls[1], "the same store calls for both");
    assert!(
        !calls[0]
            .iter()
            .any(|c| c.starts_with("get_user") || c.contains("create_user")),
        "a send looks no user up: {:?}",
        calls[0]
    );
    let created = crate::check::ok(store.adapter.get_user_by_email(&unknown).await, "lookup");
    assert!(created.is_none(), "a send creates no user");
}

/// No link, token, code or secret in `Debug` or `Display` of the service, its results or its
/// errors.
pub async fn nothing_secret_in_debug_or_errors(store: impl Into<Store>) {
    let (store, sender) = parts(store);
    let pwl = service(&store, &sender, |b| b);
    let c = any_client();
    let to = email();
    let sent = expect_ok(pwl.send_magic_link(&to, None, &c).await, "send");
    let link = sender.last_link(&to);
    expect_ok(pwl.send_otp(Channel::Email, &to, &c).await, "send code");
    let code = sender.last_code(&to);
    let wrong = expect_err(
        pwl.verify_otp(Channel::Email, &to, &other_code(&code), &c)
            .await,
        "wrong",
    );
    let signed_in = expect_ok(
        pwl.verify_otp(Channel::Email, &to, &code, &c).await,
        "verify",
    );
    let used = expect_err(pwl.verify_otp(Channel::Email, &to, &code, &c).await, "used");
    let texts = [
        format!("{pwl:?}"),
        format!("{sent:?}"),
        format!("{signed_in:?}"),
        format!("{wrong:?} {wrong}"),
        format!("{used:?} {used}"),
        format!("{:?}", sender.messages()),
    ];
    for text in &texts {
        for secret in [SECRET, &link.token, &code, &signed_in.session.session_token] {
            assert!(!text.contains(secret), "a secret in {text}");
        }
    }
    assert!(texts[0].contains("redacted"), "{}", texts[0]);
}
