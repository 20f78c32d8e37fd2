//! The model check of [`TokenStore`]: random sequences of user creates and deletes and of
//! every token operation, applied to a backend (as `Adapter` + `TokenStore`) and to a
//! reference model of plain maps; every answer must agree.
//!
//! Tokens come from a pool of four (their hashes under the suite's secret) and realms from
//! a small pool (with Unicode, `:`, empty, NUL and oversize ones), so conflicts, the same
//! token in two realms, revokes of others' bindings and cascades happen often. Times are
//! seconds after [`base`] (a day in the future, so a backend that expires by TTL keeps
//! everything for the whole run); `authenticate` is called at times around the last-use
//! interval and the expiries, so the throttle and the `expires <= now` boundary are
//! exercised. Backend user and binding ids are mapped to the model's (`u0`…, `b0`…); lists
//! are compared sorted by `created_at` and model id. After each sequence, every user's
//! list and every (realm, token) pair is read back from both sides.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use auth_adapter_core::backend::{last_use_is_due, validate};
use auth_adapter_core::{
    AdapterUser, NewTokenBinding, NewUser, TokenBinding, TokenFormat, TokenHash,
};
use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest_state_machine::ReferenceStateMachine;

use super::ops::{UNKNOWN_USERS, UserRef, base};
use super::{ModelConfig, drive, within_limit};
use crate::TokenBackend;
use crate::cases::bound_tokens::secret;
use crate::check::ErrorKind;

/// A binding an operation names: the `n`th successful bind, or an id no store assigns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BindingRef {
    Bound(usize),
    Unknown(&'static str),
}

/// One generated operation.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum TokenOp {
    CreateUser,
    DeleteUser(UserRef),
    Bind {
        user: UserRef,
        realm: &'static str,
        token: usize,
        name: Option<&'static str>,
        scopes: &'static [&'static str],
        created_secs: i64,
        expires_secs: Option<i64>,
    },
    Authenticate {
        realm: &'static str,
        token: usize,
        at_secs: i64,
    },
    List(UserRef),
    Revoke {
        user: UserRef,
        binding: BindingRef,
    },
    RevokeAll(UserRef),
    Purge {
        at_secs: i64,
    },
}

impl fmt::Debug for TokenOp {
    // Realms and names can be 256 characters long: print their length instead.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn short(s: &str) -> String {
            if s.len() > 40 {
                format!("<{} bytes>", s.len())
            } else {
                format!("{s:?}")
            }
        }
        match self {
            TokenOp::CreateUser => write!(f, "CreateUser"),
            TokenOp::DeleteUser(u) => write!(f, "DeleteUser({u:?})"),
            TokenOp::Bind {
                user,
                realm,
                token,
                name,
                scopes,
                created_secs,
                expires_secs,
            } => write!(
                f,
                "Bind {{ user: {user:?}, realm: {}, token: {token}, name: {}, scopes: {}, \
                 created_secs: {created_secs}, expires_secs: {expires_secs:?} }}",
                short(realm),
                name.map_or("None".to_owned(), short),
                if scopes.len() > 4 {
                    format!("<{} scopes>", scopes.len())
                } else {
                    format!("{scopes:?}")
                },
            ),
            TokenOp::Authenticate {
                realm,
                token,
                at_secs,
            } => write!(
                f,
                "Authenticate {{ realm: {}, token: {token}, at_secs: {at_secs} }}",
                short(realm)
            ),
            TokenOp::List(u) => write!(f, "List({u:?})"),
            TokenOp::Revoke { user, binding } => {
                write!(f, "Revoke {{ user: {user:?}, binding: {binding:?} }}")
            }
            TokenOp::RevokeAll(u) => write!(f, "RevokeAll({u:?})"),
            TokenOp::Purge { at_secs } => write!(f, "Purge {{ at_secs: {at_secs} }}"),
        }
    }
}

// ---- pools -------------------------------------------------------------------------------

fn leak(s: String) -> &'static str {
    s.leak()
}

static LONG: LazyLock<&'static str> = LazyLock::new(|| leak("r".repeat(256)));

/// The first four are valid.
fn realms() -> Vec<&'static str> {
    vec!["users", "_superusers", "ü:r 🦀", "r:", "", "re\0alm", *LONG]
}

fn names() -> Vec<Option<&'static str>> {
    vec![None, Some("CI"), Some("Zoë 🦀"), Some(""), Some(*LONG)]
}

static MANY_SCOPES: LazyLock<&'static [&'static str]> = LazyLock::new(|| {
    let scopes: Vec<&'static str> = (0..=auth_adapter_core::MAX_SCOPES)
        .map(|i| leak(format!("s{i}")))
        .collect();
    scopes.leak()
});

fn scopes() -> Vec<&'static [&'static str]> {
    vec![
        &[],
        &["read"],
        &["write", "read", "admin:*"],
        &["read write"],
        &[""],
        *MANY_SCOPES,
    ]
}

/// The tokens: generated once per test process, with their hashes and display prefixes.
static TOKENS: LazyLock<Vec<(TokenHash, String)>> = LazyLock::new(|| {
    (0..4)
        .map(|_| {
            let token = TokenFormat::default().generate();
            (secret().hash(&token), token.display_prefix())
        })
        .collect()
});

const CREATED_SECS: &[i64] = &[0, 30, 100];
const EXPIRES_SECS: &[Option<i64>] = &[None, Some(90), Some(200), Some(30)];
/// Around the last-use interval (60 s) and the expiries.
const AT_SECS: &[i64] = &[0, 20, 59, 60, 61, 89, 90, 119, 120, 150, 199, 200, 400];
const UNKNOWN_BINDINGS: &[&str] = &["", "nobody", "a\0b", "00000000-0000-0000-0000-000000000000"];

fn at(secs: i64) -> DateTime<Utc> {
    base() + TimeDelta::seconds(secs)
}

// ---- the model ---------------------------------------------------------------------------

/// An answer, with ids in model space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokenAnswer {
    User(Option<AdapterUser>),
    Binding(Option<TokenBinding>),
    Authenticated(Option<(TokenBinding, AdapterUser)>),
    /// Sorted by `created_at`, then model id.
    List(Vec<TokenBinding>),
    Count(u64),
}

type Expected = Result<TokenAnswer, Vec<ErrorKind>>;
type Got = Result<TokenAnswer, (ErrorKind, String)>;

fn user_id(n: usize) -> String {
    format!("u{n}")
}

fn binding_id(n: usize) -> String {
    format!("b{n}")
}

fn model_user(id: &str) -> AdapterUser {
    AdapterUser {
        id: id.to_owned(),
        name: None,
        email: None,
        email_verified: None,
        image: None,
    }
}

fn sorted(mut list: Vec<TokenBinding>) -> Vec<TokenBinding> {
    list.sort_by(|a, b| (a.created_at, a.id.len(), &a.id).cmp(&(b.created_at, b.id.len(), &b.id)));
    list
}

#[derive(Clone, Debug, Default)]
pub(crate) struct TokenModel {
    created: usize,
    bound: usize,
    users: Vec<String>,
    /// By model binding id, with the token's pool index.
    bindings: BTreeMap<String, (TokenBinding, usize)>,
    expected: Option<Expected>,
}

impl TokenModel {
    fn live(&self) -> Vec<usize> {
        self.users
            .iter()
            .filter_map(|id| id.strip_prefix('u')?.parse().ok())
            .collect()
    }

    fn find(&self, realm: &str, token: usize) -> Option<&String> {
        self.bindings
            .iter()
            .find(|(_, (b, t))| b.realm == realm && *t == token)
            .map(|(id, _)| id)
    }

    fn answer(&mut self, op: &TokenOp) -> Expected {
        let resolve = |u: &UserRef| match u {
            UserRef::User(n) => user_id(*n),
            UserRef::Unknown(id) => (*id).to_owned(),
        };
        match op {
            TokenOp::CreateUser => {
                let id = user_id(self.created);
                self.created += 1;
                self.users.push(id.clone());
                Ok(TokenAnswer::User(Some(model_user(&id))))
            }
            TokenOp::DeleteUser(u) => {
                let id = resolve(u);
                let Some(i) = self.users.iter().position(|x| *x == id) else {
                    return Ok(TokenAnswer::User(None));
                };
                self.users.remove(i);
                self.bindings.retain(|_, (b, _)| b.user_id != id);
                Ok(TokenAnswer::User(Some(model_user(&id))))
            }
            TokenOp::Bind { token, .. } => {
                let new = bind_call(op, &resolve);
                if let Err(e) = validate::token_binding(&new) {
                    return Err(vec![ErrorKind::of(&e)]);
                }
                let mut kinds = Vec::new();
                if !self.users.contains(&new.user_id) {
                    kinds.push(ErrorKind::NotFound);
                }
                if self.find(&new.realm, *token).is_some() {
                    kinds.push(ErrorKind::Conflict);
                }
                if !kinds.is_empty() {
                    return Err(kinds);
                }
                let binding = TokenBinding {
                    id: binding_id(self.bound),
                    user_id: new.user_id,
                    realm: new.realm,
                    name: new.name,
                    display_prefix: new.display_prefix,
                    scopes: new.scopes,
                    created_at: new.created_at,
                    last_used_at: None,
                    expires: new.expires,
                };
                self.bound += 1;
                self.bindings
                    .insert(binding.id.clone(), (binding.clone(), *token));
                Ok(TokenAnswer::Binding(Some(binding)))
            }
            TokenOp::Authenticate {
                realm,
                token,
                at_secs,
            } => {
                let now = at(*at_secs);
                let Some(id) = self.find(realm, *token).cloned() else {
                    return Ok(TokenAnswer::Authenticated(None));
                };
                let Some((binding, _)) = self.bindings.get_mut(&id) else {
                    return Ok(TokenAnswer::Authenticated(None));
                };
                if binding.is_expired(now) {
                    return Ok(TokenAnswer::Authenticated(None));
                }
                if last_use_is_due(binding.last_used_at, now) {
                    binding.last_used_at = Some(now);
                }
                let user = model_user(&binding.user_id);
                Ok(TokenAnswer::Authenticated(Some((binding.clone(), user))))
            }
            TokenOp::List(u) => {
                let id = resolve(u);
                Ok(TokenAnswer::List(sorted(
                    self.bindings
                        .values()
                        .filter(|(b, _)| b.user_id == id)
                        .map(|(b, _)| b.clone())
                        .collect(),
                )))
            }
            TokenOp::Revoke { user, binding } => {
                let uid = resolve(user);
                let bid = match binding {
                    BindingRef::Bound(n) => binding_id(*n),
                    BindingRef::Unknown(id) => (*id).to_owned(),
                };
                match self.bindings.get(&bid) {
                    Some((b, _)) if b.user_id == uid => {}
                    _ => return Ok(TokenAnswer::Binding(None)),
                }
                Ok(TokenAnswer::Binding(
                    self.bindings.remove(&bid).map(|(b, _)| b),
                ))
            }
            TokenOp::RevokeAll(u) => {
                let id = resolve(u);
                let before = self.bindings.len();
                self.bindings.retain(|_, (b, _)| b.user_id != id);
                Ok(TokenAnswer::Count((before - self.bindings.len()) as u64))
            }
            TokenOp::Purge { at_secs } => {
                let now = at(*at_secs);
                let before = self.bindings.len();
                self.bindings.retain(|_, (b, _)| !b.is_expired(now));
                Ok(TokenAnswer::Count((before - self.bindings.len()) as u64))
            }
        }
    }
}

/// The binding a `Bind` asks for, with `resolve` turning its user into an id.
fn bind_call(op: &TokenOp, resolve: &dyn Fn(&UserRef) -> String) -> NewTokenBinding {
    let TokenOp::Bind {
        user,
        realm,
        token,
        name,
        scopes,
        created_secs,
        expires_secs,
    } = op
    else {
        unreachable!("bind_call of a {op:?}")
    };
    let (hash, display) = &TOKENS[*token];
    NewTokenBinding {
        user_id: resolve(user),
        realm: (*realm).to_owned(),
        token_hash: hash.clone(),
        display_prefix: display.clone(),
        name: name.map(str::to_owned),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        created_at: at(*created_secs),
        expires: expires_secs.map(at),
    }
}

// ---- strategies --------------------------------------------------------------------------

fn user_ref(model: &TokenModel) -> BoxedStrategy<UserRef> {
    let unknown = select(UNKNOWN_USERS).prop_map(UserRef::Unknown);
    let live = model.live();
    match (model.created, live.is_empty()) {
        (0, _) => unknown.boxed(),
        (created, true) => prop_oneof![
            3 => (0..created).prop_map(UserRef::User),
            1 => unknown,
        ]
        .boxed(),
        (created, false) => prop_oneof![
            12 => select(live).prop_map(UserRef::User),
            1 => (0..created).prop_map(UserRef::User),
            1 => unknown,
        ]
        .boxed(),
    }
}

fn realm() -> BoxedStrategy<&'static str> {
    let all = realms();
    prop_oneof![12 => select(all[..4].to_vec()), 1 => select(all)].boxed()
}

fn binding_ref(model: &TokenModel) -> BoxedStrategy<BindingRef> {
    let unknown = select(UNKNOWN_BINDINGS).prop_map(BindingRef::Unknown);
    if model.bound == 0 {
        return unknown.boxed();
    }
    let existing: Vec<usize> = model
        .bindings
        .keys()
        .filter_map(|id| id.strip_prefix('b')?.parse().ok())
        .collect();
    let bound = model.bound;
    if existing.is_empty() {
        return prop_oneof![3 => (0..bound).prop_map(BindingRef::Bound), 1 => unknown].boxed();
    }
    prop_oneof![
        8 => select(existing).prop_map(BindingRef::Bound),
        2 => (0..bound).prop_map(BindingRef::Bound),
        1 => unknown,
    ]
    .boxed()
}

fn op(model: &TokenModel) -> BoxedStrategy<TokenOp> {
    let u = || user_ref(model);
    let tokens = 0..TOKENS.len();
    let create_weight = if model.users.is_empty() { 30 } else { 3 };
    let arms: Vec<(u32, BoxedStrategy<TokenOp>)> = vec![
        (create_weight, Just(TokenOp::CreateUser).boxed()),
        (1, u().prop_map(TokenOp::DeleteUser).boxed()),
        (
            8,
            (
                u(),
                realm(),
                tokens.clone(),
                prop_oneof![8 => select(names()[..3].to_vec()), 1 => select(names())],
                prop_oneof![8 => select(scopes()[..3].to_vec()), 1 => select(scopes())],
                select(CREATED_SECS),
                select(EXPIRES_SECS),
            )
                .prop_map(
                    |(user, realm, token, name, scopes, created_secs, expires_secs)| {
                        TokenOp::Bind {
                            user,
                            realm,
                            token,
                            name,
                            scopes,
                            created_secs,
                            expires_secs,
                        }
                    },
                )
                .boxed(),
        ),
        (
            8,
            (realm(), tokens, select(AT_SECS))
                .prop_map(|(realm, token, at_secs)| TokenOp::Authenticate {
                    realm,
                    token,
                    at_secs,
                })
                .boxed(),
        ),
        (2, u().prop_map(TokenOp::List).boxed()),
        (
            3,
            (u(), binding_ref(model))
                .prop_map(|(user, binding)| TokenOp::Revoke { user, binding })
                .boxed(),
        ),
        (1, u().prop_map(TokenOp::RevokeAll).boxed()),
        (
            1,
            select(AT_SECS)
                .prop_map(|at_secs| TokenOp::Purge { at_secs })
                .boxed(),
        ),
    ];
    Union::new_weighted(arms).boxed()
}

/// The reference state machine.
#[derive(Debug)]
pub(crate) struct TokenReference;

impl ReferenceStateMachine for TokenReference {
    type State = TokenModel;
    type Transition = TokenOp;

    fn init_state() -> BoxedStrategy<TokenModel> {
        Just(TokenModel::default()).boxed()
    }

    fn transitions(state: &TokenModel) -> BoxedStrategy<TokenOp> {
        op(state)
    }

    fn apply(mut state: TokenModel, op: &TokenOp) -> TokenModel {
        let expected = state.answer(op);
        state.expected = Some(expected);
        state
    }

    fn preconditions(state: &TokenModel, op: &TokenOp) -> bool {
        let user_ok = |u: &UserRef| match u {
            UserRef::User(n) => *n < state.created,
            UserRef::Unknown(_) => true,
        };
        match op {
            TokenOp::DeleteUser(u)
            | TokenOp::List(u)
            | TokenOp::RevokeAll(u)
            | TokenOp::Bind { user: u, .. } => user_ok(u),
            TokenOp::Revoke { user, binding } => {
                user_ok(user)
                    && match binding {
                        BindingRef::Bound(n) => *n < state.bound,
                        BindingRef::Unknown(_) => true,
                    }
            }
            TokenOp::CreateUser | TokenOp::Authenticate { .. } | TokenOp::Purge { .. } => true,
        }
    }
}

// ---- the system under test ---------------------------------------------------------------

struct TokenSut {
    store: Arc<dyn TokenBackend>,
    users: Vec<String>,
    /// The email each of `users` was created with: a unique one, since some layouts
    /// require it (the model's users have none, so a user that reads back with its own
    /// email is the model's user).
    emails: Vec<String>,
    bindings: Vec<String>,
}

impl TokenSut {
    fn user(&self, u: &UserRef) -> String {
        match u {
            UserRef::User(n) => self.users.get(*n).cloned().unwrap_or_default(),
            UserRef::Unknown(id) => (*id).to_owned(),
        }
    }

    fn to_model(ids: &[String], id: &str, model: fn(usize) -> String) -> String {
        match ids.iter().position(|x| x == id) {
            Some(n) => model(n),
            None => format!("<unmapped id {id:?}>"),
        }
    }

    fn binding(&self, mut b: TokenBinding) -> TokenBinding {
        b.id = Self::to_model(&self.bindings, &b.id, binding_id);
        b.user_id = Self::to_model(&self.users, &b.user_id, user_id);
        b
    }

    fn model_user(&self, mut u: AdapterUser) -> AdapterUser {
        if let Some(n) = self.users.iter().position(|x| *x == u.id)
            && u.email.as_ref() == self.emails.get(n)
        {
            u.email = None;
        }
        u.id = Self::to_model(&self.users, &u.id, user_id);
        u
    }

    async fn run(&mut self, op: &TokenOp) -> Got {
        let answer = self.call(op).await;
        answer.map_err(|e| (ErrorKind::of(&e), e.to_string()))
    }

    async fn call(&mut self, op: &TokenOp) -> auth_adapter_core::Result<TokenAnswer> {
        let s = Arc::clone(&self.store);
        Ok(match op {
            TokenOp::CreateUser => {
                let email = crate::fixtures::unique_email();
                let created = s.create_user(NewUser::with_email(&email)).await?;
                self.users.push(created.id.clone());
                self.emails.push(email);
                TokenAnswer::User(Some(self.model_user(created)))
            }
            TokenOp::DeleteUser(u) => {
                let deleted = s.delete_user(&self.user(u)).await?;
                TokenAnswer::User(deleted.map(|d| self.model_user(d)))
            }
            TokenOp::Bind { .. } => {
                let new = bind_call(op, &|u| self.user(u));
                let bound = s.bind_token(new).await?;
                self.bindings.push(bound.id.clone());
                TokenAnswer::Binding(Some(self.binding(bound)))
            }
            TokenOp::Authenticate {
                realm,
                token,
                at_secs,
            } => {
                let found = s
                    .authenticate(realm, &TOKENS[*token].0, at(*at_secs))
                    .await?;
                TokenAnswer::Authenticated(
                    found.map(|(b, u)| (self.binding(b), self.model_user(u))),
                )
            }
            TokenOp::List(u) => {
                let list = s.list_tokens(&self.user(u)).await?;
                TokenAnswer::List(sorted(list.into_iter().map(|b| self.binding(b)).collect()))
            }
            TokenOp::Revoke { user, binding } => {
                let id = match binding {
                    BindingRef::Bound(n) => self.bindings.get(*n).cloned().unwrap_or_default(),
                    BindingRef::Unknown(id) => (*id).to_owned(),
                };
                let revoked = s.revoke_token(&self.user(user), &id).await?;
                TokenAnswer::Binding(revoked.map(|b| self.binding(b)))
            }
            TokenOp::RevokeAll(u) => TokenAnswer::Count(s.revoke_all_tokens(&self.user(u)).await?),
            TokenOp::Purge { at_secs } => {
                TokenAnswer::Count(s.purge_expired_tokens(at(*at_secs)).await?)
            }
        })
    }
}

fn agrees(expected: &Expected, got: &Got) -> bool {
    match (expected, got) {
        (Ok(e), Ok(g)) => e == g,
        (Err(kinds), Err((kind, _))) => kinds.contains(kind),
        _ => false,
    }
}

fn disagreement(what: &str, op: &TokenOp, expected: &Expected, got: &Got) -> String {
    let expected = match expected {
        Ok(answer) => format!("Ok({answer:?})"),
        Err(kinds) => format!("Err(one of {kinds:?})"),
    };
    let got = match got {
        Ok(answer) => format!("Ok({answer:?})"),
        Err((kind, message)) => format!("Err({kind:?}: {message})"),
    };
    format!("{what}: {op:?}\n  model:   {expected}\n  backend: {got}")
}

fn run_sequence(
    runtime: &tokio::runtime::Runtime,
    store: Arc<dyn TokenBackend>,
    mut model: TokenModel,
    ops: &[TokenOp],
    seen: Option<&AtomicUsize>,
) -> Result<(), String> {
    let mut sut = TokenSut {
        store,
        users: Vec::new(),
        emails: Vec::new(),
        bindings: Vec::new(),
    };
    for (i, op) in ops.iter().enumerate() {
        if let Some(seen) = seen {
            seen.fetch_add(1, Ordering::SeqCst);
        }
        model = TokenReference::apply(model, op);
        let expected = model.expected.take().ok_or("the model gave no answer")?;
        let got = within_limit(runtime, op, sut.run(op));
        if !agrees(&expected, &got) {
            let what = format!("step {} of {}", i + 1, ops.len());
            return Err(disagreement(&what, op, &expected, &got));
        }
    }
    // Read everything back (authenticating early, so no use is recorded anew).
    let mut reads = Vec::new();
    for n in 0..model.created {
        reads.push(TokenOp::List(UserRef::User(n)));
    }
    for realm in realms() {
        for token in 0..TOKENS.len() {
            reads.push(TokenOp::Authenticate {
                realm,
                token,
                at_secs: 0,
            });
        }
    }
    for op in &reads {
        let expected = model.answer(op);
        let got = within_limit(runtime, op, sut.run(op));
        if !agrees(&expected, &got) {
            return Err(disagreement(
                "reading back after the sequence",
                op,
                &expected,
                &got,
            ));
        }
    }
    Ok(())
}

/// Runs the token model check with [`ModelConfig::from_env`] (as
/// [`run_model_check`](crate::run_model_check)). `factory` must return a NEW, isolated
/// store on every call. Call it from a plain `#[test]`.
///
/// # Panics
/// When the backend and the model disagree, with the shrunk sequence and both answers.
pub fn run_token_model_check<F, Fut>(factory: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Arc<dyn TokenBackend>>,
{
    run_token_model_check_with(ModelConfig::from_env(), factory);
}

/// [`run_token_model_check`] with an explicit configuration.
///
/// # Panics
/// As [`run_token_model_check`].
pub fn run_token_model_check_with<F, Fut>(config: ModelConfig, factory: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Arc<dyn TokenBackend>>,
{
    drive::<TokenReference, _, _, _>(
        config,
        factory,
        "`User(n)` is the n-th created user, `Bound(n)` the n-th binding, `token` an index \
         in a pool of 4 tokens, times are seconds after a base a day ahead",
        run_sequence,
    );
}
