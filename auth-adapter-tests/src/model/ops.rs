//! The operations the model check generates, the small value pools they draw from (so
//! keys collide often), and the concrete adapter calls they become.

use std::sync::LazyLock;

use auth_adapter_core::backend::dates::truncate_to_millis;
use auth_adapter_core::{
    AccountType, AccountUpdate, AdapterAccount, AdapterAuthenticator, AdapterSession, NewUser,
    SessionUpdate, UserUpdate, VerificationToken,
};
use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;

use crate::limits::Limits;

/// A user an operation names: the `n`th user the sequence created (deleted or not), or an
/// id that no store ever assigns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UserRef {
    /// The `n`th successfully created user.
    User(usize),
    /// An id nobody has (empty, NUL, non-numeric, zero, a UUID).
    Unknown(&'static str),
}

/// One generated operation. Values are picked from small pools; times are minutes after
/// [`base`] (a point one day in the future), so every session and token is live when it
/// is written and `DeleteExpired { at_min }` decides what counts as expired.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub(crate) enum Op {
    CreateUser {
        email: Option<&'static str>,
        name: Option<&'static str>,
        verified_ms: Option<i64>,
    },
    GetUser(UserRef),
    GetUserByEmail(&'static str),
    GetUserByAccount {
        provider: &'static str,
        id: &'static str,
    },
    UpdateUser {
        user: UserRef,
        name: Option<Option<&'static str>>,
        email: Option<Option<&'static str>>,
        verified_ms: Option<Option<i64>>,
        image: Option<Option<&'static str>>,
    },
    DeleteUser(UserRef),
    LinkAccount {
        user: UserRef,
        provider: &'static str,
        id: &'static str,
        kind: &'static str,
        access_token: Option<&'static str>,
        expires_at: Option<i64>,
    },
    UnlinkAccount {
        provider: &'static str,
        id: &'static str,
    },
    GetAccount {
        provider: &'static str,
        id: &'static str,
    },
    UpdateAccount {
        provider: &'static str,
        id: &'static str,
        access_token: Option<Option<&'static str>>,
        refresh_token: Option<Option<&'static str>>,
        expires_at: Option<Option<i64>>,
    },
    CreateSession {
        user: UserRef,
        token: &'static str,
        expires_min: i64,
    },
    GetSessionAndUser(&'static str),
    UpdateSession {
        token: &'static str,
        expires_min: Option<i64>,
    },
    DeleteSession(&'static str),
    DeleteSessionsByUserId(UserRef),
    CreateVerificationToken {
        identifier: &'static str,
        token: &'static str,
        expires_min: i64,
    },
    UseVerificationToken {
        identifier: &'static str,
        token: &'static str,
    },
    CreateAuthenticator {
        user: UserRef,
        credential_id: &'static str,
        counter: u32,
        backed_up: bool,
        transports: Option<&'static str>,
    },
    GetAuthenticator(&'static str),
    ListAuthenticatorsByUserId(UserRef),
    UpdateAuthenticatorCounter {
        credential_id: &'static str,
        counter: u32,
    },
    DeleteExpired {
        at_min: i64,
    },
}

impl Op {
    /// Every user the operation names.
    pub(crate) fn user_refs(&self) -> Vec<&UserRef> {
        match self {
            Op::GetUser(u)
            | Op::DeleteUser(u)
            | Op::DeleteSessionsByUserId(u)
            | Op::ListAuthenticatorsByUserId(u)
            | Op::UpdateUser { user: u, .. }
            | Op::LinkAccount { user: u, .. }
            | Op::CreateSession { user: u, .. }
            | Op::CreateAuthenticator { user: u, .. } => vec![u],
            _ => Vec::new(),
        }
    }
}

/// A concrete adapter call, with user ids resolved for one side (model or backend).
#[derive(Clone, Debug)]
pub(crate) enum Call {
    CreateUser(NewUser),
    GetUser(String),
    GetUserByEmail(String),
    GetUserByAccount(String, String),
    UpdateUser(UserUpdate),
    DeleteUser(String),
    LinkAccount(AdapterAccount),
    UnlinkAccount(String, String),
    GetAccount(String, String),
    UpdateAccount(AccountUpdate),
    CreateSession(AdapterSession),
    GetSessionAndUser(String),
    UpdateSession(SessionUpdate),
    DeleteSession(String),
    DeleteSessionsByUserId(String),
    CreateVerificationToken(VerificationToken),
    UseVerificationToken(String, String),
    CreateAuthenticator(AdapterAuthenticator),
    GetAuthenticator(String),
    ListAuthenticatorsByUserId(String),
    UpdateAuthenticatorCounter(String, u32),
    DeleteExpired(DateTime<Utc>),
}

/// The instant expiry minutes count from: one day from the first use, in whole
/// milliseconds, the same for the whole test run (a backend that expires by TTL, like
/// Redis, must not drop anything on its own during the check).
pub(crate) fn base() -> DateTime<Utc> {
    static BASE: LazyLock<DateTime<Utc>> =
        LazyLock::new(|| truncate_to_millis(Utc::now() + TimeDelta::days(1)));
    *BASE
}

/// `base() + minutes`.
pub(crate) fn at(minutes: i64) -> DateTime<Utc> {
    base() + TimeDelta::minutes(minutes)
}

fn millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_else(base)
}

fn owned(v: Option<&str>) -> Option<String> {
    v.map(str::to_owned)
}

fn owned2(v: Option<Option<&str>>) -> Option<Option<String>> {
    v.map(owned)
}

impl Op {
    /// The call this operation makes, with `resolve` turning user references into ids and
    /// the `expires` of sessions and tokens made storable under `limits`.
    pub(crate) fn call(&self, limits: &Limits, resolve: impl Fn(&UserRef) -> String) -> Call {
        let expires = |minutes: i64| limits.expires(at(minutes));
        match self {
            Op::CreateUser {
                email,
                name,
                verified_ms,
            } => Call::CreateUser(NewUser {
                name: owned(*name),
                email: owned(*email),
                email_verified: verified_ms.map(millis),
                image: Some("https://example.com/a.png?s=1:2".into()),
            }),
            Op::GetUser(u) => Call::GetUser(resolve(u)),
            Op::GetUserByEmail(e) => Call::GetUserByEmail((*e).into()),
            Op::GetUserByAccount { provider, id } => {
                Call::GetUserByAccount((*provider).into(), (*id).into())
            }
            Op::UpdateUser {
                user,
                name,
                email,
                verified_ms,
                image,
            } => Call::UpdateUser(UserUpdate {
                id: resolve(user),
                name: owned2(*name),
                email: owned2(*email),
                email_verified: verified_ms.map(|v| v.map(millis)),
                image: owned2(*image),
            }),
            Op::DeleteUser(u) => Call::DeleteUser(resolve(u)),
            Op::LinkAccount {
                user,
                provider,
                id,
                kind,
                access_token,
                expires_at,
            } => Call::LinkAccount(AdapterAccount {
                access_token: owned(*access_token),
                expires_at: *expires_at,
                token_type: Some("bearer".into()),
                ..AdapterAccount::new(resolve(user), AccountType::from(*kind), *provider, *id)
            }),
            Op::UnlinkAccount { provider, id } => {
                Call::UnlinkAccount((*provider).into(), (*id).into())
            }
            Op::GetAccount { provider, id } => Call::GetAccount((*provider).into(), (*id).into()),
            Op::UpdateAccount {
                provider,
                id,
                access_token,
                refresh_token,
                expires_at,
            } => Call::UpdateAccount(AccountUpdate {
                access_token: owned2(*access_token),
                refresh_token: owned2(*refresh_token),
                expires_at: *expires_at,
                ..AccountUpdate::new(*provider, *id)
            }),
            Op::CreateSession {
                user,
                token,
                expires_min,
            } => Call::CreateSession(AdapterSession {
                session_token: (*token).into(),
                user_id: resolve(user),
                expires: expires(*expires_min),
            }),
            Op::GetSessionAndUser(t) => Call::GetSessionAndUser((*t).into()),
            Op::UpdateSession { token, expires_min } => Call::UpdateSession(SessionUpdate {
                session_token: (*token).into(),
                expires: expires_min.map(expires),
            }),
            Op::DeleteSession(t) => Call::DeleteSession((*t).into()),
            Op::DeleteSessionsByUserId(u) => Call::DeleteSessionsByUserId(resolve(u)),
            Op::CreateVerificationToken {
                identifier,
                token,
                expires_min,
            } => Call::CreateVerificationToken(VerificationToken {
                identifier: (*identifier).into(),
                token: (*token).into(),
                expires: expires(*expires_min),
            }),
            Op::UseVerificationToken { identifier, token } => {
                Call::UseVerificationToken((*identifier).into(), (*token).into())
            }
            Op::CreateAuthenticator {
                user,
                credential_id,
                counter,
                backed_up,
                transports,
            } => Call::CreateAuthenticator(AdapterAuthenticator {
                credential_id: (*credential_id).into(),
                user_id: resolve(user),
                provider_account_id: (*credential_id).into(),
                credential_public_key: "cHVibGljLWtleQ==".into(),
                counter: *counter,
                credential_device_type: "multiDevice".into(),
                credential_backed_up: *backed_up,
                transports: owned(*transports),
            }),
            Op::GetAuthenticator(c) => Call::GetAuthenticator((*c).into()),
            Op::ListAuthenticatorsByUserId(u) => Call::ListAuthenticatorsByUserId(resolve(u)),
            Op::UpdateAuthenticatorCounter {
                credential_id,
                counter,
            } => Call::UpdateAuthenticatorCounter((*credential_id).into(), *counter),
            Op::DeleteExpired { at_min } => Call::DeleteExpired(at(*at_min)),
        }
    }
}

// ---- pools -------------------------------------------------------------------------------

fn leak(s: String) -> &'static str {
    s.leak()
}

/// 256 characters: one over the limit.
static LONG_NAME: LazyLock<&'static str> = LazyLock::new(|| leak("n".repeat(256)));
static LONG_EMAIL: LazyLock<&'static str> =
    LazyLock::new(|| leak(format!("{}@example.com", "e".repeat(256 - 12))));
static LONG_TOKEN: LazyLock<&'static str> = LazyLock::new(|| leak("s".repeat(256)));

pub(crate) const UNKNOWN_USERS: &[&str] = &[
    "",
    "0",
    "nobody",
    "a\0b",
    "00000000-0000-0000-0000-000000000000",
];

pub(crate) fn emails() -> Vec<&'static str> {
    vec![
        "ada@example.com",
        "Ada@example.com",
        "bob@example.com",
        "ü:?@例え.jp",
        "nul\0@example.com",
        "",
        *LONG_EMAIL,
    ]
}

fn valid_emails() -> Vec<&'static str> {
    vec![
        "ada@example.com",
        "Ada@example.com",
        "bob@example.com",
        "ü:?@例え.jp",
    ]
}

fn names() -> BoxedStrategy<Option<&'static str>> {
    let valid = vec![None, Some("Ada"), Some("Zoë 🦀")];
    prop_oneof![8 => select(valid), 1 => Just(Some(*LONG_NAME))].boxed()
}

fn images() -> BoxedStrategy<Option<&'static str>> {
    let valid = vec![None, Some("https://example.com/b.png")];
    prop_oneof![8 => select(valid), 1 => Just(Some("nul\0"))].boxed()
}

fn verified() -> Vec<Option<i64>> {
    vec![None, Some(1_795_000_409_559), Some(1_700_000_000_001)]
}

// ("a:b", "c") and ("a", "b:c") join alike with `:`, as a store's key might join them.
pub(crate) const PROVIDERS: &[&str] = &["github", "prö:vider?", "a:b", "a", ""];
pub(crate) const ACCOUNT_IDS: &[&str] = &["1", "ü:1?", "c", "b:c", ""];
const KINDS: &[&str] = &["oauth", "oidc", "custom"];
fn access_tokens() -> BoxedStrategy<Option<&'static str>> {
    let valid = vec![None, Some("at-1"), Some("at:2?")];
    prop_oneof![8 => select(valid), 1 => Just(Some("n\0l"))].boxed()
}
const EXPIRES_AT: &[Option<i64>] = &[None, Some(0), Some(1_900_000_000)];

pub(crate) fn session_tokens() -> Vec<&'static str> {
    vec!["s1", "s:2?", "sé3", "", "s\0", *LONG_TOKEN]
}

// ("x:y", "z") and ("x", "y:z") join alike.
pub(crate) const IDENTIFIERS: &[&str] = &["ada@example.com", "ü:?@例え.jp", "x:y", "x", ""];
pub(crate) const TOKENS: &[&str] = &["t1", "t:2?", "z", "y:z", "", "t\0"];
pub(crate) const CREDENTIALS: &[&str] = &["c1", "c+/=", "cré:d?", "", "c\0"];
const COUNTERS: &[u32] = &[0, 1, 7, 1000];
const TRANSPORTS: &[Option<&str>] = &[None, Some("usb,ble,nfc"), Some("internal")];

/// Expiry minutes after [`base`] for created sessions and tokens.
pub(crate) const EXPIRY_MINUTES: std::ops::Range<i64> = 0..3;

// ---- strategies --------------------------------------------------------------------------

/// What the model holds now, as pool values, so that operations mostly name records that
/// exist (hits, duplicates) and sometimes ones that do not.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    /// How many users were created so far.
    pub(crate) created: usize,
    /// The indexes of the users not deleted.
    pub(crate) live: Vec<usize>,
    /// Emails of live users.
    pub(crate) emails: Vec<&'static str>,
    /// Existing account keys.
    pub(crate) accounts: Vec<(&'static str, &'static str)>,
    /// Existing session tokens.
    pub(crate) sessions: Vec<&'static str>,
    /// Existing `(identifier, token)` pairs.
    pub(crate) tokens: Vec<(&'static str, &'static str)>,
    /// Existing credential ids.
    pub(crate) credentials: Vec<&'static str>,
}

/// Mostly a value that exists (when there is one), else `fallback`.
fn prefer<T: Clone + std::fmt::Debug + 'static>(
    existing: &[T],
    fallback: BoxedStrategy<T>,
) -> BoxedStrategy<T> {
    if existing.is_empty() {
        fallback
    } else {
        prop_oneof![2 => select(existing.to_vec()), 1 => fallback].boxed()
    }
}

/// One of the first `valid` values of `pool` mostly, any of them sometimes.
fn mostly_valid(pool: &'static [&'static str], valid: usize) -> BoxedStrategy<&'static str> {
    prop_oneof![8 => select(&pool[..valid]), 1 => select(pool)].boxed()
}

fn session_token(ctx: &Context) -> BoxedStrategy<&'static str> {
    let all = session_tokens();
    let fallback = prop_oneof![8 => select(all[..3].to_vec()), 1 => select(all)].boxed();
    prefer(&ctx.sessions, fallback)
}

fn account_key(ctx: &Context) -> BoxedStrategy<(&'static str, &'static str)> {
    let fallback = (mostly_valid(PROVIDERS, 4), mostly_valid(ACCOUNT_IDS, 4)).boxed();
    prefer(&ctx.accounts, fallback)
}

fn token_key(ctx: &Context) -> BoxedStrategy<(&'static str, &'static str)> {
    let fallback = (mostly_valid(IDENTIFIERS, 4), mostly_valid(TOKENS, 4)).boxed();
    prefer(&ctx.tokens, fallback)
}

fn credential(ctx: &Context) -> BoxedStrategy<&'static str> {
    prefer(&ctx.credentials, mostly_valid(CREDENTIALS, 3))
}

fn email(ctx: &Context) -> BoxedStrategy<&'static str> {
    let fallback = prop_oneof![8 => select(valid_emails()), 1 => select(emails())].boxed();
    prefer(&ctx.emails, fallback)
}

/// Mostly a live user, sometimes a deleted one, sometimes an id nobody has.
fn user_ref(ctx: &Context) -> BoxedStrategy<UserRef> {
    let unknown = select(UNKNOWN_USERS).prop_map(UserRef::Unknown);
    match (ctx.created, ctx.live.is_empty()) {
        (0, _) => unknown.boxed(),
        (created, true) => prop_oneof![
            3 => (0..created).prop_map(UserRef::User),
            1 => unknown,
        ]
        .boxed(),
        (created, false) => prop_oneof![
            12 => select(ctx.live.clone()).prop_map(UserRef::User),
            1 => (0..created).prop_map(UserRef::User),
            1 => unknown,
        ]
        .boxed(),
    }
}

fn maybe<T: Clone + std::fmt::Debug + 'static>(
    inner: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    prop_oneof![1 => Just(None), 1 => inner.prop_map(Some)].boxed()
}

fn expiry() -> impl Strategy<Value = i64> {
    EXPIRY_MINUTES
}

/// Every operation, weighted so that creates come often enough for the others to hit (and
/// mostly creates while there is no user).
pub(crate) fn op(ctx: &Context) -> BoxedStrategy<Op> {
    let u = || user_ref(ctx);
    let create_user_weight = if ctx.live.is_empty() { 30 } else { 5 };
    let arms: Vec<(u32, BoxedStrategy<Op>)> = vec![
        (
            create_user_weight,
            (
                prop_oneof![1 => Just(None), 8 => email(ctx).prop_map(Some)],
                names(),
                select(verified()),
            )
                .prop_map(|(email, name, verified_ms)| Op::CreateUser {
                    email,
                    name,
                    verified_ms,
                })
                .boxed(),
        ),
        (2, u().prop_map(Op::GetUser).boxed()),
        (2, email(ctx).prop_map(Op::GetUserByEmail).boxed()),
        (
            2,
            account_key(ctx)
                .prop_map(|(provider, id)| Op::GetUserByAccount { provider, id })
                .boxed(),
        ),
        (
            4,
            (
                u(),
                maybe(names()),
                maybe(prop_oneof![6 => email(ctx).prop_map(Some), 1 => Just(None)]),
                maybe(select(verified())),
                maybe(images()),
            )
                .prop_map(|(user, name, email, verified_ms, image)| Op::UpdateUser {
                    user,
                    name,
                    email,
                    verified_ms,
                    image,
                })
                .boxed(),
        ),
        (1, u().prop_map(Op::DeleteUser).boxed()),
        (
            4,
            (
                u(),
                account_key(ctx),
                select(KINDS),
                access_tokens(),
                select(EXPIRES_AT),
            )
                .prop_map(|(user, (provider, id), kind, access_token, expires_at)| {
                    Op::LinkAccount {
                        user,
                        provider,
                        id,
                        kind,
                        access_token,
                        expires_at,
                    }
                })
                .boxed(),
        ),
        (
            1,
            account_key(ctx)
                .prop_map(|(provider, id)| Op::UnlinkAccount { provider, id })
                .boxed(),
        ),
        (
            2,
            account_key(ctx)
                .prop_map(|(provider, id)| Op::GetAccount { provider, id })
                .boxed(),
        ),
        (
            2,
            (
                account_key(ctx),
                maybe(access_tokens()),
                maybe(access_tokens()),
                maybe(select(EXPIRES_AT)),
            )
                .prop_map(
                    |((provider, id), access_token, refresh_token, expires_at)| Op::UpdateAccount {
                        provider,
                        id,
                        access_token,
                        refresh_token,
                        expires_at,
                    },
                )
                .boxed(),
        ),
        (
            4,
            (u(), session_token(ctx), expiry())
                .prop_map(|(user, token, expires_min)| Op::CreateSession {
                    user,
                    token,
                    expires_min,
                })
                .boxed(),
        ),
        (
            2,
            session_token(ctx).prop_map(Op::GetSessionAndUser).boxed(),
        ),
        (
            2,
            (
                session_token(ctx),
                prop_oneof![1 => Just(None), 4 => expiry().prop_map(Some)],
            )
                .prop_map(|(token, expires_min)| Op::UpdateSession { token, expires_min })
                .boxed(),
        ),
        (1, session_token(ctx).prop_map(Op::DeleteSession).boxed()),
        (1, u().prop_map(Op::DeleteSessionsByUserId).boxed()),
        (
            3,
            (token_key(ctx), expiry())
                .prop_map(
                    |((identifier, token), expires_min)| Op::CreateVerificationToken {
                        identifier,
                        token,
                        expires_min,
                    },
                )
                .boxed(),
        ),
        (
            2,
            token_key(ctx)
                .prop_map(|(identifier, token)| Op::UseVerificationToken { identifier, token })
                .boxed(),
        ),
        (
            3,
            (
                u(),
                credential(ctx),
                select(COUNTERS),
                any::<bool>(),
                select(TRANSPORTS),
            )
                .prop_map(|(user, credential_id, counter, backed_up, transports)| {
                    Op::CreateAuthenticator {
                        user,
                        credential_id,
                        counter,
                        backed_up,
                        transports,
                    }
                })
                .boxed(),
        ),
        (1, credential(ctx).prop_map(Op::GetAuthenticator).boxed()),
        (1, u().prop_map(Op::ListAuthenticatorsByUserId).boxed()),
        (
            2,
            (credential(ctx), select(COUNTERS))
                .prop_map(|(credential_id, counter)| Op::UpdateAuthenticatorCounter {
                    credential_id,
                    counter,
                })
                .boxed(),
        ),
        (
            1,
            (EXPIRY_MINUTES.start..=EXPIRY_MINUTES.end)
                .prop_map(|at_min| Op::DeleteExpired { at_min })
                .boxed(),
        ),
    ];
    Union::new_weighted(arms).boxed()
}
