//! [`SqliteAdapter`] and its [`Adapter`] implementation.

mod counters;
mod tokens;

use std::path::Path;

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
use crate::options::SqliteOptions;
use crate::rows::{self, Flag, Millis};
use crate::schema;
use crate::sql;
use auth_adapter_core::MigrationReport;
use auth_adapter_core::backend::set_or_keep;

const EMAIL_TAKEN: OnConflict = OnConflict::KeyTaken(Entity::User);
const ACCOUNT_TAKEN: OnConflict = OnConflict::KeyTaken(Entity::Account);
const SESSION_TAKEN: OnConflict = OnConflict::KeyTaken(Entity::Session);
const TOKEN_TAKEN: OnConflict = OnConflict::KeyTaken(Entity::VerificationToken);
const CREDENTIAL_TAKEN: OnConflict = OnConflict::KeyTaken(Entity::Authenticator);
/// Statements that cannot violate a unique key; a violation would still be reported.
const NO_KEY: OnConflict = OnConflict::NoKey;

/// An [`Adapter`] over one SQLite database file in the `@auth/drizzle-adapter` layout.
///
/// Cheap to share: hold it in an `Arc` (or `Arc<dyn Adapter>`). Dropping it closes its idle
/// connections right away, on the dropping thread, and needs no runtime (it may be dropped
/// after `block_on` returned, or after the runtime is gone); a connection still running an
/// abandoned call closes when that call ends.
pub struct SqliteAdapter {
    connections: Connections,
    options: SqliteOptions,
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
        let adapter = SqliteAdapter {
            connections,
            options,
        };
        if adapter.options.get_migrate_on_open() {
            adapter.migrate().await?;
        }
        Ok(adapter)
    }

    /// A private in-memory database, for tests: gone when the adapter is dropped. It has a
    /// single connection that serves reads and writes in turn (no parallel readers, no WAL).
    pub async fn open_in_memory(options: SqliteOptions) -> Result<Self> {
        options.validate()?;
        let connections = Connections::open_memory(&options).await?;
        let adapter = SqliteAdapter {
            connections,
            options,
        };
        if adapter.options.get_migrate_on_open() {
            adapter.migrate().await?;
        }
        Ok(adapter)
    }

    /// Creates the tables and indexes that are missing, in one transaction; idempotent.
    ///
    /// On a new file it creates the `@auth/drizzle-adapter` layout exactly as drizzle-kit
    /// would, plus this crate's indexes. On a file that already has the tables (created by
    /// drizzle-kit, or by an earlier run), it keeps them and their rows, checks they have the
    /// columns this crate uses, and adds only the missing indexes. Records
    /// [`SCHEMA_VERSION`](crate::SCHEMA_VERSION) in `PRAGMA user_version`; a file with a
    /// newer version is refused.
    pub async fn migrate(&self) -> Result<MigrationReport> {
        self.connections.write(schema::migrate).await
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
fn require_user(conn: &Connection, user_id: &str) -> Result<()> {
    let found = conn
        .prepare_cached(sql::USER_EXISTS)
        .and_then(|mut stmt| stmt.query_row([user_id], |_| Ok(())).optional())
        .map_err(driver_error)?;
    found.ok_or(AdapterError::not_found(Entity::User))
}

fn millis(date: Option<DateTime<Utc>>) -> Option<Millis> {
    date.map(Millis)
}

#[async_trait]
impl Adapter for SqliteAdapter {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser> {
        validate::new_user(&user)?;
        let id = uuid::Uuid::new_v4().to_string();
        self.write_one(EMAIL_TAKEN, move |conn| {
            conn.prepare_cached(sql::INSERT_USER)?.query_row(
                params![
                    id,
                    user.name,
                    user.email,
                    millis(user.email_verified),
                    user.image
                ],
                |row| rows::user(row, 0),
            )
        })
        .await
    }

    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        if !validate::is_storable_key(id) {
            return Ok(None);
        }
        let id = id.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(sql::SELECT_USER)?
                .query_row([id], |row| rows::user(row, 0))
                .optional()
        })
        .await
    }

    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>> {
        if !validate::is_storable_key(email) {
            return Ok(None);
        }
        let email = email.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(sql::SELECT_USER_BY_EMAIL)?
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
        if !validate::is_storable_key(provider) || !validate::is_storable_key(provider_account_id) {
            return Ok(None);
        }
        let key = [provider.to_owned(), provider_account_id.to_owned()];
        self.read(move |conn| {
            conn.prepare_cached(sql::SELECT_USER_BY_ACCOUNT)?
                .query_row(key, |row| rows::user(row, 0))
                .optional()
        })
        .await
    }

    async fn update_user(&self, update: UserUpdate) -> Result<AdapterUser> {
        validate::user_update(&update)?;
        let (set_name, name) = set_or_keep(&update.name);
        let (set_email, email) = set_or_keep(&update.email);
        let (set_verified, verified) = set_or_keep(&update.email_verified);
        let (set_image, image) = set_or_keep(&update.image);
        let updated = self
            .write_one(EMAIL_TAKEN, move |conn| {
                conn.prepare_cached(sql::UPDATE_USER)?
                    .query_row(
                        params![
                            update.id,
                            set_name,
                            name,
                            set_email,
                            email,
                            set_verified,
                            millis(verified),
                            set_image,
                            image
                        ],
                        |row| rows::user(row, 0),
                    )
                    .optional()
            })
            .await?;
        updated.ok_or(AdapterError::not_found(Entity::User))
    }

    async fn delete_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        if !validate::is_storable_key(id) {
            return Ok(None);
        }
        let id = id.to_owned();
        self.write_tx(move |tx| {
            let run = || -> rusqlite::Result<Option<AdapterUser>> {
                // The foreign keys cascade too; deleting explicitly keeps the cascade atomic
                // even on a file whose tables were created without them.
                for statement in sql::DELETE_USER_CHILDREN {
                    tx.prepare_cached(statement)?.execute([&id])?;
                }
                tx.prepare_cached(sql::DELETE_USER)?
                    .query_row([&id], |row| rows::user(row, 0))
                    .optional()
            };
            run().map_err(driver_error)
        })
        .await
    }

    async fn link_account(&self, account: AdapterAccount) -> Result<AdapterAccount> {
        validate::account(&account)?;
        self.write_tx(move |tx| {
            require_user(tx, &account.user_id)?;
            tx.prepare_cached(sql::INSERT_ACCOUNT)
                .and_then(|mut stmt| {
                    stmt.query_row(
                        params![
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
                        ],
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
        if !validate::is_storable_key(provider) || !validate::is_storable_key(provider_account_id) {
            return Ok(None);
        }
        let key = [provider.to_owned(), provider_account_id.to_owned()];
        self.write_one(NO_KEY, move |conn| {
            conn.prepare_cached(sql::DELETE_ACCOUNT)?
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
        if !validate::is_storable_key(provider) || !validate::is_storable_key(provider_account_id) {
            return Ok(None);
        }
        let key = [provider.to_owned(), provider_account_id.to_owned()];
        self.read(move |conn| {
            conn.prepare_cached(sql::SELECT_ACCOUNT)?
                .query_row(key, rows::account)
                .optional()
        })
        .await
    }

    async fn update_account(&self, update: AccountUpdate) -> Result<AdapterAccount> {
        validate::account_update(&update)?;
        let (set_refresh, refresh) = set_or_keep(&update.refresh_token);
        let (set_access, access) = set_or_keep(&update.access_token);
        let (set_expires, expires) = set_or_keep(&update.expires_at);
        let (set_type, token_type) = set_or_keep(&update.token_type);
        let (set_scope, scope) = set_or_keep(&update.scope);
        let (set_id, id_token) = set_or_keep(&update.id_token);
        let (set_state, state) = set_or_keep(&update.session_state);
        let updated = self
            .write_one(NO_KEY, move |conn| {
                conn.prepare_cached(sql::UPDATE_ACCOUNT)?
                    .query_row(
                        params![
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
                        ],
                        rows::account,
                    )
                    .optional()
            })
            .await?;
        updated.ok_or(AdapterError::not_found(Entity::Account))
    }

    async fn create_session(&self, session: AdapterSession) -> Result<AdapterSession> {
        validate::session(&session)?;
        self.write_tx(move |tx| {
            require_user(tx, &session.user_id)?;
            tx.prepare_cached(sql::INSERT_SESSION)
                .and_then(|mut stmt| {
                    stmt.query_row(
                        params![
                            session.session_token,
                            session.user_id,
                            Millis(session.expires)
                        ],
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
        if !validate::is_storable_key(session_token) {
            return Ok(None);
        }
        let token = session_token.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(sql::SELECT_SESSION_AND_USER)?
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
        validate::session_update(&update)?;
        let SessionUpdate {
            session_token,
            expires,
        } = update;
        match expires {
            None => {
                self.read(move |conn| {
                    conn.prepare_cached(sql::SELECT_SESSION)?
                        .query_row([session_token], |row| rows::session(row, 0))
                        .optional()
                })
                .await
            }
            Some(expires) => {
                self.write_one(NO_KEY, move |conn| {
                    conn.prepare_cached(sql::UPDATE_SESSION)?
                        .query_row(params![session_token, Millis(expires)], |row| {
                            rows::session(row, 0)
                        })
                        .optional()
                })
                .await
            }
        }
    }

    async fn delete_session(&self, session_token: &str) -> Result<Option<AdapterSession>> {
        if !validate::is_storable_key(session_token) {
            return Ok(None);
        }
        let token = session_token.to_owned();
        self.write_one(NO_KEY, move |conn| {
            conn.prepare_cached(sql::DELETE_SESSION)?
                .query_row([token], |row| rows::session(row, 0))
                .optional()
        })
        .await
    }

    async fn delete_sessions_by_user_id(&self, user_id: &str) -> Result<u64> {
        if !validate::is_storable_key(user_id) {
            return Ok(0);
        }
        let user_id = user_id.to_owned();
        let deleted = self
            .write_one(NO_KEY, move |conn| {
                conn.prepare_cached(sql::DELETE_SESSIONS_OF_USER)?
                    .execute([user_id])
            })
            .await?;
        Ok(deleted as u64)
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken> {
        validate::verification_token(&token)?;
        self.write_one(TOKEN_TAKEN, move |conn| {
            conn.prepare_cached(sql::INSERT_TOKEN)?.query_row(
                params![token.identifier, token.token, Millis(token.expires)],
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
        if !validate::is_storable_key(identifier) || !validate::is_storable_key(token) {
            return Ok(None);
        }
        let key = [identifier.to_owned(), token.to_owned()];
        // One `DELETE … RETURNING` on the one writer: of concurrent calls, one gets the row.
        self.write_one(NO_KEY, move |conn| {
            conn.prepare_cached(sql::DELETE_TOKEN)?
                .query_row(key, rows::verification_token)
                .optional()
        })
        .await
    }

    async fn create_authenticator(
        &self,
        authenticator: AdapterAuthenticator,
    ) -> Result<AdapterAuthenticator> {
        validate::authenticator(&authenticator)?;
        self.write_tx(move |tx| {
            require_user(tx, &authenticator.user_id)?;
            tx.prepare_cached(sql::INSERT_AUTHENTICATOR)
                .and_then(|mut stmt| {
                    stmt.query_row(
                        params![
                            authenticator.credential_id,
                            authenticator.user_id,
                            authenticator.provider_account_id,
                            authenticator.credential_public_key,
                            authenticator.counter,
                            authenticator.credential_device_type,
                            Flag(authenticator.credential_backed_up),
                            authenticator.transports
                        ],
                        rows::authenticator,
                    )
                })
                .map_err(|e| write_error(e, CREDENTIAL_TAKEN))
        })
        .await
    }

    async fn get_authenticator(&self, credential_id: &str) -> Result<Option<AdapterAuthenticator>> {
        if !validate::is_storable_key(credential_id) {
            return Ok(None);
        }
        let id = credential_id.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(sql::SELECT_AUTHENTICATOR)?
                .query_row([id], rows::authenticator)
                .optional()
        })
        .await
    }

    async fn list_authenticators_by_user_id(
        &self,
        user_id: &str,
    ) -> Result<Vec<AdapterAuthenticator>> {
        if !validate::is_storable_key(user_id) {
            return Ok(Vec::new());
        }
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(sql::SELECT_AUTHENTICATORS_OF_USER)?
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
        if !validate::is_storable_key(credential_id) {
            return Err(AdapterError::not_found(Entity::Authenticator));
        }
        let id = credential_id.to_owned();
        let updated = self
            .write_one(NO_KEY, move |conn| {
                conn.prepare_cached(sql::UPDATE_AUTHENTICATOR_COUNTER)?
                    .query_row(params![id, counter], rows::authenticator)
                    .optional()
            })
            .await?;
        updated.ok_or(AdapterError::not_found(Entity::Authenticator))
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> Result<ExpiredCount> {
        self.write_tx(move |tx| {
            let run = || -> rusqlite::Result<ExpiredCount> {
                let now = Millis(now);
                let sessions = tx
                    .prepare_cached(sql::DELETE_EXPIRED_SESSIONS)?
                    .execute([now])?;
                let tokens = tx
                    .prepare_cached(sql::DELETE_EXPIRED_TOKENS)?
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
