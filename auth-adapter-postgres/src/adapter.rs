//! [`PostgresAdapter`]: the [`Adapter`] trait over a sqlx `PgPool`.

mod counters;
mod tokens;

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

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
use sqlx::{ConnectOptions, PgPool, Row};

use crate::error::map_err;
use crate::layout::Layout;
use crate::literal::Param::{self, Bool, Int4, Int8, Text};
use crate::options::PostgresOptions;
use crate::query::{Protocol, Runner};
use crate::rows::{self, parse_user_id, stored_date};
use crate::schema;
use crate::shape::Shape;
use crate::sql::{Sql, Statements, Variant};
use crate::tool_tables;
use auth_adapter_core::MigrationReport;

/// An Auth.js adapter on PostgreSQL, in the `@auth/pg-adapter`, Prisma or Drizzle layout
/// ([`PostgresOptions::layout`]).
///
/// Cheap to clone (the pool and the statements are shared). See the [crate docs](crate)
/// for the layouts, what [`migrate`](PostgresAdapter::migrate) adds and how errors map.
#[derive(Clone)]
pub struct PostgresAdapter {
    run: Runner,
    options: Arc<PostgresOptions>,
    /// The statements, once known: built at construction for the pg-adapter layout; for
    /// the Prisma and Drizzle layouts, by `migrate` or by the first call, from the
    /// variant the catalog shows.
    ready: Arc<OnceLock<Arc<Ready>>>,
}

/// The statements of the layout's variant, and what the writes must know of it.
#[derive(Debug)]
pub(crate) struct Ready {
    pub(crate) sql: Statements,
    /// `None` for the pg-adapter layout.
    shape: Option<Shape>,
}

impl Ready {
    fn pg_adapter(schema: &str) -> Self {
        Ready {
            sql: Statements::new(schema, &Variant::pg_adapter(schema)),
            shape: None,
        }
    }

    fn of(schema: &str, shape: Shape) -> Self {
        Ready {
            sql: Statements::new(schema, &Variant::of(schema, &shape)),
            shape: Some(shape),
        }
    }

    /// A user id as the statements take it: the `int4` of pg-adapter's `SERIAL` (text
    /// that is not one names no user: `None`), or the text of the other layouts (`None`
    /// for text no row can hold).
    pub(crate) fn user_id<'a>(&self, id: &'a str) -> Option<Param<'a>> {
        match self.shape {
            None => parse_user_id(id).map(Int4),
            Some(_) => is_storable_key(id).then_some(Text(Some(id))),
        }
    }

    /// A date of the layout's tables, cut to the millisecond: `timestamptz`, or the UTC
    /// wall-clock time for `timestamp` columns.
    fn date(&self, date: Option<DateTime<Utc>>) -> Param<'static> {
        self.instant(date.map(stored_date))
    }

    /// An instant compared with the layout's dates, as it is.
    fn instant(&self, date: Option<DateTime<Utc>>) -> Param<'static> {
        match &self.shape {
            Some(shape) if shape.naive_dates => Param::Naive(date),
            _ => Param::Date(date),
        }
    }

    /// The `integer` columns of the Prisma and Drizzle layouts (`expires_at`, `counter`)
    /// hold 32 bits; pg-adapter's are `BIGINT`.
    fn int4_columns(&self) -> bool {
        self.shape.is_some()
    }

    fn layout_name(&self) -> &'static str {
        self.shape
            .as_ref()
            .map_or("pg-adapter", |s| s.layout.name())
    }

    /// A user without email where the layout's `email` is `NOT NULL`.
    fn check_email(&self, email: Option<&str>) -> Result<()> {
        match &self.shape {
            Some(shape) if shape.email_required && email.is_none() => Err(AdapterError::invalid(
                "email",
                format!(
                    "is required: the {} layout's users table has email NOT NULL",
                    shape.layout.name()
                ),
            )),
            _ => Ok(()),
        }
    }

    fn check_expires_at(&self, value: Option<i64>) -> Result<()> {
        match value {
            Some(v) if self.int4_columns() && i32::try_from(v).is_err() => {
                Err(AdapterError::invalid(
                    "expires_at",
                    format!(
                        "is outside the integer column's range (-2147483648 ..= 2147483647 seconds) in the {} layout",
                        self.layout_name()
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    fn check_counter(&self, counter: u32) -> Result<()> {
        if self.int4_columns() && i32::try_from(counter).is_err() {
            return Err(AdapterError::invalid(
                "counter",
                format!(
                    "is over 2147483647, the largest the integer column holds in the {} layout",
                    self.layout_name()
                ),
            ));
        }
        Ok(())
    }

    /// A new id for an account or session row where the variant has one the client fills.
    fn row_id(&self, has_id: impl Fn(&Shape) -> bool) -> Option<String> {
        self.shape
            .as_ref()
            .filter(|s| has_id(s))
            .map(|s| s.layout.new_id())
    }
}

impl fmt::Debug for PostgresAdapter {
    // Neither the pool's connect options (they hold the password) nor any statement.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresAdapter")
            .field("options", &self.options)
            .field("pool_size", &self.pool().size())
            .field("pool_closed", &self.pool().is_closed())
            .finish_non_exhaustive()
    }
}

impl PostgresAdapter {
    /// An adapter on a pool you already have (only the schema and
    /// [`transaction_pooler`](PostgresOptions::transaction_pooler) of `options` apply: the
    /// pool keeps its own size, timeouts and connect options; under `transaction_pooler`,
    /// build it as [`connect`](PostgresAdapter::connect) does, with
    /// `PgConnectOptions::extra_float_digits(None)` for PgBouncer and
    /// `.disable_statement_logging()`, since the statements then hold their values). A bad option is
    /// [`AdapterError::InvalidInput`].
    pub fn from_pool(pool: PgPool, options: PostgresOptions) -> Result<Self> {
        options.validate()?;
        let protocol = if options.get_transaction_pooler() {
            Protocol::Simple
        } else {
            Protocol::Prepared
        };
        let ready = OnceLock::new();
        if options.get_layout() == Layout::PgAdapter {
            let _ = ready.set(Arc::new(Ready::pg_adapter(options.get_schema())));
        }
        Ok(PostgresAdapter {
            run: Runner::new(pool, protocol, options.get_tables()),
            ready: Arc::new(ready),
            options: Arc::new(options),
        })
    }

    /// Connects to the server at `url` (`postgres://user:password@host:port/db?…`) with
    /// `options` (`PostgresOptions::default()` for the defaults): opens one connection
    /// right away, so an unreachable server is reported here, as a transient
    /// [`AdapterError::Backend`]. A URL that does not parse is `InvalidInput` (field
    /// `url`, without echoing it: it may hold a password), and so is a bad option.
    ///
    /// When `url` reaches PostgreSQL through a pooler in transaction mode (PgBouncer with
    /// `pool_mode = transaction`, Supavisor's transaction port, a managed service's
    /// "pooled" connection string), set
    /// [`PostgresOptions::transaction_pooler`]: otherwise the prepared statements sqlx
    /// keeps per connection meet other clients' on the server connections the pooler
    /// shares (`42P05 prepared statement "sqlx_s_1" already exists`), and PgBouncer
    /// refuses the connection outright over sqlx's `extra_float_digits` startup
    /// parameter. With it, every call is still one round trip; see the
    /// [crate docs](crate#transaction-poolers). A direct connection, or a pooler in
    /// session mode, needs nothing.
    pub async fn connect(url: &str, options: PostgresOptions) -> Result<Self> {
        options.validate()?;
        let mut connect = PgConnectOptions::from_str(url)
            .map_err(|_| AdapterError::invalid("url", "is not a valid PostgreSQL URL"))?;
        if options.get_transaction_pooler() {
            // PgBouncer answers an unknown startup parameter with `08P01 unsupported
            // startup parameter` unless `ignore_startup_parameters` lists it. The adapter
            // reads no float in text form, so the server's default is as good.
            connect = connect.extra_float_digits(None);
            // The statements now hold their values, tokens among them: sqlx must not log
            // them (it logs every statement at DEBUG and slow ones at WARN).
            connect = connect.disable_statement_logging();
        }
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

    /// Creates the tables, or adopts existing Auth.js tables, in the configured schema and
    /// layout; see the [crate docs](crate#migrations). Idempotent: a second run changes
    /// nothing and reports [`MigrationReport::is_noop`].
    pub async fn migrate(&self) -> Result<MigrationReport> {
        let schema = self.options.get_schema();
        match self.options.get_layout() {
            Layout::PgAdapter => schema::migrate(self.pool(), schema).await,
            layout => {
                let (report, shape) =
                    tool_tables::migrate(self.pool(), schema, layout, &self.options.get_tables())
                        .await?;
                // The tables that exist are never altered, so a shape read earlier (by a
                // call before this migrate) is this one.
                let _ = self.ready.set(Arc::new(Ready::of(schema, shape)));
                Ok(report)
            }
        }
    }

    /// The layout's statements, reading the variant of a Prisma or Drizzle layout from the
    /// catalog on first use (one round trip, once per adapter; `migrate` does it too). A
    /// missing table is [`AdapterError::Unsupported`] (run `migrate`), and is looked for
    /// again on the next call.
    pub(crate) async fn ready(&self) -> Result<&Ready> {
        if let Some(ready) = self.ready.get() {
            return Ok(ready);
        }
        let schema = self.options.get_schema();
        let catalog_sql = Sql::new(tool_tables::CATALOG.to_owned());
        let rows = self.run.all(&catalog_sql, &[Text(Some(schema))]).await?;
        let catalog = tool_tables::catalog(&rows)?;
        let shape = Shape::detect(
            self.options.get_layout(),
            &self.options.get_tables(),
            schema,
            &catalog,
        )?;
        let _ = self.ready.set(Arc::new(Ready::of(schema, shape)));
        self.ready
            .get()
            .map(|r| &**r)
            .ok_or_else(|| AdapterError::backend_message("the statements were not kept"))
    }

    /// The table layout.
    pub fn layout(&self) -> Layout {
        self.options.get_layout()
    }

    /// The pool, for queries of your own. (Behind a transaction pooler, a query of your
    /// own must not leave a prepared statement behind either: use `sqlx::raw_sql`, or
    /// `.persistent(false)` inside a transaction.)
    pub fn pool(&self) -> &PgPool {
        self.run.pool()
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
        let p = self.ready().await?;
        p.check_email(user.email.as_deref())?;
        let row = match p.shape {
            None => {
                let params = [
                    Text(user.name.as_deref()),
                    Text(user.email.as_deref()),
                    p.date(user.email_verified),
                    Text(user.image.as_deref()),
                ];
                self.run.one(&p.sql.create_user, &params).await?
            }
            Some(ref shape) => {
                // The client makes the id (Prisma's cuid(), Drizzle's randomUUID()).
                let id = shape.layout.new_id();
                let params = [
                    Text(Some(&id)),
                    Text(user.name.as_deref()),
                    Text(user.email.as_deref()),
                    p.date(user.email_verified),
                    Text(user.image.as_deref()),
                ];
                self.run.one(&p.sql.create_user, &params).await?
            }
        };
        rows::user(&row)
    }

    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        let p = self.ready().await?;
        let Some(id) = p.user_id(id) else {
            return Ok(None);
        };
        let row = self.run.optional(&p.sql.get_user, &[id]).await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>> {
        if !is_storable_key(email) {
            return Ok(None);
        }
        let p = self.ready().await?;
        let row = self
            .run
            .optional(&p.sql.get_user_by_email, &[Text(Some(email))])
            .await?;
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
        let p = self.ready().await?;
        let row = self
            .run
            .optional(
                &p.sql.get_user_by_account,
                &[Text(Some(provider)), Text(Some(provider_account_id))],
            )
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn update_user(&self, update: UserUpdate) -> Result<AdapterUser> {
        validate::user_update(&update)?;
        let p = self.ready().await?;
        if let Some(email) = &update.email {
            p.check_email(email.as_deref())?;
        }
        let Some(id) = p.user_id(&update.id) else {
            return Err(AdapterError::not_found(Entity::User));
        };
        let (set_name, name) = set_or_keep(&update.name);
        let (set_email, email) = set_or_keep(&update.email);
        let (set_verified, verified) = set_or_keep(&update.email_verified);
        let (set_image, image) = set_or_keep(&update.image);
        let row = self
            .run
            .optional(
                &p.sql.update_user,
                &[
                    id,
                    Bool(set_name),
                    Text(name.as_deref()),
                    Bool(set_email),
                    Text(email.as_deref()),
                    Bool(set_verified),
                    p.date(verified),
                    Bool(set_image),
                    Text(image.as_deref()),
                ],
            )
            .await?;
        match row {
            Some(row) => rows::user(&row),
            None => Err(AdapterError::not_found(Entity::User)),
        }
    }

    async fn delete_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        let p = self.ready().await?;
        let Some(id) = p.user_id(id) else {
            return Ok(None);
        };
        let row = self.run.optional(&p.sql.delete_user, &[id]).await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn link_account(&self, account: AdapterAccount) -> Result<AdapterAccount> {
        validate::account(&account)?;
        let p = self.ready().await?;
        p.check_expires_at(account.expires_at)?;
        let Some(user_id) = p.user_id(&account.user_id) else {
            return Err(AdapterError::not_found(Entity::User));
        };
        let row_id = p.row_id(|s| s.account.id);
        let mut params = vec![
            user_id,
            Text(Some(account.account_type.as_str())),
            Text(Some(&account.provider)),
            Text(Some(&account.provider_account_id)),
            Text(account.refresh_token.as_deref()),
            Text(account.access_token.as_deref()),
            Int8(account.expires_at),
            Text(account.token_type.as_deref()),
            Text(account.scope.as_deref()),
            Text(account.id_token.as_deref()),
            Text(account.session_state.as_deref()),
        ];
        if let Some(id) = &row_id {
            params.push(Text(Some(id)));
        }
        let row = self.run.one(&p.sql.link_account, &params).await?;
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
        let p = self.ready().await?;
        let row = self
            .run
            .optional(
                &p.sql.unlink_account,
                &[Text(Some(provider)), Text(Some(provider_account_id))],
            )
            .await?;
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
        let p = self.ready().await?;
        let row = self
            .run
            .optional(
                &p.sql.get_account,
                &[Text(Some(provider)), Text(Some(provider_account_id))],
            )
            .await?;
        row.as_ref().map(rows::account).transpose()
    }

    async fn update_account(&self, update: AccountUpdate) -> Result<AdapterAccount> {
        validate::account_update(&update)?;
        let p = self.ready().await?;
        p.check_expires_at(update.expires_at.flatten())?;
        let (set_refresh, refresh) = set_or_keep(&update.refresh_token);
        let (set_access, access) = set_or_keep(&update.access_token);
        let (set_expires, expires) = set_or_keep(&update.expires_at);
        let (set_type, token_type) = set_or_keep(&update.token_type);
        let (set_scope, scope) = set_or_keep(&update.scope);
        let (set_id_token, id_token) = set_or_keep(&update.id_token);
        let (set_state, state) = set_or_keep(&update.session_state);
        let row = self
            .run
            .optional(
                &p.sql.update_account,
                &[
                    Text(Some(&update.provider)),
                    Text(Some(&update.provider_account_id)),
                    Bool(set_refresh),
                    Text(refresh.as_deref()),
                    Bool(set_access),
                    Text(access.as_deref()),
                    Bool(set_expires),
                    Int8(expires),
                    Bool(set_type),
                    Text(token_type.as_deref()),
                    Bool(set_scope),
                    Text(scope.as_deref()),
                    Bool(set_id_token),
                    Text(id_token.as_deref()),
                    Bool(set_state),
                    Text(state.as_deref()),
                ],
            )
            .await?;
        match row {
            Some(row) => rows::account(&row),
            None => Err(AdapterError::not_found(Entity::Account)),
        }
    }

    async fn create_session(&self, session: AdapterSession) -> Result<AdapterSession> {
        validate::session(&session)?;
        let p = self.ready().await?;
        let Some(user_id) = p.user_id(&session.user_id) else {
            return Err(AdapterError::not_found(Entity::User));
        };
        let row_id = p.row_id(|s| s.session.id);
        let mut params = vec![
            Text(Some(&session.session_token)),
            user_id,
            p.date(Some(session.expires)),
        ];
        if let Some(id) = &row_id {
            params.push(Text(Some(id)));
        }
        let row = self.run.one(&p.sql.create_session, &params).await?;
        rows::session(&row)
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>> {
        if !is_storable_key(session_token) {
            return Ok(None);
        }
        let p = self.ready().await?;
        let row = self
            .run
            .optional(&p.sql.get_session_and_user, &[Text(Some(session_token))])
            .await?;
        match row {
            Some(row) => Ok(Some((rows::session(&row)?, rows::user_at(&row, 3)?))),
            None => Ok(None),
        }
    }

    async fn update_session(&self, update: SessionUpdate) -> Result<Option<AdapterSession>> {
        validate::session_update(&update)?;
        let p = self.ready().await?;
        let token = Text(Some(&update.session_token));
        let row = match update.expires {
            Some(expires) => {
                let expires = p.date(Some(expires));
                self.run
                    .optional(&p.sql.update_session, &[token, expires])
                    .await?
            }
            None => self.run.optional(&p.sql.get_session, &[token]).await?,
        };
        row.as_ref().map(rows::session).transpose()
    }

    async fn delete_session(&self, session_token: &str) -> Result<Option<AdapterSession>> {
        if !is_storable_key(session_token) {
            return Ok(None);
        }
        let p = self.ready().await?;
        let row = self
            .run
            .optional(&p.sql.delete_session, &[Text(Some(session_token))])
            .await?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn delete_sessions_by_user_id(&self, user_id: &str) -> Result<u64> {
        let p = self.ready().await?;
        let Some(user_id) = p.user_id(user_id) else {
            return Ok(0);
        };
        self.run
            .execute(&p.sql.delete_sessions_by_user_id, &[user_id])
            .await
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken> {
        validate::verification_token(&token)?;
        let p = self.ready().await?;
        let row = self
            .run
            .one(
                &p.sql.create_verification_token,
                &[
                    Text(Some(&token.identifier)),
                    Text(Some(&token.token)),
                    p.date(Some(token.expires)),
                ],
            )
            .await?;
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
        let p = self.ready().await?;
        let row = self
            .run
            .optional(
                &p.sql.use_verification_token,
                &[Text(Some(identifier)), Text(Some(token))],
            )
            .await?;
        row.as_ref().map(rows::verification_token).transpose()
    }

    async fn create_authenticator(
        &self,
        authenticator: AdapterAuthenticator,
    ) -> Result<AdapterAuthenticator> {
        validate::authenticator(&authenticator)?;
        let p = self.ready().await?;
        p.check_counter(authenticator.counter)?;
        let Some(user_id) = p.user_id(&authenticator.user_id) else {
            return Err(AdapterError::not_found(Entity::User));
        };
        let row = self
            .run
            .one(
                &p.sql.create_authenticator,
                &[
                    Text(Some(&authenticator.credential_id)),
                    user_id,
                    Text(Some(&authenticator.provider_account_id)),
                    Text(Some(&authenticator.credential_public_key)),
                    Int8(Some(i64::from(authenticator.counter))),
                    Text(Some(&authenticator.credential_device_type)),
                    Bool(authenticator.credential_backed_up),
                    Text(authenticator.transports.as_deref()),
                ],
            )
            .await?;
        rows::authenticator(&row)
    }

    async fn get_authenticator(&self, credential_id: &str) -> Result<Option<AdapterAuthenticator>> {
        if !is_storable_key(credential_id) {
            return Ok(None);
        }
        let p = self.ready().await?;
        let row = self
            .run
            .optional(&p.sql.get_authenticator, &[Text(Some(credential_id))])
            .await?;
        row.as_ref().map(rows::authenticator).transpose()
    }

    async fn list_authenticators_by_user_id(
        &self,
        user_id: &str,
    ) -> Result<Vec<AdapterAuthenticator>> {
        let p = self.ready().await?;
        let Some(user_id) = p.user_id(user_id) else {
            return Ok(Vec::new());
        };
        let found = self
            .run
            .all(&p.sql.list_authenticators_by_user_id, &[user_id])
            .await?;
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
        let p = self.ready().await?;
        p.check_counter(counter)?;
        let row = self
            .run
            .optional(
                &p.sql.update_authenticator_counter,
                &[Text(Some(credential_id)), Int8(Some(i64::from(counter)))],
            )
            .await?;
        match row {
            Some(row) => rows::authenticator(&row),
            None => Err(AdapterError::not_found(Entity::Authenticator)),
        }
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> Result<ExpiredCount> {
        let p = self.ready().await?;
        let row = self
            .run
            .one(&p.sql.delete_expired, &[p.instant(Some(now))])
            .await?;
        let sessions: i64 = row.try_get(0).map_err(map_err)?;
        let tokens: i64 = row.try_get(1).map_err(map_err)?;
        Ok(ExpiredCount {
            sessions: u64::try_from(sessions).unwrap_or(0),
            verification_tokens: u64::try_from(tokens).unwrap_or(0),
        })
    }
}
