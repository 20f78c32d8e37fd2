//! [`RedisAdapter`]: the [`Adapter`] on Redis.

mod counters;
mod tokens;

use std::collections::HashMap;
use std::fmt;

use async_trait::async_trait;
use auth_adapter_core::{
    AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterError, AdapterSession,
    AdapterUser, Entity, ExpiredCount, NewUser, Result, SessionUpdate, UserUpdate,
    VerificationToken,
    backend::{dates, validate},
};
use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use redis::{Client, FromRedisValue, Script, ScriptInvocation};

use crate::codec;
use crate::error::{redis_error, unexpected};
use crate::keys::{self, Keys, is_outside_by_user_index, is_user_id};
use crate::options::RedisOptions;
use crate::scripts::{self, Reply};

/// How often an optimistic read-modify-write is retried when another writer changed the
/// value in between.
const CAS_ATTEMPTS: usize = 32;
/// Keys per `APPLY_EXPIRY` script call (each call is atomic; big batches would block the
/// server for longer).
const EXPIRY_BATCH: usize = 256;
/// `COUNT` hint for `SCAN` in the opt-in sweep.
const SCAN_COUNT: usize = 1000;

/// The Auth.js adapter on Redis, key-compatible with `@auth/unstorage-adapter` and
/// `@auth/upstash-redis-adapter`. See the [crate docs](crate) for the key layout.
///
/// Cheap to clone (the connection is shared); reconnects by itself after a server restart.
#[derive(Clone)]
pub struct RedisAdapter {
    conn: ConnectionManager,
    keys: Keys,
    options: RedisOptions,
    target: String,
}

impl fmt::Debug for RedisAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisAdapter")
            .field("server", &self.target)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The URL without its password (and without a query string, which may carry one).
pub(crate) fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s, r),
        None => return "<redis url>".to_owned(),
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:<redacted>@{host}"),
            None => format!("<redacted>@{host}"),
        },
        None => authority.to_owned(),
    };
    format!("{scheme}://{host}{path}")
}

impl RedisAdapter {
    /// Connects to the server at `url` (`redis://[user:password@]host:port[/db]`,
    /// `rediss://…` is not enabled in this build) with a [`ConnectionManager`], which
    /// reconnects after the server restarts.
    ///
    /// A server that cannot be reached is a transient [`AdapterError::Backend`].
    pub async fn connect(url: &str, options: RedisOptions) -> Result<Self> {
        options.validate()?;
        let client = Client::open(url).map_err(|e| redis_error("URL", e))?;
        let mut config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(options.connection_timeout)
            .set_response_timeout(options.response_timeout)
            .set_number_of_retries(options.reconnect_retries);
        if let Some(max) = options.connection_timeout {
            config = config.set_max_delay(max);
        }
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| redis_error("connect", e))?;
        let mut adapter = Self::from_pool(conn, options)?;
        adapter.target = redact_url(url);
        Ok(adapter)
    }

    /// An adapter on a connection you already have: a [`ConnectionManager`] is this
    /// crate's pool (one multiplexed connection that reconnects by itself). Its own
    /// settings (timeouts, retries) apply; those in `options` are for
    /// [`connect`](Self::connect) only. A bad option is
    /// [`AdapterError::InvalidInput`](auth_adapter_core::AdapterError::InvalidInput).
    pub fn from_pool(conn: ConnectionManager, options: RedisOptions) -> Result<Self> {
        options.validate()?;
        Ok(RedisAdapter {
            conn,
            keys: Keys::new(options.key_prefix.clone()),
            options,
            target: "<connection manager>".to_owned(),
        })
    }

    /// The options this adapter runs with.
    pub fn options(&self) -> &RedisOptions {
        &self.options
    }

    /// The connection, for commands of your own.
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    fn ttl(&self) -> &'static str {
        if self.options.expire_by_ttl { "1" } else { "0" }
    }

    fn invoke(&self, script: &'static Script) -> ScriptInvocation<'static> {
        let mut inv = script.prepare_invoke();
        inv.arg(self.keys.prefix());
        inv
    }

    async fn run<T: FromRedisValue>(&self, inv: &ScriptInvocation<'_>, what: &str) -> Result<T> {
        let mut conn = self.conn.clone();
        inv.invoke_async(&mut conn)
            .await
            .map_err(|e| redis_error(what, e))
    }

    async fn get(&self, key: &str, what: &str) -> Result<Option<String>> {
        let mut conn = self.conn.clone();
        redis::cmd("GET")
            .arg(key)
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(what, e))
    }

    /// Every key matching `pattern` (already glob-escaped), except those starting with
    /// `skip`, whose value is a JSON object with `userId == user_id`.
    async fn scan_owned(&self, kind: &str, skip: &str, user_id: &str) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for (key, raw) in self.scan_values(kind, Some(skip)).await? {
            let owner = serde_json::from_str::<serde_json::Value>(&raw)
                .ok()
                .and_then(|v| v.get("userId").and_then(|u| u.as_str()).map(str::to_owned));
            if owner.as_deref() == Some(user_id) {
                found.push(key);
            }
        }
        Ok(found)
    }

    /// `(key, value)` of every string key `prefix + kind + *`, except `prefix + skip + *`.
    async fn scan_values(&self, kind: &str, skip: Option<&str>) -> Result<Vec<(String, String)>> {
        let pattern = self.keys.pattern(kind);
        let skip = skip.map(|s| format!("{}{}", self.keys.prefix(), s));
        let mut conn = self.conn.clone();
        let mut cursor = 0u64;
        let mut out = Vec::new();
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .cursor_arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(SCAN_COUNT)
                .arg("TYPE")
                .arg("string")
                .query_async(&mut conn)
                .await
                .map_err(|e| redis_error("SCAN", e))?;
            let batch: Vec<String> = batch
                .into_iter()
                .filter(|k| skip.as_ref().is_none_or(|s| !k.starts_with(s.as_str())))
                .collect();
            if !batch.is_empty() {
                let values: Vec<Option<String>> = redis::cmd("MGET")
                    .arg(&batch)
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| redis_error("MGET", e))?;
                out.extend(
                    batch
                        .into_iter()
                        .zip(values)
                        .filter_map(|(k, v)| v.map(|v| (k, v))),
                );
            }
            if next == 0 {
                return Ok(out);
            }
            cursor = next;
        }
    }

    /// The key and value of the account `(provider, provider_account_id)`: at its
    /// Auth.js key when that holds this very account, else at the added key.
    async fn find_account(
        &self,
        provider: &str,
        provider_account_id: &str,
        what: &str,
    ) -> Result<Option<(String, String)>> {
        let mut inv = self.invoke(&scripts::GET_ACCOUNT);
        for key in self.keys.account_keys(provider, provider_account_id) {
            inv.key(key);
        }
        inv.arg(provider).arg(provider_account_id);
        let found: Vec<String> = self.run(&inv, what).await?;
        Ok(pair(found))
    }

    /// The key and value of the verification token `(identifier, token)` (see
    /// [`find_account`](Self::find_account)).
    async fn find_token(&self, identifier: &str, token: &str) -> Result<Option<(String, String)>> {
        let mut inv = self.invoke(&scripts::GET_TOKEN);
        for key in self.keys.token_keys(identifier, token) {
            inv.key(key);
        }
        inv.arg(identifier).arg(token);
        let found: Vec<String> = self.run(&inv, "use_verification_token").await?;
        Ok(pair(found))
    }

    async fn find(&self, target: &Target<'_>, what: &str) -> Result<Option<(String, String)>> {
        match target {
            Target::Key(key) => Ok(self
                .get(key, what)
                .await?
                .map(|raw| ((*key).to_owned(), raw))),
            Target::Account(provider, id) => self.find_account(provider, id, what).await,
            Target::Token(identifier, token) => self.find_token(identifier, token).await,
        }
    }

    /// Read-modify-write with a compare-and-set script, retried while another writer
    /// interferes. `modify` turns the current JSON into the new one (or refuses it).
    async fn compare_and_set<T>(
        &self,
        target: Target<'_>,
        entity: Entity,
        what: &str,
        modify: impl Fn(&str) -> Result<(String, T)>,
    ) -> Result<T> {
        self.cas_loop(target, entity, what, |key, current| {
            let (new, value) = modify(current)?;
            let mut inv = self.invoke(&scripts::COMPARE_AND_SET);
            inv.key(key).arg(current).arg(&new);
            Ok((inv, value))
        })
        .await
    }

    /// The loop under every read-modify-write: read the target, let `step` build the
    /// script that writes the new value only if the value is still `current`, run it, and
    /// start again while another writer got there first (`RETRY`).
    async fn cas_loop<T>(
        &self,
        target: Target<'_>,
        entity: Entity,
        what: &str,
        step: impl Fn(&str, &str) -> Result<(ScriptInvocation<'static>, T)>,
    ) -> Result<T> {
        for _ in 0..CAS_ATTEMPTS {
            let Some((key, current)) = self.find(&target, what).await? else {
                return Err(AdapterError::not_found(entity));
            };
            let (inv, value) = step(&key, &current)?;
            match self.run::<Reply>(&inv, what).await? {
                Reply::Ok => return Ok(value),
                Reply::NotFound => return Err(AdapterError::not_found(entity)),
                Reply::Conflict => return Err(AdapterError::key_taken(entity)),
                Reply::Retry => continue,
                _ => return Err(unexpected(what)),
            }
        }
        Err(contention(what))
    }

    /// The loop under every delete: read the record, decode it (a value that cannot be
    /// read is reported and never removed), and let `script` remove it only if it is still
    /// that value, again while another writer got there first. `decode` answers `None` for
    /// a record that is not the one asked for. → the removed record, or `None`
    async fn remove_if_unchanged<T>(
        &self,
        target: Target<'_>,
        what: &str,
        decode: impl Fn(&str) -> Result<Option<T>>,
        script: impl Fn(&str, &str, &T) -> ScriptInvocation<'static>,
    ) -> Result<Option<T>> {
        for _ in 0..CAS_ATTEMPTS {
            let Some((key, raw)) = self.find(&target, what).await? else {
                return Ok(None);
            };
            let Some(record) = decode(&raw)? else {
                return Ok(None);
            };
            match self
                .run::<Option<Reply>>(&script(&key, &raw, &record), what)
                .await?
            {
                Some(Reply::Ok) => return Ok(Some(record)),
                None => return Ok(None),
                Some(Reply::Retry) => continue,
                Some(_) => return Err(unexpected(what)),
            }
        }
        Err(contention(what))
    }

    /// One page of an expiry zset: members scored up to `max`, from `offset`.
    async fn expiry_page(
        &self,
        zset: &str,
        max: &str,
        offset: usize,
    ) -> Result<Vec<(String, Option<String>)>> {
        let mut inv = self.invoke(&scripts::EXPIRY_CANDIDATES);
        inv.key(zset).arg(max).arg(offset).arg(EXPIRY_BATCH);
        let page: Vec<Vec<String>> = self.run(&inv, "delete_expired").await?;
        Ok(page
            .into_iter()
            .filter_map(|member| {
                let mut it = member.into_iter();
                it.next().map(|key| (key, it.next()))
            })
            .collect())
    }

    async fn apply_expiry(&self, ops: &[ExpiryOp]) -> Result<u64> {
        let mut removed = 0;
        for chunk in ops.chunks(EXPIRY_BATCH) {
            let mut inv = self.invoke(&scripts::APPLY_EXPIRY);
            for op in chunk {
                inv.arg(op.op).arg(&op.key).arg(&op.arg).arg(&op.user_id);
            }
            removed += self.run::<u64>(&inv, "delete_expired").await?;
        }
        Ok(removed)
    }

    /// `delete_expired` for one kind (sessions or tokens).
    async fn expire_kind(&self, kind: ExpiryKind, now: DateTime<Utc>) -> Result<u64> {
        let zset = match kind {
            ExpiryKind::Session => self.keys.sessions_by_expiry(),
            ExpiryKind::Token => self.keys.tokens_by_expiry(),
        };
        let now_ms = now.timestamp_millis();
        // Scores are `expires` in whole ms. With a fraction of a ms in `now`, a member
        // scored `now_ms` expired before `now`; without one, it did not.
        let max = match dates::truncate_to_millis(now) < now {
            true => now_ms.to_string(),
            false => format!("({now_ms}"),
        };
        let mut removed = 0;
        // Phase 1: every member in range leaves it (deleted, forgotten, or re-scored to its
        // real expiry, which is not before `now`), so the first page is read again until
        // it is empty. A member that changed in between is decided again.
        for _ in 0..MAX_EXPIRY_PAGES {
            let page = self.expiry_page(&zset, &max, 0).await?;
            if page.is_empty() {
                break;
            }
            let ops: Vec<ExpiryOp> = page
                .into_iter()
                .filter_map(|(key, raw)| decide_expiry(kind, now, key, raw, true))
                .collect();
            removed += self.apply_expiry(&ops).await?;
        }
        // Phase 2 (TTLs on, `now` in the past): members scored between `now` and the
        // present whose keys Redis already expired are forgotten; live ones stay.
        let present = Utc::now().timestamp_millis();
        if self.options.expire_by_ttl && present > now_ms {
            let max = present.to_string();
            let mut offset = 0;
            for _ in 0..MAX_EXPIRY_PAGES {
                let page = self.expiry_page(&zset, &max, offset).await?;
                if page.is_empty() {
                    break;
                }
                let (gone, live): (Vec<_>, Vec<_>) =
                    page.into_iter().partition(|(_, raw)| raw.is_none());
                offset += live.len();
                let ops: Vec<ExpiryOp> = gone
                    .into_iter()
                    .filter_map(|(key, raw)| decide_expiry(kind, now, key, raw, true))
                    .collect();
                self.apply_expiry(&ops).await?;
            }
        }
        // Opt-in: keys only the JS adapters wrote (in no zset).
        if self.options.sweep_unindexed {
            let (pattern, skip) = match kind {
                ExpiryKind::Session => (keys::SESSION, Some(keys::SESSION_BY_USER)),
                ExpiryKind::Token => (keys::TOKEN, None),
            };
            let ops: Vec<ExpiryOp> = self
                .scan_values(pattern, skip)
                .await?
                .into_iter()
                .filter_map(|(key, raw)| decide_expiry(kind, now, key, Some(raw), false))
                .collect();
            removed += self.apply_expiry(&ops).await?;
        }
        Ok(removed)
    }
}

/// What [`RedisAdapter::compare_and_set`] changes: a record at a known key, or an account
/// wherever [`RedisAdapter::find_account`] finds it.
enum Target<'a> {
    Key(&'a str),
    Account(&'a str, &'a str),
    Token(&'a str, &'a str),
}

/// `{key, value}` from a script, or nothing.
fn pair(found: Vec<String>) -> Option<(String, String)> {
    let mut it = found.into_iter();
    Some((it.next()?, it.next()?))
}

/// Pages of [`EXPIRY_BATCH`] one `delete_expired` pass reads at most (a bound against
/// writers that keep changing the same records).
const MAX_EXPIRY_PAGES: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExpiryKind {
    Session,
    Token,
}

/// One step of `APPLY_EXPIRY`.
#[derive(Debug)]
struct ExpiryOp {
    /// `D` delete if unchanged, `Z` forget the member, `R` re-score.
    op: &'static str,
    key: String,
    /// `D`: the value read; `Z`: `unreadable` or empty; `R`: the new score.
    arg: String,
    /// `D` of a session: its user, whose indexes lose it.
    user_id: String,
}

/// What to do with one expiry candidate. `indexed`: it came from our zset (else from the
/// sweep, where only expired records matter).
fn decide_expiry(
    kind: ExpiryKind,
    now: DateTime<Utc>,
    key: String,
    raw: Option<String>,
    indexed: bool,
) -> Option<ExpiryOp> {
    let op = |op, key, arg, user_id| {
        Some(ExpiryOp {
            op,
            key,
            arg,
            user_id,
        })
    };
    let Some(raw) = raw else {
        return if indexed {
            op("Z", key, String::new(), String::new())
        } else {
            None
        };
    };
    let parsed = match kind {
        ExpiryKind::Session => codec::decode_session(&raw).map(|s| (s.expires, s.user_id)),
        ExpiryKind::Token => codec::decode_token(&raw).map(|t| (t.expires, String::new())),
    };
    match parsed {
        // Unreadable: left in place, no longer tracked.
        Err(_) if indexed => op("Z", key, "unreadable".into(), String::new()),
        Err(_) => None,
        Ok((expires, user_id)) if expires < now => op("D", key, raw, user_id),
        Ok((expires, _)) if indexed => op(
            "R",
            key,
            expires.timestamp_millis().to_string(),
            String::new(),
        ),
        Ok(_) => None,
    }
}

fn contention(what: &str) -> AdapterError {
    AdapterError::transient_message(format!(
        "redis {what}: the value kept changing under concurrent writers"
    ))
}

/// Whether a stored account is the one asked for (a key built from two parts does not
/// say which parts built it).
fn is_account(account: &AdapterAccount, provider: &str, provider_account_id: &str) -> bool {
    account.provider == provider && account.provider_account_id == provider_account_id
}

fn reserved(field: &'static str) -> AdapterError {
    AdapterError::invalid(
        field,
        "starts with `by-user-id:`, which the Auth.js Redis key layout reserves for its indexes",
    )
}

fn email_args(email: &Option<String>) -> (&'static str, &str) {
    match email {
        Some(e) => ("1", e.as_str()),
        None => ("0", ""),
    }
}

#[async_trait]
impl Adapter for RedisAdapter {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser> {
        validate::new_user(&user)?;
        for _ in 0..4 {
            let created = AdapterUser {
                id: uuid::Uuid::new_v4().to_string(),
                name: user.name.clone(),
                email: user.email.clone(),
                email_verified: user.email_verified.map(dates::truncate_to_millis),
                image: user.image.clone(),
            };
            let mut inv = self.invoke(&scripts::CREATE_USER);
            inv.key(self.keys.user(&created.id))
                .arg(&created.id)
                .arg(codec::encode_user(&created));
            if let Some(email) = &created.email {
                inv.arg(email);
            }
            match self.run::<Reply>(&inv, "create_user").await? {
                Reply::Ok => return Ok(created),
                Reply::Conflict => {
                    return Err(AdapterError::key_taken(Entity::User));
                }
                Reply::ConflictId => continue,
                _ => return Err(unexpected("create_user")),
            }
        }
        Err(unexpected("create_user"))
    }

    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        if !is_user_id(id) {
            return Ok(None);
        }
        let user = self
            .get(&self.keys.user(id), "get_user")
            .await?
            .map(|raw| codec::decode_user(&raw))
            .transpose()?;
        Ok(user.filter(|u| u.id == id))
    }

    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>> {
        if !validate::is_storable_key(email) {
            return Ok(None);
        }
        let mut inv = self.invoke(&scripts::GET_USER_BY_EMAIL);
        inv.key(self.keys.email(email));
        let raw: Option<String> = self.run(&inv, "get_user_by_email").await?;
        let user = raw.map(|raw| codec::decode_user(&raw)).transpose()?;
        // The JS adapters never remove an old email index: trust it only if it still holds.
        Ok(user.filter(|u| u.email.as_deref() == Some(email)))
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>> {
        if !validate::is_storable_key(provider) || !validate::is_storable_key(provider_account_id) {
            return Ok(None);
        }
        let mut inv = self.invoke(&scripts::GET_USER_BY_ACCOUNT);
        for key in self.keys.account_keys(provider, provider_account_id) {
            inv.key(key);
        }
        inv.arg(provider).arg(provider_account_id);
        let found: Vec<String> = self.run(&inv, "get_user_by_account").await?;
        let mut it = found.into_iter();
        let Some(account) = it.next() else {
            return Ok(None);
        };
        let account = codec::decode_account(&account)?;
        if !is_account(&account, provider, provider_account_id) {
            return Ok(None);
        }
        let Some(user) = it.next() else {
            return Ok(None);
        };
        let user = codec::decode_user(&user)?;
        Ok((user.id == account.user_id).then_some(user))
    }

    async fn update_user(&self, update: UserUpdate) -> Result<AdapterUser> {
        validate::user_update(&update)?;
        if !is_user_id(&update.id) {
            return Err(AdapterError::not_found(Entity::User));
        }
        let mut update = update;
        if let Some(Some(d)) = update.email_verified {
            update.email_verified = Some(Some(dates::truncate_to_millis(d)));
        }
        let key = self.keys.user(&update.id);
        self.cas_loop(
            Target::Key(&key),
            Entity::User,
            "update_user",
            |key, current| {
                let old = codec::decode_user(current)?;
                let (new_raw, new) = codec::merge_user(current, &update)?;
                let (old_has, old_email) = email_args(&old.email);
                let (new_has, new_email) = email_args(&new.email);
                let mut inv = self.invoke(&scripts::UPDATE_USER);
                inv.key(key)
                    .arg(&update.id)
                    .arg(current)
                    .arg(&new_raw)
                    .arg(old_has)
                    .arg(old_email)
                    .arg(new_has)
                    .arg(new_email);
                let user = AdapterUser {
                    id: update.id.clone(),
                    ..new
                };
                Ok((inv, user))
            },
        )
        .await
    }

    async fn delete_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        if !is_user_id(id) {
            return Ok(None);
        }
        let mut extra = Vec::new();
        if self.options.sweep_unindexed {
            extra.extend(
                self.scan_owned(keys::SESSION, keys::SESSION_BY_USER, id)
                    .await?,
            );
            extra.extend(
                self.scan_owned(keys::ACCOUNT, keys::ACCOUNT_BY_USER, id)
                    .await?,
            );
        }
        let key = self.keys.user(id);
        self.remove_if_unchanged(
            Target::Key(&key),
            "delete_user",
            |raw| Ok(Some(codec::decode_user(raw)?).filter(|u| u.id == id)),
            |key, raw, _| {
                let mut inv = self.invoke(&scripts::DELETE_USER);
                inv.key(key).arg(id).arg(raw);
                for k in &extra {
                    inv.arg(k);
                }
                inv
            },
        )
        .await
    }

    async fn link_account(&self, account: AdapterAccount) -> Result<AdapterAccount> {
        validate::account(&account)?;
        if !is_user_id(&account.user_id) {
            return Err(AdapterError::not_found(Entity::User));
        }
        let mut inv = self.invoke(&scripts::LINK_ACCOUNT);
        for key in self
            .keys
            .account_keys(&account.provider, &account.provider_account_id)
        {
            inv.key(key);
        }
        inv.key(self.keys.user(&account.user_id))
            .arg(&account.user_id)
            .arg(codec::encode_account(&account))
            .arg(&account.provider)
            .arg(&account.provider_account_id);
        match self.run::<Reply>(&inv, "link_account").await? {
            Reply::Ok => Ok(account),
            Reply::NotFound => Err(AdapterError::not_found(Entity::User)),
            Reply::Conflict => Err(AdapterError::key_taken(Entity::Account)),
            Reply::Malformed => Err(codec::malformed(codec::ACCOUNT, "not a JSON object")),
            _ => Err(unexpected("link_account")),
        }
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        if !validate::is_storable_key(provider) || !validate::is_storable_key(provider_account_id) {
            return Ok(None);
        }
        self.remove_if_unchanged(
            Target::Account(provider, provider_account_id),
            "unlink_account",
            |raw| {
                let account = codec::decode_account(raw)?;
                Ok(is_account(&account, provider, provider_account_id).then_some(account))
            },
            |key, raw, account| {
                let mut inv = self.invoke(&scripts::UNLINK_ACCOUNT);
                inv.key(key).arg(raw).arg(&account.user_id);
                inv
            },
        )
        .await
    }

    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        if !validate::is_storable_key(provider) || !validate::is_storable_key(provider_account_id) {
            return Ok(None);
        }
        let account = self
            .find_account(provider, provider_account_id, "get_account")
            .await?
            .map(|(_, raw)| codec::decode_account(&raw))
            .transpose()?;
        Ok(account.filter(|a| is_account(a, provider, provider_account_id)))
    }

    async fn update_account(&self, update: AccountUpdate) -> Result<AdapterAccount> {
        validate::account_update(&update)?;
        let target = Target::Account(&update.provider, &update.provider_account_id);
        self.compare_and_set(target, Entity::Account, "update_account", |raw| {
            let (new, account) = codec::merge_account(raw, &update)?;
            match is_account(&account, &update.provider, &update.provider_account_id) {
                true => Ok((new, account)),
                false => Err(AdapterError::not_found(Entity::Account)),
            }
        })
        .await
    }

    async fn create_session(&self, session: AdapterSession) -> Result<AdapterSession> {
        validate::session(&session)?;
        if !is_outside_by_user_index(&session.session_token) {
            return Err(reserved("sessionToken"));
        }
        if !is_user_id(&session.user_id) {
            return Err(AdapterError::not_found(Entity::User));
        }
        let session = AdapterSession {
            expires: dates::truncate_to_millis(session.expires),
            ..session
        };
        let mut inv = self.invoke(&scripts::CREATE_SESSION);
        inv.key(self.keys.session(&session.session_token))
            .key(self.keys.user(&session.user_id))
            .arg(&session.user_id)
            .arg(codec::encode_session(&session))
            .arg(session.expires.timestamp_millis())
            .arg(self.ttl());
        match self.run::<Reply>(&inv, "create_session").await? {
            Reply::Ok | Reply::Expired => Ok(session),
            Reply::NotFound => Err(AdapterError::not_found(Entity::User)),
            Reply::Conflict => Err(AdapterError::key_taken(Entity::Session)),
            _ => Err(unexpected("create_session")),
        }
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>> {
        if !is_outside_by_user_index(session_token) {
            return Ok(None);
        }
        let mut inv = self.invoke(&scripts::GET_SESSION_AND_USER);
        inv.key(self.keys.session(session_token));
        let found: Vec<String> = self.run(&inv, "get_session_and_user").await?;
        let mut it = found.into_iter();
        let Some(session) = it.next() else {
            return Ok(None);
        };
        let session = codec::decode_session(&session)?;
        let Some(user) = it.next() else {
            return Ok(None);
        };
        let user = codec::decode_user(&user)?;
        let same = session.session_token == session_token && user.id == session.user_id;
        Ok(same.then_some((session, user)))
    }

    async fn update_session(&self, update: SessionUpdate) -> Result<Option<AdapterSession>> {
        validate::session_update(&update)?;
        if !is_outside_by_user_index(&update.session_token) {
            return Ok(None);
        }
        let key = self.keys.session(&update.session_token);
        let Some(expires) = update.expires else {
            let session = self
                .get(&key, "update_session")
                .await?
                .map(|raw| codec::decode_session(&raw))
                .transpose()?;
            return Ok(session.filter(|s| s.session_token == update.session_token));
        };
        let expires = dates::truncate_to_millis(expires);
        for _ in 0..CAS_ATTEMPTS {
            let Some(current) = self.get(&key, "update_session").await? else {
                return Ok(None);
            };
            let (new_raw, session) = codec::merge_session(&current, expires)?;
            if session.session_token != update.session_token {
                return Ok(None);
            }
            let mut inv = self.invoke(&scripts::UPDATE_SESSION);
            inv.key(&key)
                .arg(&current)
                .arg(&new_raw)
                .arg(expires.timestamp_millis())
                .arg(self.ttl())
                .arg(&session.user_id);
            match self.run::<Reply>(&inv, "update_session").await? {
                Reply::Ok | Reply::Expired => return Ok(Some(session)),
                Reply::NotFound => return Ok(None),
                Reply::Retry => continue,
                _ => return Err(unexpected("update_session")),
            }
        }
        Err(contention("update_session"))
    }

    async fn delete_session(&self, session_token: &str) -> Result<Option<AdapterSession>> {
        if !is_outside_by_user_index(session_token) {
            return Ok(None);
        }
        let key = self.keys.session(session_token);
        self.remove_if_unchanged(
            Target::Key(&key),
            "delete_session",
            |raw| {
                let session = codec::decode_session(raw)?;
                Ok((session.session_token == session_token).then_some(session))
            },
            |key, raw, session| {
                let mut inv = self.invoke(&scripts::DELETE_SESSION);
                inv.key(key).arg(raw).arg(&session.user_id);
                inv
            },
        )
        .await
    }

    async fn delete_sessions_by_user_id(&self, user_id: &str) -> Result<u64> {
        if !is_user_id(user_id) {
            return Ok(0);
        }
        let extra = if self.options.sweep_unindexed {
            self.scan_owned(keys::SESSION, keys::SESSION_BY_USER, user_id)
                .await?
        } else {
            Vec::new()
        };
        let mut inv = self.invoke(&scripts::DELETE_SESSIONS_BY_USER);
        inv.arg(user_id);
        for k in &extra {
            inv.arg(k);
        }
        self.run(&inv, "delete_sessions_by_user_id").await
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken> {
        validate::verification_token(&token)?;
        let token = VerificationToken {
            expires: dates::truncate_to_millis(token.expires),
            ..token
        };
        let mut inv = self.invoke(&scripts::CREATE_TOKEN);
        for key in self.keys.token_keys(&token.identifier, &token.token) {
            inv.key(key);
        }
        inv.arg(codec::encode_token(&token))
            .arg(token.expires.timestamp_millis())
            .arg(self.ttl())
            .arg(&token.identifier)
            .arg(&token.token);
        match self.run::<Reply>(&inv, "create_verification_token").await? {
            Reply::Ok | Reply::Expired => Ok(token),
            Reply::Conflict => Err(AdapterError::key_taken(Entity::VerificationToken)),
            Reply::Malformed => Err(codec::malformed(codec::TOKEN, "not a JSON object")),
            _ => Err(unexpected("create_verification_token")),
        }
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>> {
        if !validate::is_storable_key(identifier) || !validate::is_storable_key(token) {
            return Ok(None);
        }
        self.remove_if_unchanged(
            Target::Token(identifier, token),
            "use_verification_token",
            |raw| {
                let found = codec::decode_token(raw)?;
                Ok((found.identifier == identifier && found.token == token).then_some(found))
            },
            |key, raw, _| {
                let mut inv = self.invoke(&scripts::USE_TOKEN);
                inv.key(key).arg(raw);
                inv
            },
        )
        .await
    }

    async fn create_authenticator(
        &self,
        authenticator: AdapterAuthenticator,
    ) -> Result<AdapterAuthenticator> {
        validate::authenticator(&authenticator)?;
        if !is_outside_by_user_index(&authenticator.credential_id) {
            return Err(reserved("credentialID"));
        }
        if !is_user_id(&authenticator.user_id) {
            return Err(AdapterError::not_found(Entity::User));
        }
        let mut inv = self.invoke(&scripts::CREATE_AUTHENTICATOR);
        inv.key(self.keys.authenticator(&authenticator.credential_id))
            .key(self.keys.user(&authenticator.user_id))
            .key(self.keys.authenticator_by_user(&authenticator.user_id))
            .arg(codec::encode_authenticator(&authenticator))
            .arg(&authenticator.credential_id);
        match self.run::<Reply>(&inv, "create_authenticator").await? {
            Reply::Ok => Ok(authenticator),
            Reply::NotFound => Err(AdapterError::not_found(Entity::User)),
            Reply::Conflict => Err(AdapterError::key_taken(Entity::Authenticator)),
            Reply::Malformed => Err(codec::malformed(
                codec::AUTHENTICATOR_LIST,
                "not a JSON array",
            )),
            _ => Err(unexpected("create_authenticator")),
        }
    }

    async fn get_authenticator(&self, credential_id: &str) -> Result<Option<AdapterAuthenticator>> {
        if !is_outside_by_user_index(credential_id) {
            return Ok(None);
        }
        let found = self
            .get(&self.keys.authenticator(credential_id), "get_authenticator")
            .await?
            .map(|raw| codec::decode_authenticator(&raw))
            .transpose()?;
        Ok(found.filter(|a| a.credential_id == credential_id))
    }

    async fn list_authenticators_by_user_id(
        &self,
        user_id: &str,
    ) -> Result<Vec<AdapterAuthenticator>> {
        if !is_user_id(user_id) {
            return Ok(Vec::new());
        }
        let mut inv = self.invoke(&scripts::LIST_AUTHENTICATORS);
        inv.key(self.keys.authenticator_by_user(user_id));
        let found: Vec<String> = self.run(&inv, "list_authenticators_by_user_id").await?;
        let mut it = found.into_iter();
        match it.next().as_deref() {
            Some("OK") => {}
            Some("MALFORMED") => {
                return Err(codec::malformed(
                    codec::AUTHENTICATOR_LIST,
                    "not a JSON array",
                ));
            }
            _ => return Err(unexpected("list_authenticators_by_user_id")),
        }
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for raw in it {
            let a = codec::decode_authenticator(&raw)?;
            // The JS adapter's updateAuthenticatorCounter duplicates ids in the list.
            if a.user_id == user_id && seen.insert(a.credential_id.clone(), ()).is_none() {
                out.push(a);
            }
        }
        Ok(out)
    }

    async fn update_authenticator_counter(
        &self,
        credential_id: &str,
        counter: u32,
    ) -> Result<AdapterAuthenticator> {
        if !is_outside_by_user_index(credential_id) {
            return Err(AdapterError::not_found(Entity::Authenticator));
        }
        let key = self.keys.authenticator(credential_id);
        self.compare_and_set(
            Target::Key(&key),
            Entity::Authenticator,
            "update_authenticator_counter",
            |raw| {
                let (new, a) = codec::merge_counter(raw, counter)?;
                match a.credential_id == credential_id {
                    true => Ok((new, a)),
                    false => Err(AdapterError::not_found(Entity::Authenticator)),
                }
            },
        )
        .await
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> Result<ExpiredCount> {
        let sessions = self.expire_kind(ExpiryKind::Session, now).await?;
        let verification_tokens = self.expire_kind(ExpiryKind::Token, now).await?;
        Ok(ExpiredCount {
            sessions,
            verification_tokens,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_password() {
        assert_eq!(
            redact_url("redis://user:s3cret@host:6379/2"),
            "redis://user:<redacted>@host:6379/2"
        );
        assert_eq!(
            redact_url("redis://:s3cret@host:6379"),
            "redis://:<redacted>@host:6379"
        );
        assert_eq!(redact_url("redis://s3cret@host"), "redis://<redacted>@host");
        assert_eq!(
            redact_url("redis://host:6379/0?password=s3cret"),
            "redis://host:6379/0"
        );
        assert!(!redact_url("s3cret").contains("s3cret"));
    }
}
