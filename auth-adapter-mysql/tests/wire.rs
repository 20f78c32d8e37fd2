//! What goes over the wire, seen by a proxy between the adapter and the server that counts
//! the client's commands. After the handshake every command starts a packet sequence at
//! 0, and its first payload byte says what it is: `COM_QUERY` (a `BEGIN`, `COMMIT` or
//! `SET` would be one), `COM_STMT_PREPARE`, `COM_STMT_EXECUTE` (a cached statement run:
//! one round trip), `COM_PING`, `COM_STMT_CLOSE` (no answer, so no round trip).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_adapter_core::{Adapter, AdapterSession, NewUser};
use auth_adapter_mysql::{Layout, MySqlAdapter, MySqlOptions};
use chrono::{TimeDelta, Utc};
use sqlx::mysql::MySqlConnectOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const COM_QUERY: u8 = 0x03;
const COM_PING: u8 = 0x0e;
const COM_STMT_PREPARE: u8 = 0x16;
const COM_STMT_EXECUTE: u8 = 0x17;

/// Commands the client sent, by command byte.
type Counts = Arc<Mutex<HashMap<u8, usize>>>;

/// Counts the commands among the whole packets of `pending` and keeps the rest.
fn count_commands(pending: &mut Vec<u8>, counts: &Counts) {
    loop {
        if pending.len() < 4 {
            return;
        }
        let len =
            usize::from(pending[0]) | usize::from(pending[1]) << 8 | usize::from(pending[2]) << 16;
        if pending.len() < 4 + len {
            return;
        }
        if pending[3] == 0 && len > 0 {
            *counts.lock().unwrap().entry(pending[4]).or_default() += 1;
        }
        pending.drain(..4 + len);
    }
}

/// A TCP proxy to the server at `upstream`, counting what the client says; its port.
async fn proxy(upstream: (String, u16), counts: Counts) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (client, _) = listener.accept().await.unwrap();
            let server = TcpStream::connect((upstream.0.as_str(), upstream.1))
                .await
                .unwrap();
            let (mut client_rx, mut client_tx) = client.into_split();
            let (mut server_rx, mut server_tx) = server.into_split();
            let counts = counts.clone();
            tokio::spawn(async move {
                let mut pending = Vec::new();
                let mut buf = [0u8; 8192];
                loop {
                    let n = client_rx.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    pending.extend_from_slice(&buf[..n]);
                    count_commands(&mut pending, &counts);
                    if server_tx.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut server_rx, &mut client_tx).await;
            });
        }
    });
    port
}

fn take(counts: &Counts) -> HashMap<u8, usize> {
    std::mem::take(&mut *counts.lock().unwrap())
}

/// `get_session_and_user` is one `COM_STMT_EXECUTE` and nothing else in front of the
/// answer: no transaction, no ping, no prepare once the statement is cached, on both
/// layouts, for a token that exists and one that does not.
#[tokio::test]
async fn the_per_request_path_is_one_round_trip() {
    for layout in [Layout::Prisma, Layout::Drizzle] {
        let url = common::fresh_database().await;
        let options = MySqlConnectOptions::from_str(&url).unwrap();
        let counts = Counts::default();
        let port = proxy(
            (options.get_host().to_owned(), options.get_port()),
            counts.clone(),
        )
        .await;
        // MYSQL_URL's user and password, the proxy's address, no TLS (the proxy reads).
        let authority_start = url.find("://").unwrap() + 3;
        let authority_end = authority_start + url[authority_start..].find('/').unwrap();
        let credentials = url[authority_start..authority_end]
            .rsplit_once('@')
            .map_or(String::new(), |(c, _)| format!("{c}@"));
        let proxied = format!(
            "mysql://{credentials}127.0.0.1:{port}/{}?ssl-mode=disabled",
            options.get_database().unwrap()
        );
        let adapter = MySqlAdapter::connect(
            &proxied,
            MySqlOptions::new().layout(layout).max_connections(1),
        )
        .await
        .unwrap();
        adapter.migrate().await.unwrap();
        let user = adapter
            .create_user(NewUser::with_email("wire@example.com"))
            .await
            .unwrap();
        let session = adapter
            .create_session(AdapterSession {
                session_token: "wire-token".into(),
                user_id: user.id.clone(),
                expires: chrono::DateTime::from_timestamp(
                    (Utc::now() + TimeDelta::days(1)).timestamp(),
                    0,
                )
                .unwrap(),
            })
            .await
            .unwrap();
        // Prepare and cache both shapes of the statement's use.
        adapter.get_session_and_user("wire-token").await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        take(&counts);

        for token in ["wire-token", "no-such-token"] {
            let found = adapter.get_session_and_user(token).await.unwrap();
            // Counted when the answer is in: what is sent later (a ping when the pool
            // takes the connection back) is after the caller has its answer.
            let sent = take(&counts);
            assert_eq!(
                sent.get(&COM_STMT_EXECUTE),
                Some(&1),
                "{layout:?}: {sent:?}"
            );
            for command in [COM_QUERY, COM_STMT_PREPARE, COM_PING] {
                assert_eq!(sent.get(&command), None, "{layout:?}: {sent:?}");
            }
            assert_eq!(found.is_some(), token == "wire-token");
            if let Some((s, u)) = found {
                assert_eq!((s, u), (session.clone(), user.clone()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            take(&counts);
        }
    }
}
