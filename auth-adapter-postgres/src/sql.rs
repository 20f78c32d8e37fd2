//! Every statement the adapter runs, built once per adapter with the schema name in it.
//!
//! The schema is the only text that is not a literal here, and it has passed
//! [`validate_identifier`](crate::options::validate_identifier) (ASCII letters, digits and
//! `_`), so putting it between double quotes cannot change a statement's meaning: that is
//! the audit behind every [`AssertSqlSafe`] in this crate. Values travel as bind
//! parameters (`$1`, `$2`, …), and sqlx prepares and caches each statement per
//! connection; or, under [`transaction_pooler`](crate::PostgresOptions::transaction_pooler),
//! each `$n` is replaced by its value as a typed literal (see [`crate::literal`]) and the
//! statement goes out as one simple `Query`. No statement text holds a `$` anywhere else.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::Arc;

use auth_adapter_core::{AdapterError, Result};
use sqlx::AssertSqlSafe;

use crate::layout::Role;
use crate::literal::Param;
use crate::shape::{Bookkeeping, Shape};

/// The user columns, in the order [`rows::user`](crate::rows::user) reads them.
const USER_COLUMNS: &str = r#"id, name, email, "emailVerified", image"#;
/// The account columns, in the order [`rows::account`](crate::rows::account) reads them.
const ACCOUNT_COLUMNS: &str = r#""userId", type, provider, "providerAccountId", refresh_token, access_token, expires_at, token_type, scope, id_token, session_state"#;
/// The session columns, in the order [`rows::session`](crate::rows::session) reads them.
const SESSION_COLUMNS: &str = r#""sessionToken", "userId", expires"#;
/// The verification token columns.
const TOKEN_COLUMNS: &str = "identifier, token, expires";
/// The authenticator columns.
const AUTHENTICATOR_COLUMNS: &str = r#""credentialID", "userId", "providerAccountId", "credentialPublicKey", counter, "credentialDeviceType", "credentialBackedUp", transports"#;

/// The columns of a token binding, in the order [`rows::token_binding`](crate::rows::token_binding)
/// reads them.
const BINDING_COLUMNS: &str =
    "id, user_id, realm, name, display_prefix, scopes, created_at, last_used_at, expires";

/// The function `migrate` creates that records a token's use when it is due
/// ([`crate::schema`]); `authenticate_token` calls it.
pub(crate) const TOUCH_FUNCTION: &str = "auth_adapter_token_used";

/// A piece of a statement: text as it is, or the place of parameter `$n` (the `n`).
#[derive(Debug, Clone)]
enum Piece {
    Text(Range<usize>),
    Param(usize),
}

/// A statement text that has been audited (see the module docs), split once at its
/// parameters for [`Sql::inline`].
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    text: Arc<str>,
    pieces: Arc<[Piece]>,
}

impl Sql {
    pub(crate) fn new(text: String) -> Self {
        let pieces = split_at_params(&text);
        Sql {
            text: Arc::from(text),
            pieces: Arc::from(pieces),
        }
    }

    /// The text, ready for `sqlx::query` (a cheap reference-count increment).
    pub(crate) fn get(&self) -> AssertSqlSafe<Arc<str>> {
        AssertSqlSafe(Arc::clone(&self.text))
    }

    /// The text with each `$n` replaced by `params[n - 1]` as a typed literal, ready for
    /// `sqlx::raw_sql`. A statement that names a parameter `params` lacks is a bug here,
    /// reported as a permanent `Backend` error rather than sent.
    pub(crate) fn inline(&self, params: &[Param<'_>]) -> Result<AssertSqlSafe<String>> {
        let mut out = String::with_capacity(self.text.len() + 48 * params.len());
        for piece in self.pieces.iter() {
            match piece {
                Piece::Text(range) => out.push_str(&self.text[range.clone()]),
                Piece::Param(n) => match n.checked_sub(1).and_then(|i| params.get(i)) {
                    Some(param) => param.write_literal(&mut out)?,
                    None => {
                        return Err(AdapterError::backend_message(format!(
                            "statement uses ${n} but was given {} values",
                            params.len()
                        )));
                    }
                },
            }
        }
        Ok(AssertSqlSafe(out))
    }

    #[cfg(test)]
    pub(crate) fn text(&self) -> &str {
        &self.text
    }
}

/// Splits `text` at every `$` followed by digits.
fn split_at_params(text: &str) -> Vec<Piece> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        let digits = if bytes[i] == b'$' {
            bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        } else {
            0
        };
        if digits == 0 {
            i += 1;
            continue;
        }
        if start < i {
            pieces.push(Piece::Text(start..i));
        }
        // `$0` (or a number beyond usize) names no parameter: `inline` reports it.
        let n: usize = text[i + 1..i + 1 + digits].parse().unwrap_or(0);
        pieces.push(Piece::Param(n));
        i += 1 + digits;
        start = i;
    }
    if start < bytes.len() {
        pieces.push(Piece::Text(start..bytes.len()));
    }
    pieces
}

/// The prepared texts of every adapter method.
#[derive(Debug)]
pub(crate) struct Statements {
    pub(crate) create_user: Sql,
    pub(crate) get_user: Sql,
    pub(crate) get_user_by_email: Sql,
    pub(crate) get_user_by_account: Sql,
    pub(crate) update_user: Sql,
    pub(crate) delete_user: Sql,
    pub(crate) link_account: Sql,
    pub(crate) unlink_account: Sql,
    pub(crate) get_account: Sql,
    pub(crate) update_account: Sql,
    pub(crate) create_session: Sql,
    pub(crate) get_session_and_user: Sql,
    pub(crate) get_session: Sql,
    pub(crate) update_session: Sql,
    pub(crate) delete_session: Sql,
    pub(crate) delete_sessions_by_user_id: Sql,
    pub(crate) create_verification_token: Sql,
    pub(crate) use_verification_token: Sql,
    pub(crate) create_authenticator: Sql,
    pub(crate) get_authenticator: Sql,
    pub(crate) list_authenticators_by_user_id: Sql,
    pub(crate) update_authenticator_counter: Sql,
    pub(crate) delete_expired: Sql,
    pub(crate) increment_counter: Sql,
    pub(crate) get_counter: Sql,
    pub(crate) delete_counter: Sql,
    pub(crate) purge_counters: Sql,
    pub(crate) bind_token: Sql,
    pub(crate) authenticate_token: Sql,
    pub(crate) list_tokens: Sql,
    pub(crate) revoke_token: Sql,
    pub(crate) revoke_all_tokens: Sql,
    pub(crate) purge_tokens: Sql,
}

/// What the statements of one layout (and variant) differ in: see [`Variant::of`].
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    /// The five tables, schema-qualified and quoted as needed.
    user: String,
    account: String,
    session: String,
    token: String,
    authenticator: String,
    /// The account and authenticator columns as read back (the text layouts' `integer`
    /// columns widened to `int8`, which the row readers take).
    account_columns: &'static str,
    authenticator_columns: &'static str,
    /// The client makes the user's id (`$1` of `create_user`).
    user_id: bool,
    /// An `id` the client fills on accounts and sessions: the last parameter of
    /// `link_account` / `create_session`.
    account_row_id: bool,
    session_row_id: bool,
    /// Bookkeeping columns set to the current time: (insert columns, insert values,
    /// update assignments), each starting with `, ` or empty.
    user_stamps: Stamps,
    account_stamps: Stamps,
    session_stamps: Stamps,
    /// `delete_user` deletes the user's sessions, accounts and authenticators itself (in
    /// the same statement), whether or not foreign keys would cascade.
    delete_children: bool,
}

#[derive(Debug, Clone, Default)]
struct Stamps {
    insert_columns: String,
    insert_values: String,
    update: String,
}

impl Stamps {
    fn new(b: &Bookkeeping, now: &str) -> Self {
        let mut out = Stamps::default();
        for c in &b.on_insert {
            let _ = write!(out.insert_columns, r#", "{c}""#);
            let _ = write!(out.insert_values, ", {now}");
        }
        for c in &b.on_update {
            let _ = write!(out.update, r#", "{c}" = {now}"#);
        }
        out
    }
}

/// The account columns of the text layouts, `expires_at` (an `integer`) as `int8`.
const WIDE_ACCOUNT_COLUMNS: &str = r#""userId", type, provider, "providerAccountId", refresh_token, access_token, expires_at::int8, token_type, scope, id_token, session_state"#;
/// The authenticator columns of the text layouts, `counter` (an `integer`) as `int8`.
const WIDE_AUTHENTICATOR_COLUMNS: &str = r#""credentialID", "userId", "providerAccountId", "credentialPublicKey", counter::int8, "credentialDeviceType", "credentialBackedUp", transports"#;

impl Variant {
    /// `@auth/pg-adapter`'s tables in `schema` (a validated identifier).
    pub(crate) fn pg_adapter(schema: &str) -> Self {
        let s = format!("\"{schema}\"");
        Variant {
            user: format!("{s}.users"),
            account: format!("{s}.accounts"),
            session: format!("{s}.sessions"),
            token: format!("{s}.verification_token"),
            authenticator: format!("{s}.authenticators"),
            account_columns: ACCOUNT_COLUMNS,
            authenticator_columns: AUTHENTICATOR_COLUMNS,
            user_id: false,
            account_row_id: false,
            session_row_id: false,
            user_stamps: Stamps::default(),
            account_stamps: Stamps::default(),
            session_stamps: Stamps::default(),
            delete_children: false,
        }
    }

    /// The Prisma or Drizzle tables of `shape` in `schema` (validated identifiers).
    pub(crate) fn of(schema: &str, shape: &Shape) -> Self {
        let q = |role: Role| format!("\"{schema}\".\"{}\"", shape.tables.name(role));
        let now = if shape.naive_dates {
            "(now() AT TIME ZONE 'UTC')"
        } else {
            "now()"
        };
        Variant {
            user: q(Role::User),
            account: q(Role::Account),
            session: q(Role::Session),
            token: q(Role::VerificationToken),
            authenticator: q(Role::Authenticator),
            account_columns: WIDE_ACCOUNT_COLUMNS,
            authenticator_columns: WIDE_AUTHENTICATOR_COLUMNS,
            user_id: true,
            account_row_id: shape.account.id,
            session_row_id: shape.session.id,
            user_stamps: Stamps::new(&shape.user, now),
            account_stamps: Stamps::new(&shape.account, now),
            session_stamps: Stamps::new(&shape.session, now),
            delete_children: true,
        }
    }
}

impl Statements {
    /// Builds every statement for the tables of `v`; `schema` (a validated identifier)
    /// holds the crate's own tables (counters, bound tokens).
    pub(crate) fn new(schema: &str, v: &Variant) -> Self {
        let s = format!("\"{schema}\"");
        let sql = |text: String| Sql::new(text);
        let (u, a, se, vt, au) = (&v.user, &v.account, &v.session, &v.token, &v.authenticator);
        let (account_columns, authenticator_columns) = (v.account_columns, v.authenticator_columns);
        let (create_user_columns, create_user_values) = if v.user_id {
            (
                format!(
                    r#"id, name, email, "emailVerified", image{}"#,
                    v.user_stamps.insert_columns
                ),
                format!("$1, $2, $3, $4, $5{}", v.user_stamps.insert_values),
            )
        } else {
            (
                r#"name, email, "emailVerified", image"#.to_owned(),
                "$1, $2, $3, $4".to_owned(),
            )
        };
        let (account_id_column, account_id_value) = if v.account_row_id {
            (", id", ", $12")
        } else {
            ("", "")
        };
        let (session_id_column, session_id_value) = if v.session_row_id {
            (", id", ", $4")
        } else {
            ("", "")
        };
        let delete_user = if v.delete_children {
            // One statement: the user's rows go first (data-modifying CTEs run once each),
            // so foreign keys that do not cascade (Prisma's default `RESTRICT`) hold too.
            format!(
                r#"WITH s AS (DELETE FROM {se} WHERE "userId" = $1), a AS (DELETE FROM {a} WHERE "userId" = $1), au AS (DELETE FROM {au} WHERE "userId" = $1) DELETE FROM {u} WHERE id = $1 RETURNING {USER_COLUMNS}"#
            )
        } else {
            // The foreign keys cascade to accounts, sessions and authenticators in the same
            // statement, so the whole delete is atomic.
            format!("DELETE FROM {u} WHERE id = $1 RETURNING {USER_COLUMNS}")
        };
        let (us, acs, ses) = (&v.user_stamps, &v.account_stamps, &v.session_stamps);
        Statements {
            create_user: sql(format!(
                "INSERT INTO {u} ({create_user_columns}) VALUES ({create_user_values}) RETURNING {USER_COLUMNS}"
            )),
            get_user: sql(format!("SELECT {USER_COLUMNS} FROM {u} WHERE id = $1")),
            // LIMIT 1: a database adopted by `migrate` has unique emails; this also keeps an
            // unmigrated upstream database (duplicates possible) answering like pg-adapter.
            get_user_by_email: sql(format!(
                "SELECT {USER_COLUMNS} FROM {u} WHERE email = $1 ORDER BY id LIMIT 1"
            )),
            get_user_by_account: sql(format!(
                r#"SELECT u.id, u.name, u.email, u."emailVerified", u.image FROM {u} u JOIN {a} a ON a."userId" = u.id WHERE a.provider = $1 AND a."providerAccountId" = $2 LIMIT 1"#
            )),
            // One statement: each `$flag` says whether its column is part of the update.
            update_user: sql(format!(
                r#"UPDATE {u} SET name = CASE WHEN $2 THEN $3 ELSE name END, email = CASE WHEN $4 THEN $5 ELSE email END, "emailVerified" = CASE WHEN $6 THEN $7 ELSE "emailVerified" END, image = CASE WHEN $8 THEN $9 ELSE image END{} WHERE id = $1 RETURNING {USER_COLUMNS}"#,
                us.update
            )),
            delete_user: sql(delete_user),
            link_account: sql(format!(
                r#"INSERT INTO {a} ("userId", type, provider, "providerAccountId", refresh_token, access_token, expires_at, token_type, scope, id_token, session_state{account_id_column}{}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11{account_id_value}{}) RETURNING {account_columns}"#,
                acs.insert_columns, acs.insert_values
            )),
            unlink_account: sql(format!(
                r#"DELETE FROM {a} WHERE provider = $1 AND "providerAccountId" = $2 RETURNING {account_columns}"#
            )),
            get_account: sql(format!(
                r#"SELECT {account_columns} FROM {a} WHERE provider = $1 AND "providerAccountId" = $2 LIMIT 1"#
            )),
            update_account: sql(format!(
                r#"UPDATE {a} SET refresh_token = CASE WHEN $3 THEN $4 ELSE refresh_token END, access_token = CASE WHEN $5 THEN $6 ELSE access_token END, expires_at = CASE WHEN $7 THEN $8 ELSE expires_at END, token_type = CASE WHEN $9 THEN $10 ELSE token_type END, scope = CASE WHEN $11 THEN $12 ELSE scope END, id_token = CASE WHEN $13 THEN $14 ELSE id_token END, session_state = CASE WHEN $15 THEN $16 ELSE session_state END{} WHERE provider = $1 AND "providerAccountId" = $2 RETURNING {account_columns}"#,
                acs.update
            )),
            create_session: sql(format!(
                r#"INSERT INTO {se} ("sessionToken", "userId", expires{session_id_column}{}) VALUES ($1, $2, $3{session_id_value}{}) RETURNING {SESSION_COLUMNS}"#,
                ses.insert_columns, ses.insert_values
            )),
            // The per-request path: one prepared JOIN, served by the unique index on
            // "sessionToken" and the users primary key.
            get_session_and_user: sql(format!(
                r#"SELECT se."sessionToken", se."userId", se.expires, u.id, u.name, u.email, u."emailVerified", u.image FROM {se} se JOIN {u} u ON u.id = se."userId" WHERE se."sessionToken" = $1 LIMIT 1"#
            )),
            get_session: sql(format!(
                r#"SELECT {SESSION_COLUMNS} FROM {se} WHERE "sessionToken" = $1 LIMIT 1"#
            )),
            update_session: sql(format!(
                r#"UPDATE {se} SET expires = $2{} WHERE "sessionToken" = $1 RETURNING {SESSION_COLUMNS}"#,
                ses.update
            )),
            delete_session: sql(format!(
                r#"DELETE FROM {se} WHERE "sessionToken" = $1 RETURNING {SESSION_COLUMNS}"#
            )),
            delete_sessions_by_user_id: sql(format!(r#"DELETE FROM {se} WHERE "userId" = $1"#)),
            create_verification_token: sql(format!(
                "INSERT INTO {vt} (identifier, token, expires) VALUES ($1, $2, $3) RETURNING {TOKEN_COLUMNS}"
            )),
            // Single use: of concurrent deletes of one row, exactly one returns it.
            use_verification_token: sql(format!(
                "DELETE FROM {vt} WHERE identifier = $1 AND token = $2 RETURNING {TOKEN_COLUMNS}"
            )),
            create_authenticator: sql(format!(
                r#"INSERT INTO {au} ("credentialID", "userId", "providerAccountId", "credentialPublicKey", counter, "credentialDeviceType", "credentialBackedUp", transports) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {authenticator_columns}"#
            )),
            get_authenticator: sql(format!(
                r#"SELECT {authenticator_columns} FROM {au} WHERE "credentialID" = $1"#
            )),
            list_authenticators_by_user_id: sql(format!(
                r#"SELECT {authenticator_columns} FROM {au} WHERE "userId" = $1 ORDER BY "credentialID""#
            )),
            update_authenticator_counter: sql(format!(
                r#"UPDATE {au} SET counter = $2 WHERE "credentialID" = $1 RETURNING {authenticator_columns}"#
            )),
            // Both deletes in one statement, so they happen together.
            delete_expired: sql(format!(
                "WITH expired_sessions AS (DELETE FROM {se} WHERE expires < $1 RETURNING 1), expired_tokens AS (DELETE FROM {vt} WHERE expires < $1 RETURNING 1) SELECT (SELECT count(*) FROM expired_sessions), (SELECT count(*) FROM expired_tokens)"
            )),
            // The CounterStore, on the server's clock: one upsert adds one, opening a new
            // window when the old one has ended; the answer is the count and the
            // milliseconds left ($1 key, $2 window in ms).
            increment_counter: sql(format!(
                r#"INSERT INTO {s}.auth_adapter_counters AS c (key, count, resets_at) VALUES ($1, 1, now() + $2 * interval '1 millisecond') ON CONFLICT (key) DO UPDATE SET count = CASE WHEN c.resets_at <= now() THEN 1 ELSE c.count + 1 END, resets_at = CASE WHEN c.resets_at <= now() THEN excluded.resets_at ELSE c.resets_at END RETURNING count, (extract(epoch FROM resets_at - now()) * 1000)::bigint"#
            )),
            get_counter: sql(format!(
                "SELECT count, (extract(epoch FROM resets_at - now()) * 1000)::bigint FROM {s}.auth_adapter_counters WHERE key = $1 AND resets_at > now()"
            )),
            delete_counter: sql(format!(
                "DELETE FROM {s}.auth_adapter_counters WHERE key = $1"
            )),
            purge_counters: sql(format!(
                "DELETE FROM {s}.auth_adapter_counters WHERE resets_at <= now()"
            )),
            // The TokenStore. A bind's unknown user fails the foreign key (NotFound), a
            // bound (realm, token_hash) the unique key (Conflict): nothing is overwritten.
            bind_token: sql(format!(
                "INSERT INTO {s}.auth_adapter_tokens (id, user_id, realm, token_hash, name, display_prefix, scopes, created_at, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {BINDING_COLUMNS}"
            )),
            // The per-request path, one plain SELECT: the binding that authenticates at $3
            // and its user (the unique (realm, token_hash) index, the users primary key).
            // Its last use is written only when it is older than $4 (= $3 - 60 s): CASE
            // evaluates its branches in order, so the function `migrate` creates (an UPDATE
            // that rechecks that condition, so concurrent uses write once per interval) is
            // called only then, in the same statement. A use that is not due runs no
            // data-modifying plan at all (a CTE with an UPDATE did, on every request, and
            // made the lookup about a third slower than `get_session_and_user`).
            authenticate_token: sql(format!(
                "SELECT t.id, t.user_id, t.realm, t.name, t.display_prefix, t.scopes, t.created_at, CASE WHEN t.last_used_at > $4 THEN t.last_used_at WHEN {s}.{TOUCH_FUNCTION}(t.id, $3, $4) THEN $3 ELSE t.last_used_at END, t.expires, u.id, u.name, u.email, u.\"emailVerified\", u.image FROM {s}.auth_adapter_tokens t JOIN {u} u ON u.id = t.user_id WHERE t.realm = $1 AND t.token_hash = $2 AND (t.expires IS NULL OR t.expires > $3)"
            )),
            list_tokens: sql(format!(
                "SELECT {BINDING_COLUMNS} FROM {s}.auth_adapter_tokens WHERE user_id = $1 ORDER BY created_at, id"
            )),
            revoke_token: sql(format!(
                "DELETE FROM {s}.auth_adapter_tokens WHERE id = $1 AND user_id = $2 RETURNING {BINDING_COLUMNS}"
            )),
            revoke_all_tokens: sql(format!(
                "DELETE FROM {s}.auth_adapter_tokens WHERE user_id = $1"
            )),
            purge_tokens: sql(format!(
                "DELETE FROM {s}.auth_adapter_tokens WHERE expires <= $1"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Layout;

    #[test]
    fn every_statement_names_the_schema_quoted() {
        let statements = Statements::new("aa_schema", &Variant::pg_adapter("aa_schema"));
        assert!(
            statements
                .get_user
                .text()
                .contains(r#"FROM "aa_schema".users"#)
        );
        assert!(
            statements
                .get_session_and_user
                .text()
                .contains(r#"JOIN "aa_schema".users u"#)
        );
    }

    #[test]
    fn inline_replaces_every_parameter_and_only_them() {
        let sql = Sql::new("SELECT $1, '$x', $2 || $10 FROM t WHERE a = $1".to_owned());
        let params: Vec<Param<'_>> = (1..=10).map(Param::Int4).collect();
        let AssertSqlSafe(text) = sql.inline(&params).unwrap();
        assert_eq!(
            text,
            "SELECT '1'::int4, '$x', '2'::int4 || '10'::int4 FROM t WHERE a = '1'::int4"
        );
        let Err(err) = sql.inline(&params[..1]) else {
            panic!("a missing value must be an error")
        };
        assert!(err.to_string().contains("$2"), "{err}");
        assert!(Sql::new("SELECT $0".to_owned()).inline(&params).is_err());
    }

    /// The statements of every layout, and of a Prisma variant with row ids.
    fn every_variant() -> Vec<Statements> {
        let prisma = Shape::created(Layout::Prisma, Layout::Prisma.default_tables());
        let mut v4 = prisma.clone();
        v4.user = Bookkeeping::default();
        v4.account = Bookkeeping {
            id: true,
            ..Bookkeeping::default()
        };
        v4.session = Bookkeeping {
            id: true,
            ..Bookkeeping::default()
        };
        let drizzle = Shape::created(Layout::Drizzle, Layout::Drizzle.default_tables());
        vec![
            Statements::new("aa_schema", &Variant::pg_adapter("aa_schema")),
            Statements::new("aa_schema", &Variant::of("aa_schema", &prisma)),
            Statements::new("aa_schema", &Variant::of("aa_schema", &v4)),
            Statements::new("aa_schema", &Variant::of("aa_schema", &drizzle)),
        ]
    }

    #[test]
    fn prisma_writes_its_bookkeeping_and_drizzle_does_not() {
        let all = every_variant();
        let (prisma, v4, drizzle) = (&all[1], &all[2], &all[3]);
        assert_eq!(
            prisma.create_user.text(),
            r#"INSERT INTO "aa_schema"."User" (id, name, email, "emailVerified", image, "updatedAt") VALUES ($1, $2, $3, $4, $5, (now() AT TIME ZONE 'UTC')) RETURNING id, name, email, "emailVerified", image"#
        );
        assert!(
            prisma
                .update_session
                .text()
                .contains(r#""updatedAt" = (now() AT TIME ZONE 'UTC')"#)
        );
        assert!(
            v4.create_session
                .text()
                .contains(r#"expires, id) VALUES ($1, $2, $3, $4)"#)
        );
        assert!(v4.link_account.text().contains("$11, $12)"));
        assert!(!drizzle.update_user.text().contains("updatedAt"));
        assert!(
            drizzle
                .get_session_and_user
                .text()
                .contains(r#"FROM "aa_schema"."session" se JOIN "aa_schema"."user" u"#)
        );
        assert!(drizzle.delete_user.text().starts_with("WITH "));
    }

    #[test]
    fn every_statement_numbers_its_parameters_from_one_without_gaps() {
        for st in every_variant() {
            for sql in [
                &st.create_user,
                &st.get_user,
                &st.get_user_by_email,
                &st.get_user_by_account,
                &st.update_user,
                &st.delete_user,
                &st.link_account,
                &st.unlink_account,
                &st.get_account,
                &st.update_account,
                &st.create_session,
                &st.get_session_and_user,
                &st.get_session,
                &st.update_session,
                &st.delete_session,
                &st.delete_sessions_by_user_id,
                &st.create_verification_token,
                &st.use_verification_token,
                &st.create_authenticator,
                &st.get_authenticator,
                &st.list_authenticators_by_user_id,
                &st.update_authenticator_counter,
                &st.delete_expired,
                &st.increment_counter,
                &st.get_counter,
                &st.delete_counter,
                &st.purge_counters,
                &st.bind_token,
                &st.authenticate_token,
                &st.list_tokens,
                &st.revoke_token,
                &st.revoke_all_tokens,
                &st.purge_tokens,
            ] {
                let mut used: Vec<usize> = sql
                    .pieces
                    .iter()
                    .filter_map(|p| match p {
                        Piece::Param(i) => Some(*i),
                        Piece::Text(_) => None,
                    })
                    .collect();
                used.sort_unstable();
                used.dedup();
                assert_eq!(used, (1..=used.len()).collect::<Vec<_>>(), "{}", sql.text());
                // No `$` outside the parameters: the text pieces hold none.
                for p in sql.pieces.iter() {
                    if let Piece::Text(r) = p {
                        assert!(!sql.text()[r.clone()].contains('$'), "{}", sql.text());
                    }
                }
            }
        }
    }
}
