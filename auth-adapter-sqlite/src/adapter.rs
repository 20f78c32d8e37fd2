//! [`SqliteAdapter`] and its [`Adapter`] implementation.

mod counters;
mod tokens;

use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use auth_adapter_core::{
    AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterError, AdapterSession,
    AdapterUser, Entity, ExpiredCount, NewUser, Result, SessionUpdate, UserUpdate,
    VerificationToken, backend::validate,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::connections::{Connections, Location};
use crate::errors::{OnConflict, driver_error, write_error};
use crate::layout::{Layout, PRISMA_EARLIEST, PRISMA_LATEST, Shape, Tables};
use crate::options::SqliteOptions;
use crate::rows::{self, Bookkeeping, Flag, Millis, Stamp};
use crate::schema;
use crate::sql::Statements;
use auth_adapter_core::MigrationReport;
use auth_adapter_core::backend::set_or_keep;

const EMAIL_TAKEN: OnConflict = OnConflict::KeyTaken(Entity::User);
const ACCOUNT_TAKEN: OnConflict = OnConflict::KeyTaken(Entity::Account);
const SESSION_TAKEN: OnConflict = OnConflict::KeyTaken(Entity::Session);
const TOKEN_TAKEN: OnConflict = OnConflict::KeyTaken(Entity::VerificationToken);
const CREDENTIAL_TAKEN: OnConflict = OnConflict::KeyTaken(Entity::Authenticator);
/// Statements that cannot violate a unique key; a violation would still be reported.
const NO_KEY: OnConflict = OnConflict::NoKey;

/// An [`Adapter`] over one SQLite database file in the `@auth/drizzle-adapter` or the
/// `@auth/prisma-adapter` layout ([`SqliteOptions::layout`]).
///
/// Cheap to share: hold it in an `Arc` (or `Arc<dyn Adapter>`). Dropping it closes its idle
/// connections right away, on the dropping thread, and needs no runtime (it may be dropped
/// after `block_on` returned, or after the runtime is gone); a connection still running an
/// abandoned call closes when that call ends.
pub struct SqliteAdapter {
    connections: Connections,
    options: SqliteOptions,
    tables: Tables,
    /// The statements for the tables' shape: found when the adapter opens, found again by
    /// every `migrate` (which may create the tables).
    statements: RwLock<Arc<Statements>>,
}

impl std::fmt::Debug for SqliteAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteAdapter")
            .field("connections", &self.connections)
            .field("options", &self.options)
            .finish()
    }
}

impl SqliteAdapter {
    /// Opens (creating if missing) the database file at `path`, in WAL mode. Runs
    /// [`migrate`](SqliteAdapter::migrate) too when the options ask for it.
    ///
    /// Fails if the file cannot be opened or is not a SQLite database; a bad option is
    /// [`AdapterError::InvalidInput`](auth_adapter_core::AdapterError::InvalidInput). Needs
    /// a Tokio runtime.
    pub async fn open(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        options.validate()?;
        let connections = Connections::open_file(path.as_ref(), &options).await?;
        Self::start(connections, options).await
    }

    /// A private in-memory database, for tests: gone when the adapter is dropped. It has a
    /// single connection that serves reads and writes in turn (no parallel readers, no WAL).
    pub async fn open_in_memory(options: SqliteOptions) -> Result<Self> {
        options.validate()?;
        let connections = Connections::open_memory(&options).await?;
        Self::start(connections, options).await
    }

    /// The adapter on `connections`: reads the tables' shape (for the Prisma layout), then
    /// migrates if the options ask for it.
    async fn start(connections: Connections, options: SqliteOptions) -> Result<Self> {
        let tables = options.tables()?;
        let shape = match tables.layout {
            Layout::Prisma => {
                let t = tables.clone();
                connections
                    .read(move |conn| schema::detect(conn, &t))
                    .await?
            }
            _ => Shape::DRIZZLE,
        };
        let statements = RwLock::new(Arc::new(Statements::new(&tables, shape)));
        let adapter = SqliteAdapter {
            connections,
            options,
            tables,
            statements,
        };
        if adapter.options.get_migrate_on_open() {
            adapter.migrate().await?;
        }
        Ok(adapter)
    }

    /// Creates the tables and indexes that are missing, in one transaction; idempotent.
    ///
    /// On a new file it creates the layout exactly as its tool would (drizzle-kit for
    /// [`Layout::Drizzle`](crate::Layout::Drizzle), `prisma migrate` for
    /// [`Layout::Prisma`](crate::Layout::Prisma)), plus this crate's indexes and tables. On a
    /// file that already has the tables (created by that tool, or by an earlier run), it
    /// keeps them and their rows, checks they have the columns this crate uses, and adds
    /// only what is missing (see the [crate docs](crate#layouts)). Then it reads the
    /// tables' shape again (which of Prisma's bookkeeping columns they have). Records
    /// [`SCHEMA_VERSION`](crate::SCHEMA_VERSION) in `PRAGMA user_version`; a file with a
    /// newer version is refused.
    pub async fn migrate(&self) -> Result<MigrationReport> {
        let tables = self.tables.clone();
        let (report, shape) = self
            .connections
            .write(move |conn| schema::migrate(conn, &tables))
            .await?;
        if shape != self.sql().shape {
            let fresh = Arc::new(Statements::new(&self.tables, shape));
            *self
                .statements
                .write()
                .unwrap_or_else(PoisonError::into_inner) = fresh;
        }
        Ok(report)
    }

    /// The statements for the tables as last seen.
    fn sql(&self) -> Arc<Statements> {
        Arc::clone(
            &self
                .statements
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// A date of a Prisma row is written as text with a four-digit year (see the crate
    /// docs); the drizzle layout stores every date the contract has.
    fn check_date(&self, field: &'static str, date: Option<&DateTime<Utc>>) -> Result<()> {
        match date {
            Some(date)
                if self.tables.layout == Layout::Prisma
                    && !(PRISMA_EARLIEST..=PRISMA_LATEST).contains(date) =>
            {
                Err(AdapterError::invalid(
                    field,
                    "is outside 0000-01-01T00:00:00.000Z ..= 9999-12-31T23:59:59.999Z, the \
                     dates the Prisma layout's text columns hold",
                ))
            }
            _ => Ok(()),
        }
    }

    /// A Prisma `Int` is 32 bits: what the JavaScript client can read and write.
    fn check_int(&self, field: &'static str, value: Option<i64>) -> Result<()> {
        match value {
            Some(v) if self.tables.layout == Layout::Prisma && i32::try_from(v).is_err() => {
                Err(AdapterError::invalid(
                    field,
                    "is outside the 32-bit range of the Prisma layout's Int column",
                ))
            }
            _ => Ok(()),
        }
    }

    /// The email where the users table requires one (`email TEXT NOT NULL`).
    fn check_email(sql: &Statements, email: Option<&str>) -> Result<()> {
        if sql.shape.email_required && email.is_none() {
            return Err(AdapterError::invalid(
                "email",
                "is required: the users table's email column is NOT NULL",
            ));
        }
        Ok(())
    }

    /// The options the adapter was opened with.
    pub fn options(&self) -> &SqliteOptions {
        &self.options
    }

    /// The database file, or `None` for an in-memory database.
    pub fn path(&self) -> Option<&Path> {
        match self.connections.location() {
            Location::File(path) => Some(path),
            Location::Memory => None,
        }
    }

    /// Closes every idle connection now, and each busy one when its call ends; calls still
    /// waiting for a connection and later calls fail with a backend error. Dropping the
    /// adapter does the same.
    pub fn close(&self) {
        self.connections.close();
    }

    /// Runs `f` on a reader connection (blocking thread pool). For tests and tools that
    /// inspect the database; the closure must not write (reader connections are
    /// `query_only`).
    #[doc(hidden)]
    pub async fn with_reader<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.connections
            .read(move |conn| f(conn).map_err(driver_error))
            .await
    }

    /// Runs `f` on the writer connection (blocking thread pool), outside any transaction.
    #[doc(hidden)]
    pub async fn with_writer<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.connections
            .write(move |conn| f(conn).map_err(driver_error))
            .await
    }

    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.connections
            .read(move |conn| f(conn).map_err(driver_error))
            .await
    }

    /// One statement on the writer (auto-commit), with `on_conflict` for unique keys.
    async fn write_one<T, F>(&self, on_conflict: OnConflict, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.connections
            .write(move |conn| f(conn).map_err(|e| write_error(e, on_conflict)))
            .await
    }

    /// Several statements on the writer in one `BEGIN IMMEDIATE` transaction: all or nothing.
    async fn write_tx<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T> + Send + 'static,
    {
        self.connections
            .write(move |conn| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(driver_error)?;
                let value = f(&tx)?;
                tx.commit().map_err(driver_error)?;
                Ok(value)
            })
            .await
    }
}

/// Whether the user exists (inside a write transaction, before a row that references it).
fn require_user(conn: &Connection, sql: &Statements, user_id: &str) -> Result<()> {
    let found = conn
        .prepare_cached(&sql.user_exists)
        .and_then(|mut stmt| stmt.query_row([user_id], |_| Ok(())).optional())
        .map_err(driver_error)?;
    found.ok_or(AdapterError::not_found(Entity::User))
}

/// A date as the tables store it.
fn stamp(sql: &Statements, date: DateTime<Utc>) -> Stamp {
    Stamp(date, sql.shape.dates)
}

#[async_trait]
impl Adapter for SqliteAdapter {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser> {
        let sql = self.sql();
        validate::new_user(&user)?;
        Self::check_email(&sql, user.email.as_deref())?;
        self.check_date("emailVerified", user.email_verified.as_ref())?;
        // Drizzle's column default makes a UUID in JS, Prisma's client a cuid.
        let id = match self.tables.layout {
            Layout::Prisma => auth_adapter_core::backend::ids::cuid(),
            _ => uuid::Uuid::new_v4().to_string(),
        };
        self.write_one(EMAIL_TAKEN, move |conn| {
            let verified = user.email_verified.map(|d| stamp(&sql, d));
            let extra = Bookkeeping::insert(sql.shape.user, sql.shape.dates);
            conn.prepare_cached(&sql.insert_user)?.query_row(
                &*extra.params(params![id, user.name, user.email, verified, user.image]),
                |row| rows::user(row, 0),
            )
        })
        .await
    }

    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        let sql = self.sql();
        if !validate::is_storable_key(id) {
            return Ok(None);
        }
        let id = id.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(&sql.select_user)?
                .query_row([id], |row| rows::user(row, 0))
                .optional()
        })
        .await
    }

    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>> {
        let sql = self.sql();
        if !validate::is_storable_key(email) {
            return Ok(None);
        }
        let email = email.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(&sql.select_user_by_email)?
                .query_row([email], |row| rows::user(row, 0))
                .optional()
        })
        .await
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>> {
        let sql = self.sql();
        if !validate::is_storable_key(provider) || !validate::is_storable_key(provider_account_id) {
            return Ok(None);
        }
        let key = [provider.to_owned(), provider_account_id.to_owned()];
        self.read(move |conn| {
            conn.prepare_cached(&sql.select_user_by_account)?
                .query_row(key, |row| rows::user(row, 0))
                .optional()
        })
        .await
    }

    async fn update_user(&self, update: UserUpdate) -> Result<AdapterUser> {
        let sql = self.sql();
        validate::user_update(&update)?;
        if let Some(email) = &update.email {
            Self::check_email(&sql, email.as_deref())?;
        }
        self.check_date(
            "emailVerified",
            update.email_verified.as_ref().and_then(Option::as_ref),
        )?;
        let (set_name, name) = set_or_keep(&update.name);
        let (set_email, email) = set_or_keep(&update.email);
        let (set_verified, verified) = set_or_keep(&update.email_verified);
        let (set_image, image) = set_or_keep(&update.image);
        let updated = self
            .write_one(EMAIL_TAKEN, move |conn| {
                let verified = verified.map(|d| stamp(&sql, d));
                let extra = Bookkeeping::update(sql.shape.user, sql.shape.dates);
                conn.prepare_cached(&sql.update_user)?
                    .query_row(
                        &*extra.params(params![
                            update.id,
                            set_name,
                            name,
                            set_email,
                            email,
                            set_verified,
                            verified,
                            set_image,
                            image
                        ]),
                        |row| rows::user(row, 0),
                    )
                    .optional()
            })
            .await?;
        updated.ok_or(AdapterError::not_found(Entity::User))
    }

    async fn delete_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        let sql = self.sql();
        if !validate::is_storable_key(id) {
            return Ok(None);
        }
        let id = id.to_owned();
        self.write_tx(move |tx| {
            let run = || -> rusqlite::Result<Option<AdapterUser>> {
                // The foreign keys cascade too; deleting explicitly keeps the cascade atomic
                // even on a file whose tables were created without them.
                for statement in &sql.delete_user_children {
                    tx.prepare_cached(statement)?.execute([&id])?;
                }
                tx.prepare_cached(&sql.delete_user)?
                    .query_row([&id], |row| rows::user(row, 0))
                    .optional()
            };
            run().map_err(driver_error)
        })
        .await
    }

    async fn link_account(&self, account: AdapterAccount) -> Result<AdapterAccount> {
        let sql = self.sql();
        validate::account(&account)?;
        self.check_int("expires_at", account.expires_at)?;
        self.write_tx(move |tx| {
            require_user(tx, &sql, &account.user_id)?;
            let extra = Bookkeeping::insert(sql.shape.account, sql.shape.dates);
            tx.prepare_cached(&sql.insert_account)
                .and_then(|mut stmt| {
                    stmt.query_row(
                        &*extra.params(params![
                            account.user_id,
                            account.account_type.as_str(),
                            account.provider,
                            account.provider_account_id,
                            account.refresh_token,
                            account.access_token,
                            account.expires_at,
                            account.token_type,
                            account.scope,
                            account.id_token,
                            account.session_state
                        ]),
                        rows::account,
                    )
                })
                .map_err(|e| write_error(e, ACCOUNT_TAKEN))
        })
        .await
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        let sql = self.sql();
        if !validate::is_storable_key(provider) || !validate::is_storable_key(provider_account_id) {
            return Ok(None);
        }
        let key = [provider.to_owned(), provider_account_id.to_owned()];
        self.write_one(NO_KEY, move |conn| {
            conn.prepare_cached(&sql.delete_account)?
                .query_row(key, rows::account)
                .optional()
        })
        .await
    }

    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        let sql = self.sql();
        if !validate::is_storable_key(provider) || !validate::is_storable_key(provider_account_id) {
            return Ok(None);
        }
        let key = [provider.to_owned(), provider_account_id.to_owned()];
        self.read(move |conn| {
            conn.prepare_cached(&sql.select_account)?
                .query_row(key, rows::account)
                .optional()
        })
        .await
    }

    async fn update_account(&self, update: AccountUpdate) -> Result<AdapterAccount> {
        let sql = self.sql();
        validate::account_update(&update)?;
        let (set_refresh, refresh) = set_or_keep(&update.refresh_token);
        let (set_access, access) = set_or_keep(&update.access_token);
        let (set_expires, expires) = set_or_keep(&update.expires_at);
        let (set_type, token_type) = set_or_keep(&update.token_type);
        let (set_scope, scope) = set_or_keep(&update.scope);
        let (set_id, id_token) = set_or_keep(&update.id_token);
        let (set_state, state) = set_or_keep(&update.session_state);
        self.check_int("expires_at", expires)?;
        let updated = self
            .write_one(NO_KEY, move |conn| {
                let extra = Bookkeeping::update(sql.shape.account, sql.shape.dates);
                conn.prepare_cached(&sql.update_account)?
                    .query_row(
                        &*extra.params(params![
                            update.provider,
                            update.provider_account_id,
                            set_refresh,
                            refresh,
                            set_access,
                            access,
                            set_expires,
                            expires,
                            set_type,
                            token_type,
                            set_scope,
                            scope,
                            set_id,
                            id_token,
                            set_state,
                            state
                        ]),
                        rows::account,
                    )
                    .optional()
            })
            .await?;
        updated.ok_or(AdapterError::not_found(Entity::Account))
    }

    async fn create_session(&self, session: AdapterSession) -> Result<AdapterSession> {
        let sql = self.sql();
        validate::session(&session)?;
        self.check_date("expires", Some(&session.expires))?;
        self.write_tx(move |tx| {
            require_user(tx, &sql, &session.user_id)?;
            let extra = Bookkeeping::insert(sql.shape.session, sql.shape.dates);
            tx.prepare_cached(&sql.insert_session)
                .and_then(|mut stmt| {
                    stmt.query_row(
                        &*extra.params(params![
                            session.session_token,
                            session.user_id,
                            stamp(&sql, session.expires)
                        ]),
                        |row| rows::session(row, 0),
                    )
                })
                .map_err(|e| write_error(e, SESSION_TAKEN))
        })
        .await
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>> {
        let sql = self.sql();
        if !validate::is_storable_key(session_token) {
            return Ok(None);
        }
        let token = session_token.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(&sql.select_session_and_user)?
                .query_row([token], |row| {
                    Ok((
                        rows::session(row, 0)?,
                        rows::user(row, rows::SESSION_WIDTH)?,
                    ))
                })
                .optional()
        })
        .await
    }

    async fn update_session(&self, update: SessionUpdate) -> Result<Option<AdapterSession>> {
        let sql = self.sql();
        validate::session_update(&update)?;
        let SessionUpdate {
            session_token,
            expires,
        } = update;
        match expires {
            None => {
                self.read(move |conn| {
                    conn.prepare_cached(&sql.select_session)?
                        .query_row([session_token], |row| rows::session(row, 0))
                        .optional()
                })
                .await
            }
            Some(expires) => {
                self.check_date("expires", Some(&expires))?;
                self.write_one(NO_KEY, move |conn| {
                    let extra = Bookkeeping::update(sql.shape.session, sql.shape.dates);
                    conn.prepare_cached(&sql.update_session)?
                        .query_row(
                            &*extra.params(params![session_token, stamp(&sql, expires)]),
                            |row| rows::session(row, 0),
                        )
                        .optional()
                })
                .await
            }
        }
    }

    async fn delete_session(&self, session_token: &str) -> Result<Option<AdapterSession>> {
        let sql = self.sql();
        if !validate::is_storable_key(session_token) {
            return Ok(None);
        }
        let token = session_token.to_owned();
        self.write_one(NO_KEY, move |conn| {
            conn.prepare_cached(&sql.delete_session)?
                .query_row([token], |row| rows::session(row, 0))
                .optional()
        })
        .await
    }

    async fn delete_sessions_by_user_id(&self, user_id: &str) -> Result<u64> {
        let sql = self.sql();
        if !validate::is_storable_key(user_id) {
            return Ok(0);
        }
        let user_id = user_id.to_owned();
        let deleted = self
            .write_one(NO_KEY, move |conn| {
                conn.prepare_cached(&sql.delete_sessions_of_user)?
                    .execute([user_id])
            })
            .await?;
        Ok(deleted as u64)
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken> {
        let sql = self.sql();
        validate::verification_token(&token)?;
        self.check_date("expires", Some(&token.expires))?;
        self.write_one(TOKEN_TAKEN, move |conn| {
            let extra = Bookkeeping::insert(sql.shape.verification_token, sql.shape.dates);
            conn.prepare_cached(&sql.insert_token)?.query_row(
                &*extra.params(params![
                    token.identifier,
                    token.token,
                    stamp(&sql, token.expires)
                ]),
                rows::verification_token,
            )
        })
        .await
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>> {
        let sql = self.sql();
        if !validate::is_storable_key(identifier) || !validate::is_storable_key(token) {
            return Ok(None);
        }
        let key = [identifier.to_owned(), token.to_owned()];
        // One `DELETE … RETURNING` on the one writer: of concurrent calls, one gets the row.
        self.write_one(NO_KEY, move |conn| {
            conn.prepare_cached(&sql.delete_token)?
                .query_row(key, rows::verification_token)
                .optional()
        })
        .await
    }

    async fn create_authenticator(
        &self,
        authenticator: AdapterAuthenticator,
    ) -> Result<AdapterAuthenticator> {
        let sql = self.sql();
        validate::authenticator(&authenticator)?;
        self.check_int("counter", Some(i64::from(authenticator.counter)))?;
        self.write_tx(move |tx| {
            require_user(tx, &sql, &authenticator.user_id)?;
            let extra = Bookkeeping::insert(sql.shape.authenticator, sql.shape.dates);
            tx.prepare_cached(&sql.insert_authenticator)
                .and_then(|mut stmt| {
                    stmt.query_row(
                        &*extra.params(params![
                            authenticator.credential_id,
                            authenticator.user_id,
                            authenticator.provider_account_id,
                            authenticator.credential_public_key,
                            authenticator.counter,
                            authenticator.credential_device_type,
                            Flag(authenticator.credential_backed_up),
                            authenticator.transports
                        ]),
                        rows::authenticator,
                    )
                })
                .map_err(|e| write_error(e, CREDENTIAL_TAKEN))
        })
        .await
    }

    async fn get_authenticator(&self, credential_id: &str) -> Result<Option<AdapterAuthenticator>> {
        let sql = self.sql();
        if !validate::is_storable_key(credential_id) {
            return Ok(None);
        }
        let id = credential_id.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(&sql.select_authenticator)?
                .query_row([id], rows::authenticator)
                .optional()
        })
        .await
    }

    async fn list_authenticators_by_user_id(
        &self,
        user_id: &str,
    ) -> Result<Vec<AdapterAuthenticator>> {
        let sql = self.sql();
        if !validate::is_storable_key(user_id) {
            return Ok(Vec::new());
        }
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(&sql.select_authenticators_of_user)?
                .query_map([user_id], rows::authenticator)?
                .collect()
        })
        .await
    }

    async fn update_authenticator_counter(
        &self,
        credential_id: &str,
        counter: u32,
    ) -> Result<AdapterAuthenticator> {
        let sql = self.sql();
        if !validate::is_storable_key(credential_id) {
            return Err(AdapterError::not_found(Entity::Authenticator));
        }
        self.check_int("counter", Some(i64::from(counter)))?;
        let id = credential_id.to_owned();
        let updated = self
            .write_one(NO_KEY, move |conn| {
                let extra = Bookkeeping::update(sql.shape.authenticator, sql.shape.dates);
                conn.prepare_cached(&sql.update_authenticator_counter)?
                    .query_row(&*extra.params(params![id, counter]), rows::authenticator)
                    .optional()
            })
            .await?;
        updated.ok_or(AdapterError::not_found(Entity::Authenticator))
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> Result<ExpiredCount> {
        let sql = self.sql();
        self.write_tx(move |tx| {
            let run = || -> rusqlite::Result<ExpiredCount> {
                let now = Millis(now);
                let sessions = tx
                    .prepare_cached(&sql.delete_expired_sessions)?
                    .execute([now])?;
                let tokens = tx
                    .prepare_cached(&sql.delete_expired_tokens)?
                    .execute([now])?;
                Ok(ExpiredCount {
                    sessions: sessions as u64,
                    verification_tokens: tokens as u64,
                })
            };
            run().map_err(driver_error)
        })
        .await
    }
}
