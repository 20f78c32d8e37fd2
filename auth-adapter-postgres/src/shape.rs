//! [`Shape`]: the variant of a Prisma or Drizzle layout a database holds, read from the
//! catalog, and what it means for the statements.
//!
//! Real Prisma databases differ by the schema they were made from: the Auth.js docs' current
//! schema (no `id` on accounts and sessions, `createdAt` / `updatedAt` everywhere, `email`
//! required), its v4-era docs (a cuid `id` on `Account` and `Session`), its own test schema
//! (no bookkeeping columns), and what apps added or removed. The adapter never requires
//! what a variant lacks: it writes a cuid into an `id` the client must fill (one without a
//! database default), `updatedAt` where the column exists (Prisma's `@updatedAt` is a
//! client feature: no database default), a `createdAt` only where it has no default, and
//! refuses a user without email where `email` is `NOT NULL`. Columns it does not know are
//! left to their defaults (or `NULL`).

use std::collections::HashMap;

use auth_adapter_core::{AdapterError, Result};

use crate::layout::{Layout, Role, Tables};

/// One column as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    /// `format_type` of its type: `text`, `timestamp(3) without time zone`, ….
    pub(crate) ty: String,
    pub(crate) not_null: bool,
    pub(crate) has_default: bool,
}

/// The columns of the schema's tables, by table and column name.
pub(crate) type Catalog = HashMap<(String, String), Column>;

/// The columns the adapter reads and writes, per role: a table without one of them is not
/// an Auth.js table of the layout.
const REQUIRED: &[(Role, &[&str])] = &[
    (
        Role::User,
        &["id", "name", "email", "emailVerified", "image"],
    ),
    (
        Role::Account,
        &[
            "userId",
            "type",
            "provider",
            "providerAccountId",
            "refresh_token",
            "access_token",
            "expires_at",
            "token_type",
            "scope",
            "id_token",
            "session_state",
        ],
    ),
    (Role::Session, &["sessionToken", "userId", "expires"]),
    (Role::VerificationToken, &["identifier", "token", "expires"]),
    (
        Role::Authenticator,
        &[
            "credentialID",
            "userId",
            "providerAccountId",
            "credentialPublicKey",
            "counter",
            "credentialDeviceType",
            "credentialBackedUp",
            "transports",
        ],
    ),
];

/// The date columns, which must all be `timestamp` or all `timestamptz`.
const DATES: &[(Role, &str)] = &[
    (Role::User, "emailVerified"),
    (Role::Session, "expires"),
    (Role::VerificationToken, "expires"),
];

/// The text ids: the users' id and every reference to it.
const IDS: &[(Role, &str)] = &[
    (Role::User, "id"),
    (Role::Account, "userId"),
    (Role::Session, "userId"),
    (Role::Authenticator, "userId"),
];

/// What the client writes into a table beyond the Auth.js fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Bookkeeping {
    /// An `id` without a database default: the client makes one (a cuid for Prisma).
    pub(crate) id: bool,
    /// Columns set to the current time on insert (`updatedAt`; `createdAt` without a
    /// default).
    pub(crate) on_insert: Vec<&'static str>,
    /// Columns set to the current time on update (`updatedAt`).
    pub(crate) on_update: Vec<&'static str>,
}

/// The variant of a Prisma or Drizzle layout (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) layout: Layout,
    pub(crate) tables: Tables,
    pub(crate) user: Bookkeeping,
    pub(crate) account: Bookkeeping,
    pub(crate) session: Bookkeeping,
    /// `email` is `NOT NULL` (the Auth.js docs' PostgreSQL schema).
    pub(crate) email_required: bool,
    /// The date columns are `timestamp` without time zone, holding UTC (both tools'
    /// default); else `timestamptz`.
    pub(crate) naive_dates: bool,
}

impl Shape {
    /// The shape the layout's tool creates (what `migrate` makes in an empty schema).
    #[cfg(test)]
    pub(crate) fn created(layout: Layout, tables: Tables) -> Shape {
        let prisma = layout == Layout::Prisma;
        let stamps = || Bookkeeping {
            id: false,
            on_insert: if prisma { vec!["updatedAt"] } else { vec![] },
            on_update: if prisma { vec!["updatedAt"] } else { vec![] },
        };
        Shape {
            layout,
            tables,
            user: stamps(),
            account: stamps(),
            session: stamps(),
            email_required: prisma,
            naive_dates: true,
        }
    }

    /// Reads the shape of `tables` from `catalog`; a table or column the adapter needs that
    /// is missing, or of a type it cannot use, is [`AdapterError::Unsupported`].
    pub(crate) fn detect(
        layout: Layout,
        tables: &Tables,
        schema: &str,
        catalog: &Catalog,
    ) -> Result<Shape> {
        let column =
            |role: Role, name: &str| catalog.get(&(tables.name(role).to_owned(), name.to_owned()));
        for (role, table) in tables.all() {
            if !catalog.keys().any(|(t, _)| t == table) {
                return Err(AdapterError::unsupported(format!(
                    "table \"{schema}\".\"{table}\" does not exist: run migrate (the {} layout)",
                    layout.name()
                )));
            }
            let required = REQUIRED
                .iter()
                .find(|(r, _)| *r == role)
                .map_or(&[][..], |(_, c)| *c);
            for name in required {
                if column(role, name).is_none() {
                    return Err(AdapterError::unsupported(format!(
                        "table \"{schema}\".\"{table}\" has no column \"{name}\": it is not the {} layout",
                        layout.name()
                    )));
                }
            }
        }
        for (role, name) in IDS {
            let ty = column(*role, name).map_or("", |c| c.ty.as_str());
            if !is_text(ty) {
                return Err(AdapterError::unsupported(format!(
                    "column \"{}\".\"{name}\" is {ty}: the {} layout's ids are text",
                    tables.name(*role),
                    layout.name()
                )));
            }
        }
        let mut naive = None;
        for (role, name) in DATES {
            let ty = column(*role, name).map_or("", |c| c.ty.as_str());
            let this = if ty.starts_with("timestamp") && ty.ends_with("without time zone") {
                true
            } else if ty.starts_with("timestamp") && ty.ends_with("with time zone") {
                false
            } else {
                return Err(AdapterError::unsupported(format!(
                    "column \"{}\".\"{name}\" is {ty}, not a timestamp",
                    tables.name(*role)
                )));
            };
            if *naive.get_or_insert(this) != this {
                return Err(AdapterError::unsupported(format!(
                    "column \"{}\".\"{name}\" is {ty}, unlike the other date columns: dates must be all timestamp or all timestamptz",
                    tables.name(*role)
                )));
            }
        }
        let bookkeeping = |role: Role| {
            let get = |name: &str| column(role, name);
            Bookkeeping {
                id: role != Role::User && get("id").is_some_and(|c| !c.has_default),
                on_insert: ["createdAt", "updatedAt"]
                    .into_iter()
                    .filter(|n| {
                        get(n).is_some_and(|c| *n == "updatedAt" || (c.not_null && !c.has_default))
                    })
                    .collect(),
                on_update: ["updatedAt"]
                    .into_iter()
                    .filter(|n| get(n).is_some())
                    .collect(),
            }
        };
        Ok(Shape {
            layout,
            tables: tables.clone(),
            user: bookkeeping(Role::User),
            account: bookkeeping(Role::Account),
            session: bookkeeping(Role::Session),
            email_required: column(Role::User, "email").is_some_and(|c| c.not_null),
            naive_dates: naive.unwrap_or(true),
        })
    }
}

/// A type that holds any string the adapter writes: `text`, `character varying(…)`,
/// `character(…)`. (A length limit is the database's to enforce, as a `Backend` error.)
fn is_text(ty: &str) -> bool {
    ty == "text" || ty.starts_with("character varying") || ty.starts_with("character(")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(columns: &[(&str, &str, &str, bool, bool)]) -> Catalog {
        columns
            .iter()
            .map(|(t, c, ty, nn, def)| {
                (
                    ((*t).to_owned(), (*c).to_owned()),
                    Column {
                        ty: (*ty).to_owned(),
                        not_null: *nn,
                        has_default: *def,
                    },
                )
            })
            .collect()
    }

    /// The Auth.js docs' PostgreSQL schema, optionally v4-era (ids on Account and Session,
    /// no bookkeeping, a nullable email).
    fn prisma(v4: bool) -> Catalog {
        let ts = "timestamp(3) without time zone";
        let mut c = vec![
            ("User", "id", "text", true, false),
            ("User", "name", "text", false, false),
            ("User", "email", "text", !v4, false),
            ("User", "emailVerified", ts, false, false),
            ("User", "image", "text", false, false),
            ("Session", "sessionToken", "text", true, false),
            ("Session", "userId", "text", true, false),
            ("Session", "expires", ts, true, false),
            ("VerificationToken", "identifier", "text", true, false),
            ("VerificationToken", "token", "text", true, false),
            ("VerificationToken", "expires", ts, true, false),
        ];
        for col in REQUIRED[1].1.iter().copied() {
            c.push(("Account", col, "text", false, false));
        }
        for col in REQUIRED[4].1.iter().copied() {
            c.push(("Authenticator", col, "text", false, false));
        }
        if v4 {
            c.push(("Account", "id", "text", true, false));
            c.push(("Session", "id", "text", true, false));
        } else {
            for t in ["User", "Account", "Session"] {
                c.push((t, "createdAt", ts, true, true));
                c.push((t, "updatedAt", ts, true, false));
            }
        }
        catalog(&c)
    }

    #[test]
    fn the_docs_schema_writes_updated_at_and_requires_email() {
        let tables = Layout::Prisma.default_tables();
        let shape = Shape::detect(Layout::Prisma, &tables, "s", &prisma(false)).unwrap();
        assert_eq!(shape, Shape::created(Layout::Prisma, tables));
    }

    #[test]
    fn the_v4_schema_writes_row_ids_and_allows_no_email() {
        let tables = Layout::Prisma.default_tables();
        let shape = Shape::detect(Layout::Prisma, &tables, "s", &prisma(true)).unwrap();
        assert!(shape.account.id && shape.session.id && !shape.user.id);
        assert!(shape.user.on_insert.is_empty() && shape.session.on_update.is_empty());
        assert!(!shape.email_required);
    }

    #[test]
    fn missing_tables_columns_and_odd_types_are_unsupported() {
        let tables = Layout::Prisma.default_tables();
        let mut c = prisma(false);
        c.retain(|(t, col), _| !(t == "Session" && col == "expires"));
        let err = Shape::detect(Layout::Prisma, &tables, "s", &c).unwrap_err();
        assert!(err.to_string().contains("\"expires\""), "{err}");
        let mut c = prisma(false);
        c.retain(|(t, _), _| t != "Authenticator");
        let err = Shape::detect(Layout::Prisma, &tables, "s", &c).unwrap_err();
        assert!(err.to_string().contains("run migrate"), "{err}");
        let mut c = prisma(false);
        if let Some(id) = c.get_mut(&("User".to_owned(), "id".to_owned())) {
            id.ty = "uuid".to_owned();
        }
        let err = Shape::detect(Layout::Prisma, &tables, "s", &c).unwrap_err();
        assert!(err.to_string().contains("uuid"), "{err}");
        let mut c = prisma(false);
        if let Some(e) = c.get_mut(&("Session".to_owned(), "expires".to_owned())) {
            e.ty = "timestamp(3) with time zone".to_owned();
        }
        let err = Shape::detect(Layout::Prisma, &tables, "s", &c).unwrap_err();
        assert!(err.to_string().contains("all timestamp"), "{err}");
    }
}
