//! [`MySqlAdapter`]: the [`Adapter`] trait over a sqlx `MySqlPool`.

mod counters;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use auth_adapter_core::backend::set_or_keep;
use auth_adapter_core::backend::validate::is_storable_key;
use auth_adapter_core::{
    AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterError, AdapterSession,
    AdapterUser, Entity, ExpiredCount, MigrationReport, NewUser, Result, SessionUpdate, UserUpdate,
    VerificationToken,
};
use chrono::{DateTime, Utc};
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions, MySqlRow};
use sqlx::{MySqlPool, Transaction};

use crate::checks;
use crate::error::{map_err, map_write_err};
use crate::layout::{Columns, Layout};
use crate::options::MySqlOptions;
use crate::rows::{self, stored_date};
use crate::schema;
use crate::sql::{Sql, Statements};

/// How many times a write that lost a deadlock (InnoDB rolled it back) is tried again
/// before the transient error is returned.
const DEADLOCK_RETRIES: usize = 3;

/// An Auth.js adapter on MySQL 8 or MariaDB ≥ 10.6, in the Prisma or the Drizzle layout.
///
/// Cheap to clone (the pool and the statements are shared). See the [crate docs](crate)
/// for the layouts, their limits and how errors map.
#[derive(Clone)]
pub struct MySqlAdapter {
    pool: MySqlPool,
    options: Arc<MySqlOptions>,
    columns: Columns,
    sql: Arc<Statements>,
}

impl fmt::Debug for MySqlAdapter {
    // Neither the pool's connect options (they hold the password) nor any statement.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MySqlAdapter")
            .field("options", &self.options)
            .field("pool_size", &self.pool.size())
            .field("pool_closed", &self.pool.is_closed())
            .finish_non_exhaustive()
    }
}

impl MySqlAdapter {
    /// An adapter on a pool you already have (only the layout of `options` applies: the
    /// pool keeps its own size and timeouts). Its connections must use the time zone
    /// `+00:00` (sqlx's default) so `TIMESTAMP` columns read as UTC. A bad option is
    /// [`AdapterError::InvalidInput`].
    pub fn from_pool(pool: MySqlPool, options: MySqlOptions) -> Result<Self> {
        options.validate()?;
        let columns = options.get_layout().columns();
        Ok(MySqlAdapter {
            pool,
            sql: Arc::new(Statements::new(&columns)),
            columns,
            options: Arc::new(options),
        })
    }

    /// Connects to the server at `url` (`mysql://user:password@host:port/database?…`; TLS
    /// through rustls with `?ssl-mode=required` or `verify_identity`) with `options`:
    /// opens one connection right away, so an unreachable server is reported here, as a
    /// transient [`AdapterError::Backend`]. A URL that does not parse is `InvalidInput`
    /// (field `url`, without echoing it: it may hold a password), and so is a bad option.
    pub async fn connect(url: &str, options: MySqlOptions) -> Result<Self> {
        options.validate()?;
        let connect = MySqlConnectOptions::from_str(url)
            .map_err(|_| AdapterError::invalid("url", "is not a valid MySQL URL"))?;
        // sqlx pings a connection when it is released and, by default, again when it is
        // acquired: that second ping would put a second round trip in front of every
        // `get_session_and_user`. A connection that died while idle fails its query
        // instead, as a transient `Backend` error.
        let pool = MySqlPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(options.get_max_connections())
            .acquire_timeout(options.get_acquire_timeout())
            .connect_with(connect)
            .await
            .map_err(map_err)?;
        MySqlAdapter::from_pool(pool, options)
    }

    /// Creates the layout's tables that are missing, or adopts the ones Prisma, Drizzle or
    /// an earlier run made; see the [crate docs](crate#migrations). Idempotent: a second
    /// run changes nothing and reports [`MigrationReport::is_noop`].
    pub async fn migrate(&self) -> Result<MigrationReport> {
        schema::migrate(&self.pool, self.options.get_layout()).await
    }

    /// The pool, for queries of your own.
    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// The options this adapter runs with.
    pub fn options(&self) -> &MySqlOptions {
        &self.options
    }

    /// The table layout.
    pub fn layout(&self) -> Layout {
        self.options.get_layout()
    }

    async fn begin(&self) -> Result<Transaction<'static, sqlx::MySql>> {
        self.pool.begin().await.map_err(map_err)
    }

    async fn fetch_opt<T>(
        &self,
        sql: &Sql,
        keys: &[&str],
        decode: fn(&MySqlRow) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut query = sqlx::query(sql.get());
        for key in keys {
            query = query.bind(*key);
        }
        let row = query.fetch_optional(&self.pool).await.map_err(map_err)?;
        row.as_ref().map(decode).transpose()
    }

    /// Reads a row under its lock and deletes it, in one transaction: of concurrent
    /// callers exactly one gets it (MySQL has no `DELETE … RETURNING`).
    async fn take<T>(
        &self,
        lock: &Sql,
        delete: &Sql,
        keys: &[&str],
        decode: fn(&MySqlRow) -> Result<T>,
    ) -> Result<Option<T>> {
        retry_deadlocks(|| async {
            let mut tx = self.begin().await?;
            let mut query = sqlx::query(lock.get());
            for key in keys {
                query = query.bind(*key);
            }
            let Some(row) = query.fetch_optional(&mut *tx).await.map_err(map_err)? else {
                return Ok(None);
            };
            let taken = decode(&row)?;
            let mut query = sqlx::query(delete.get());
            for key in keys {
                query = query.bind(*key);
            }
            query.execute(&mut *tx).await.map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            Ok(Some(taken))
        })
        .await
    }

    /// A write that names a user: an id no user can have (longer than the id column) is
    /// `NotFound`, as a missing one is.
    fn user_ref(&self, user_id: &str) -> Result<()> {
        if checks::fits_id(&self.columns, user_id) {
            Ok(())
        } else {
            Err(AdapterError::not_found(Entity::User))
        }
    }

    /// A fresh id for an account or session row, where the layout has one (Prisma).
    fn row_id(&self) -> Option<String> {
        self.columns
            .prisma_columns
            .then(|| self.options.get_layout().new_id())
    }
}

/// Runs `attempt` again while it fails with a deadlock (InnoDB rolled it back whole, so
/// running it again is safe), at most [`DEADLOCK_RETRIES`] more times.
async fn retry_deadlocks<T, F, Fut>(attempt: F) -> Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(e) if tries < DEADLOCK_RETRIES && is_deadlock(&e) => tries += 1,
            other => return other,
        }
    }
}

fn is_deadlock(err: &AdapterError) -> bool {
    err.is_transient() && err.to_string().contains("(1213)")
}

#[async_trait]
impl Adapter for MySqlAdapter {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser> {
        checks::new_user(&self.columns, &user)?;
        let created = AdapterUser {
            id: self.options.get_layout().new_id(),
            name: user.name,
            email: user.email,
            email_verified: user.email_verified.map(stored_date),
            image: user.image,
        };
        sqlx::query(self.sql.create_user.get())
            .bind(&created.id)
            .bind(&created.name)
            .bind(&created.email)
            .bind(created.email_verified.map(rows::param))
            .bind(&created.image)
            .execute(&self.pool)
            .await
            .map_err(map_write_err(Entity::User))?;
        Ok(created)
    }

    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        if !is_storable_key(id) {
            return Ok(None);
        }
        self.fetch_opt(&self.sql.get_user, &[id], rows::user).await
    }

    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>> {
        if !is_storable_key(email) {
            return Ok(None);
        }
        self.fetch_opt(&self.sql.get_user_by_email, &[email], rows::user)
            .await
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>> {
        if !is_storable_key(provider) || !is_storable_key(provider_account_id) {
            return Ok(None);
        }
        self.fetch_opt(
            &self.sql.get_user_by_account,
            &[provider, provider_account_id],
            rows::user,
        )
        .await
    }

    async fn update_user(&self, update: UserUpdate) -> Result<AdapterUser> {
        checks::user_update(&self.columns, &update)?;
        let (set_name, name) = set_or_keep(&update.name);
        let (set_email, email) = set_or_keep(&update.email);
        let (set_verified, verified) = set_or_keep(&update.email_verified);
        let (set_image, image) = set_or_keep(&update.image);
        let mut tx = self.begin().await?;
        let done = sqlx::query(self.sql.update_user.get())
            .bind(set_name)
            .bind(name)
            .bind(set_email)
            .bind(email)
            .bind(set_verified)
            .bind(verified.map(rows::param))
            .bind(set_image)
            .bind(image)
            .bind(&update.id)
            .execute(&mut *tx)
            .await
            .map_err(map_write_err(Entity::User))?;
        if done.rows_affected() == 0 {
            return Err(AdapterError::not_found(Entity::User));
        }
        let row = sqlx::query(self.sql.get_user.get())
            .bind(&update.id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows::user(&row)
    }

    async fn delete_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        if !is_storable_key(id) {
            return Ok(None);
        }
        retry_deadlocks(|| async {
            let mut tx = self.begin().await?;
            // The user's row lock keeps new sessions, accounts and authenticators out (their
            // foreign key checks wait for it) until the user is gone.
            let Some(row) = sqlx::query(self.sql.lock_user.get())
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?
            else {
                return Ok(None);
            };
            let user = rows::user(&row)?;
            if !self.columns.cascades {
                for delete in &self.sql.delete_user_rows {
                    sqlx::query(delete.get())
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
            }
            sqlx::query(self.sql.delete_user.get())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            Ok(Some(user))
        })
        .await
    }

    async fn link_account(&self, account: AdapterAccount) -> Result<AdapterAccount> {
        checks::account(&self.columns, &account)?;
        self.user_ref(&account.user_id)?;
        let mut query = sqlx::query(self.sql.link_account.get());
        if let Some(id) = self.row_id() {
            query = query.bind(id);
        }
        query
            .bind(&account.user_id)
            .bind(account.account_type.as_str())
            .bind(&account.provider)
            .bind(&account.provider_account_id)
            .bind(&account.refresh_token)
            .bind(&account.access_token)
            .bind(account.expires_at)
            .bind(&account.token_type)
            .bind(&account.scope)
            .bind(&account.id_token)
            .bind(&account.session_state)
            .execute(&self.pool)
            .await
            .map_err(map_write_err(Entity::Account))?;
        Ok(account)
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        if !is_storable_key(provider) || !is_storable_key(provider_account_id) {
            return Ok(None);
        }
        self.take(
            &self.sql.lock_account,
            &self.sql.delete_account,
            &[provider, provider_account_id],
            rows::account,
        )
        .await
    }

    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        if !is_storable_key(provider) || !is_storable_key(provider_account_id) {
            return Ok(None);
        }
        self.fetch_opt(
            &self.sql.get_account,
            &[provider, provider_account_id],
            rows::account,
        )
        .await
    }

    async fn update_account(&self, update: AccountUpdate) -> Result<AdapterAccount> {
        checks::account_update(&self.columns, &update)?;
        let (set_refresh, refresh) = set_or_keep(&update.refresh_token);
        let (set_access, access) = set_or_keep(&update.access_token);
        let (set_expires, expires) = set_or_keep(&update.expires_at);
        let (set_type, token_type) = set_or_keep(&update.token_type);
        let (set_scope, scope) = set_or_keep(&update.scope);
        let (set_id_token, id_token) = set_or_keep(&update.id_token);
        let (set_state, state) = set_or_keep(&update.session_state);
        let mut tx = self.begin().await?;
        let done = sqlx::query(self.sql.update_account.get())
            .bind(set_refresh)
            .bind(refresh)
            .bind(set_access)
            .bind(access)
            .bind(set_expires)
            .bind(expires)
            .bind(set_type)
            .bind(token_type)
            .bind(set_scope)
            .bind(scope)
            .bind(set_id_token)
            .bind(id_token)
            .bind(set_state)
            .bind(state)
            .bind(&update.provider)
            .bind(&update.provider_account_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(AdapterError::not_found(Entity::Account));
        }
        let row = sqlx::query(self.sql.get_account.get())
            .bind(&update.provider)
            .bind(&update.provider_account_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows::account(&row)
    }

    async fn create_session(&self, session: AdapterSession) -> Result<AdapterSession> {
        checks::session(&self.columns, &session)?;
        self.user_ref(&session.user_id)?;
        let session = AdapterSession {
            expires: stored_date(session.expires),
            ..session
        };
        let mut query = sqlx::query(self.sql.create_session.get());
        if let Some(id) = self.row_id() {
            query = query.bind(id);
        }
        query
            .bind(&session.session_token)
            .bind(&session.user_id)
            .bind(rows::param(session.expires))
            .execute(&self.pool)
            .await
            .map_err(map_write_err(Entity::Session))?;
        Ok(session)
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>> {
        if !is_storable_key(session_token) {
            return Ok(None);
        }
        let row = sqlx::query(self.sql.get_session_and_user.get())
            .bind(session_token)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        match row {
            Some(row) => Ok(Some((rows::session(&row)?, rows::user_at(&row, 3)?))),
            None => Ok(None),
        }
    }

    async fn update_session(&self, update: SessionUpdate) -> Result<Option<AdapterSession>> {
        checks::session_update(&self.columns, &update)?;
        let Some(expires) = update.expires else {
            return self
                .fetch_opt(
                    &self.sql.get_session,
                    &[&update.session_token],
                    rows::session,
                )
                .await;
        };
        let mut tx = self.begin().await?;
        let done = sqlx::query(self.sql.update_session.get())
            .bind(rows::param(expires))
            .bind(&update.session_token)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let row = sqlx::query(self.sql.get_session.get())
            .bind(&update.session_token)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows::session(&row).map(Some)
    }

    async fn delete_session(&self, session_token: &str) -> Result<Option<AdapterSession>> {
        if !is_storable_key(session_token) {
            return Ok(None);
        }
        self.take(
            &self.sql.lock_session,
            &self.sql.delete_session,
            &[session_token],
            rows::session,
        )
        .await
    }

    async fn delete_sessions_by_user_id(&self, user_id: &str) -> Result<u64> {
        if !is_storable_key(user_id) {
            return Ok(0);
        }
        let done = sqlx::query(self.sql.delete_sessions_by_user_id.get())
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken> {
        checks::verification_token(&self.columns, &token)?;
        let token = VerificationToken {
            expires: stored_date(token.expires),
            ..token
        };
        sqlx::query(self.sql.create_verification_token.get())
            .bind(&token.identifier)
            .bind(&token.token)
            .bind(rows::param(token.expires))
            .execute(&self.pool)
            .await
            .map_err(map_write_err(Entity::VerificationToken))?;
        Ok(token)
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>> {
        if !is_storable_key(identifier) || !is_storable_key(token) {
            return Ok(None);
        }
        self.take(
            &self.sql.lock_verification_token,
            &self.sql.delete_verification_token,
            &[identifier, token],
            rows::verification_token,
        )
        .await
    }

    async fn create_authenticator(
        &self,
        authenticator: AdapterAuthenticator,
    ) -> Result<AdapterAuthenticator> {
        checks::authenticator(&self.columns, &authenticator)?;
        self.user_ref(&authenticator.user_id)?;
        // `counter` fits an i32: checked above.
        let counter = i32::try_from(authenticator.counter).unwrap_or(i32::MAX);
        sqlx::query(self.sql.create_authenticator.get())
            .bind(&authenticator.credential_id)
            .bind(&authenticator.user_id)
            .bind(&authenticator.provider_account_id)
            .bind(&authenticator.credential_public_key)
            .bind(counter)
            .bind(&authenticator.credential_device_type)
            .bind(authenticator.credential_backed_up)
            .bind(&authenticator.transports)
            .execute(&self.pool)
            .await
            .map_err(map_write_err(Entity::Authenticator))?;
        Ok(authenticator)
    }

    async fn get_authenticator(&self, credential_id: &str) -> Result<Option<AdapterAuthenticator>> {
        if !is_storable_key(credential_id) {
            return Ok(None);
        }
        self.fetch_opt(
            &self.sql.get_authenticator,
            &[credential_id],
            rows::authenticator,
        )
        .await
    }

    async fn list_authenticators_by_user_id(
        &self,
        user_id: &str,
    ) -> Result<Vec<AdapterAuthenticator>> {
        if !is_storable_key(user_id) {
            return Ok(Vec::new());
        }
        let found = sqlx::query(self.sql.list_authenticators_by_user_id.get())
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        found.iter().map(rows::authenticator).collect()
    }

    async fn update_authenticator_counter(
        &self,
        credential_id: &str,
        counter: u32,
    ) -> Result<AdapterAuthenticator> {
        if !is_storable_key(credential_id) {
            return Err(AdapterError::not_found(Entity::Authenticator));
        }
        checks::counter(counter)?;
        let counter = i32::try_from(counter).unwrap_or(i32::MAX);
        let mut tx = self.begin().await?;
        let done = sqlx::query(self.sql.update_authenticator_counter.get())
            .bind(counter)
            .bind(credential_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(AdapterError::not_found(Entity::Authenticator));
        }
        let row = sqlx::query(self.sql.get_authenticator.get())
            .bind(credential_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows::authenticator(&row)
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> Result<ExpiredCount> {
        retry_deadlocks(|| async {
            let mut tx = self.begin().await?;
            let sessions = sqlx::query(self.sql.delete_expired_sessions.get())
                .bind(now.naive_utc())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            let tokens = sqlx::query(self.sql.delete_expired_tokens.get())
                .bind(now.naive_utc())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            Ok(ExpiredCount {
                sessions: sessions.rows_affected(),
                verification_tokens: tokens.rows_affected(),
            })
        })
        .await
    }
}
