//! Test helpers: adapters on fresh database files in the system temp directory, removed
//! when the adapter is dropped.

#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use auth_adapter_core::{
    AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser,
    ExpiredCount, NewUser, Result, SessionUpdate, UserUpdate, VerificationToken, async_trait,
    chrono::{DateTime, Utc},
};
use auth_adapter_sqlite::{SqliteAdapter, SqliteOptions};

/// How long a test waits for anything (a task, a signal, another call) before failing. Longer
/// than the adapter's own default waits (30 s for a connection), so those report first.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// `future`'s output, or a panic naming `what` once it has taken [`PATIENCE`]: a test that
/// waits must fail, not hang.
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {PATIENCE:?}"),
    }
}

/// A barrier for blocking closures that gives up after [`PATIENCE`] (std's `Barrier` would
/// wait forever, and a Tokio runtime waits for its blocking tasks when it shuts down, so a
/// stuck closure would hang the whole test).
#[derive(Debug)]
pub struct Rendezvous {
    parties: usize,
    arrived: Mutex<usize>,
    all_here: Condvar,
}

impl Rendezvous {
    pub fn new(parties: usize) -> Self {
        Rendezvous {
            parties,
            arrived: Mutex::new(0),
            all_here: Condvar::new(),
        }
    }

    /// Waits until `parties` callers have arrived; panics with how many did if they do not
    /// within [`PATIENCE`]. One use per instance.
    pub fn wait(&self) {
        let mut arrived = self.arrived.lock().unwrap_or_else(PoisonError::into_inner);
        *arrived += 1;
        self.all_here.notify_all();
        let (arrived, timeout) = self
            .all_here
            .wait_timeout_while(arrived, PATIENCE, |arrived| *arrived < self.parties)
            .unwrap_or_else(PoisonError::into_inner);
        assert!(
            !timeout.timed_out(),
            "only {} of {} parties arrived within {PATIENCE:?}",
            *arrived,
            self.parties
        );
    }
}

/// A fresh directory for one test's database files.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("auth-adapter-sqlite-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `<dir>/auth.db`
    pub fn db(&self) -> PathBuf {
        self.0.join("auth.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A migrated adapter on its own file; the file goes when the adapter is dropped.
#[derive(Debug)]
pub struct Scratch {
    pub adapter: SqliteAdapter,
    // Dropped after the adapter (fields drop in order).
    pub dir: TempDir,
}

impl Scratch {
    pub async fn new() -> Self {
        Self::with_options(SqliteOptions::default()).await
    }

    pub async fn with_options(options: SqliteOptions) -> Self {
        let dir = TempDir::new();
        let adapter = SqliteAdapter::open(dir.db(), options)
            .await
            .expect("open the database");
        adapter.migrate().await.expect("migrate");
        Scratch { adapter, dir }
    }
}

/// The conformance suite's factory: a new migrated database file per call.
pub async fn fresh_adapter() -> Arc<dyn Adapter> {
    Arc::new(Scratch::new().await)
}

#[async_trait]
impl Adapter for Scratch {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser> {
        self.adapter.create_user(user).await
    }
    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        self.adapter.get_user(id).await
    }
    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>> {
        self.adapter.get_user_by_email(email).await
    }
    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>> {
        self.adapter
            .get_user_by_account(provider, provider_account_id)
            .await
    }
    async fn update_user(&self, update: UserUpdate) -> Result<AdapterUser> {
        self.adapter.update_user(update).await
    }
    async fn delete_user(&self, id: &str) -> Result<Option<AdapterUser>> {
        self.adapter.delete_user(id).await
    }
    async fn link_account(&self, account: AdapterAccount) -> Result<AdapterAccount> {
        self.adapter.link_account(account).await
    }
    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        self.adapter
            .unlink_account(provider, provider_account_id)
            .await
    }
    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>> {
        self.adapter
            .get_account(provider, provider_account_id)
            .await
    }
    async fn update_account(&self, update: AccountUpdate) -> Result<AdapterAccount> {
        self.adapter.update_account(update).await
    }
    async fn create_session(&self, session: AdapterSession) -> Result<AdapterSession> {
        self.adapter.create_session(session).await
    }
    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>> {
        self.adapter.get_session_and_user(session_token).await
    }
    async fn update_session(&self, update: SessionUpdate) -> Result<Option<AdapterSession>> {
        self.adapter.update_session(update).await
    }
    async fn delete_session(&self, session_token: &str) -> Result<Option<AdapterSession>> {
        self.adapter.delete_session(session_token).await
    }
    async fn delete_sessions_by_user_id(&self, user_id: &str) -> Result<u64> {
        self.adapter.delete_sessions_by_user_id(user_id).await
    }
    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken> {
        self.adapter.create_verification_token(token).await
    }
    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>> {
        self.adapter.use_verification_token(identifier, token).await
    }
    async fn create_authenticator(
        &self,
        authenticator: AdapterAuthenticator,
    ) -> Result<AdapterAuthenticator> {
        self.adapter.create_authenticator(authenticator).await
    }
    async fn get_authenticator(&self, credential_id: &str) -> Result<Option<AdapterAuthenticator>> {
        self.adapter.get_authenticator(credential_id).await
    }
    async fn list_authenticators_by_user_id(
        &self,
        user_id: &str,
    ) -> Result<Vec<AdapterAuthenticator>> {
        self.adapter.list_authenticators_by_user_id(user_id).await
    }
    async fn update_authenticator_counter(
        &self,
        credential_id: &str,
        counter: u32,
    ) -> Result<AdapterAuthenticator> {
        self.adapter
            .update_authenticator_counter(credential_id, counter)
            .await
    }
    async fn delete_expired(&self, now: DateTime<Utc>) -> Result<ExpiredCount> {
        self.adapter.delete_expired(now).await
    }
}
