//! What goes over the wire, seen by a proxy between the adapter and the server that
//! counts the client's protocol messages: each `Execute` or simple `Query` is one statement
//! (a hidden `BEGIN`/`COMMIT` would be a `Query`), each `Parse` a statement being prepared.
//! A cached statement goes out as Bind/Execute/Close/Sync in one write: one round trip.
//! Under `transaction_pooler`, every call is one simple `Query` and nothing else, from
//! its first use on a connection.
//! (sqlx's pool also pings a connection when it is returned, a lone `Sync` sent after the
//! caller has its answer; that is not counted.) Also: the server vanishing mid-use.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterSession, NewTokenBinding, NewUser, TokenFormat,
    TokenSecret, TokenStore, UserUpdate, VerificationToken, backend::dates::truncate_to_millis,
};
use auth_adapter_postgres::{Layout, PostgresAdapter, PostgresOptions};
use chrono::{TimeDelta, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// Messages the client sent, by kind.
#[derive(Default)]
struct Counts {
    statements: AtomicUsize,
    parses: AtomicUsize,
    /// Simple `Query` messages (also counted in `statements`).
    queries: AtomicUsize,
}

impl Counts {
    fn take(&self) -> (usize, usize) {
        (
            self.statements.swap(0, Ordering::SeqCst),
            self.parses.swap(0, Ordering::SeqCst),
        )
    }
}

/// A TCP proxy to the server, counting what the client says.
struct Proxy {
    port: u16,
    counts: Arc<Counts>,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: (String, u16)) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let counts = Arc::new(Counts::default());
        let tasks: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (c, t) = (counts.clone(), tasks.clone());
        let accept = tokio::spawn(async move {
            loop {
                let (client, _) = listener.accept().await.unwrap();
                let server = TcpStream::connect((upstream.0.as_str(), upstream.1))
                    .await
                    .unwrap();
                let (mut client_rx, mut client_tx) = client.into_split();
                let (mut server_rx, mut server_tx) = server.into_split();
                let counts = c.clone();
                let up = tokio::spawn(async move {
                    let mut pending = Vec::new();
                    let mut started = false;
                    let mut buf = [0u8; 8192];
                    loop {
                        let n = client_rx.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        pending.extend_from_slice(&buf[..n]);
                        count_messages(&mut pending, &mut started, &counts);
                        if server_tx.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                });
                let down = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut server_rx, &mut client_tx).await;
                });
                let mut tasks = t.lock().unwrap();
                tasks.push(up.abort_handle());
                tasks.push(down.abort_handle());
            }
        });
        tasks.lock().unwrap().push(accept.abort_handle());
        Proxy {
            port,
            counts,
            tasks,
        }
    }

    /// Stops accepting and cuts every connection, as a server that went away.
    fn kill(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

/// Consumes the complete frontend messages in `pending`: first the untyped startup
/// message, then `type, length, body` frames.
fn count_messages(pending: &mut Vec<u8>, started: &mut bool, counts: &Counts) {
    loop {
        let (kind, len) = if *started {
            if pending.len() < 5 {
                return;
            }
            let len = u32::from_be_bytes(pending[1..5].try_into().unwrap()) as usize;
            (Some(pending[0]), 1 + len)
        } else {
            if pending.len() < 4 {
                return;
            }
            (
                None,
                u32::from_be_bytes(pending[0..4].try_into().unwrap()) as usize,
            )
        };
        if pending.len() < len {
            return;
        }
        pending.drain(..len);
        *started = true;
        match kind {
            Some(b'E') => counts.statements.fetch_add(1, Ordering::SeqCst),
            Some(b'Q') => {
                counts.queries.fetch_add(1, Ordering::SeqCst);
                counts.statements.fetch_add(1, Ordering::SeqCst)
            }
            Some(b'P') => counts.parses.fetch_add(1, Ordering::SeqCst),
            _ => 0,
        };
    }
}

/// A migrated schema, and an adapter on it whose one connection goes through a proxy.
async fn proxied_adapter() -> (PostgresAdapter, Proxy) {
    proxied_adapter_with(PostgresOptions::new()).await
}

/// [`proxied_adapter`] with `options` (its schema is set here).
async fn proxied_adapter_with(options: PostgresOptions) -> (PostgresAdapter, Proxy) {
    let (_, _, schema) = common::migrated_adapter().await;
    proxied_adapter_on(options.schema(&schema)).await
}

/// An adapter with `options` on a one-connection pool through a new proxy.
async fn proxied_adapter_on(options: PostgresOptions) -> (PostgresAdapter, Proxy) {
    let direct = PgConnectOptions::from_str(&common::database_url()).unwrap();
    let proxy = Proxy::start((direct.get_host().to_owned(), direct.get_port())).await;
    let connect = direct
        .host("127.0.0.1")
        .port(proxy.port)
        .ssl_mode(PgSslMode::Disable); // plaintext, so the proxy can read the frames
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false) // no ping before each call: count only the calls
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(connect)
        .await
        .unwrap();
    let adapter = PostgresAdapter::from_pool(pool, options).unwrap();
    (adapter, proxy)
}

/// The Prisma and Drizzle layouts, prepared and under `transaction_pooler`: an adapter that
/// did not migrate reads the catalog on its first call (once), and from then on every
/// `get_session_and_user` is one statement, with no Parse.
#[tokio::test]
async fn layouts_look_up_a_session_in_one_statement() {
    for layout in [Layout::Prisma, Layout::Drizzle] {
        for simple in [false, true] {
            let (seed, _pool, schema) = common::layouts::migrated(layout, false).await;
            let user = seed
                .create_user(NewUser::with_email("wire@example.com"))
                .await
                .unwrap();
            seed.create_session(common::session_for(&user.id, "wire-layout"))
                .await
                .unwrap();
            let options = PostgresOptions::new()
                .schema(&schema)
                .layout(layout)
                .transaction_pooler(simple);
            let (a, proxy) = proxied_adapter_on(options).await;
            assert!(
                a.get_session_and_user("wire-layout")
                    .await
                    .unwrap()
                    .is_some()
            );
            proxy.counts.take();
            for _ in 0..5 {
                assert!(
                    a.get_session_and_user("wire-layout")
                        .await
                        .unwrap()
                        .is_some()
                );
            }
            assert_eq!(
                proxy.counts.take(),
                (5, 0),
                "{layout:?}, transaction_pooler {simple}: five lookups, five statements"
            );
        }
    }
}

#[tokio::test]
async fn every_call_is_one_prepared_statement() {
    let (a, proxy) = proxied_adapter().await;
    let expires = truncate_to_millis(Utc::now() + TimeDelta::days(1));
    let user = a
        .create_user(NewUser::with_email("wire@example.com"))
        .await
        .unwrap();

    // Runs `call` twice: the first may prepare; the second must be exactly one statement
    // with no Parse (sqlx's per-connection statement cache).
    macro_rules! one_statement {
        ($name:literal, $call:expr) => {{
            let _ = $call;
            proxy.counts.take();
            let _ = $call;
            assert_eq!(proxy.counts.take(), (1, 0), "{} once prepared", $name);
        }};
    }

    for i in 0..2 {
        a.create_session(AdapterSession {
            session_token: format!("wire-token-{i}"),
            user_id: user.id.clone(),
            expires,
        })
        .await
        .unwrap();
    }
    // The first execution on a connection prepares the statement (sqlx: Parse/Describe,
    // then the execution); from then on sqlx's per-connection cache has it.
    assert!(
        a.get_session_and_user("wire-token-0")
            .await
            .unwrap()
            .is_some()
    );
    proxy.counts.take();
    for _ in 0..5 {
        assert!(
            a.get_session_and_user("wire-token-1")
                .await
                .unwrap()
                .is_some()
        );
    }
    assert_eq!(proxy.counts.take(), (5, 0), "five lookups, five statements");

    one_statement!("get_user", a.get_user(&user.id).await.unwrap());
    one_statement!(
        "update_user",
        a.update_user(UserUpdate::new(&user.id).name(Some("W".into())))
            .await
            .unwrap()
    );
    one_statement!(
        "link_account",
        a.link_account(AdapterAccount::new(
            &user.id,
            AccountType::Oauth,
            "wire",
            uuid::Uuid::new_v4().to_string()
        ))
        .await
        .unwrap()
    );
    one_statement!(
        "use_verification_token",
        a.use_verification_token("wire@example.com", "nope")
            .await
            .unwrap()
    );
    one_statement!(
        "create_verification_token",
        a.create_verification_token(VerificationToken {
            identifier: "wire@example.com".into(),
            token: uuid::Uuid::new_v4().to_string(),
            expires,
        })
        .await
        .unwrap()
    );
    one_statement!(
        "delete_expired",
        a.delete_expired(Utc::now()).await.unwrap()
    );

    // authenticate: one statement whether the last use is fresh (a plain SELECT) or due
    // (the same SELECT, whose function records the use on the server).
    let secret = TokenSecret::new("wire secret").unwrap();
    let token = TokenFormat::default().generate();
    a.bind_token(NewTokenBinding::new(&user.id, "users", &token, &secret))
        .await
        .unwrap();
    let hash = secret.hash(&token);
    let t0 = truncate_to_millis(Utc::now());
    let _ = a.authenticate("users", &hash, t0).await.unwrap(); // prepare, records t0
    for (minutes, recorded) in [(0, 0), (1, 1), (1, 1), (3, 3)] {
        proxy.counts.take();
        let at = t0 + TimeDelta::minutes(minutes);
        let (b, _) = a.authenticate("users", &hash, at).await.unwrap().unwrap();
        assert_eq!(
            proxy.counts.take(),
            (1, 0),
            "authenticate at +{minutes} min"
        );
        assert_eq!(b.last_used_at, Some(t0 + TimeDelta::minutes(recorded)));
    }

    // delete_user with sessions and accounts: one statement, the cascades do the rest.
    let _ = a.delete_user("2000000000").await.unwrap(); // prepare
    proxy.counts.take();
    assert!(a.delete_user(&user.id).await.unwrap().is_some());
    assert_eq!(proxy.counts.take(), (1, 0), "delete_user");
    assert_eq!(a.get_session_and_user("wire-token-1").await.unwrap(), None);

    // Impossible ids never reach the server.
    proxy.counts.take();
    assert_eq!(a.get_user("not-a-number").await.unwrap(), None);
    assert_eq!(a.get_session_and_user("").await.unwrap(), None);
    assert_eq!(proxy.counts.take(), (0, 0));
}

#[tokio::test]
async fn under_transaction_pooler_every_call_is_one_simple_query_from_the_first() {
    let (a, proxy) = proxied_adapter_with(PostgresOptions::new().transaction_pooler(true)).await;
    let expires = truncate_to_millis(Utc::now() + TimeDelta::days(1));
    proxy.counts.take();
    proxy.counts.queries.swap(0, Ordering::SeqCst);

    // Each call, the first on this connection included: one simple Query, nothing to
    // prepare, no Execute. So the server keeps no statement after the answer, and a
    // pooler may hand the next call any server connection.
    macro_rules! one_query {
        ($name:literal, $call:expr) => {{
            let _ = $call;
            assert_eq!(proxy.counts.take(), (1, 0), "{}", $name);
            assert_eq!(
                proxy.counts.queries.swap(0, Ordering::SeqCst),
                1,
                "{}",
                $name
            );
        }};
    }

    let user = a
        .create_user(NewUser::with_email("pooled-wire@example.com"))
        .await
        .unwrap();
    proxy.counts.take();
    proxy.counts.queries.swap(0, Ordering::SeqCst);
    one_query!(
        "create_session",
        a.create_session(AdapterSession {
            session_token: "pooled-wire-token".into(),
            user_id: user.id.clone(),
            expires,
        })
        .await
        .unwrap()
    );
    for _ in 0..3 {
        one_query!(
            "get_session_and_user",
            assert!(
                a.get_session_and_user("pooled-wire-token")
                    .await
                    .unwrap()
                    .is_some()
            )
        );
    }
    one_query!("get_user", a.get_user(&user.id).await.unwrap());
    one_query!(
        "update_user",
        a.update_user(UserUpdate::new(&user.id).name(Some("P".into())))
            .await
            .unwrap()
    );
    one_query!(
        "use_verification_token",
        a.use_verification_token("pooled-wire@example.com", "nope")
            .await
            .unwrap()
    );
    one_query!(
        "delete_expired",
        a.delete_expired(Utc::now()).await.unwrap()
    );
    one_query!(
        "delete_sessions_by_user_id",
        a.delete_sessions_by_user_id(&user.id).await.unwrap()
    );
    let secret = TokenSecret::new("wire secret").unwrap();
    let token = TokenFormat::default().generate();
    one_query!(
        "bind_token",
        a.bind_token(NewTokenBinding::new(&user.id, "users", &token, &secret))
            .await
            .unwrap()
    );
    let hash = secret.hash(&token);
    let t0 = truncate_to_millis(Utc::now());
    for (minutes, recorded) in [(0, 0), (0, 0), (2, 2)] {
        let at = t0 + TimeDelta::minutes(minutes);
        one_query!(
            "authenticate",
            assert_eq!(
                a.authenticate("users", &hash, at)
                    .await
                    .unwrap()
                    .unwrap()
                    .0
                    .last_used_at,
                Some(t0 + TimeDelta::minutes(recorded))
            )
        );
    }
    one_query!("delete_user", a.delete_user(&user.id).await.unwrap());
}

#[tokio::test]
async fn losing_the_server_mid_use_is_a_transient_error() {
    let (a, proxy) = proxied_adapter().await;
    assert_eq!(a.get_user("1").await.unwrap(), None);
    proxy.kill();
    let err = a.get_user("1").await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    // Still transient once the pool notices and cannot reconnect.
    let err = a.get_user("1").await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}
