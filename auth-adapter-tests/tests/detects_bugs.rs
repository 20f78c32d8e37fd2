//! The suite can fail: `MemoryAdapter` with one deliberate bug at a time must be caught by
//! the model check and by the case written for that behaviour.

// Test helpers outside `#[test]` functions: failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use auth_adapter_core::backend::{last_use_is_due, validate};
use auth_adapter_core::chrono::{DateTime, TimeDelta, Utc};
use auth_adapter_core::{
    AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterError, AdapterSession,
    AdapterUser, Entity, ExpiredCount, MemoryAdapter, NewTokenBinding, NewUser, Result,
    SessionUpdate, TokenBinding, TokenHash, TokenStore, UserUpdate, VerificationToken, async_trait,
};
use auth_adapter_tests::{
    ModelConfig, TokenBackend, cases, run_model_check_with, run_token_model_check_with,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bug {
    /// `use_verification_token` returns the token but leaves it usable.
    ReusableToken,
    /// `get_user` fails on an id that is not a UUID (as an uncareful SQL backend would).
    IdParseError,
    /// `update_session` returns the row as it was before the update.
    UpdateSessionReturnsOld,
    /// `delete_expired` also deletes what expires exactly at `now`.
    DeleteExpiredInclusive,
    /// `update_authenticator_counter` answers the new counter but does not store it.
    CounterNotStored,
    /// `list_authenticators_by_user_id` returns at most one authenticator.
    ListTruncated,
    /// A duplicate account is reported as a backend error, not `Conflict`.
    ConflictAsBackendError,
    /// `get_user_by_email` reads a separate index that `update_user` forgets to move (the
    /// classic key-value store bug).
    StaleEmailIndex,
    // The TokenStore's (the mutant keeps bound tokens in a list of its own).
    /// Binding a bound token moves it to the new user (BosBase's upsert).
    BindMovesToken,
    /// Every authenticate writes the last use (no throttle).
    LastUseEveryTime,
    /// A token still authenticates at exactly its `expires`.
    ExpiryExclusive,
    /// `authenticate` ignores the realm.
    RealmIgnored,
    /// `delete_user` leaves the user's tokens.
    DeleteUserLeavesTokens,
    /// `revoke_token` revokes another user's token.
    RevokeIgnoresUser,
}

#[derive(Debug)]
struct Mutant {
    inner: MemoryAdapter,
    bug: Bug,
    /// email → user id, kept by create/delete only (used by `StaleEmailIndex`).
    email_index: Mutex<HashMap<String, String>>,
    /// Bound tokens, with their hash.
    tokens: Mutex<Vec<(TokenBinding, String)>>,
}

impl Mutant {
    fn index(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.email_index.lock().unwrap()
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, Vec<(TokenBinding, String)>> {
        self.tokens.lock().unwrap()
    }
}

/// A plain TokenStore (over the inner adapter's users), with the token bugs.
#[async_trait]
impl TokenStore for Mutant {
    async fn bind_token(&self, new: NewTokenBinding) -> Result<TokenBinding> {
        validate::token_binding(&new)?;
        if self.inner.get_user(&new.user_id).await?.is_none() {
            return Err(AdapterError::not_found(Entity::User));
        }
        let hash = new.token_hash.as_hex().to_owned();
        let mut tokens = self.tokens();
        let taken = tokens
            .iter()
            .position(|(b, h)| b.realm == new.realm && *h == hash);
        if let Some(i) = taken {
            if self.bug != Bug::BindMovesToken {
                return Err(AdapterError::key_taken(Entity::BoundToken));
            }
            tokens.remove(i);
        }
        let bound = TokenBinding {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: new.user_id,
            realm: new.realm,
            name: new.name,
            display_prefix: new.display_prefix,
            scopes: new.scopes,
            created_at: new.created_at,
            last_used_at: None,
            expires: new.expires,
        };
        tokens.push((bound.clone(), hash));
        Ok(bound)
    }
    async fn authenticate(
        &self,
        realm: &str,
        hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenBinding, AdapterUser)>> {
        let found = {
            let mut tokens = self.tokens();
            let hit = tokens.iter_mut().find(|(b, h)| {
                h == hash.as_hex() && (b.realm == realm || self.bug == Bug::RealmIgnored)
            });
            let Some((b, _)) = hit else { return Ok(None) };
            let expired = match (b.expires, self.bug) {
                (Some(e), Bug::ExpiryExclusive) => e < now,
                (Some(e), _) => e <= now,
                (None, _) => false,
            };
            if expired {
                return Ok(None);
            }
            if last_use_is_due(b.last_used_at, now) || self.bug == Bug::LastUseEveryTime {
                b.last_used_at = Some(now);
            }
            b.clone()
        };
        let user = self.inner.get_user(&found.user_id).await?;
        Ok(user.map(|u| (found, u)))
    }
    async fn list_tokens(&self, user_id: &str) -> Result<Vec<TokenBinding>> {
        let mut list: Vec<TokenBinding> = self
            .tokens()
            .iter()
            .filter(|(b, _)| b.user_id == user_id)
            .map(|(b, _)| b.clone())
            .collect();
        list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(list)
    }
    async fn revoke_token(&self, user_id: &str, id: &str) -> Result<Option<TokenBinding>> {
        let mut tokens = self.tokens();
        let i = tokens.iter().position(|(b, _)| {
            b.id == id && (b.user_id == user_id || self.bug == Bug::RevokeIgnoresUser)
        });
        Ok(i.map(|i| tokens.remove(i).0))
    }
    async fn revoke_all_tokens(&self, user_id: &str) -> Result<u64> {
        let mut tokens = self.tokens();
        let before = tokens.len();
        tokens.retain(|(b, _)| b.user_id != user_id);
        Ok((before - tokens.len()) as u64)
    }
    async fn purge_expired_tokens(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut tokens = self.tokens();
        let before = tokens.len();
        tokens.retain(|(b, _)| !b.is_expired(now));
        Ok((before - tokens.len()) as u64)
    }
}

#[async_trait]
impl Adapter for Mutant {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser> {
        let created = self.inner.create_user(user).await?;
        if let Some(email) = &created.email {
            self.index().insert(email.clone(), created.id.clone());
        }
        Ok(created)
    }
    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        if self.bug == Bug::IdParseError && uuid::Uuid::parse_str(id).is_err() {
            let cause = std::io::Error::other("invalid input syntax for type uuid");
            return Err(AdapterError::backend("get_user failed", cause));
        }
        self.inner.get_user(id).await
    }
    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>> {
        if self.bug == Bug::StaleEmailIndex {
            let id = self.index().get(email).cloned();
            return match id {
                Some(id) => self.inner.get_user(&id).await,
                None => Ok(None),
            };
        }
        self.inner.get_user_by_email(email).await
    }
    async fn get_user_by_account(&self, p: &str, id: &str) -> Result<Option<AdapterUser>> {
        self.inner.get_user_by_account(p, id).await
    }
    async fn update_user(&self, update: UserUpdate) -> Result<AdapterUser> {
        self.inner.update_user(update).await
    }
    async fn delete_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        let deleted = self.inner.delete_user(id).await?;
        if deleted.is_some() && self.bug != Bug::DeleteUserLeavesTokens {
            self.tokens().retain(|(b, _)| b.user_id != id);
        }
        if let Some(email) = deleted.as_ref().and_then(|u| u.email.as_ref()) {
            self.index().remove(email);
        }
        Ok(deleted)
    }
    async fn link_account(&self, account: AdapterAccount) -> Result<AdapterAccount> {
        match self.inner.link_account(account).await {
            Err(e) if e.is_conflict() && self.bug == Bug::ConflictAsBackendError => Err(
                AdapterError::backend("duplicate key", std::io::Error::other("unique violation")),
            ),
            other => other,
        }
    }
    async fn unlink_account(&self, p: &str, id: &str) -> Result<Option<AdapterAccount>> {
        self.inner.unlink_account(p, id).await
    }
    async fn get_account(&self, p: &str, id: &str) -> Result<Option<AdapterAccount>> {
        self.inner.get_account(p, id).await
    }
    async fn update_account(&self, update: AccountUpdate) -> Result<AdapterAccount> {
        self.inner.update_account(update).await
    }
    async fn create_session(&self, session: AdapterSession) -> Result<AdapterSession> {
        self.inner.create_session(session).await
    }
    async fn get_session_and_user(
        &self,
        token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>> {
        self.inner.get_session_and_user(token).await
    }
    async fn update_session(&self, update: SessionUpdate) -> Result<Option<AdapterSession>> {
        let before = self
            .inner
            .get_session_and_user(&update.session_token)
            .await?;
        let after = self.inner.update_session(update).await?;
        if self.bug == Bug::UpdateSessionReturnsOld {
            return Ok(before.map(|(s, _)| s));
        }
        Ok(after)
    }
    async fn delete_session(&self, token: &str) -> Result<Option<AdapterSession>> {
        self.inner.delete_session(token).await
    }
    async fn delete_sessions_by_user_id(&self, user_id: &str) -> Result<u64> {
        self.inner.delete_sessions_by_user_id(user_id).await
    }
    async fn create_verification_token(&self, t: VerificationToken) -> Result<VerificationToken> {
        self.inner.create_verification_token(t).await
    }
    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>> {
        let used = self.inner.use_verification_token(identifier, token).await?;
        if let Some(t) = &used
            && self.bug == Bug::ReusableToken
        {
            self.inner.create_verification_token(t.clone()).await?;
        }
        Ok(used)
    }
    async fn create_authenticator(&self, a: AdapterAuthenticator) -> Result<AdapterAuthenticator> {
        self.inner.create_authenticator(a).await
    }
    async fn get_authenticator(&self, id: &str) -> Result<Option<AdapterAuthenticator>> {
        self.inner.get_authenticator(id).await
    }
    async fn list_authenticators_by_user_id(
        &self,
        user_id: &str,
    ) -> Result<Vec<AdapterAuthenticator>> {
        let mut list = self.inner.list_authenticators_by_user_id(user_id).await?;
        if self.bug == Bug::ListTruncated {
            list.truncate(1);
        }
        Ok(list)
    }
    async fn update_authenticator_counter(
        &self,
        id: &str,
        counter: u32,
    ) -> Result<AdapterAuthenticator> {
        if self.bug == Bug::CounterNotStored {
            let mut current =
                self.inner
                    .get_authenticator(id)
                    .await?
                    .ok_or(AdapterError::not_found(
                        auth_adapter_core::Entity::Authenticator,
                    ))?;
            current.counter = counter;
            return Ok(current);
        }
        self.inner.update_authenticator_counter(id, counter).await
    }
    async fn delete_expired(&self, now: DateTime<Utc>) -> Result<ExpiredCount> {
        let now = if self.bug == Bug::DeleteExpiredInclusive {
            now + TimeDelta::milliseconds(1)
        } else {
            now
        };
        self.inner.delete_expired(now).await
    }
}

fn new_mutant(bug: Bug) -> Mutant {
    Mutant {
        inner: MemoryAdapter::new(),
        bug,
        email_index: Mutex::default(),
        tokens: Mutex::default(),
    }
}

fn mutant(bug: Bug) -> Arc<dyn Adapter> {
    Arc::new(new_mutant(bug))
}

fn token_mutant(bug: Bug) -> Arc<dyn TokenBackend> {
    Arc::new(new_mutant(bug))
}

const TOKEN_BUGS: [Bug; 6] = [
    Bug::BindMovesToken,
    Bug::LastUseEveryTime,
    Bug::ExpiryExclusive,
    Bug::RealmIgnored,
    Bug::DeleteUserLeavesTokens,
    Bug::RevokeIgnoresUser,
];

#[test]
fn the_token_model_check_passes_the_bug_free_mutant_and_catches_each_bug() {
    run_token_model_check_with(ModelConfig::default(), || async {
        token_mutant(Bug::ReusableToken)
    });
    for bug in TOKEN_BUGS {
        let message = panics(|| {
            let config = ModelConfig {
                cases: 256,
                ..ModelConfig::default()
            };
            run_token_model_check_with(config, || async move { token_mutant(bug) });
        })
        .unwrap_or_else(|| panic!("the token model check missed {bug:?}"));
        assert!(
            message.contains("model check failed") && message.contains("Shrunk sequence"),
            "unexpected failure report for {bug:?}: {message}"
        );
    }
}

async fn token_case_catches<F, Fut>(bug: Bug, case: F)
where
    F: FnOnce(Arc<dyn TokenBackend>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let outcome = tokio::spawn(case(token_mutant(bug))).await;
    assert!(outcome.is_err(), "the case written for it missed {bug:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_cases_catch_each_bug() {
    use cases::bound_tokens as t;
    // The mutant without a token bug passes them.
    let clean = || token_mutant(Bug::ReusableToken);
    t::binding_a_bound_token_is_conflict_and_never_moves_it(clean()).await;
    t::last_use_is_written_at_most_once_a_minute(clean()).await;
    t::expired_tokens_never_authenticate(clean()).await;
    t::realms_are_isolated(clean()).await;
    t::delete_user_removes_its_tokens(clean()).await;
    t::revoke_token_is_scoped_to_its_user(clean()).await;
    token_case_catches(
        Bug::BindMovesToken,
        t::binding_a_bound_token_is_conflict_and_never_moves_it,
    )
    .await;
    token_case_catches(
        Bug::LastUseEveryTime,
        t::last_use_is_written_at_most_once_a_minute,
    )
    .await;
    token_case_catches(Bug::ExpiryExclusive, t::expired_tokens_never_authenticate).await;
    token_case_catches(Bug::RealmIgnored, t::realms_are_isolated).await;
    token_case_catches(
        Bug::DeleteUserLeavesTokens,
        t::delete_user_removes_its_tokens,
    )
    .await;
    token_case_catches(
        Bug::RevokeIgnoresUser,
        t::revoke_token_is_scoped_to_its_user,
    )
    .await;
}

fn panics(f: impl FnOnce()) -> Option<String> {
    let err = catch_unwind(AssertUnwindSafe(f)).err()?;
    Some(
        err.downcast_ref::<String>()
            .cloned()
            .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default(),
    )
}

fn model_check_catches(bug: Bug) {
    let message = panics(|| {
        // Four times the default, so that this test does not depend on luck; the default
        // (64 sequences) catches each of these bugs too, nearly always.
        let config = ModelConfig {
            cases: 256,
            ..ModelConfig::default()
        };
        run_model_check_with(config, || async move { mutant(bug) });
    })
    .unwrap_or_else(|| panic!("the model check missed {bug:?}"));
    assert!(
        message.contains("model check failed") && message.contains("Shrunk sequence"),
        "unexpected failure report for {bug:?}: {message}"
    );
}

async fn case_catches<F, Fut>(bug: Bug, case: F)
where
    F: FnOnce(Arc<dyn Adapter>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let outcome = tokio::spawn(case(mutant(bug))).await;
    assert!(outcome.is_err(), "the case written for it missed {bug:?}");
}

#[test]
fn model_check_catches_each_bug() {
    for bug in [
        Bug::ReusableToken,
        Bug::IdParseError,
        Bug::UpdateSessionReturnsOld,
        Bug::DeleteExpiredInclusive,
        Bug::CounterNotStored,
        Bug::ListTruncated,
        Bug::ConflictAsBackendError,
        Bug::StaleEmailIndex,
    ] {
        model_check_catches(bug);
    }
}

#[test]
fn the_shrunk_sequence_is_short_and_readable() {
    let message = panics(|| {
        run_model_check_with(ModelConfig::default(), || async {
            mutant(Bug::ReusableToken)
        });
    })
    .expect("the model check must catch a reusable token");
    // Shrinking leaves little more than "create the token, use it, use it again".
    assert!(message.contains("UseVerificationToken"), "{message}");
    assert!(
        message.contains("model:") && message.contains("backend:"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_catch_each_bug() {
    case_catches(
        Bug::ReusableToken,
        cases::verification_tokens::use_verification_token,
    )
    .await;
    case_catches(
        Bug::ReusableToken,
        cases::concurrency::concurrent_use_verification_token_has_one_winner,
    )
    .await;
    case_catches(
        Bug::IdParseError,
        cases::input::impossible_ids_are_not_found,
    )
    .await;
    case_catches(
        Bug::UpdateSessionReturnsOld,
        cases::sessions::update_session_returns_updated_row,
    )
    .await;
    case_catches(
        Bug::DeleteExpiredInclusive,
        cases::sessions::delete_expired_removes_only_expired,
    )
    .await;
    case_catches(
        Bug::CounterNotStored,
        cases::authenticators::update_authenticator_counter,
    )
    .await;
    case_catches(
        Bug::ListTruncated,
        cases::authenticators::list_authenticators_by_user_id,
    )
    .await;
    case_catches(
        Bug::ConflictAsBackendError,
        cases::accounts::link_account_duplicate_is_conflict,
    )
    .await;
    case_catches(
        Bug::StaleEmailIndex,
        cases::users::update_user_email_moves_lookup,
    )
    .await;
}
