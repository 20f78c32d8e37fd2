//! The notes, kept in the same store as the Auth.js tables: a `notes` table beside them
//! (SQLite, PostgreSQL), a hash per user under the adapter's key prefix (Redis), or memory.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use passwordless::Backend;

/// A note, as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// Its id (a UUID).
    pub id: String,
    /// Its text.
    pub text: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its text last changed.
    pub updated_at: DateTime<Utc>,
}

/// The store failed (logged; the client gets a 503 without the driver's message).
#[derive(Debug)]
pub struct NotesError(pub String);

impl fmt::Display for NotesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "notes store: {}", self.0)
    }
}

impl std::error::Error for NotesError {}

fn backend(e: impl fmt::Display) -> NotesError {
    NotesError(e.to_string())
}

/// Each user's notes. Every call is one round trip to the store.
#[async_trait]
pub trait Notes: Send + Sync + fmt::Debug {
    /// `owner`'s notes, oldest first.
    async fn list(&self, owner: &str) -> Result<Vec<Note>, NotesError>;
    /// A new note of `owner`'s.
    async fn create(&self, owner: &str, text: &str) -> Result<Note, NotesError>;
    /// Replaces the text of `owner`'s note `id`; `None` when `owner` has no such note.
    async fn update(&self, owner: &str, id: &str, text: &str) -> Result<Option<Note>, NotesError>;
    /// Deletes `owner`'s note `id`; `false` when `owner` has no such note.
    async fn delete(&self, owner: &str, id: &str) -> Result<bool, NotesError>;
}

/// The notes store on `backend`, its table created when missing.
pub async fn open(backend: &Backend) -> Result<Arc<dyn Notes>, NotesError> {
    Ok(match backend {
        Backend::Sqlite(sqlite) => {
            let path = sqlite
                .path()
                .ok_or_else(|| backend_msg("an in-memory SQLite database has no file to share"))?;
            Arc::new(SqliteNotes::open(path).await?)
        }
        Backend::Postgres(pg) => {
            Arc::new(PgNotes::open(pg.pool().clone(), pg.options().get_schema()).await?)
        }
        Backend::Redis(r) => Arc::new(RedisNotes {
            conn: r.connection(),
            prefix: format!("{}notes:", r.options().get_key_prefix()),
        }),
        Backend::Memory(_) => Arc::new(MemoryNotes::default()),
    })
}

fn backend_msg(message: &str) -> NotesError {
    NotesError(message.to_owned())
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn at(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or(DateTime::UNIX_EPOCH)
}

fn new_note(text: &str) -> Note {
    let now = at(millis(Utc::now()));
    Note {
        id: uuid::Uuid::new_v4().to_string(),
        text: text.to_owned(),
        created_at: now,
        updated_at: now,
    }
}

// ---------------------------------------------------------------------------------------
// Memory

/// Notes in process memory.
#[derive(Debug, Default)]
pub struct MemoryNotes(Mutex<HashMap<String, Vec<Note>>>);

impl MemoryNotes {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Vec<Note>>) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[async_trait]
impl Notes for MemoryNotes {
    async fn list(&self, owner: &str) -> Result<Vec<Note>, NotesError> {
        Ok(self.with(|m| m.get(owner).cloned().unwrap_or_default()))
    }

    async fn create(&self, owner: &str, text: &str) -> Result<Note, NotesError> {
        let note = new_note(text);
        self.with(|m| m.entry(owner.to_owned()).or_default().push(note.clone()));
        Ok(note)
    }

    async fn update(&self, owner: &str, id: &str, text: &str) -> Result<Option<Note>, NotesError> {
        Ok(self.with(|m| {
            let note = m.get_mut(owner)?.iter_mut().find(|n| n.id == id)?;
            note.text = text.to_owned();
            note.updated_at = at(millis(Utc::now()));
            Some(note.clone())
        }))
    }

    async fn delete(&self, owner: &str, id: &str) -> Result<bool, NotesError> {
        Ok(self.with(|m| {
            let Some(notes) = m.get_mut(owner) else {
                return false;
            };
            let before = notes.len();
            notes.retain(|n| n.id != id);
            notes.len() != before
        }))
    }
}

// ---------------------------------------------------------------------------------------
// SQLite

/// Notes in a `notes` table of the SQLite file the adapter uses (its own connection).
pub struct SqliteNotes(Arc<Mutex<rusqlite::Connection>>);

impl fmt::Debug for SqliteNotes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SqliteNotes")
    }
}

const SQLITE_COLUMNS: &str = "id, text, created_at, updated_at";

fn sqlite_note(row: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        id: row.get(0)?,
        text: row.get(1)?,
        created_at: at(row.get(2)?),
        updated_at: at(row.get(3)?),
    })
}

impl SqliteNotes {
    async fn open(path: &Path) -> Result<Self, NotesError> {
        let path = path.to_owned();
        let conn = tokio::task::spawn_blocking(move || {
            let conn = rusqlite::Connection::open(path)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS notes (
                     id TEXT PRIMARY KEY NOT NULL,
                     user_id TEXT NOT NULL,
                     text TEXT NOT NULL,
                     created_at INTEGER NOT NULL,
                     updated_at INTEGER NOT NULL);
                 CREATE INDEX IF NOT EXISTS notes_user_id ON notes (user_id, created_at);",
            )?;
            Ok::<_, rusqlite::Error>(conn)
        })
        .await
        .map_err(backend)?
        .map_err(backend)?;
        Ok(SqliteNotes(Arc::new(Mutex::new(conn))))
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, NotesError> {
        let conn = self.0.clone();
        tokio::task::spawn_blocking(move || f(&conn.lock().unwrap_or_else(PoisonError::into_inner)))
            .await
            .map_err(backend)?
            .map_err(backend)
    }
}

#[async_trait]
impl Notes for SqliteNotes {
    async fn list(&self, owner: &str) -> Result<Vec<Note>, NotesError> {
        let owner = owner.to_owned();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {SQLITE_COLUMNS} FROM notes WHERE user_id = ?1 ORDER BY created_at, id"
            ))?;
            stmt.query_map([owner], sqlite_note)?.collect()
        })
        .await
    }

    async fn create(&self, owner: &str, text: &str) -> Result<Note, NotesError> {
        let note = new_note(text);
        let (owner, row) = (owner.to_owned(), note.clone());
        self.run(move |conn| {
            conn.prepare_cached(
                "INSERT INTO notes (id, user_id, text, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(rusqlite::params![
                row.id,
                owner,
                row.text,
                millis(row.created_at),
                millis(row.updated_at)
            ])
        })
        .await?;
        Ok(note)
    }

    async fn update(&self, owner: &str, id: &str, text: &str) -> Result<Option<Note>, NotesError> {
        let (owner, id, text) = (owner.to_owned(), id.to_owned(), text.to_owned());
        let now = millis(Utc::now());
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "UPDATE notes SET text = ?1, updated_at = ?2 WHERE id = ?3 AND user_id = ?4 \
                 RETURNING {SQLITE_COLUMNS}"
            ))?;
            let mut rows = stmt.query_map(rusqlite::params![text, now, id, owner], sqlite_note)?;
            rows.next().transpose()
        })
        .await
    }

    async fn delete(&self, owner: &str, id: &str) -> Result<bool, NotesError> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        self.run(move |conn| {
            conn.prepare_cached("DELETE FROM notes WHERE id = ?1 AND user_id = ?2")?
                .execute([id, owner])
                .map(|n| n > 0)
        })
        .await
    }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

/// Notes in a `notes` table in the schema of the Auth.js tables.
#[derive(Debug)]
pub struct PgNotes {
    pool: sqlx::PgPool,
    list: String,
    insert: String,
    update: String,
    delete: String,
}

type PgRow = (String, String, i64, i64);

fn pg_note((id, text, created, updated): PgRow) -> Note {
    Note {
        id,
        text,
        created_at: at(created),
        updated_at: at(updated),
    }
}

impl PgNotes {
    async fn open(pool: sqlx::PgPool, schema: &str) -> Result<Self, NotesError> {
        let table = format!("\"{}\".notes", schema.replace('"', "\"\""));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE IF NOT EXISTS {table} (
                 id TEXT PRIMARY KEY,
                 user_id TEXT NOT NULL,
                 text TEXT NOT NULL,
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL);
             CREATE INDEX IF NOT EXISTS notes_user_id ON {table} (user_id, created_at);"
        )))
        .execute(&pool)
        .await
        .map_err(backend)?;
        let columns = "id, text, created_at, updated_at";
        Ok(PgNotes {
            pool,
            list: format!(
                "SELECT {columns} FROM {table} WHERE user_id = $1 ORDER BY created_at, id"
            ),
            insert: format!(
                "INSERT INTO {table} (id, user_id, text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)"
            ),
            update: format!(
                "UPDATE {table} SET text = $1, updated_at = $2 WHERE id = $3 AND user_id = $4 RETURNING {columns}"
            ),
            delete: format!("DELETE FROM {table} WHERE id = $1 AND user_id = $2"),
        })
    }
}

#[async_trait]
impl Notes for PgNotes {
    async fn list(&self, owner: &str) -> Result<Vec<Note>, NotesError> {
        let rows: Vec<PgRow> = sqlx::query_as(sqlx::AssertSqlSafe(self.list.clone()))
            .bind(owner)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(pg_note).collect())
    }

    async fn create(&self, owner: &str, text: &str) -> Result<Note, NotesError> {
        let note = new_note(text);
        sqlx::query(sqlx::AssertSqlSafe(self.insert.clone()))
            .bind(&note.id)
            .bind(owner)
            .bind(&note.text)
            .bind(millis(note.created_at))
            .bind(millis(note.updated_at))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(note)
    }

    async fn update(&self, owner: &str, id: &str, text: &str) -> Result<Option<Note>, NotesError> {
        let row: Option<PgRow> = sqlx::query_as(sqlx::AssertSqlSafe(self.update.clone()))
            .bind(text)
            .bind(millis(Utc::now()))
            .bind(id)
            .bind(owner)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(pg_note))
    }

    async fn delete(&self, owner: &str, id: &str) -> Result<bool, NotesError> {
        let done = sqlx::query(sqlx::AssertSqlSafe(self.delete.clone()))
            .bind(id)
            .bind(owner)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }
}

// ---------------------------------------------------------------------------------------
// Redis

/// Notes in one hash per user, `{prefix}notes:{user id}`: note id → `created|updated|text`
/// (milliseconds).
pub struct RedisNotes {
    conn: redis::aio::ConnectionManager,
    prefix: String,
}

impl fmt::Debug for RedisNotes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisNotes")
            .field("prefix", &self.prefix)
            .finish()
    }
}

/// Replaces a note's text only if the note exists, in one round trip.
const REDIS_UPDATE: &str = r"
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return false end
local created = string.match(old, '^(%d+)|')
local new = created .. '|' .. ARGV[2] .. '|' .. ARGV[3]
redis.call('HSET', KEYS[1], ARGV[1], new)
return new
";

fn redis_note(id: String, value: &str) -> Option<Note> {
    let mut parts = value.splitn(3, '|');
    let created = parts.next()?.parse().ok()?;
    let updated = parts.next()?.parse().ok()?;
    Some(Note {
        id,
        text: parts.next()?.to_owned(),
        created_at: at(created),
        updated_at: at(updated),
    })
}

impl RedisNotes {
    fn key(&self, owner: &str) -> String {
        format!("{}{owner}", self.prefix)
    }
}

#[async_trait]
impl Notes for RedisNotes {
    async fn list(&self, owner: &str) -> Result<Vec<Note>, NotesError> {
        let all: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.key(owner))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(backend)?;
        let mut notes: Vec<Note> = all
            .into_iter()
            .filter_map(|(id, value)| redis_note(id, &value))
            .collect();
        notes.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(notes)
    }

    async fn create(&self, owner: &str, text: &str) -> Result<Note, NotesError> {
        let note = new_note(text);
        let value = format!(
            "{}|{}|{}",
            millis(note.created_at),
            millis(note.updated_at),
            note.text
        );
        let () = redis::cmd("HSET")
            .arg(self.key(owner))
            .arg(&note.id)
            .arg(value)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(backend)?;
        Ok(note)
    }

    async fn update(&self, owner: &str, id: &str, text: &str) -> Result<Option<Note>, NotesError> {
        let new: Option<String> = redis::Script::new(REDIS_UPDATE)
            .key(self.key(owner))
            .arg(id)
            .arg(millis(Utc::now()))
            .arg(text)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(backend)?;
        Ok(new.and_then(|value| redis_note(id.to_owned(), &value)))
    }

    async fn delete(&self, owner: &str, id: &str) -> Result<bool, NotesError> {
        let n: u64 = redis::cmd("HDEL")
            .arg(self.key(owner))
            .arg(id)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(backend)?;
        Ok(n > 0)
    }
}
