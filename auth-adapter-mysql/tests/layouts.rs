//! What is particular to each layout, beyond the conformance suite: the column widths the
//! adapter refuses to overflow, the Prisma bookkeeping columns it writes, exact keys under
//! the collation `migrate` picks, `migrate` itself, and single use under 64 callers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use auth_adapter_core::{
    AccountType, AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession,
    NewUser, UserUpdate, VerificationToken,
};
use auth_adapter_mysql::{Layout, MySqlAdapter, MySqlOptions};
use auth_adapter_tests::fixtures;
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::Row;
use tokio::sync::Barrier;

const LAYOUTS: [Layout; 2] = [Layout::Prisma, Layout::Drizzle];

fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap()
}

/// The width of every text column the layout narrows, one over it, on every write that
/// stores it: `InvalidInput` naming the field, nothing stored or changed.
#[tokio::test]
async fn values_a_column_cannot_hold_are_invalid_and_nothing_is_stored() {
    for layout in LAYOUTS {
        let (adapter, _) = common::migrated_adapter(layout).await;
        let varchar = match layout {
            Layout::Prisma => 191,
            _ => 255,
        };
        let over = "x".repeat(varchar + 1);
        let at = "x".repeat(varchar);
        let shared: Arc<dyn Adapter> = Arc::new(adapter.clone());
        let user = fixtures::create_user(&shared).await;

        // Users: name, email, image.
        for (field, new) in [
            (
                "name",
                NewUser {
                    name: Some(over.clone()),
                    ..NewUser::with_email(fixtures::unique_email())
                },
            ),
            (
                "image",
                NewUser {
                    image: Some(over.clone()),
                    ..NewUser::with_email(fixtures::unique_email())
                },
            ),
        ] {
            let e = adapter.create_user(new.clone()).await.unwrap_err();
            assert!(
                e.is_invalid_input() && e.to_string().contains(field),
                "{layout:?} {field}: {e}"
            );
            let email = new.email.unwrap();
            assert_eq!(adapter.get_user_by_email(&email).await.unwrap(), None);
        }
        let e = adapter
            .update_user(UserUpdate::new(&user.id).image(Some(over.clone())))
            .await
            .unwrap_err();
        assert!(e.is_invalid_input(), "{e}");
        assert_eq!(
            adapter.get_user(&user.id).await.unwrap(),
            Some(user.clone())
        );
        let fits = adapter
            .create_user(NewUser {
                image: Some(at.clone()),
                ..NewUser::with_email(fixtures::unique_email())
            })
            .await
            .unwrap();
        assert_eq!(adapter.get_user(&fits.id).await.unwrap(), Some(fits));

        // Accounts: the VARCHAR columns, and the tokens where they are narrow.
        let base = fixtures::account(&user.id);
        let mut rejects = vec![
            (
                "scope",
                AdapterAccount {
                    scope: Some(over.clone()),
                    ..base.clone()
                },
            ),
            (
                "token_type",
                AdapterAccount {
                    token_type: Some(over.clone()),
                    ..base.clone()
                },
            ),
            (
                "session_state",
                AdapterAccount {
                    session_state: Some(over.clone()),
                    ..base.clone()
                },
            ),
            (
                "expires_at",
                AdapterAccount {
                    expires_at: Some(i64::from(i32::MAX) + 1),
                    ..base.clone()
                },
            ),
        ];
        match layout {
            Layout::Drizzle => {
                rejects.push((
                    "access_token",
                    AdapterAccount {
                        access_token: Some("t".repeat(256)),
                        ..base.clone()
                    },
                ));
                rejects.push((
                    "refresh_token",
                    AdapterAccount {
                        refresh_token: Some("t".repeat(256)),
                        ..base.clone()
                    },
                ));
                rejects.push((
                    "id_token",
                    AdapterAccount {
                        id_token: Some("t".repeat(2049)),
                        ..base.clone()
                    },
                ));
            }
            _ => {
                rejects.push((
                    "access_token",
                    AdapterAccount {
                        access_token: Some("t".repeat(65_536)),
                        ..base.clone()
                    },
                ));
            }
        }
        for (field, account) in rejects {
            let e = adapter.link_account(account.clone()).await.unwrap_err();
            assert!(
                e.is_invalid_input() && e.to_string().contains(field),
                "{layout:?} {field}: {e}"
            );
            assert_eq!(
                adapter
                    .get_account(&account.provider, &account.provider_account_id)
                    .await
                    .unwrap(),
                None
            );
        }
        // At the widths, tokens round-trip (a JWT id token of 2048 characters in Drizzle,
        // 60 000-byte tokens in Prisma's TEXT).
        let long = match layout {
            Layout::Drizzle => 255,
            _ => 60_000,
        };
        let full = AdapterAccount {
            access_token: Some("a".repeat(long)),
            refresh_token: Some("r".repeat(long)),
            id_token: Some("i".repeat(if layout == Layout::Drizzle {
                2048
            } else {
                long
            })),
            scope: Some(at.clone()),
            ..base.clone()
        };
        assert_eq!(adapter.link_account(full.clone()).await.unwrap(), full);
        assert_eq!(
            adapter
                .get_account(&full.provider, &full.provider_account_id)
                .await
                .unwrap(),
            Some(full.clone())
        );
        let e = adapter
            .update_account(
                AccountUpdate::new(&full.provider, &full.provider_account_id)
                    .scope(Some(over.clone())),
            )
            .await
            .unwrap_err();
        assert!(e.is_invalid_input(), "{e}");
        assert_eq!(
            adapter
                .get_account(&full.provider, &full.provider_account_id)
                .await
                .unwrap(),
            Some(full)
        );

        // Authenticators: every VARCHAR column, and the INT counter.
        let a = fixtures::authenticator(&user.id, None);
        for (field, bad) in [
            (
                "credentialPublicKey",
                AdapterAuthenticator {
                    credential_public_key: over.clone(),
                    ..a.clone()
                },
            ),
            (
                "credentialDeviceType",
                AdapterAuthenticator {
                    credential_device_type: over.clone(),
                    ..a.clone()
                },
            ),
            (
                "transports",
                AdapterAuthenticator {
                    transports: Some(over.clone()),
                    ..a.clone()
                },
            ),
            (
                "providerAccountId",
                AdapterAuthenticator {
                    provider_account_id: over.clone(),
                    ..a.clone()
                },
            ),
            (
                "counter",
                AdapterAuthenticator {
                    counter: u32::MAX,
                    ..a.clone()
                },
            ),
        ] {
            let e = adapter.create_authenticator(bad).await.unwrap_err();
            assert!(
                e.is_invalid_input() && e.to_string().contains(field),
                "{layout:?} {field}: {e}"
            );
        }
        assert_eq!(
            adapter.get_authenticator(&a.credential_id).await.unwrap(),
            None
        );

        // A user id longer than the id column names no user.
        let e = adapter
            .create_session(AdapterSession {
                user_id: over.clone(),
                ..fixtures::session(&user.id)
            })
            .await
            .unwrap_err();
        assert!(e.is_not_found(), "{e}");
    }
}

/// Drizzle's `TIMESTAMP` expires hold whole seconds from 1970 to 2038: a fraction of a
/// second or a later date is `InvalidInput`; Prisma's `DATETIME(3)` keeps milliseconds.
#[tokio::test]
async fn expires_precision_and_range_follow_the_columns() {
    for layout in LAYOUTS {
        let (adapter, _) = common::migrated_adapter(layout).await;
        let user = adapter
            .create_user(NewUser::with_email(fixtures::unique_email()))
            .await
            .unwrap();
        let with_ms = whole_seconds(Utc::now() + TimeDelta::days(1)) + TimeDelta::milliseconds(250);
        let session = AdapterSession {
            expires: with_ms,
            ..fixtures::session(&user.id)
        };
        let token = VerificationToken {
            expires: with_ms,
            ..fixtures::verification_token(&fixtures::unique_email())
        };
        let created = adapter.create_session(session.clone()).await;
        let created_token = adapter.create_verification_token(token.clone()).await;
        match layout {
            Layout::Drizzle => {
                for e in [created.unwrap_err(), created_token.unwrap_err()] {
                    assert!(
                        e.is_invalid_input() && e.to_string().contains("whole seconds"),
                        "{e}"
                    );
                }
                assert_eq!(
                    adapter
                        .get_session_and_user(&session.session_token)
                        .await
                        .unwrap(),
                    None
                );
                let late = AdapterSession {
                    expires: "2038-01-19T03:14:08Z".parse().unwrap(),
                    ..fixtures::session(&user.id)
                };
                let e = adapter.create_session(late).await.unwrap_err();
                assert!(
                    e.is_invalid_input() && e.to_string().contains("2038"),
                    "{e}"
                );
                // emailVerified is TIMESTAMP(3): milliseconds stay.
                let verified = adapter
                    .update_user(UserUpdate::new(&user.id).email_verified(Some(with_ms)))
                    .await
                    .unwrap();
                assert_eq!(verified.email_verified, Some(with_ms));
            }
            _ => {
                assert_eq!(created.unwrap(), session);
                assert_eq!(created_token.unwrap(), token);
                let (stored, _) = adapter
                    .get_session_and_user(&session.session_token)
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(stored.expires, with_ms);
                let far = AdapterSession {
                    expires: "9999-12-31T23:59:59.999Z".parse().unwrap(),
                    ..fixtures::session(&user.id)
                };
                assert_eq!(adapter.create_session(far.clone()).await.unwrap(), far);
            }
        }
    }
}

/// What the sign-in crates write fits every layout: a session created and extended with
/// `SessionPolicy` expiries (whole seconds, as the axum crate's sign-in and the
/// passwordless service make them) is stored and read back exactly, Drizzle included.
#[tokio::test]
async fn sessions_with_policy_expiries_fit_every_layout() {
    use auth_adapter_core::{SessionCheck, SessionPolicy, SessionUpdate};
    let policy = SessionPolicy::default();
    for layout in LAYOUTS {
        let (adapter, _) = common::migrated_adapter(layout).await;
        let user = adapter
            .create_user(NewUser::with_email(fixtures::unique_email()))
            .await
            .unwrap();
        // A moment that has a fraction of a second, as `Utc::now()` nearly always has.
        let now = whole_seconds(Utc::now()) + TimeDelta::milliseconds(731);
        let session = AdapterSession {
            expires: policy.expires_from(now),
            ..fixtures::session(&user.id)
        };
        let created = adapter.create_session(session.clone()).await.unwrap();
        assert_eq!(created.expires, session.expires, "{}", layout.name());
        // Extended a day later, as the extractor does when the session is due.
        let later = now + TimeDelta::hours(25);
        let SessionCheck::Extend { expires } = policy.check(created.expires, later) else {
            panic!("a session 25 hours old is due for extension");
        };
        let updated = adapter
            .update_session(SessionUpdate::new(&session.session_token, expires))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(updated.expires, expires, "{}", layout.name());
        let (read, _) = adapter
            .get_session_and_user(&session.session_token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.expires, expires, "{}", layout.name());
    }
}

/// The Prisma layout's bookkeeping, as Prisma Client would write it: a cuid `id` on
/// users, accounts and sessions, `updatedAt` on every write, `createdAt` by default.
#[tokio::test]
async fn prisma_rows_get_ids_and_timestamps() {
    let (adapter, _) = common::migrated_adapter(Layout::Prisma).await;
    let before = Utc::now() - TimeDelta::seconds(5);
    let user = adapter
        .create_user(NewUser::with_email(fixtures::unique_email()))
        .await
        .unwrap();
    assert!(
        user.id.starts_with('c') && user.id.len() == 25,
        "{}",
        user.id
    );
    adapter
        .link_account(fixtures::account(&user.id))
        .await
        .unwrap();
    let session = adapter
        .create_session(fixtures::session(&user.id))
        .await
        .unwrap();
    for (table, column, value) in [
        ("User", "id", user.id.clone()),
        ("Account", "userId", user.id.clone()),
        ("Session", "sessionToken", session.session_token.clone()),
    ] {
        let sql =
            format!("SELECT `id`, `createdAt`, `updatedAt` FROM `{table}` WHERE `{column}` = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&value)
            .fetch_one(adapter.pool())
            .await
            .unwrap();
        let id: String = row.get(0);
        let created: DateTime<Utc> = row.get(1);
        let updated: DateTime<Utc> = row.get(2);
        assert!(id.starts_with('c') && id.len() == 25, "{table}.id {id}");
        assert!(
            created >= before && updated >= before,
            "{table}: {created} {updated}"
        );
    }
}

/// Keys compare exactly, as on every other backend: case, accents and trailing spaces
/// make different keys under the collation `migrate` picks.
#[tokio::test]
async fn keys_are_exact_under_the_tables_collation() {
    for layout in LAYOUTS {
        let (adapter, _) = common::migrated_adapter(layout).await;
        let tag = fixtures::uuid();
        let emails = [
            format!("ada{tag}@x.io"),
            format!("Ada{tag}@x.io"),
            format!("ada{tag}@x.io "),
            format!("adà{tag}@x.io"),
        ];
        let mut users = Vec::new();
        for email in &emails {
            users.push(
                adapter
                    .create_user(NewUser::with_email(email))
                    .await
                    .unwrap(),
            );
        }
        for (email, user) in emails.iter().zip(&users) {
            assert_eq!(
                adapter.get_user_by_email(email).await.unwrap().as_ref(),
                Some(user),
                "{layout:?} {email:?}"
            );
        }
        let session = adapter
            .create_session(AdapterSession {
                session_token: format!("tok{tag}"),
                ..fixtures::session(&users[0].id)
            })
            .await
            .unwrap();
        for other in [format!("TOK{tag}"), format!("tok{tag} ")] {
            assert_eq!(
                adapter.get_session_and_user(&other).await.unwrap(),
                None,
                "{other:?}"
            );
        }
        assert!(
            adapter
                .get_session_and_user(&session.session_token)
                .await
                .unwrap()
                .is_some()
        );
    }
}

/// `migrate` creates every table once; a second run changes nothing; a table of the
/// layout's name without its columns is `Unsupported`, and nothing is created.
#[tokio::test]
async fn migrate_is_idempotent_and_refuses_foreign_tables() {
    for layout in LAYOUTS {
        let (adapter, url) = common::unmigrated_adapter(layout).await;
        let first = adapter.migrate().await.unwrap();
        assert_eq!(first.created_tables.len(), 6, "{first:?}");
        assert!(adapter.migrate().await.unwrap().is_noop());

        let (other, other_url) = common::unmigrated_adapter(layout).await;
        let sessions = match layout {
            Layout::Prisma => "Session",
            _ => "session",
        };
        let pool = common::pool(&other_url).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE `{sessions}` (`id` INT PRIMARY KEY)"
        )))
        .execute(&pool)
        .await
        .unwrap();
        let e = other.migrate().await.unwrap_err();
        assert!(e.to_string().contains("sessionToken"), "{e}");
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(tables, 1, "migrate created tables beside a foreign one");
        drop(url);
    }
}

/// Of 64 callers using one verification token at once, each on its own connection (so
/// the server really sees 64 transactions race), exactly one gets it; three rounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_of_64_concurrent_uses_gets_the_token() {
    const CALLERS: usize = 64;
    for layout in LAYOUTS {
        let (migrated, url) = common::migrated_adapter(layout).await;
        drop(migrated);
        let adapter: Arc<dyn Adapter> = Arc::new(
            MySqlAdapter::connect(
                &url,
                MySqlOptions::new()
                    .layout(layout)
                    .max_connections(CALLERS as u32)
                    .acquire_timeout(Duration::from_secs(30)),
            )
            .await
            .unwrap(),
        );
        for _ in 0..3 {
            let token = fixtures::verification_token(&fixtures::unique_email());
            adapter
                .create_verification_token(token.clone())
                .await
                .unwrap();
            let barrier = Arc::new(Barrier::new(CALLERS));
            let mut tasks = Vec::new();
            for _ in 0..CALLERS {
                let (adapter, barrier, token) = (adapter.clone(), barrier.clone(), token.clone());
                tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    adapter
                        .use_verification_token(&token.identifier, &token.token)
                        .await
                }));
            }
            let mut winners = 0;
            for task in tasks {
                if let Some(got) = task.await.unwrap().expect("use_verification_token failed") {
                    assert_eq!(got, token);
                    winners += 1;
                }
            }
            assert_eq!(
                winners, 1,
                "{layout:?}: {winners} of {CALLERS} callers got the token"
            );
        }
    }
}

/// A second account of a user is `Conflict` in the Prisma layout (its docs schema's
/// unique `Account.userId`), saying so; the Drizzle layout links several.
#[tokio::test]
async fn one_account_per_user_is_a_prisma_layout_limit() {
    for layout in LAYOUTS {
        let (adapter, _) = common::migrated_adapter(layout).await;
        let user = adapter
            .create_user(NewUser::with_email(fixtures::unique_email()))
            .await
            .unwrap();
        adapter
            .link_account(fixtures::account(&user.id))
            .await
            .unwrap();
        let second = AdapterAccount::new(&user.id, AccountType::Oidc, "google", fixtures::uuid());
        let linked = adapter.link_account(second.clone()).await;
        match layout {
            Layout::Prisma => {
                let e = linked.unwrap_err();
                assert!(
                    e.is_conflict() && e.to_string().contains("one account"),
                    "{e}"
                );
                assert_eq!(
                    adapter
                        .get_account("google", &second.provider_account_id)
                        .await
                        .unwrap(),
                    None
                );
            }
            _ => assert_eq!(linked.unwrap(), second),
        }
    }
}
