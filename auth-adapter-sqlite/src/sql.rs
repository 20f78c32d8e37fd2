//! Every statement the adapter runs, prepared once per connection with `prepare_cached`.
//!
//! The statements on the Auth.js tables are built once per adapter ([`Statements`]) for its
//! layout, its table names and the bookkeeping columns its tables have; the column lists
//! are in the order the readers in [`crate::rows`] take them. The only text in them that is
//! not a literal is a table name, checked when the options are (no quote can occur in one:
//! see [`TableNames`](crate::TableNames)). Values always travel as parameters.

use crate::layout::{Extras, Shape, Tables};

const USER_COLUMNS: [&str; 5] = ["id", "name", "email", "emailVerified", "image"];
const ACCOUNT_COLUMNS: &str = r#""userId", "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at", "token_type", "scope", "id_token", "session_state""#;
const SESSION_COLUMNS: [&str; 3] = ["sessionToken", "userId", "expires"];
const TOKEN_COLUMNS: &str = r#""identifier", "token", "expires""#;
const AUTHENTICATOR_COLUMNS: &str = r#""credentialID", "userId", "providerAccountId", "credentialPublicKey", "counter", "credentialDeviceType", "credentialBackedUp", "transports""#;

/// `"name"`: table names hold no quote (checked with the options).
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

/// `"a", "b"` or, with an alias, `u."a", u."b"`.
fn list(columns: &[&str], alias: Option<&str>) -> String {
    columns
        .iter()
        .map(|c| match alias {
            Some(a) => format!("{a}.\"{c}\""),
            None => format!("\"{c}\""),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `?1, ?2, …, ?n`
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The bookkeeping columns an insert writes after its `base` parameters, and their
/// placeholders: the id (`?base+1`) if the table has one, then the current time (one
/// parameter for both `createdAt` and `updatedAt`). [`crate::adapter`] passes the values in
/// this order ([`Bookkeeping`](crate::rows::Bookkeeping)).
fn insert_extras(extras: Extras, base: usize) -> (String, String) {
    let (mut columns, mut values) = (String::new(), String::new());
    let mut next = base + 1;
    if extras.id {
        columns.push_str(r#", "id""#);
        values.push_str(&format!(", ?{next}"));
        next += 1;
    }
    if extras.created_at {
        columns.push_str(r#", "createdAt""#);
        values.push_str(&format!(", ?{next}"));
    }
    if extras.updated_at {
        columns.push_str(r#", "updatedAt""#);
        values.push_str(&format!(", ?{next}"));
    }
    (columns, values)
}

/// `, "updatedAt" = ?{base+1}` where the table has the column.
fn update_extras(extras: Extras, base: usize) -> String {
    if extras.updated_at {
        format!(r#", "updatedAt" = ?{}"#, base + 1)
    } else {
        String::new()
    }
}

/// The statements on the Auth.js tables, for one layout, its names and its [`Shape`].
#[derive(Debug)]
pub(crate) struct Statements {
    pub(crate) shape: Shape,
    pub(crate) user_exists: String,
    pub(crate) insert_user: String,
    pub(crate) select_user: String,
    pub(crate) select_user_by_email: String,
    pub(crate) select_user_by_account: String,
    /// `?1` id; then (set?, value) pairs for name, email, emailVerified, image.
    pub(crate) update_user: String,
    /// Run in this order before `delete_user`, in the same transaction.
    pub(crate) delete_user_children: [String; 3],
    pub(crate) delete_user: String,
    pub(crate) insert_account: String,
    pub(crate) select_account: String,
    pub(crate) delete_account: String,
    /// `?1` provider, `?2` providerAccountId; then (set?, value) pairs for refresh_token,
    /// access_token, expires_at, token_type, scope, id_token, session_state.
    pub(crate) update_account: String,
    pub(crate) insert_session: String,
    pub(crate) select_session: String,
    /// The per-request lookup: one statement, the session's unique token, then the user's
    /// primary key.
    pub(crate) select_session_and_user: String,
    pub(crate) update_session: String,
    pub(crate) delete_session: String,
    pub(crate) delete_sessions_of_user: String,
    pub(crate) insert_token: String,
    pub(crate) delete_token: String,
    pub(crate) insert_authenticator: String,
    pub(crate) select_authenticator: String,
    pub(crate) select_authenticators_of_user: String,
    pub(crate) update_authenticator_counter: String,
    pub(crate) delete_expired_sessions: String,
    pub(crate) delete_expired_tokens: String,
    /// The bound-token lookup, on a reader: the binding that authenticates at `?3` (the
    /// unique (realm, tokenHash) index) and its user.
    pub(crate) select_binding_and_user: String,
}

/// `expires` as epoch milliseconds whether it was stored as INTEGER (drizzle, Prisma's
/// `unixepoch-ms` mode) or as ISO text (Prisma's default, other Auth.js SQLite adapters), so
/// `delete_expired` removes both.
const EXPIRES_MS: &str = r#"CASE typeof("expires") WHEN 'text' THEN CAST(unixepoch("expires", 'subsec') * 1000 AS INTEGER) ELSE "expires" END"#;

impl Statements {
    /// Every statement for `tables` as `shape` describes them.
    pub(crate) fn new(tables: &Tables, shape: Shape) -> Self {
        let u = quoted(&tables.user);
        let a = quoted(&tables.account);
        let s = quoted(&tables.session);
        let v = quoted(&tables.verification_token);
        let au = quoted(&tables.authenticator);
        let user_cols = list(&USER_COLUMNS, None);
        let user_cols_u = list(&USER_COLUMNS, Some("u"));
        let session_cols = list(&SESSION_COLUMNS, None);
        let session_cols_s = list(&SESSION_COLUMNS, Some("s"));

        let (ux_cols, ux_vals) = insert_extras(shape.user, 5);
        let (ax_cols, ax_vals) = insert_extras(shape.account, 11);
        let (sx_cols, sx_vals) = insert_extras(shape.session, 3);
        let (vx_cols, vx_vals) = insert_extras(shape.verification_token, 3);
        let (aux_cols, aux_vals) = insert_extras(shape.authenticator, 8);

        Statements {
            shape,
            user_exists: format!(r#"SELECT 1 FROM {u} WHERE "id" = ?1"#),
            insert_user: format!(
                "INSERT INTO {u} ({user_cols}{ux_cols}) VALUES ({}{ux_vals}) RETURNING {user_cols}",
                placeholders(5)
            ),
            select_user: format!(r#"SELECT {user_cols} FROM {u} WHERE "id" = ?1"#),
            select_user_by_email: format!(r#"SELECT {user_cols} FROM {u} WHERE "email" = ?1"#),
            select_user_by_account: format!(
                r#"SELECT {user_cols_u} FROM {a} a JOIN {u} u ON u."id" = a."userId" WHERE a."provider" = ?1 AND a."providerAccountId" = ?2"#
            ),
            update_user: format!(
                r#"UPDATE {u} SET "name" = CASE WHEN ?2 THEN ?3 ELSE "name" END, "email" = CASE WHEN ?4 THEN ?5 ELSE "email" END, "emailVerified" = CASE WHEN ?6 THEN ?7 ELSE "emailVerified" END, "image" = CASE WHEN ?8 THEN ?9 ELSE "image" END{} WHERE "id" = ?1 RETURNING {user_cols}"#,
                update_extras(shape.user, 9)
            ),
            delete_user_children: [
                format!(r#"DELETE FROM {a} WHERE "userId" = ?1"#),
                format!(r#"DELETE FROM {s} WHERE "userId" = ?1"#),
                format!(r#"DELETE FROM {au} WHERE "userId" = ?1"#),
            ],
            delete_user: format!(r#"DELETE FROM {u} WHERE "id" = ?1 RETURNING {user_cols}"#),
            insert_account: format!(
                "INSERT INTO {a} ({ACCOUNT_COLUMNS}{ax_cols}) VALUES ({}{ax_vals}) RETURNING {ACCOUNT_COLUMNS}",
                placeholders(11)
            ),
            select_account: format!(
                r#"SELECT {ACCOUNT_COLUMNS} FROM {a} WHERE "provider" = ?1 AND "providerAccountId" = ?2"#
            ),
            delete_account: format!(
                r#"DELETE FROM {a} WHERE "provider" = ?1 AND "providerAccountId" = ?2 RETURNING {ACCOUNT_COLUMNS}"#
            ),
            update_account: format!(
                r#"UPDATE {a} SET "refresh_token" = CASE WHEN ?3 THEN ?4 ELSE "refresh_token" END, "access_token" = CASE WHEN ?5 THEN ?6 ELSE "access_token" END, "expires_at" = CASE WHEN ?7 THEN ?8 ELSE "expires_at" END, "token_type" = CASE WHEN ?9 THEN ?10 ELSE "token_type" END, "scope" = CASE WHEN ?11 THEN ?12 ELSE "scope" END, "id_token" = CASE WHEN ?13 THEN ?14 ELSE "id_token" END, "session_state" = CASE WHEN ?15 THEN ?16 ELSE "session_state" END{} WHERE "provider" = ?1 AND "providerAccountId" = ?2 RETURNING {ACCOUNT_COLUMNS}"#,
                update_extras(shape.account, 16)
            ),
            insert_session: format!(
                "INSERT INTO {s} ({session_cols}{sx_cols}) VALUES ({}{sx_vals}) RETURNING {session_cols}",
                placeholders(3)
            ),
            select_session: format!(r#"SELECT {session_cols} FROM {s} WHERE "sessionToken" = ?1"#),
            select_session_and_user: format!(
                r#"SELECT {session_cols_s}, {user_cols_u} FROM {s} s JOIN {u} u ON u."id" = s."userId" WHERE s."sessionToken" = ?1"#
            ),
            update_session: format!(
                r#"UPDATE {s} SET "expires" = ?2{} WHERE "sessionToken" = ?1 RETURNING {session_cols}"#,
                update_extras(shape.session, 2)
            ),
            delete_session: format!(
                r#"DELETE FROM {s} WHERE "sessionToken" = ?1 RETURNING {session_cols}"#
            ),
            delete_sessions_of_user: format!(r#"DELETE FROM {s} WHERE "userId" = ?1"#),
            insert_token: format!(
                "INSERT INTO {v} ({TOKEN_COLUMNS}{vx_cols}) VALUES ({}{vx_vals}) RETURNING {TOKEN_COLUMNS}",
                placeholders(3)
            ),
            delete_token: format!(
                r#"DELETE FROM {v} WHERE "identifier" = ?1 AND "token" = ?2 RETURNING {TOKEN_COLUMNS}"#
            ),
            insert_authenticator: format!(
                "INSERT INTO {au} ({AUTHENTICATOR_COLUMNS}{aux_cols}) VALUES ({}{aux_vals}) RETURNING {AUTHENTICATOR_COLUMNS}",
                placeholders(8)
            ),
            select_authenticator: format!(
                r#"SELECT {AUTHENTICATOR_COLUMNS} FROM {au} WHERE "credentialID" = ?1"#
            ),
            select_authenticators_of_user: format!(
                r#"SELECT {AUTHENTICATOR_COLUMNS} FROM {au} WHERE "userId" = ?1"#
            ),
            update_authenticator_counter: format!(
                r#"UPDATE {au} SET "counter" = ?2{} WHERE "credentialID" = ?1 RETURNING {AUTHENTICATOR_COLUMNS}"#,
                update_extras(shape.authenticator, 2)
            ),
            delete_expired_sessions: format!("DELETE FROM {s} WHERE {EXPIRES_MS} < ?1"),
            delete_expired_tokens: format!("DELETE FROM {v} WHERE {EXPIRES_MS} < ?1"),
            select_binding_and_user: format!(
                r#"SELECT t."id", t."userId", t."realm", t."name", t."displayPrefix", t."scopes", t."createdAt", t."lastUsedAt", t."expires", {user_cols_u} FROM "auth_adapter_token" t JOIN {u} u ON u."id" = t."userId" WHERE t."realm" = ?1 AND t."tokenHash" = ?2 AND (t."expires" IS NULL OR t."expires" > ?3)"#
            ),
        }
    }

    #[cfg(test)]
    fn all(&self) -> Vec<&str> {
        let mut all = vec![
            self.user_exists.as_str(),
            &self.insert_user,
            &self.select_user,
            &self.select_user_by_email,
            &self.select_user_by_account,
            &self.update_user,
            &self.delete_user,
            &self.insert_account,
            &self.select_account,
            &self.delete_account,
            &self.update_account,
            &self.insert_session,
            &self.select_session,
            &self.select_session_and_user,
            &self.update_session,
            &self.delete_session,
            &self.delete_sessions_of_user,
            &self.insert_token,
            &self.delete_token,
            &self.insert_authenticator,
            &self.select_authenticator,
            &self.select_authenticators_of_user,
            &self.update_authenticator_counter,
            &self.delete_expired_sessions,
            &self.delete_expired_tokens,
            &self.select_binding_and_user,
        ];
        all.extend(self.delete_user_children.iter().map(String::as_str));
        all
    }
}

// The CounterStore: one upsert adds one, opening a new window when the old one has ended
// (?1 key, ?2 now in ms, ?3 the new window's end in ms).
pub(crate) const INCREMENT_COUNTER: &str = r#"INSERT INTO "auth_adapter_counter" ("key", "count", "resetsAt") VALUES (?1, 1, ?3)
ON CONFLICT ("key") DO UPDATE SET
  "count" = CASE WHEN "resetsAt" <= ?2 THEN 1 ELSE "count" + 1 END,
  "resetsAt" = CASE WHEN "resetsAt" <= ?2 THEN excluded."resetsAt" ELSE "resetsAt" END
RETURNING "count", "resetsAt""#;

pub(crate) const SELECT_COUNTER: &str = r#"SELECT "count", "resetsAt" FROM "auth_adapter_counter" WHERE "key" = ?1 AND "resetsAt" > ?2"#;

pub(crate) const DELETE_COUNTER: &str = r#"DELETE FROM "auth_adapter_counter" WHERE "key" = ?1"#;

pub(crate) const DELETE_EXPIRED_COUNTERS: &str =
    r#"DELETE FROM "auth_adapter_counter" WHERE "resetsAt" <= ?1"#;

// The TokenStore. Scopes are stored space-separated (a scope holds no white space).
macro_rules! binding_columns {
    () => {
        r#""id", "userId", "realm", "name", "displayPrefix", "scopes", "createdAt", "lastUsedAt", "expires""#
    };
}

/// A unique (realm, tokenHash) is `Conflict`, an unknown user the foreign key (`NotFound`).
pub(crate) const INSERT_BINDING: &str = concat!(
    r#"INSERT INTO "auth_adapter_token" ("id", "userId", "realm", "tokenHash", "name", "displayPrefix", "scopes", "createdAt", "expires") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING "#,
    binding_columns!()
);

/// The last use, at most once a minute: `?2` now, `?3` now - 60 s.
pub(crate) const TOUCH_BINDING: &str = r#"UPDATE "auth_adapter_token" SET "lastUsedAt" = ?2 WHERE "id" = ?1 AND ("lastUsedAt" IS NULL OR "lastUsedAt" <= ?3)"#;

pub(crate) const SELECT_BINDINGS_OF_USER: &str = concat!(
    "SELECT ",
    binding_columns!(),
    r#" FROM "auth_adapter_token" WHERE "userId" = ?1 ORDER BY "createdAt", "id""#
);

pub(crate) const DELETE_BINDING: &str = concat!(
    r#"DELETE FROM "auth_adapter_token" WHERE "id" = ?1 AND "userId" = ?2 RETURNING "#,
    binding_columns!()
);

pub(crate) const DELETE_BINDINGS_OF_USER: &str =
    r#"DELETE FROM "auth_adapter_token" WHERE "userId" = ?1"#;

pub(crate) const DELETE_EXPIRED_BINDINGS: &str =
    r#"DELETE FROM "auth_adapter_token" WHERE "expires" <= ?1"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Layout, TableNames};

    fn tables(layout: Layout) -> Tables {
        Tables::resolve(layout, &TableNames::new()).unwrap()
    }

    #[test]
    fn drizzle_statements_are_those_of_before_the_layouts() {
        let s = Statements::new(&tables(Layout::Drizzle), Shape::DRIZZLE);
        assert_eq!(
            s.select_user,
            r#"SELECT "id", "name", "email", "emailVerified", "image" FROM "user" WHERE "id" = ?1"#
        );
        assert_eq!(
            s.insert_session,
            r#"INSERT INTO "session" ("sessionToken", "userId", "expires") VALUES (?1, ?2, ?3) RETURNING "sessionToken", "userId", "expires""#
        );
        assert_eq!(
            s.select_session_and_user,
            r#"SELECT s."sessionToken", s."userId", s."expires", u."id", u."name", u."email", u."emailVerified", u."image" FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE s."sessionToken" = ?1"#
        );
        assert!(!s.all().iter().any(|q| q.contains("updatedAt")));
    }

    #[test]
    fn prisma_statements_write_ids_and_timestamps() {
        let s = Statements::new(&tables(Layout::Prisma), Shape::PRISMA_DOCS);
        assert_eq!(
            s.insert_session,
            r#"INSERT INTO "Session" ("sessionToken", "userId", "expires", "id", "createdAt", "updatedAt") VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING "sessionToken", "userId", "expires""#
        );
        assert!(s.insert_user.contains(r#"("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"#));
        assert!(s.update_user.contains(r#", "updatedAt" = ?10 WHERE"#));
        assert!(s.update_account.contains(r#", "updatedAt" = ?17 WHERE"#));
        assert!(
            s.update_session
                .contains(r#"SET "expires" = ?2, "updatedAt" = ?3 WHERE"#)
        );
        assert!(!s.update_authenticator_counter.contains("updatedAt"));
        assert!(s.select_binding_and_user.contains(r#"JOIN "User" u"#));
    }

    #[test]
    fn every_statement_prepares_on_the_tables_migrate_creates() {
        for layout in [Layout::Drizzle, Layout::Prisma] {
            let tables = tables(layout);
            let mut conn = rusqlite::Connection::open_in_memory().unwrap();
            crate::schema::migrate(&mut conn, &tables).unwrap();
            let s = Statements::new(&tables, Shape::created_by_migrate(layout));
            let own = [
                INCREMENT_COUNTER,
                SELECT_COUNTER,
                DELETE_COUNTER,
                DELETE_EXPIRED_COUNTERS,
                INSERT_BINDING,
                TOUCH_BINDING,
                SELECT_BINDINGS_OF_USER,
                DELETE_BINDING,
                DELETE_BINDINGS_OF_USER,
                DELETE_EXPIRED_BINDINGS,
            ];
            for statement in s.all().into_iter().chain(own) {
                conn.prepare(statement)
                    .unwrap_or_else(|e| panic!("{layout:?}: {statement}: {e}"));
            }
        }
    }
}
