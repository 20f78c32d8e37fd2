//! [`MemoryAdapter`]: a complete backend in process memory, for tests, examples and
//! single-process apps that do not need persistence.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use crate::adapter::Adapter;
use crate::backend::dates::truncate_to_millis;
use crate::backend::{last_use_is_due, validate};
use crate::bound_token::TokenHash;
use crate::error::{AdapterError, Entity, Result};
use crate::model::{
    AccountUpdate, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser, ExpiredCount,
    NewUser, SessionUpdate, UserUpdate, VerificationToken,
};
use crate::token_store::{NewTokenBinding, TokenBinding, TokenStore};

type AccountKey = (String, String);

#[derive(Default)]
struct State {
    users: HashMap<String, AdapterUser>,
    user_by_email: HashMap<String, String>,
    accounts: HashMap<AccountKey, AdapterAccount>,
    sessions: HashMap<String, AdapterSession>,
    tokens: HashMap<AccountKey, VerificationToken>,
    authenticators: HashMap<String, AdapterAuthenticator>,
    /// Counters: the count and when the window ends.
    counters: HashMap<String, (u64, DateTime<Utc>)>,
    /// Bound tokens by id, with their hash.
    bound: HashMap<String, (TokenBinding, String)>,
    /// The id of the binding of a hash in a realm: hash → realm → id, so `authenticate`
    /// looks it up by `&str` without building a key.
    bound_by_key: HashMap<String, HashMap<String, String>>,
}

impl State {
    /// Removes the bindings `keep` says no to; returns how many.
    fn remove_bindings(&mut self, keep: impl Fn(&TokenBinding) -> bool) -> u64 {
        let before = self.bound.len();
        self.bound.retain(|_, (b, _)| keep(b));
        let bound = &self.bound;
        self.bound_by_key.retain(|_, realms| {
            realms.retain(|_, id| bound.contains_key(id));
            !realms.is_empty()
        });
        (before - self.bound.len()) as u64
    }

    fn revoke_tokens_of(&mut self, user_id: &str) -> u64 {
        self.remove_bindings(|b| b.user_id != user_id)
    }

    fn require_user(&self, id: &str) -> Result<()> {
        if self.users.contains_key(id) {
            Ok(())
        } else {
            Err(AdapterError::not_found(Entity::User))
        }
    }
}

/// A backend that keeps everything in memory, behind one lock, with the same semantics as
/// the database backends (unique keys, cascades, single-use tokens). Every call is atomic.
///
/// ```
/// # tokio_test_shim::block_on(async {
/// use auth_adapter_core::{Adapter, MemoryAdapter, NewUser};
/// let adapter = MemoryAdapter::new();
/// let user = adapter.create_user(NewUser::with_email("ada@example.com")).await?;
/// assert_eq!(adapter.get_user(&user.id).await?, Some(user));
/// # Ok::<(), auth_adapter_core::AdapterError>(())
/// # }).unwrap();
/// # mod tokio_test_shim {
/// #     pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #         tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// #     }
/// # }
/// ```
#[derive(Default)]
pub struct MemoryAdapter {
    state: Mutex<State>,
}

/// How many records of each kind, never the records: the maps are keyed by session and
/// verification tokens, which `Debug` must not print.
impl std::fmt::Debug for MemoryAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("MemoryAdapter")
            .field("users", &state.users.len())
            .field("accounts", &state.accounts.len())
            .field("sessions", &state.sessions.len())
            .field("verification_tokens", &state.tokens.len())
            .field("authenticators", &state.authenticators.len())
            .field("counters", &state.counters.len())
            .finish()
    }
}

impl MemoryAdapter {
    /// An empty store.
    pub fn new() -> Self {
        MemoryAdapter::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held cannot leave a half-applied write: every method
        // checks everything before it changes anything.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn account_key(provider: &str, provider_account_id: &str) -> AccountKey {
    (provider.to_owned(), provider_account_id.to_owned())
}

#[async_trait]
impl Adapter for MemoryAdapter {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser> {
        validate::new_user(&user)?;
        let mut state = self.state();
        if let Some(email) = &user.email
            && state.user_by_email.contains_key(email)
        {
            return Err(AdapterError::key_taken(Entity::User));
        }
        let created = AdapterUser {
            id: uuid::Uuid::new_v4().to_string(),
            name: user.name,
            email: user.email,
            email_verified: user.email_verified,
            image: user.image,
        };
        if let Some(email) = &created.email {
            state
                .user_by_email
                .insert(email.clone(), created.id.clone());
        }
        state.users.insert(created.id.clone(), created.clone());
        Ok(created)
    }

    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        Ok(self.state().users.get(id).cloned())
    }

    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>> {
        let state = self.state();
        Ok(state
            .user_by_email
            .get(email)
            .and_then(|id| state.users.get(id))
            .cloned())
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>> {
        let state = self.state();
        Ok(state
            .accounts
            .get(&account_key(provider, provider_account_id))
            .and_then(|a| state.users.get(&a.user_id))
            .cloned())
    }

    async fn update_user(&self, update: UserUpdate) -> Result<AdapterUser> {
        validate::user_update(&update)?;
        let mut state = self.state();
        let Some(current) = state.users.get(&update.id).cloned() else {
            return Err(AdapterError::not_found(Entity::User));
        };
        let mut updated = current.clone();
        update.apply_to(&mut updated);
        if updated.email != current.email {
            if let Some(email) = &updated.email
                && state.user_by_email.contains_key(email)
            {
                return Err(AdapterError::key_taken(Entity::User));
            }
            if let Some(old) = &current.email {
                state.user_by_email.remove(old);
            }
            if let Some(email) = &updated.email {
                state
                    .user_by_email
                    .insert(email.clone(), updated.id.clone());
            }
        }
        state.users.insert(updated.id.clone(), updated.clone());
        Ok(updated)
    }

    async fn delete_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        let mut state = self.state();
        let Some(user) = state.users.remove(id) else {
            return Ok(None);
        };
        if let Some(email) = &user.email {
            state.user_by_email.remove(email);
        }
        state.accounts.retain(|_, a| a.user_id != id);
        state.sessions.retain(|_, s| s.user_id != id);
        state.authenticators.retain(|_, a| a.user_id != id);
        state.revoke_tokens_of(id);
        Ok(Some(user))
    }

    async fn link_account(&self, account: AdapterAccount) -> Result<AdapterAccount> {
        validate::account(&account)?;
        let mut state = self.state();
        state.require_user(&account.user_id)?;
        let key = account_key(&account.provider, &account.provider_account_id);
        if state.accounts.contains_key(&key) {
            return Err(AdapterError::key_taken(Entity::Account));
        }
        state.accounts.insert(key, account.clone());
        Ok(account)
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        Ok(self
            .state()
            .accounts
            .remove(&account_key(provider, provider_account_id)))
    }

    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        Ok(self
            .state()
            .accounts
            .get(&account_key(provider, provider_account_id))
            .cloned())
    }

    async fn update_account(&self, update: AccountUpdate) -> Result<AdapterAccount> {
        validate::account_update(&update)?;
        let mut state = self.state();
        let key = account_key(&update.provider, &update.provider_account_id);
        let Some(account) = state.accounts.get_mut(&key) else {
            return Err(AdapterError::not_found(Entity::Account));
        };
        update.apply_to(account);
        Ok(account.clone())
    }

    async fn create_session(&self, session: AdapterSession) -> Result<AdapterSession> {
        validate::session(&session)?;
        let mut state = self.state();
        state.require_user(&session.user_id)?;
        if state.sessions.contains_key(&session.session_token) {
            return Err(AdapterError::key_taken(Entity::Session));
        }
        state
            .sessions
            .insert(session.session_token.clone(), session.clone());
        Ok(session)
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>> {
        let state = self.state();
        Ok(state
            .sessions
            .get(session_token)
            .and_then(|s| state.users.get(&s.user_id).map(|u| (s.clone(), u.clone()))))
    }

    async fn update_session(&self, update: SessionUpdate) -> Result<Option<AdapterSession>> {
        validate::session_update(&update)?;
        let mut state = self.state();
        let Some(session) = state.sessions.get_mut(&update.session_token) else {
            return Ok(None);
        };
        if let Some(expires) = update.expires {
            session.expires = expires;
        }
        Ok(Some(session.clone()))
    }

    async fn delete_session(&self, session_token: &str) -> Result<Option<AdapterSession>> {
        Ok(self.state().sessions.remove(session_token))
    }

    async fn delete_sessions_by_user_id(&self, user_id: &str) -> Result<u64> {
        let mut state = self.state();
        let before = state.sessions.len();
        state.sessions.retain(|_, s| s.user_id != user_id);
        Ok((before - state.sessions.len()) as u64)
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken> {
        validate::verification_token(&token)?;
        let mut state = self.state();
        let key = (token.identifier.clone(), token.token.clone());
        if state.tokens.contains_key(&key) {
            return Err(AdapterError::key_taken(Entity::VerificationToken));
        }
        state.tokens.insert(key, token.clone());
        Ok(token)
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>> {
        Ok(self
            .state()
            .tokens
            .remove(&(identifier.to_owned(), token.to_owned())))
    }

    async fn create_authenticator(
        &self,
        authenticator: AdapterAuthenticator,
    ) -> Result<AdapterAuthenticator> {
        validate::authenticator(&authenticator)?;
        let mut state = self.state();
        state.require_user(&authenticator.user_id)?;
        if state
            .authenticators
            .contains_key(&authenticator.credential_id)
        {
            return Err(AdapterError::key_taken(Entity::Authenticator));
        }
        state
            .authenticators
            .insert(authenticator.credential_id.clone(), authenticator.clone());
        Ok(authenticator)
    }

    async fn get_authenticator(&self, credential_id: &str) -> Result<Option<AdapterAuthenticator>> {
        Ok(self.state().authenticators.get(credential_id).cloned())
    }

    async fn list_authenticators_by_user_id(
        &self,
        user_id: &str,
    ) -> Result<Vec<AdapterAuthenticator>> {
        Ok(self
            .state()
            .authenticators
            .values()
            .filter(|a| a.user_id == user_id)
            .cloned()
            .collect())
    }

    async fn update_authenticator_counter(
        &self,
        credential_id: &str,
        counter: u32,
    ) -> Result<AdapterAuthenticator> {
        let mut state = self.state();
        let Some(authenticator) = state.authenticators.get_mut(credential_id) else {
            return Err(AdapterError::not_found(Entity::Authenticator));
        };
        authenticator.counter = counter;
        Ok(authenticator.clone())
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> Result<ExpiredCount> {
        let mut state = self.state();
        let (sessions, tokens) = (state.sessions.len(), state.tokens.len());
        state.sessions.retain(|_, s| s.expires >= now);
        state.tokens.retain(|_, t| t.expires >= now);
        Ok(ExpiredCount {
            sessions: (sessions - state.sessions.len()) as u64,
            verification_tokens: (tokens - state.tokens.len()) as u64,
        })
    }
}

#[async_trait]
impl crate::CounterStore for MemoryAdapter {
    async fn increment(&self, key: &str, window: TimeDelta) -> Result<crate::Count> {
        validate::counter(key, window)?;
        let now = Utc::now();
        let mut state = self.state();
        let entry = state
            .counters
            .entry(key.to_owned())
            .or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        Ok(crate::Count {
            count: entry.0,
            resets_in: entry.1 - now,
        })
    }

    async fn count(&self, key: &str) -> Result<crate::Count> {
        let now = Utc::now();
        let state = self.state();
        Ok(match state.counters.get(key) {
            Some(&(count, ends)) if ends > now => crate::Count {
                count,
                resets_in: ends - now,
            },
            _ => crate::Count {
                count: 0,
                resets_in: TimeDelta::zero(),
            },
        })
    }

    async fn reset(&self, key: &str) -> Result<()> {
        self.state().counters.remove(key);
        Ok(())
    }

    async fn purge_expired(&self) -> Result<u64> {
        let now = Utc::now();
        let mut state = self.state();
        let before = state.counters.len();
        state.counters.retain(|_, (_, ends)| *ends > now);
        Ok((before - state.counters.len()) as u64)
    }
}

#[async_trait]
impl TokenStore for MemoryAdapter {
    async fn bind_token(&self, binding: NewTokenBinding) -> Result<TokenBinding> {
        validate::token_binding(&binding)?;
        let mut state = self.state();
        state.require_user(&binding.user_id)?;
        let hash = binding.token_hash.as_hex();
        if state
            .bound_by_key
            .get(hash)
            .is_some_and(|realms| realms.contains_key(&binding.realm))
        {
            return Err(AdapterError::key_taken(Entity::BoundToken));
        }
        let hash = hash.to_owned();
        let bound = TokenBinding {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: binding.user_id,
            realm: binding.realm,
            name: binding.name,
            display_prefix: binding.display_prefix,
            scopes: binding.scopes,
            created_at: truncate_to_millis(binding.created_at),
            last_used_at: None,
            expires: binding.expires.map(truncate_to_millis),
        };
        state
            .bound_by_key
            .entry(hash.clone())
            .or_default()
            .insert(bound.realm.clone(), bound.id.clone());
        state.bound.insert(bound.id.clone(), (bound.clone(), hash));
        Ok(bound)
    }

    async fn authenticate(
        &self,
        realm: &str,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenBinding, AdapterUser)>> {
        let now = truncate_to_millis(now);
        let mut state = self.state();
        let State {
            bound_by_key,
            bound,
            users,
            ..
        } = &mut *state;
        let Some(id) = bound_by_key
            .get(token_hash.as_hex())
            .and_then(|realms| realms.get(realm))
        else {
            return Ok(None);
        };
        let Some((binding, _)) = bound.get_mut(id) else {
            return Ok(None);
        };
        if binding.is_expired(now) {
            return Ok(None);
        }
        let Some(user) = users.get(&binding.user_id) else {
            return Ok(None);
        };
        if last_use_is_due(binding.last_used_at, now) {
            binding.last_used_at = Some(now);
        }
        Ok(Some((binding.clone(), user.clone())))
    }

    async fn list_tokens(&self, user_id: &str) -> Result<Vec<TokenBinding>> {
        let state = self.state();
        let mut list: Vec<TokenBinding> = state
            .bound
            .values()
            .filter(|(b, _)| b.user_id == user_id)
            .map(|(b, _)| b.clone())
            .collect();
        list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(list)
    }

    async fn revoke_token(&self, user_id: &str, token_id: &str) -> Result<Option<TokenBinding>> {
        let mut state = self.state();
        match state.bound.get(token_id) {
            Some((b, _)) if b.user_id == user_id => {}
            _ => return Ok(None),
        }
        let Some((binding, hash)) = state.bound.remove(token_id) else {
            return Ok(None);
        };
        if let Some(realms) = state.bound_by_key.get_mut(&hash) {
            realms.remove(&binding.realm);
            if realms.is_empty() {
                state.bound_by_key.remove(&hash);
            }
        }
        Ok(Some(binding))
    }

    async fn revoke_all_tokens(&self, user_id: &str) -> Result<u64> {
        Ok(self.state().revoke_tokens_of(user_id))
    }

    async fn purge_expired_tokens(&self, now: DateTime<Utc>) -> Result<u64> {
        let now = truncate_to_millis(now);
        Ok(self.state().remove_bindings(|b| !b.is_expired(now)))
    }
}
