//! [`PostgresAdapter`]: the [`Adapter`] trait over a sqlx `PgPool`.

mod counters;
mod tokens;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use auth_adapter_core::backend::set_or_keep;
use auth_adapter_core::backend::validate::{self, is_storable_key};
use auth_adapter_core::{
    AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterError, AdapterSession,
    AdapterUser, Entity, ExpiredCount, NewUser, Result, SessionUpdate, UserUpdate,
    VerificationToken,
};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};

use crate::error::map_err;
use crate::options::PostgresOptions;
use crate::rows::{self, parse_user_id, stored_date};
use crate::schema;
use crate::sql::Statements;
use auth_adapter_core::MigrationReport;

/// An Auth.js adapter on PostgreSQL, in the `@auth/pg-adapter` layout.
///
/// Cheap to clone (the pool and the statements are shared). See the [crate docs](crate)
/// for the layout, what [`migrate`](PostgresAdapter::migrate) adds and how errors map.
#[derive(Clone)]
pub struct PostgresAdapter {
    pool: PgPool,
    options: Arc<PostgresOptions>,
    sql: Arc<Statements>,
}

impl fmt::Debug for PostgresAdapter {
    // Neither the pool's connect options (they hold the password) nor any statement.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresAdapter")
            .field("options", &self.options)
            .field("pool_size", &self.pool.size())
            .field("pool_closed", &self.pool.is_closed())
            .finish_non_exhaustive()
    }
}

impl PostgresAdapter {
    /// An adapter on a pool you already have (only the schema of `options` applies: the
    /// pool keeps its own size and timeouts). A bad option is
    /// [`AdapterError::InvalidInput`].
    pub fn from_pool(pool: PgPool, options: PostgresOptions) -> Result<Self> {
        options.validate()?;
        Ok(PostgresAdapter {
            pool,
            sql: Arc::new(Statements::new(options.get_schema())),
            options: Arc::new(options),
        })
    }

    /// Connects to the server at `url` (`postgres://user:password@host:port/db?…`) with
    /// `options` (`PostgresOptions::default()` for the defaults): opens one connection
    /// right away, so an unreachable server is reported here, as a transient
    /// [`AdapterError::Backend`]. A URL that does not parse is `InvalidInput` (field
    /// `url`, without echoing it: it may hold a password), and so is a bad option.
    pub async fn connect(url: &str, options: PostgresOptions) -> Result<Self> {
        options.validate()?;
        let connect = PgConnectOptions::from_str(url)
            .map_err(|_| AdapterError::invalid("url", "is not a valid PostgreSQL URL"))?;
        // sqlx pings a connection when it is released (after the caller has its answer)
        // and, by default, again when it is acquired: that second ping would put a
        // second round trip in front of every `get_session_and_user`. A connection that
        // died while idle fails its query instead, as a transient `Backend` error.
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(options.get_max_connections())
            .acquire_timeout(options.get_acquire_timeout())
            .connect_with(connect)
            .await
            .map_err(map_err)?;
        PostgresAdapter::from_pool(pool, options)
    }

    /// Creates the tables, or adopts existing Auth.js tables, in the configured schema; see
    /// the [crate docs](crate#migrations). Idempotent: a second run changes nothing and
    /// reports [`MigrationReport::is_noop`].
    pub async fn migrate(&self) -> Result<MigrationReport> {
        schema::migrate(&self.pool, self.options.get_schema()).await
    }

    /// The pool, for queries of your own.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The options this adapter runs with.
    pub fn options(&self) -> &PostgresOptions {
        &self.options
    }
}

#[async_trait]
impl Adapter for PostgresAdapter {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser> {
        validate::new_user(&user)?;
        let row = sqlx::query(self.sql.create_user.get())
            .bind(&user.name)
            .bind(&user.email)
            .bind(user.email_verified.map(stored_date))
            .bind(&user.image)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        rows::user(&row)
    }

    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        let Some(id) = parse_user_id(id) else {
            return Ok(None);
        };
        let row = sqlx::query(self.sql.get_user.get())
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>> {
        if !is_storable_key(email) {
            return Ok(None);
        }
        let row = sqlx::query(self.sql.get_user_by_email.get())
            .bind(email)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>> {
        if !is_storable_key(provider) || !is_storable_key(provider_account_id) {
            return Ok(None);
        }
        let row = sqlx::query(self.sql.get_user_by_account.get())
            .bind(provider)
            .bind(provider_account_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn update_user(&self, update: UserUpdate) -> Result<AdapterUser> {
        validate::user_update(&update)?;
        let Some(id) = parse_user_id(&update.id) else {
            return Err(AdapterError::not_found(Entity::User));
        };
        let (set_name, name) = set_or_keep(&update.name);
        let (set_email, email) = set_or_keep(&update.email);
        let (set_verified, verified) = set_or_keep(&update.email_verified);
        let (set_image, image) = set_or_keep(&update.image);
        let row = sqlx::query(self.sql.update_user.get())
            .bind(id)
            .bind(set_name)
            .bind(name)
            .bind(set_email)
            .bind(email)
            .bind(set_verified)
            .bind(verified.map(stored_date))
            .bind(set_image)
            .bind(image)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        match row {
            Some(row) => rows::user(&row),
            None => Err(AdapterError::not_found(Entity::User)),
        }
    }

    async fn delete_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        let Some(id) = parse_user_id(id) else {
            return Ok(None);
        };
        let row = sqlx::query(self.sql.delete_user.get())
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn link_account(&self, account: AdapterAccount) -> Result<AdapterAccount> {
        validate::account(&account)?;
        let Some(user_id) = parse_user_id(&account.user_id) else {
            return Err(AdapterError::not_found(Entity::User));
        };
        let row = sqlx::query(self.sql.link_account.get())
            .bind(user_id)
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
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        rows::account(&row)
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        if !is_storable_key(provider) || !is_storable_key(provider_account_id) {
            return Ok(None);
        }
        let row = sqlx::query(self.sql.unlink_account.get())
            .bind(provider)
            .bind(provider_account_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::account).transpose()
    }

    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        if !is_storable_key(provider) || !is_storable_key(provider_account_id) {
            return Ok(None);
        }
        let row = sqlx::query(self.sql.get_account.get())
            .bind(provider)
            .bind(provider_account_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::account).transpose()
    }

    async fn update_account(&self, update: AccountUpdate) -> Result<AdapterAccount> {
        validate::account_update(&update)?;
        let (set_refresh, refresh) = set_or_keep(&update.refresh_token);
        let (set_access, access) = set_or_keep(&update.access_token);
        let (set_expires, expires) = set_or_keep(&update.expires_at);
        let (set_type, token_type) = set_or_keep(&update.token_type);
        let (set_scope, scope) = set_or_keep(&update.scope);
        let (set_id_token, id_token) = set_or_keep(&update.id_token);
        let (set_state, state) = set_or_keep(&update.session_state);
        let row = sqlx::query(self.sql.update_account.get())
            .bind(&update.provider)
            .bind(&update.provider_account_id)
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
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        match row {
            Some(row) => rows::account(&row),
            None => Err(AdapterError::not_found(Entity::Account)),
        }
    }

    async fn create_session(&self, session: AdapterSession) -> Result<AdapterSession> {
        validate::session(&session)?;
        let Some(user_id) = parse_user_id(&session.user_id) else {
            return Err(AdapterError::not_found(Entity::User));
        };
        let row = sqlx::query(self.sql.create_session.get())
            .bind(&session.session_token)
            .bind(user_id)
            .bind(stored_date(session.expires))
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        rows::session(&row)
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
        validate::session_update(&update)?;
        let row = match update.expires {
            Some(expires) => sqlx::query(self.sql.update_session.get())
                .bind(&update.session_token)
                .bind(stored_date(expires))
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?,
            None => sqlx::query(self.sql.get_session.get())
                .bind(&update.session_token)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?,
        };
        row.as_ref().map(rows::session).transpose()
    }

    async fn delete_session(&self, session_token: &str) -> Result<Option<AdapterSession>> {
        if !is_storable_key(session_token) {
            return Ok(None);
        }
        let row = sqlx::query(self.sql.delete_session.get())
            .bind(session_token)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn delete_sessions_by_user_id(&self, user_id: &str) -> Result<u64> {
        let Some(user_id) = parse_user_id(user_id) else {
            return Ok(0);
        };
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
        validate::verification_token(&token)?;
        let row = sqlx::query(self.sql.create_verification_token.get())
            .bind(&token.identifier)
            .bind(&token.token)
            .bind(stored_date(token.expires))
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        rows::verification_token(&row)
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>> {
        if !is_storable_key(identifier) || !is_storable_key(token) {
            return Ok(None);
        }
        let row = sqlx::query(self.sql.use_verification_token.get())
            .bind(identifier)
            .bind(token)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::verification_token).transpose()
    }

    async fn create_authenticator(
        &self,
        authenticator: AdapterAuthenticator,
    ) -> Result<AdapterAuthenticator> {
        validate::authenticator(&authenticator)?;
        let Some(user_id) = parse_user_id(&authenticator.user_id) else {
            return Err(AdapterError::not_found(Entity::User));
        };
        let row = sqlx::query(self.sql.create_authenticator.get())
            .bind(&authenticator.credential_id)
            .bind(user_id)
            .bind(&authenticator.provider_account_id)
            .bind(&authenticator.credential_public_key)
            .bind(i64::from(authenticator.counter))
            .bind(&authenticator.credential_device_type)
            .bind(authenticator.credential_backed_up)
            .bind(&authenticator.transports)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        rows::authenticator(&row)
    }

    async fn get_authenticator(&self, credential_id: &str) -> Result<Option<AdapterAuthenticator>> {
        if !is_storable_key(credential_id) {
            return Ok(None);
        }
        let row = sqlx::query(self.sql.get_authenticator.get())
            .bind(credential_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::authenticator).transpose()
    }

    async fn list_authenticators_by_user_id(
        &self,
        user_id: &str,
    ) -> Result<Vec<AdapterAuthenticator>> {
        let Some(user_id) = parse_user_id(user_id) else {
            return Ok(Vec::new());
        };
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
        let row = sqlx::query(self.sql.update_authenticator_counter.get())
            .bind(credential_id)
            .bind(i64::from(counter))
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        match row {
            Some(row) => rows::authenticator(&row),
            None => Err(AdapterError::not_found(Entity::Authenticator)),
        }
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> Result<ExpiredCount> {
        let row = sqlx::query(self.sql.delete_expired.get())
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        let sessions: i64 = row.try_get(0).map_err(map_err)?;
        let tokens: i64 = row.try_get(1).map_err(map_err)?;
        Ok(ExpiredCount {
            sessions: u64::try_from(sessions).unwrap_or(0),
            verification_tokens: u64::try_from(tokens).unwrap_or(0),
        })
    }
}
