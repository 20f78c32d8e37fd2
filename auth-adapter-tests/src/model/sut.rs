//! The system under test: a backend, driven by the same operations, its answers
//! translated into model space (backend user ids → `u0`, `u1`, …).

use std::sync::Arc;

use auth_adapter_core::{Adapter, AdapterUser};

use super::ops::{Call, Op, UserRef};
use super::reference::{Answer, model_id};
use crate::check::ErrorKind;
use crate::limits::Limits;

/// A backend under test and the ids it gave the users the sequence created.
pub(crate) struct Sut {
    pub(crate) adapter: Arc<dyn Adapter>,
    /// `ids[n]` is the backend id of the `n`th created user.
    ids: Vec<String>,
    /// The backend's documented limits (the dates it is given follow them).
    limits: Limits,
}

/// A backend's answer in model space, or the kind of its error (with its message, which
/// never holds a secret).
pub(crate) type Got = Result<Answer, (ErrorKind, String)>;

impl Sut {
    pub(crate) fn new(adapter: Arc<dyn Adapter>, limits: Limits) -> Self {
        Sut {
            adapter,
            ids: Vec::new(),
            limits,
        }
    }

    /// The backend id for a user reference.
    pub(crate) fn resolve(&self, user: &UserRef) -> String {
        match user {
            UserRef::User(n) => self
                .ids
                .get(*n)
                .cloned()
                .unwrap_or_else(|| format!("<user {n} was never created on the backend>")),
            UserRef::Unknown(id) => (*id).to_owned(),
        }
    }

    fn to_model(&self, backend_id: &str) -> String {
        match self.ids.iter().position(|id| id == backend_id) {
            Some(n) => model_id(n),
            None => format!("<unmapped backend id {backend_id:?}>"),
        }
    }

    fn user(&self, mut user: AdapterUser) -> AdapterUser {
        user.id = self.to_model(&user.id);
        user
    }

    /// Runs `op` on the backend; answers in model space.
    pub(crate) async fn run(&mut self, op: &Op) -> Result<Got, String> {
        let call = op.call(&self.limits, |u| self.resolve(u));
        let is_create = matches!(call, Call::CreateUser(_));
        let answer = self.call(call).await;
        if is_create && let Ok(Answer::User(Some(user))) = &answer {
            if self.ids.contains(&user.id) {
                return Err(format!(
                    "create_user returned the id {:?} of an earlier user",
                    user.id
                ));
            }
            self.ids.push(user.id.clone());
        }
        Ok(match answer {
            Ok(a) => Ok(self.translate(a)),
            Err(e) => Err((ErrorKind::of(&e), e.to_string())),
        })
    }

    fn translate(&self, answer: Answer) -> Answer {
        match answer {
            Answer::User(u) => Answer::User(u.map(|u| self.user(u))),
            Answer::Account(a) => Answer::Account(a.map(|mut a| {
                a.user_id = self.to_model(&a.user_id);
                a
            })),
            Answer::Session(s) => Answer::Session(s.map(|mut s| {
                s.user_id = self.to_model(&s.user_id);
                s
            })),
            Answer::SessionAndUser(p) => Answer::SessionAndUser(p.map(|(mut s, u)| {
                s.user_id = self.to_model(&s.user_id);
                (s, self.user(u))
            })),
            Answer::Authenticator(a) => Answer::Authenticator(a.map(|mut a| {
                a.user_id = self.to_model(&a.user_id);
                a
            })),
            Answer::Authenticators(list) => {
                let mut list: Vec<_> = list
                    .into_iter()
                    .map(|mut a| {
                        a.user_id = self.to_model(&a.user_id);
                        a
                    })
                    .collect();
                list.sort_by(|a, b| a.credential_id.cmp(&b.credential_id));
                Answer::Authenticators(list)
            }
            other @ (Answer::Token(_) | Answer::Count(_) | Answer::Expired(_)) => other,
        }
    }

    async fn call(&self, call: Call) -> auth_adapter_core::Result<Answer> {
        let a = &self.adapter;
        Ok(match call {
            Call::CreateUser(u) => Answer::User(Some(a.create_user(u).await?)),
            Call::GetUser(id) => Answer::User(a.get_user(&id).await?),
            Call::GetUserByEmail(e) => Answer::User(a.get_user_by_email(&e).await?),
            Call::GetUserByAccount(p, id) => Answer::User(a.get_user_by_account(&p, &id).await?),
            Call::UpdateUser(u) => Answer::User(Some(a.update_user(u).await?)),
            Call::DeleteUser(id) => Answer::User(a.delete_user(&id).await?),
            Call::LinkAccount(acc) => Answer::Account(Some(a.link_account(acc).await?)),
            Call::UnlinkAccount(p, id) => Answer::Account(a.unlink_account(&p, &id).await?),
            Call::GetAccount(p, id) => Answer::Account(a.get_account(&p, &id).await?),
            Call::UpdateAccount(u) => Answer::Account(Some(a.update_account(u).await?)),
            Call::CreateSession(s) => Answer::Session(Some(a.create_session(s).await?)),
            Call::GetSessionAndUser(t) => Answer::SessionAndUser(a.get_session_and_user(&t).await?),
            Call::UpdateSession(u) => Answer::Session(a.update_session(u).await?),
            Call::DeleteSession(t) => Answer::Session(a.delete_session(&t).await?),
            Call::DeleteSessionsByUserId(id) => {
                Answer::Count(a.delete_sessions_by_user_id(&id).await?)
            }
            Call::CreateVerificationToken(t) => {
                Answer::Token(Some(a.create_verification_token(t).await?))
            }
            Call::UseVerificationToken(i, t) => {
                Answer::Token(a.use_verification_token(&i, &t).await?)
            }
            Call::CreateAuthenticator(auth) => {
                Answer::Authenticator(Some(a.create_authenticator(auth).await?))
            }
            Call::GetAuthenticator(id) => Answer::Authenticator(a.get_authenticator(&id).await?),
            Call::ListAuthenticatorsByUserId(id) => {
                Answer::Authenticators(a.list_authenticators_by_user_id(&id).await?)
            }
            Call::UpdateAuthenticatorCounter(id, n) => {
                Answer::Authenticator(Some(a.update_authenticator_counter(&id, n).await?))
            }
            Call::DeleteExpired(now) => Answer::Expired(a.delete_expired(now).await?),
        })
    }
}
