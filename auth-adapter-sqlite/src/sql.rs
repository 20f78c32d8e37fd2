//! Every statement the adapter runs (prepared once per connection with `prepare_cached`).
//! The column lists below are in the order the readers in [`crate::rows`] take them.

// The column lists, as macros so `concat!` can splice them into literals. The readers in
// `crate::rows` take the columns in exactly this order.
macro_rules! user_columns {
    () => {
        r#""id", "name", "email", "emailVerified", "image""#
    };
    ($alias:literal) => {
        concat!(
            $alias,
            r#"."id", "#,
            $alias,
            r#"."name", "#,
            $alias,
            r#"."email", "#,
            $alias,
            r#"."emailVerified", "#,
            $alias,
            r#"."image""#
        )
    };
}
macro_rules! account_columns {
    () => {
        r#""userId", "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at", "token_type", "scope", "id_token", "session_state""#
    };
}
macro_rules! session_columns {
    () => {
        r#""sessionToken", "userId", "expires""#
    };
    ($alias:literal) => {
        concat!(
            $alias,
            r#"."sessionToken", "#,
            $alias,
            r#"."userId", "#,
            $alias,
            r#"."expires""#
        )
    };
}
macro_rules! token_columns {
    () => {
        r#""identifier", "token", "expires""#
    };
}
macro_rules! authenticator_columns {
    () => {
        r#""credentialID", "userId", "providerAccountId", "credentialPublicKey", "counter", "credentialDeviceType", "credentialBackedUp", "transports""#
    };
}

pub(crate) const USER_EXISTS: &str = r#"SELECT 1 FROM "user" WHERE "id" = ?1"#;

pub(crate) const INSERT_USER: &str = concat!(
    r#"INSERT INTO "user" ("id", "name", "email", "emailVerified", "image") VALUES (?1, ?2, ?3, ?4, ?5) RETURNING "#,
    user_columns!()
);

pub(crate) const SELECT_USER: &str = concat!(
    "SELECT ",
    user_columns!(),
    r#" FROM "user" WHERE "id" = ?1"#
);

pub(crate) const SELECT_USER_BY_EMAIL: &str = concat!(
    "SELECT ",
    user_columns!(),
    r#" FROM "user" WHERE "email" = ?1"#
);

pub(crate) const SELECT_USER_BY_ACCOUNT: &str = concat!(
    "SELECT ",
    user_columns!("u"),
    r#" FROM "account" a JOIN "user" u ON u."id" = a."userId" WHERE a."provider" = ?1 AND a."providerAccountId" = ?2"#
);

/// `?1` id; then (set?, value) pairs for name, email, emailVerified, image.
pub(crate) const UPDATE_USER: &str = concat!(
    r#"UPDATE "user" SET "name" = CASE WHEN ?2 THEN ?3 ELSE "name" END, "email" = CASE WHEN ?4 THEN ?5 ELSE "email" END, "emailVerified" = CASE WHEN ?6 THEN ?7 ELSE "emailVerified" END, "image" = CASE WHEN ?8 THEN ?9 ELSE "image" END WHERE "id" = ?1 RETURNING "#,
    user_columns!()
);

/// Run in this order before [`DELETE_USER`], in the same transaction.
pub(crate) const DELETE_USER_CHILDREN: [&str; 3] = [
    r#"DELETE FROM "account" WHERE "userId" = ?1"#,
    r#"DELETE FROM "session" WHERE "userId" = ?1"#,
    r#"DELETE FROM "authenticator" WHERE "userId" = ?1"#,
];

pub(crate) const DELETE_USER: &str = concat!(
    r#"DELETE FROM "user" WHERE "id" = ?1 RETURNING "#,
    user_columns!()
);

pub(crate) const INSERT_ACCOUNT: &str = concat!(
    r#"INSERT INTO "account" ("#,
    account_columns!(),
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING ",
    account_columns!()
);

pub(crate) const SELECT_ACCOUNT: &str = concat!(
    "SELECT ",
    account_columns!(),
    r#" FROM "account" WHERE "provider" = ?1 AND "providerAccountId" = ?2"#
);

pub(crate) const DELETE_ACCOUNT: &str = concat!(
    r#"DELETE FROM "account" WHERE "provider" = ?1 AND "providerAccountId" = ?2 RETURNING "#,
    account_columns!()
);

/// `?1` provider, `?2` providerAccountId; then (set?, value) pairs for refresh_token,
/// access_token, expires_at, token_type, scope, id_token, session_state.
pub(crate) const UPDATE_ACCOUNT: &str = concat!(
    r#"UPDATE "account" SET "refresh_token" = CASE WHEN ?3 THEN ?4 ELSE "refresh_token" END, "access_token" = CASE WHEN ?5 THEN ?6 ELSE "access_token" END, "expires_at" = CASE WHEN ?7 THEN ?8 ELSE "expires_at" END, "token_type" = CASE WHEN ?9 THEN ?10 ELSE "token_type" END, "scope" = CASE WHEN ?11 THEN ?12 ELSE "scope" END, "id_token" = CASE WHEN ?13 THEN ?14 ELSE "id_token" END, "session_state" = CASE WHEN ?15 THEN ?16 ELSE "session_state" END WHERE "provider" = ?1 AND "providerAccountId" = ?2 RETURNING "#,
    account_columns!()
);

pub(crate) const INSERT_SESSION: &str = concat!(
    r#"INSERT INTO "session" ("sessionToken", "userId", "expires") VALUES (?1, ?2, ?3) RETURNING "#,
    session_columns!()
);

pub(crate) const SELECT_SESSION: &str = concat!(
    "SELECT ",
    session_columns!(),
    r#" FROM "session" WHERE "sessionToken" = ?1"#
);

/// The per-request lookup: one statement, the session's primary key, then the user's.
pub(crate) const SELECT_SESSION_AND_USER: &str = concat!(
    "SELECT ",
    session_columns!("s"),
    ", ",
    user_columns!("u"),
    r#" FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE s."sessionToken" = ?1"#
);

pub(crate) const UPDATE_SESSION: &str = concat!(
    r#"UPDATE "session" SET "expires" = ?2 WHERE "sessionToken" = ?1 RETURNING "#,
    session_columns!()
);

pub(crate) const DELETE_SESSION: &str = concat!(
    r#"DELETE FROM "session" WHERE "sessionToken" = ?1 RETURNING "#,
    session_columns!()
);

pub(crate) const DELETE_SESSIONS_OF_USER: &str = r#"DELETE FROM "session" WHERE "userId" = ?1"#;

pub(crate) const INSERT_TOKEN: &str = concat!(
    r#"INSERT INTO "verificationToken" ("identifier", "token", "expires") VALUES (?1, ?2, ?3) RETURNING "#,
    token_columns!()
);

pub(crate) const DELETE_TOKEN: &str = concat!(
    r#"DELETE FROM "verificationToken" WHERE "identifier" = ?1 AND "token" = ?2 RETURNING "#,
    token_columns!()
);

pub(crate) const INSERT_AUTHENTICATOR: &str = concat!(
    r#"INSERT INTO "authenticator" ("#,
    authenticator_columns!(),
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING ",
    authenticator_columns!()
);

pub(crate) const SELECT_AUTHENTICATOR: &str = concat!(
    "SELECT ",
    authenticator_columns!(),
    r#" FROM "authenticator" WHERE "credentialID" = ?1"#
);

pub(crate) const SELECT_AUTHENTICATORS_OF_USER: &str = concat!(
    "SELECT ",
    authenticator_columns!(),
    r#" FROM "authenticator" WHERE "userId" = ?1"#
);

pub(crate) const UPDATE_AUTHENTICATOR_COUNTER: &str = concat!(
    r#"UPDATE "authenticator" SET "counter" = ?2 WHERE "credentialID" = ?1 RETURNING "#,
    authenticator_columns!()
);

/// `expires` as epoch milliseconds whether it was stored as INTEGER (drizzle) or as ISO text
/// (other Auth.js SQLite adapters), so `delete_expired` removes both.
macro_rules! expires_ms {
    () => {
        r#"CASE typeof("expires") WHEN 'text' THEN CAST(unixepoch("expires", 'subsec') * 1000 AS INTEGER) ELSE "expires" END"#
    };
}

pub(crate) const DELETE_EXPIRED_SESSIONS: &str =
    concat!(r#"DELETE FROM "session" WHERE "#, expires_ms!(), " < ?1");

pub(crate) const DELETE_EXPIRED_TOKENS: &str = concat!(
    r#"DELETE FROM "verificationToken" WHERE "#,
    expires_ms!(),
    " < ?1"
);

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

/// The per-request lookup, on a reader: the binding that authenticates at `?3` (the unique
/// (realm, tokenHash) index) and its user.
pub(crate) const SELECT_BINDING_AND_USER: &str = concat!(
    r#"SELECT t."id", t."userId", t."realm", t."name", t."displayPrefix", t."scopes", t."createdAt", t."lastUsedAt", t."expires", "#,
    user_columns!("u"),
    r#" FROM "auth_adapter_token" t JOIN "user" u ON u."id" = t."userId" WHERE t."realm" = ?1 AND t."tokenHash" = ?2 AND (t."expires" IS NULL OR t."expires" > ?3)"#
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

    #[test]
    fn statements_are_assembled() {
        assert_eq!(
            SELECT_USER,
            r#"SELECT "id", "name", "email", "emailVerified", "image" FROM "user" WHERE "id" = ?1"#
        );
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        connection
            .execute_batch(
                r#"CREATE TABLE "user" ("id", "name", "email", "emailVerified", "image");
                CREATE TABLE "account" ("userId", "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at", "token_type", "scope", "id_token", "session_state");
                CREATE TABLE "session" ("sessionToken", "userId", "expires");
                CREATE TABLE "verificationToken" ("identifier", "token", "expires");
                CREATE TABLE "authenticator" ("credentialID", "userId", "providerAccountId", "credentialPublicKey", "counter", "credentialDeviceType", "credentialBackedUp", "transports");
                CREATE TABLE "auth_adapter_token" ("id", "userId", "realm", "tokenHash", "name", "displayPrefix", "scopes", "createdAt", "lastUsedAt", "expires");"#,
            )
            .unwrap();
        let all = [
            USER_EXISTS,
            INSERT_USER,
            SELECT_USER,
            SELECT_USER_BY_EMAIL,
            SELECT_USER_BY_ACCOUNT,
            UPDATE_USER,
            DELETE_USER,
            INSERT_ACCOUNT,
            SELECT_ACCOUNT,
            DELETE_ACCOUNT,
            UPDATE_ACCOUNT,
            INSERT_SESSION,
            SELECT_SESSION,
            SELECT_SESSION_AND_USER,
            UPDATE_SESSION,
            DELETE_SESSION,
            DELETE_SESSIONS_OF_USER,
            INSERT_TOKEN,
            DELETE_TOKEN,
            INSERT_AUTHENTICATOR,
            SELECT_AUTHENTICATOR,
            SELECT_AUTHENTICATORS_OF_USER,
            UPDATE_AUTHENTICATOR_COUNTER,
            DELETE_EXPIRED_SESSIONS,
            DELETE_EXPIRED_TOKENS,
            INSERT_BINDING,
            SELECT_BINDING_AND_USER,
            TOUCH_BINDING,
            SELECT_BINDINGS_OF_USER,
            DELETE_BINDING,
            DELETE_BINDINGS_OF_USER,
            DELETE_EXPIRED_BINDINGS,
        ];
        for statement in all.iter().chain(DELETE_USER_CHILDREN.iter()) {
            connection
                .prepare(statement)
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
    }
}
