//! The dataset created before a run, and the workloads as adapter calls (`busy_user`'s
//! writers and its rounds are in [`crate::busy_user`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterSession, NewUser, VerificationToken,
    generate_session_token,
};
use chrono::{TimeDelta, Utc};

use crate::BoxError;
use crate::cli::Workload;
use crate::runner::Op;

/// Users and sessions created through the adapter before a run, so every backend's own
/// layout holds them (and the raw drivers and JS adapters read that same layout).
#[derive(Debug, Default)]
pub(crate) struct Dataset {
    pub(crate) user_ids: Vec<String>,
    pub(crate) session_tokens: Vec<String>,
}

impl Dataset {
    /// A random existing session token.
    pub(crate) fn token(&self, rand: u64) -> &str {
        pick(&self.session_tokens, rand)
    }

    /// A random existing user id.
    pub(crate) fn user(&self, rand: u64) -> &str {
        pick(&self.user_ids, rand)
    }

    /// The input file of `interop/bench.mjs`: `{"sessionTokens":[…],"userIds":[…]}`.
    pub(crate) fn to_js_input(&self) -> String {
        serde_json::json!({
            "sessionTokens": self.session_tokens,
            "userIds": self.user_ids,
        })
        .to_string()
    }
}

fn pick(items: &[String], rand: u64) -> &str {
    if items.is_empty() {
        return "";
    }
    let i = usize::try_from(rand % items.len() as u64).unwrap_or(0);
    items.get(i).map_or("", String::as_str)
}

/// Creates `users` users and `sessions` sessions (spread round-robin over the users),
/// 16 calls at a time.
pub(crate) async fn seed(
    adapter: &Arc<dyn Adapter>,
    run_id: &str,
    users: usize,
    sessions: usize,
) -> Result<Dataset, BoxError> {
    const PARALLEL: usize = 16;
    let mut user_ids = Vec::with_capacity(users);
    for chunk_start in (0..users).step_by(PARALLEL) {
        let mut batch = Vec::new();
        for n in chunk_start..(chunk_start + PARALLEL).min(users) {
            let adapter = Arc::clone(adapter);
            let user = NewUser {
                name: Some(format!("Seed User {n}")),
                email: Some(format!("seed-{run_id}-{n}@example.com")),
                email_verified: Some(Utc::now()),
                image: Some("https://example.com/avatar.png".to_owned()),
            };
            batch.push(tokio::spawn(async move { adapter.create_user(user).await }));
        }
        for t in batch {
            user_ids.push(t.await??.id);
        }
    }
    let session_tokens = create_sessions(adapter, sessions, |n| {
        user_ids
            .get(n % user_ids.len().max(1))
            .cloned()
            .unwrap_or_default()
    })
    .await?;
    Ok(Dataset {
        user_ids,
        session_tokens,
    })
}

/// Creates `count` sessions through the adapter, session `n` for user `user_of(n)`,
/// 16 calls at a time; returns their tokens.
/// Now plus `delta` in whole seconds: an `expires` every backend stores as given (the MySQL
/// Drizzle layout keeps sessions' and tokens' `expires` in whole seconds).
fn expires_in(delta: TimeDelta) -> chrono::DateTime<Utc> {
    auth_adapter_core::backend::dates::truncate_to_seconds(Utc::now() + delta)
}

pub(crate) async fn create_sessions(
    adapter: &Arc<dyn Adapter>,
    count: usize,
    user_of: impl Fn(usize) -> String,
) -> Result<Vec<String>, BoxError> {
    const PARALLEL: usize = 16;
    let expires = expires_in(TimeDelta::days(30));
    let mut tokens = Vec::with_capacity(count);
    for chunk_start in (0..count).step_by(PARALLEL) {
        let mut batch = Vec::new();
        for n in chunk_start..(chunk_start + PARALLEL).min(count) {
            let adapter = Arc::clone(adapter);
            let session = AdapterSession {
                session_token: generate_session_token(),
                user_id: user_of(n),
                expires,
            };
            batch.push(tokio::spawn(async move {
                adapter.create_session(session).await
            }));
        }
        for t in batch {
            tokens.push(t.await??.session_token);
        }
    }
    Ok(tokens)
}

/// What each workload needs created beforehand: (users, sessions).
pub(crate) fn dataset_size(workload: Workload, users: usize, sessions: usize) -> (usize, usize) {
    match workload {
        // busy_user's other users, whose sessions its probe looks up (the busy users are
        // created by the workload itself).
        Workload::GetSessionAndUser
        | Workload::BusyUser
        | Workload::Extractor
        | Workload::Notes
        | Workload::HttpSession
        | Workload::Pooler
        | Workload::BoundToken => (users, sessions),
        // Sessions are created for existing users.
        Workload::CreateDeleteSession => (users, 0),
        Workload::SignIn
        | Workload::VerificationToken
        | Workload::JwtDecode
        | Workload::Passwordless
        | Workload::PasswordlessAttack => (0, 0),
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The workload as calls on `adapter`. For `busy_user`, that is its probe: lookups of the
/// other users' sessions (its writers are [`crate::busy_user`]'s); for `extractor`, the bare
/// lookup its axum requests are compared with ([`crate::extractor`]); for `pooler`, the
/// lookup on whichever adapter it is given ([`crate::pooler`]); for `bound_token`, the
/// session row its `authenticate` rows are compared with ([`crate::bound_token`]). `jwt_decode` asks no
/// store ([`crate::jwt_decode`]): it gets the lookup too, and is never run through here;
/// nor are `passwordless` and `passwordless_attack` ([`crate::passwordless`]).
pub(crate) fn adapter_op(
    workload: Workload,
    adapter: Arc<dyn Adapter>,
    data: Arc<Dataset>,
    run_id: &str,
) -> Arc<dyn Op> {
    let counter = AtomicU64::new(0);
    let run_id = run_id.to_owned();
    match workload {
        Workload::GetSessionAndUser
        | Workload::BusyUser
        | Workload::Extractor
        | Workload::Notes
        | Workload::HttpSession
        | Workload::Pooler
        | Workload::BoundToken
        | Workload::JwtDecode
        | Workload::Passwordless
        | Workload::PasswordlessAttack => Arc::new(GetSessionAndUser { adapter, data }),
        Workload::SignIn => Arc::new(SignIn {
            adapter,
            run_id,
            counter,
        }),
        Workload::CreateDeleteSession => Arc::new(CreateDeleteSession { adapter, data }),
        Workload::VerificationToken => Arc::new(UseVerificationToken {
            adapter,
            run_id,
            counter,
        }),
    }
}

struct GetSessionAndUser {
    adapter: Arc<dyn Adapter>,
    data: Arc<Dataset>,
}

#[async_trait]
impl Op for GetSessionAndUser {
    async fn call(&self, rand: u64) -> Result<(), String> {
        match self
            .adapter
            .get_session_and_user(self.data.token(rand))
            .await
        {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err("get_session_and_user: an existing session was not found".into()),
            Err(e) => Err(err(e)),
        }
    }
}

struct SignIn {
    adapter: Arc<dyn Adapter>,
    run_id: String,
    counter: AtomicU64,
}

#[async_trait]
impl Op for SignIn {
    async fn call(&self, _rand: u64) -> Result<(), String> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let user = self
            .adapter
            .create_user(NewUser {
                name: Some("Bench User".to_owned()),
                email: Some(format!("signin-{}-{n}@example.com", self.run_id)),
                email_verified: None,
                image: Some("https://example.com/avatar.png".to_owned()),
            })
            .await
            .map_err(err)?;
        let mut account = AdapterAccount::new(
            user.id.clone(),
            AccountType::Oauth,
            "github",
            format!("{}-{n}", self.run_id),
        );
        account.access_token = Some("gho_benchmarkaccesstoken".to_owned());
        account.token_type = Some("bearer".to_owned());
        account.scope = Some("read:user,user:email".to_owned());
        self.adapter.link_account(account).await.map_err(err)?;
        self.adapter
            .create_session(AdapterSession {
                session_token: generate_session_token(),
                user_id: user.id,
                expires: expires_in(TimeDelta::days(30)),
            })
            .await
            .map_err(err)?;
        Ok(())
    }
}

struct CreateDeleteSession {
    adapter: Arc<dyn Adapter>,
    data: Arc<Dataset>,
}

#[async_trait]
impl Op for CreateDeleteSession {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let session = self
            .adapter
            .create_session(AdapterSession {
                session_token: generate_session_token(),
                user_id: self.data.user(rand).to_owned(),
                expires: expires_in(TimeDelta::days(30)),
            })
            .await
            .map_err(err)?;
        match self.adapter.delete_session(&session.session_token).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err("delete_session: the session just created was not found".into()),
            Err(e) => Err(err(e)),
        }
    }
}

struct UseVerificationToken {
    adapter: Arc<dyn Adapter>,
    run_id: String,
    counter: AtomicU64,
}

#[async_trait]
impl Op for UseVerificationToken {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let identifier = format!("magic-{}-{n}@example.com", self.run_id);
        // Stands in for the hex SHA-256 Auth.js stores: 64 lowercase hex characters.
        let token = format!("{rand:016x}{n:016x}{rand:016x}{n:016x}");
        self.adapter
            .create_verification_token(VerificationToken {
                identifier: identifier.clone(),
                token: token.clone(),
                expires: expires_in(TimeDelta::hours(24)),
            })
            .await
            .map_err(err)?;
        match self
            .adapter
            .use_verification_token(&identifier, &token)
            .await
        {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err("use_verification_token: the token just created was not found".into()),
            Err(e) => Err(err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_adapter_core::MemoryAdapter;

    #[tokio::test]
    async fn every_workload_succeeds_on_the_memory_adapter() {
        let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
        let data = Arc::new(seed(&adapter, "t", 5, 20).await.unwrap());
        assert_eq!((data.user_ids.len(), data.session_tokens.len()), (5, 20));
        for w in Workload::ALL {
            let op = adapter_op(w, Arc::clone(&adapter), Arc::clone(&data), "t");
            for rand in 0..10 {
                op.call(rand)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", w.name()));
            }
        }
    }

    #[tokio::test]
    async fn a_missing_session_is_an_error() {
        let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
        let data = Arc::new(Dataset {
            user_ids: vec![],
            session_tokens: vec!["no-such-token".into()],
        });
        let op = adapter_op(Workload::GetSessionAndUser, adapter, data, "t");
        assert!(op.call(0).await.is_err());
    }

    #[test]
    fn js_input_names_tokens_and_users() {
        let data = Dataset {
            user_ids: vec!["1".into()],
            session_tokens: vec!["a".into(), "b".into()],
        };
        let v: serde_json::Value = serde_json::from_str(&data.to_js_input()).unwrap();
        assert_eq!(v["sessionTokens"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["userIds"][0], "1");
    }
}
