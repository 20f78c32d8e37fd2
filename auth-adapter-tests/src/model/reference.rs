//! The reference model: the contract of `Adapter` written as plain maps, and the answers
//! it expects from a backend.

use std::collections::BTreeMap;

use auth_adapter_core::backend::validate;
use auth_adapter_core::{
    AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser, ExpiredCount,
    VerificationToken,
};
use proptest::prelude::*;
use proptest_state_machine::ReferenceStateMachine;

use super::ops::{self, Call, Op, UserRef};
use crate::check::ErrorKind;
use crate::limits::Limits;

/// An answer of the adapter, with user ids in model space (`u0`, `u1`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    User(Option<AdapterUser>),
    Account(Option<AdapterAccount>),
    Session(Option<AdapterSession>),
    SessionAndUser(Option<(AdapterSession, AdapterUser)>),
    Token(Option<VerificationToken>),
    Authenticator(Option<AdapterAuthenticator>),
    /// Sorted by credential id.
    Authenticators(Vec<AdapterAuthenticator>),
    Count(u64),
    Expired(ExpiredCount),
}

/// What the model expects: an answer, or an error of one of these kinds (more than one
/// where the contract leaves the order of checks open, e.g. an unknown user *and* a taken
/// key).
pub(crate) type Expected = Result<Answer, Vec<ErrorKind>>;

/// The model id of the `n`th created user.
pub(crate) fn model_id(n: usize) -> String {
    format!("u{n}")
}

/// Resolves a user reference to its model id.
pub(crate) fn resolve(user: &UserRef) -> String {
    match user {
        UserRef::User(n) => model_id(*n),
        UserRef::Unknown(id) => (*id).to_owned(),
    }
}

/// The model's store.
#[derive(Clone, Debug, Default)]
pub(crate) struct ModelState {
    /// How many users have been created; `UserRef::User(n)` needs `n < created`.
    pub(crate) created: usize,
    users: BTreeMap<String, AdapterUser>,
    accounts: BTreeMap<(String, String), AdapterAccount>,
    sessions: BTreeMap<String, AdapterSession>,
    tokens: BTreeMap<(String, String), VerificationToken>,
    authenticators: BTreeMap<String, AdapterAuthenticator>,
    /// The backend's documented limits.
    pub(crate) limits: Limits,
    /// The expected answer to the last operation applied.
    pub(crate) expected: Option<Expected>,
}

fn invalid<T>(check: auth_adapter_core::Result<T>) -> Option<Expected> {
    check.err().map(|e| Err(vec![ErrorKind::of(&e)]))
}

impl ModelState {
    /// The records that exist now, as pool values, for the generator.
    pub(crate) fn context(&self) -> ops::Context {
        ops::Context {
            created: self.created,
            live: self
                .users
                .keys()
                .filter_map(|id| id.strip_prefix('u')?.parse().ok())
                .collect(),
            emails: ops::emails()
                .into_iter()
                .filter(|e| self.email_taken(e, None))
                .collect(),
            accounts: ops::PROVIDERS
                .iter()
                .flat_map(|&p| ops::ACCOUNT_IDS.iter().map(move |&id| (p, id)))
                .filter(|(p, id)| {
                    self.accounts
                        .contains_key(&((*p).to_owned(), (*id).to_owned()))
                })
                .collect(),
            sessions: ops::session_tokens()
                .into_iter()
                .filter(|t| self.sessions.contains_key(*t))
                .collect(),
            tokens: ops::IDENTIFIERS
                .iter()
                .flat_map(|&i| ops::TOKENS.iter().map(move |&t| (i, t)))
                .filter(|(i, t)| {
                    self.tokens
                        .contains_key(&((*i).to_owned(), (*t).to_owned()))
                })
                .collect(),
            credentials: ops::CREDENTIALS
                .iter()
                .copied()
                .filter(|c| self.authenticators.contains_key(*c))
                .collect(),
        }
    }

    fn email_taken(&self, email: &str, except: Option<&str>) -> bool {
        self.users
            .values()
            .any(|u| u.email.as_deref() == Some(email) && Some(u.id.as_str()) != except)
    }

    fn refs(&self, user_id: &str, key_taken: bool) -> Option<Expected> {
        let mut kinds = Vec::new();
        if !self.users.contains_key(user_id) {
            kinds.push(ErrorKind::NotFound);
        }
        if key_taken {
            kinds.push(ErrorKind::Conflict);
        }
        (!kinds.is_empty()).then_some(Err(kinds))
    }

    /// Applies `call` as the contract says and returns the expected answer.
    pub(crate) fn answer(&mut self, call: Call) -> Expected {
        match call {
            Call::CreateUser(new) => {
                if let Some(e) = invalid(validate::new_user(&new)) {
                    return e;
                }
                if self.limits.email_required && new.email.is_none() {
                    return Err(vec![ErrorKind::InvalidInput]);
                }
                if let Some(email) = &new.email
                    && self.email_taken(email, None)
                {
                    return Err(vec![ErrorKind::Conflict]);
                }
                let user = AdapterUser {
                    id: model_id(self.created),
                    name: new.name,
                    email: new.email,
                    email_verified: new.email_verified,
                    image: new.image,
                };
                self.created += 1;
                self.users.insert(user.id.clone(), user.clone());
                Ok(Answer::User(Some(user)))
            }
            Call::GetUser(id) => Ok(Answer::User(self.users.get(&id).cloned())),
            Call::GetUserByEmail(email) => Ok(Answer::User(
                self.users
                    .values()
                    .find(|u| u.email.as_deref() == Some(email.as_str()))
                    .cloned(),
            )),
            Call::GetUserByAccount(provider, id) => Ok(Answer::User(
                self.accounts
                    .get(&(provider, id))
                    .and_then(|a| self.users.get(&a.user_id))
                    .cloned(),
            )),
            Call::UpdateUser(update) => {
                if let Some(e) = invalid(validate::user_update(&update)) {
                    return e;
                }
                if self.limits.email_required && update.email == Some(None) {
                    return Err(vec![ErrorKind::InvalidInput]);
                }
                let Some(current) = self.users.get(&update.id) else {
                    return Err(vec![ErrorKind::NotFound]);
                };
                let mut updated = current.clone();
                update.apply_to(&mut updated);
                if let Some(email) = &updated.email
                    && self.email_taken(email, Some(&updated.id))
                {
                    return Err(vec![ErrorKind::Conflict]);
                }
                self.users.insert(updated.id.clone(), updated.clone());
                Ok(Answer::User(Some(updated)))
            }
            Call::DeleteUser(id) => {
                let user = self.users.remove(&id);
                if user.is_some() {
                    self.accounts.retain(|_, a| a.user_id != id);
                    self.sessions.retain(|_, s| s.user_id != id);
                    self.authenticators.retain(|_, a| a.user_id != id);
                }
                Ok(Answer::User(user))
            }
            Call::LinkAccount(account) => {
                if let Some(e) = invalid(validate::account(&account)) {
                    return e;
                }
                let key = (
                    account.provider.clone(),
                    account.provider_account_id.clone(),
                );
                // Under a layout of one account per user, the user's first account takes
                // that key too.
                let taken = self.accounts.contains_key(&key)
                    || (self.limits.one_account_per_user
                        && self.accounts.values().any(|a| a.user_id == account.user_id));
                if let Some(e) = self.refs(&account.user_id, taken) {
                    return e;
                }
                self.accounts.insert(key, account.clone());
                Ok(Answer::Account(Some(account)))
            }
            Call::UnlinkAccount(provider, id) => {
                Ok(Answer::Account(self.accounts.remove(&(provider, id))))
            }
            Call::GetAccount(provider, id) => {
                Ok(Answer::Account(self.accounts.get(&(provider, id)).cloned()))
            }
            Call::UpdateAccount(update) => {
                if let Some(e) = invalid(validate::account_update(&update)) {
                    return e;
                }
                let key = (update.provider.clone(), update.provider_account_id.clone());
                let Some(account) = self.accounts.get_mut(&key) else {
                    return Err(vec![ErrorKind::NotFound]);
                };
                update.apply_to(account);
                Ok(Answer::Account(Some(account.clone())))
            }
            Call::CreateSession(session) => {
                if let Some(e) = invalid(validate::session(&session)) {
                    return e;
                }
                let taken = self.sessions.contains_key(&session.session_token);
                if let Some(e) = self.refs(&session.user_id, taken) {
                    return e;
                }
                self.sessions
                    .insert(session.session_token.clone(), session.clone());
                Ok(Answer::Session(Some(session)))
            }
            Call::GetSessionAndUser(token) => {
                Ok(Answer::SessionAndUser(self.sessions.get(&token).and_then(
                    |s| self.users.get(&s.user_id).map(|u| (s.clone(), u.clone())),
                )))
            }
            Call::UpdateSession(update) => {
                if let Some(e) = invalid(validate::session_update(&update)) {
                    return e;
                }
                let Some(session) = self.sessions.get_mut(&update.session_token) else {
                    return Ok(Answer::Session(None));
                };
                if let Some(expires) = update.expires {
                    session.expires = expires;
                }
                Ok(Answer::Session(Some(session.clone())))
            }
            Call::DeleteSession(token) => Ok(Answer::Session(self.sessions.remove(&token))),
            Call::DeleteSessionsByUserId(user_id) => {
                let before = self.sessions.len();
                self.sessions.retain(|_, s| s.user_id != user_id);
                Ok(Answer::Count((before - self.sessions.len()) as u64))
            }
            Call::CreateVerificationToken(token) => {
                if let Some(e) = invalid(validate::verification_token(&token)) {
                    return e;
                }
                let key = (token.identifier.clone(), token.token.clone());
                if self.tokens.contains_key(&key) {
                    return Err(vec![ErrorKind::Conflict]);
                }
                self.tokens.insert(key, token.clone());
                Ok(Answer::Token(Some(token)))
            }
            Call::UseVerificationToken(identifier, token) => {
                Ok(Answer::Token(self.tokens.remove(&(identifier, token))))
            }
            Call::CreateAuthenticator(authenticator) => {
                if let Some(e) = invalid(validate::authenticator(&authenticator)) {
                    return e;
                }
                let taken = self
                    .authenticators
                    .contains_key(&authenticator.credential_id);
                if let Some(e) = self.refs(&authenticator.user_id, taken) {
                    return e;
                }
                self.authenticators
                    .insert(authenticator.credential_id.clone(), authenticator.clone());
                Ok(Answer::Authenticator(Some(authenticator)))
            }
            Call::GetAuthenticator(id) => {
                Ok(Answer::Authenticator(self.authenticators.get(&id).cloned()))
            }
            Call::ListAuthenticatorsByUserId(user_id) => Ok(Answer::Authenticators(
                self.authenticators
                    .values()
                    .filter(|a| a.user_id == user_id)
                    .cloned()
                    .collect(),
            )),
            Call::UpdateAuthenticatorCounter(id, counter) => {
                let Some(authenticator) = self.authenticators.get_mut(&id) else {
                    let mut kinds = vec![ErrorKind::NotFound];
                    if !validate::is_storable_key(&id) {
                        kinds.push(ErrorKind::InvalidInput);
                    }
                    return Err(kinds);
                };
                authenticator.counter = counter;
                Ok(Answer::Authenticator(Some(authenticator.clone())))
            }
            Call::DeleteExpired(now) => {
                let (sessions, tokens) = (self.sessions.len(), self.tokens.len());
                self.sessions.retain(|_, s| s.expires >= now);
                self.tokens.retain(|_, t| t.expires >= now);
                Ok(Answer::Expired(ExpiredCount {
                    sessions: (sessions - self.sessions.len()) as u64,
                    verification_tokens: (tokens - self.tokens.len()) as u64,
                }))
            }
        }
    }
}

/// The reference state machine proptest-state-machine drives.
#[derive(Debug)]
pub(crate) struct Reference;

impl ReferenceStateMachine for Reference {
    type State = ModelState;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<ModelState> {
        Just(ModelState::default()).boxed()
    }

    fn transitions(state: &ModelState) -> BoxedStrategy<Op> {
        ops::op(&state.context())
    }

    fn apply(mut state: ModelState, op: &Op) -> ModelState {
        let expected = state.answer(op.call(&state.limits, resolve));
        state.expected = Some(expected);
        state
    }

    fn preconditions(state: &ModelState, op: &Op) -> bool {
        op.user_refs().into_iter().all(|u| match u {
            UserRef::User(n) => *n < state.created,
            UserRef::Unknown(_) => true,
        })
    }
}
