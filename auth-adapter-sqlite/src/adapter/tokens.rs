//! [`TokenStore`] on SQLite: table `auth_adapter_token`.

use async_trait::async_trait;
use auth_adapter_core::backend::dates::truncate_to_millis;
use auth_adapter_core::backend::{last_use_is_due, validate};
use auth_adapter_core::{
    AdapterUser, Entity, LAST_USED_INTERVAL, NewTokenBinding, Result, TokenBinding, TokenHash,
    TokenStore,
};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{NO_KEY, SqliteAdapter};
use crate::errors::OnConflict;
use crate::rows::{self, BINDING_WIDTH, Millis};
use crate::sql;

const BINDING_TAKEN: OnConflict = OnConflict::KeyTaken(Entity::BoundToken);

/// `authenticate` reads on a reader connection, in parallel with other requests and with
/// the writer; only when the recorded use is a minute old does it write, once, on the
/// writer (a conditional `UPDATE`, so processes sharing the file write once between them).
/// A token's rows go with its user through the foreign key, in the statement that deletes
/// the user.
#[async_trait]
impl TokenStore for SqliteAdapter {
    async fn bind_token(&self, binding: NewTokenBinding) -> Result<TokenBinding> {
        validate::token_binding(&binding)?;
        let id = uuid::Uuid::new_v4().to_string();
        self.write_one(BINDING_TAKEN, move |conn| {
            conn.prepare_cached(sql::INSERT_BINDING)?.query_row(
                params![
                    id,
                    binding.user_id,
                    binding.realm,
                    binding.token_hash.as_hex(),
                    binding.name,
                    binding.display_prefix,
                    binding.scopes.join(" "),
                    Millis(binding.created_at),
                    binding.expires.map(Millis),
                ],
                rows::token_binding,
            )
        })
        .await
    }

    async fn authenticate(
        &self,
        realm: &str,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenBinding, AdapterUser)>> {
        if !validate::is_storable_key(realm) {
            return Ok(None);
        }
        let now = truncate_to_millis(now);
        let key = [realm.to_owned(), token_hash.as_hex().to_owned()];
        let statements = self.sql();
        let found = self
            .read(move |conn| {
                conn.prepare_cached(&statements.select_binding_and_user)?
                    .query_row(params![key[0], key[1], Millis(now)], |row| {
                        Ok((rows::token_binding(row)?, rows::user(row, BINDING_WIDTH)?))
                    })
                    .optional()
            })
            .await?;
        let Some((mut binding, user)) = found else {
            return Ok(None);
        };
        if last_use_is_due(binding.last_used_at, now) {
            let id = binding.id.clone();
            let written = self
                .write_one(NO_KEY, move |conn| {
                    conn.prepare_cached(sql::TOUCH_BINDING)?.execute(params![
                        id,
                        Millis(now),
                        Millis(now - LAST_USED_INTERVAL)
                    ])
                })
                .await?;
            if written == 1 {
                binding.last_used_at = Some(now);
            }
        }
        Ok(Some((binding, user)))
    }

    async fn list_tokens(&self, user_id: &str) -> Result<Vec<TokenBinding>> {
        if !validate::is_storable_key(user_id) {
            return Ok(Vec::new());
        }
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(sql::SELECT_BINDINGS_OF_USER)?
                .query_map([user_id], rows::token_binding)?
                .collect()
        })
        .await
    }

    async fn revoke_token(&self, user_id: &str, token_id: &str) -> Result<Option<TokenBinding>> {
        if !validate::is_storable_key(user_id) || !validate::is_storable_key(token_id) {
            return Ok(None);
        }
        let key = [token_id.to_owned(), user_id.to_owned()];
        self.write_one(NO_KEY, move |conn| {
            conn.prepare_cached(sql::DELETE_BINDING)?
                .query_row(key, rows::token_binding)
                .optional()
        })
        .await
    }

    async fn revoke_all_tokens(&self, user_id: &str) -> Result<u64> {
        if !validate::is_storable_key(user_id) {
            return Ok(0);
        }
        let user_id = user_id.to_owned();
        let removed = self
            .write_one(NO_KEY, move |conn| {
                conn.prepare_cached(sql::DELETE_BINDINGS_OF_USER)?
                    .execute([user_id])
            })
            .await?;
        Ok(removed as u64)
    }

    async fn purge_expired_tokens(&self, now: DateTime<Utc>) -> Result<u64> {
        let now = Millis(truncate_to_millis(now));
        let removed = self
            .write_one(NO_KEY, move |conn| {
                conn.prepare_cached(sql::DELETE_EXPIRED_BINDINGS)?
                    .execute([now])
            })
            .await?;
        Ok(removed as u64)
    }
}
