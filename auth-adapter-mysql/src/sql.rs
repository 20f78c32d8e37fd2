//! Every statement the adapter runs, built once per adapter for its layout.
//!
//! The only text that is not a literal here is a table name, and table names are the
//! constants of [`Layout::columns`](crate::layout::Layout): that is the audit behind every
//! [`AssertSqlSafe`] in this crate. Values always travel as bind parameters, and sqlx
//! prepares and caches each statement per connection. No statement uses `RETURNING`
//! (MySQL has none): what a write must return is read in the same transaction, under the
//! row's lock.

use std::sync::Arc;

use sqlx::AssertSqlSafe;

use crate::layout::Columns;

/// The user columns, in the order [`rows::user_at`](crate::rows::user_at) reads them.
const USER_COLUMNS: &str = "`id`, `name`, `email`, `emailVerified`, `image`";
/// The account columns, in the order [`rows::account`](crate::rows::account) reads them.
const ACCOUNT_COLUMNS: &str = "`userId`, `type`, `provider`, `providerAccountId`, `refresh_token`, `access_token`, `expires_at`, `token_type`, `scope`, `id_token`, `session_state`";
/// The session columns.
const SESSION_COLUMNS: &str = "`sessionToken`, `userId`, `expires`";
/// The verification token columns.
const TOKEN_COLUMNS: &str = "`identifier`, `token`, `expires`";
/// The authenticator columns.
const AUTHENTICATOR_COLUMNS: &str = "`credentialID`, `userId`, `providerAccountId`, `credentialPublicKey`, `counter`, `credentialDeviceType`, `credentialBackedUp`, `transports`";

/// The server's clock in UTC with milliseconds, whatever the connection's time zone.
const NOW: &str = "UTC_TIMESTAMP(3)";

/// A statement text that has been audited (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct Sql(Arc<str>);

impl Sql {
    fn new(text: String) -> Self {
        Sql(Arc::from(text))
    }

    /// The text, ready for `sqlx::query` (a cheap reference-count increment).
    pub(crate) fn get(&self) -> AssertSqlSafe<Arc<str>> {
        AssertSqlSafe(Arc::clone(&self.0))
    }

    #[cfg(test)]
    pub(crate) fn text(&self) -> &str {
        &self.0
    }
}

/// The texts of every adapter method, for one layout.
#[derive(Debug)]
pub(crate) struct Statements {
    pub(crate) create_user: Sql,
    pub(crate) get_user: Sql,
    pub(crate) lock_user: Sql,
    pub(crate) get_user_by_email: Sql,
    pub(crate) get_user_by_account: Sql,
    pub(crate) update_user: Sql,
    /// Run before `delete_user`, in its transaction: the user's sessions, accounts and
    /// authenticators (whether or not foreign keys would cascade).
    pub(crate) delete_user_rows: Vec<Sql>,
    pub(crate) delete_user: Sql,
    pub(crate) link_account: Sql,
    pub(crate) get_account: Sql,
    pub(crate) lock_account: Sql,
    pub(crate) delete_account: Sql,
    pub(crate) update_account: Sql,
    pub(crate) create_session: Sql,
    pub(crate) get_session_and_user: Sql,
    pub(crate) get_session: Sql,
    pub(crate) lock_session: Sql,
    pub(crate) update_session: Sql,
    pub(crate) delete_session: Sql,
    pub(crate) delete_sessions_by_user_id: Sql,
    pub(crate) create_verification_token: Sql,
    pub(crate) lock_verification_token: Sql,
    pub(crate) delete_verification_token: Sql,
    pub(crate) create_authenticator: Sql,
    pub(crate) get_authenticator: Sql,
    pub(crate) list_authenticators_by_user_id: Sql,
    pub(crate) update_authenticator_counter: Sql,
    pub(crate) delete_expired_sessions: Sql,
    pub(crate) delete_expired_tokens: Sql,
    pub(crate) increment_counter: Sql,
    pub(crate) get_counter: Sql,
    pub(crate) read_counter: Sql,
    pub(crate) delete_counter: Sql,
    pub(crate) purge_counters: Sql,
}

impl Statements {
    /// Builds every statement for the tables of `c`.
    pub(crate) fn new(c: &Columns) -> Self {
        let sql = Sql::new;
        let (u, a, s, v, au) = (
            c.user,
            c.account,
            c.session,
            c.verification_token,
            c.authenticator,
        );
        // Prisma's bookkeeping: the client writes a cuid `id` for accounts and sessions and
        // `updatedAt` on every write (neither has a database default).
        let (id_col, id_val) = if c.prisma_columns {
            ("`id`, ", "?, ")
        } else {
            ("", "")
        };
        let (upd_col, upd_val, upd_set) = if c.prisma_columns {
            (
                ", `updatedAt`",
                format!(", {NOW}"),
                format!(", `updatedAt` = {NOW}"),
            )
        } else {
            ("", String::new(), String::new())
        };
        Statements {
            create_user: sql(format!(
                "INSERT INTO `{u}` (`id`, `name`, `email`, `emailVerified`, `image`{upd_col}) VALUES (?, ?, ?, ?, ?{upd_val})"
            )),
            get_user: sql(format!("SELECT {USER_COLUMNS} FROM `{u}` WHERE `id` = ?")),
            lock_user: sql(format!(
                "SELECT {USER_COLUMNS} FROM `{u}` WHERE `id` = ? FOR UPDATE"
            )),
            get_user_by_email: sql(format!(
                "SELECT {USER_COLUMNS} FROM `{u}` WHERE `email` = ? LIMIT 1"
            )),
            get_user_by_account: sql(format!(
                "SELECT u.`id`, u.`name`, u.`email`, u.`emailVerified`, u.`image` FROM `{a}` a JOIN `{u}` u ON u.`id` = a.`userId` WHERE a.`provider` = ? AND a.`providerAccountId` = ? LIMIT 1"
            )),
            // One statement: each flag says whether its column is part of the update.
            update_user: sql(format!(
                "UPDATE `{u}` SET `name` = IF(?, ?, `name`), `email` = IF(?, ?, `email`), `emailVerified` = IF(?, ?, `emailVerified`), `image` = IF(?, ?, `image`){upd_set} WHERE `id` = ?"
            )),
            delete_user_rows: vec![
                sql(format!("DELETE FROM `{s}` WHERE `userId` = ?")),
                sql(format!("DELETE FROM `{a}` WHERE `userId` = ?")),
                sql(format!("DELETE FROM `{au}` WHERE `userId` = ?")),
            ],
            delete_user: sql(format!("DELETE FROM `{u}` WHERE `id` = ?")),
            link_account: sql(format!(
                "INSERT INTO `{a}` ({id_col}{ACCOUNT_COLUMNS}{upd_col}) VALUES ({id_val}?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?{upd_val})"
            )),
            get_account: sql(format!(
                "SELECT {ACCOUNT_COLUMNS} FROM `{a}` WHERE `provider` = ? AND `providerAccountId` = ? LIMIT 1"
            )),
            lock_account: sql(format!(
                "SELECT {ACCOUNT_COLUMNS} FROM `{a}` WHERE `provider` = ? AND `providerAccountId` = ? FOR UPDATE"
            )),
            delete_account: sql(format!(
                "DELETE FROM `{a}` WHERE `provider` = ? AND `providerAccountId` = ?"
            )),
            update_account: sql(format!(
                "UPDATE `{a}` SET `refresh_token` = IF(?, ?, `refresh_token`), `access_token` = IF(?, ?, `access_token`), `expires_at` = IF(?, ?, `expires_at`), `token_type` = IF(?, ?, `token_type`), `scope` = IF(?, ?, `scope`), `id_token` = IF(?, ?, `id_token`), `session_state` = IF(?, ?, `session_state`){upd_set} WHERE `provider` = ? AND `providerAccountId` = ?"
            )),
            create_session: sql(format!(
                "INSERT INTO `{s}` ({id_col}{SESSION_COLUMNS}{upd_col}) VALUES ({id_val}?, ?, ?{upd_val})"
            )),
            // The per-request path: one JOIN, served by the unique session-token index and
            // the users' primary key.
            get_session_and_user: sql(format!(
                "SELECT se.`sessionToken`, se.`userId`, se.`expires`, u.`id`, u.`name`, u.`email`, u.`emailVerified`, u.`image` FROM `{s}` se JOIN `{u}` u ON u.`id` = se.`userId` WHERE se.`sessionToken` = ? LIMIT 1"
            )),
            get_session: sql(format!(
                "SELECT {SESSION_COLUMNS} FROM `{s}` WHERE `sessionToken` = ? LIMIT 1"
            )),
            lock_session: sql(format!(
                "SELECT {SESSION_COLUMNS} FROM `{s}` WHERE `sessionToken` = ? FOR UPDATE"
            )),
            update_session: sql(format!(
                "UPDATE `{s}` SET `expires` = ?{upd_set} WHERE `sessionToken` = ?"
            )),
            delete_session: sql(format!("DELETE FROM `{s}` WHERE `sessionToken` = ?")),
            delete_sessions_by_user_id: sql(format!("DELETE FROM `{s}` WHERE `userId` = ?")),
            create_verification_token: sql(format!(
                "INSERT INTO `{v}` ({TOKEN_COLUMNS}) VALUES (?, ?, ?)"
            )),
            // Single use without DELETE … RETURNING: the row is locked, read and deleted in
            // one transaction, so of concurrent uses exactly one reads it.
            lock_verification_token: sql(format!(
                "SELECT {TOKEN_COLUMNS} FROM `{v}` WHERE `identifier` = ? AND `token` = ? FOR UPDATE"
            )),
            delete_verification_token: sql(format!(
                "DELETE FROM `{v}` WHERE `identifier` = ? AND `token` = ?"
            )),
            create_authenticator: sql(format!(
                "INSERT INTO `{au}` ({AUTHENTICATOR_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            )),
            get_authenticator: sql(format!(
                "SELECT {AUTHENTICATOR_COLUMNS} FROM `{au}` WHERE `credentialID` = ?"
            )),
            list_authenticators_by_user_id: sql(format!(
                "SELECT {AUTHENTICATOR_COLUMNS} FROM `{au}` WHERE `userId` = ? ORDER BY `credentialID`"
            )),
            update_authenticator_counter: sql(format!(
                "UPDATE `{au}` SET `counter` = ? WHERE `credentialID` = ?"
            )),
            delete_expired_sessions: sql(format!("DELETE FROM `{s}` WHERE `expires` < ?")),
            delete_expired_tokens: sql(format!("DELETE FROM `{v}` WHERE `expires` < ?")),
            // The CounterStore, on the server's clock: one upsert adds one, opening a new
            // window when the old one has ended (`count` is assigned first and reads the
            // old `resets_at`; so does `resets_at`). ? = key, window in µs, window in µs.
            increment_counter: sql(format!(
                "INSERT INTO `auth_adapter_counters` (`key`, `count`, `resets_at`) VALUES (?, 1, {NOW} + INTERVAL ? MICROSECOND) ON DUPLICATE KEY UPDATE `count` = IF(`resets_at` <= {NOW}, 1, `count` + 1), `resets_at` = IF(`resets_at` <= {NOW}, {NOW} + INTERVAL ? MICROSECOND, `resets_at`)"
            )),
            get_counter: sql(format!(
                "SELECT `count`, TIMESTAMPDIFF(MICROSECOND, {NOW}, `resets_at`) DIV 1000 FROM `auth_adapter_counters` WHERE `key` = ? AND `resets_at` > {NOW}"
            )),
            // After an increment, in its transaction: the row is ours until the commit.
            read_counter: sql(format!(
                "SELECT `count`, TIMESTAMPDIFF(MICROSECOND, {NOW}, `resets_at`) DIV 1000 FROM `auth_adapter_counters` WHERE `key` = ?"
            )),
            delete_counter: sql("DELETE FROM `auth_adapter_counters` WHERE `key` = ?".to_owned()),
            purge_counters: sql(format!(
                "DELETE FROM `auth_adapter_counters` WHERE `resets_at` <= {NOW}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Layout;

    #[test]
    fn prisma_writes_ids_and_updated_at_drizzle_does_not() {
        let prisma = Statements::new(&Layout::Prisma.columns());
        assert!(
            prisma
                .create_session
                .text()
                .contains("(`id`, `sessionToken`")
        );
        assert!(prisma.create_session.text().contains("UTC_TIMESTAMP(3))"));
        assert!(prisma.get_session_and_user.text().contains("JOIN `User` u"));
        let drizzle = Statements::new(&Layout::Drizzle.columns());
        assert!(drizzle.create_session.text().starts_with(
            "INSERT INTO `session` (`sessionToken`, `userId`, `expires`) VALUES (?, ?, ?)"
        ));
        assert!(!drizzle.update_user.text().contains("updatedAt"));
        for s in [&prisma, &drizzle] {
            assert!(!s.use_returning());
        }
    }

    impl Statements {
        fn use_returning(&self) -> bool {
            [
                &self.create_user,
                &self.delete_user,
                &self.delete_verification_token,
            ]
            .iter()
            .any(|s| s.text().contains("RETURNING"))
        }
    }
}
