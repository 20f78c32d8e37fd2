//! The server's settings, read from the environment under Auth.js's names.

use std::fmt;
use std::path::PathBuf;

use auth_adapter::passwordless::senders::PRODUCTION_VARS;

/// The secret used in development when `AUTH_SECRET` is unset: public, so never for
/// production (a production start without `AUTH_SECRET` stops instead).
pub const DEV_SECRET: &str = "development secret of the auth-adapter examples: set AUTH_SECRET";

/// The SQLite file used when neither `DATABASE_URL` nor `REDIS_URL` is set.
pub const DEFAULT_SQLITE_FILE: &str = "auth.db";

/// Where the users, sessions, tokens (and the examples' own data) are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// A SQLite file (`@auth/drizzle-adapter`'s tables).
    Sqlite(PathBuf),
    /// PostgreSQL (`@auth/pg-adapter`'s tables), in `schema` when given (`PG_SCHEMA`).
    Postgres {
        /// `postgres://…`
        url: String,
        /// The schema, or `None` for the connection's default (`public`).
        schema: Option<String>,
    },
    /// Redis (`@auth/unstorage-adapter`'s keys), under `prefix` when given (`KEY_PREFIX`).
    Redis {
        /// `redis://…`
        url: String,
        /// The key prefix, or `None` for the adapter's default.
        prefix: Option<String>,
    },
}

/// The settings of a server.
#[derive(Clone)]
pub struct Settings {
    /// `AUTH_SECRET`.
    pub secret: String,
    /// Whether `AUTH_SECRET` was unset and [`DEV_SECRET`] is used.
    pub dev_secret: bool,
    /// `AUTH_URL`, default `http://localhost:PORT`.
    pub site_url: String,
    /// `PORT`, default 3000 (`0`: any free port).
    pub port: u16,
    /// `HOST`, the address to listen on (default `127.0.0.1`; `0.0.0.0` in a container).
    pub host: String,
    /// `AUTH_ENV` / `NODE_ENV` (or another of [`PRODUCTION_VARS`]) is `production`.
    pub production: bool,
    /// `DATABASE_URL`, `REDIS_URL`, or the SQLite file (`SQLITE_PATH`, default
    /// [`DEFAULT_SQLITE_FILE`]).
    pub store: StoreUrl,
    /// `DEV_OUTBOX`: a file the development sender appends its messages to, instead of
    /// printing them on stderr.
    pub dev_outbox: Option<PathBuf>,
}

impl fmt::Debug for Settings {
    // Never the secret, nor the store's URL (it may hold a password).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("site_url", &self.site_url)
            .field("port", &self.port)
            .field("host", &self.host)
            .field("production", &self.production)
            .finish_non_exhaustive()
    }
}

/// A setting that stops the start, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError(pub String);

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    /// The settings of this process's environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The settings `var` gives (an environment lookup: a variable's value, `None` when
    /// unset or empty).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let production = PRODUCTION_VARS.iter().any(|name| {
            var(name).is_some_and(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case("production") || v.eq_ignore_ascii_case("prod")
            })
        });
        let (secret, dev_secret) = match var("AUTH_SECRET") {
            Some(secret) => (secret, false),
            None if production => {
                return Err(SettingsError(
                    "AUTH_SECRET is not set, and this is production (AUTH_ENV or NODE_ENV is \
                     `production`): set AUTH_SECRET to the secret of your Auth.js app (a new \
                     one: `openssl rand -base64 33`)"
                        .into(),
                ));
            }
            None => (DEV_SECRET.to_owned(), true),
        };
        let port = match var("PORT") {
            None => 3000,
            Some(port) => port.trim().parse().map_err(|_| {
                SettingsError(format!("PORT={port} is not a port number (1-65535)"))
            })?,
        };
        let site_url = var("AUTH_URL")
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://localhost:{port}"));
        if !(site_url.starts_with("http://") || site_url.starts_with("https://")) {
            return Err(SettingsError(format!(
                "AUTH_URL={site_url} is not an http:// or https:// URL"
            )));
        }
        let store = match (var("DATABASE_URL"), var("REDIS_URL")) {
            (Some(url), _) => {
                if let Some(path) = url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .or_else(|| url.strip_prefix("file:"))
                {
                    StoreUrl::Sqlite(PathBuf::from(path))
                } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                    StoreUrl::Postgres {
                        url,
                        schema: var("PG_SCHEMA"),
                    }
                } else {
                    return Err(SettingsError(
                        "DATABASE_URL is neither postgres://… nor sqlite:PATH".into(),
                    ));
                }
            }
            (None, Some(url)) => StoreUrl::Redis {
                url,
                prefix: var("KEY_PREFIX"),
            },
            (None, None) => StoreUrl::Sqlite(PathBuf::from(
                var("SQLITE_PATH").unwrap_or_else(|| DEFAULT_SQLITE_FILE.to_owned()),
            )),
        };
        Ok(Settings {
            secret,
            dev_secret,
            site_url,
            port,
            host: var("HOST").unwrap_or_else(|| "127.0.0.1".into()),
            production,
            store,
            dev_outbox: var("DEV_OUTBOX").map(PathBuf::from),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn production_without_a_secret_stops_with_a_message() {
        for var in ["AUTH_ENV", "NODE_ENV"] {
            let Err(err) = settings(&[(var, "production")]) else {
                panic!("{var}=production started without AUTH_SECRET");
            };
            assert!(err.0.contains("AUTH_SECRET"), "{err}");
        }
        let ok = settings(&[("NODE_ENV", "production"), ("AUTH_SECRET", "s3cret")]);
        assert!(ok.is_ok_and(|s| s.production && s.secret == "s3cret" && !s.dev_secret));
    }

    #[test]
    fn development_defaults() {
        let s = settings(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(s.dev_secret && !s.production);
        assert_eq!(s.site_url, "http://localhost:3000");
        assert_eq!(s.store, StoreUrl::Sqlite(DEFAULT_SQLITE_FILE.into()));
        let s = settings(&[("PORT", "8080"), ("DATABASE_URL", "postgres://db/x")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.site_url, "http://localhost:8080");
        assert!(matches!(s.store, StoreUrl::Postgres { .. }));
        assert!(settings(&[("PORT", "eighty")]).is_err());
        assert!(settings(&[("DATABASE_URL", "mysql://x")]).is_err());
    }
}
