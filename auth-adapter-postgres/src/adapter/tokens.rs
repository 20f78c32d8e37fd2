//! [`TokenStore`] on PostgreSQL: table `auth_adapter_tokens`, one statement per call.

use async_trait::async_trait;
use auth_adapter_core::backend::dates::truncate_to_millis;
use auth_adapter_core::backend::validate::{self, is_storable_key};
use auth_adapter_core::{
    AdapterError, AdapterUser, Entity, LAST_USED_INTERVAL, NewTokenBinding, Result, TokenBinding,
    TokenHash, TokenStore,
};
use chrono::{DateTime, Utc};

use super::PostgresAdapter;
use crate::error::map_err;
use crate::rows::{self, BINDING_WIDTH, parse_user_id, stored_date};

/// Times are the caller's (`now`), as the contract says; the foreign key to `users`
/// cascades `delete_user` (ours or @auth/pg-adapter's) to the user's tokens in the same
/// statement.
#[async_trait]
impl TokenStore for PostgresAdapter {
    async fn bind_token(&self, binding: NewTokenBinding) -> Result<TokenBinding> {
        validate::token_binding(&binding)?;
        let Some(user_id) = parse_user_id(&binding.user_id) else {
            return Err(AdapterError::not_found(Entity::User));
        };
        let row = sqlx::query(self.sql.bind_token.get())
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(user_id)
            .bind(&binding.realm)
            .bind(binding.token_hash.as_hex())
            .bind(&binding.name)
            .bind(&binding.display_prefix)
            .bind(&binding.scopes)
            .bind(stored_date(binding.created_at))
            .bind(binding.expires.map(stored_date))
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        rows::token_binding(&row)
    }

    async fn authenticate(
        &self,
        realm: &str,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenBinding, AdapterUser)>> {
        if !is_storable_key(realm) {
            return Ok(None);
        }
        let now = truncate_to_millis(now);
        let row = sqlx::query(self.sql.authenticate_token.get())
            .bind(realm)
            .bind(token_hash.as_hex())
            .bind(now)
            .bind(now - LAST_USED_INTERVAL)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some((
            rows::token_binding(&row)?,
            rows::user_at(&row, BINDING_WIDTH)?,
        )))
    }

    async fn list_tokens(&self, user_id: &str) -> Result<Vec<TokenBinding>> {
        let Some(user_id) = parse_user_id(user_id) else {
            return Ok(Vec::new());
        };
        let found = sqlx::query(self.sql.list_tokens.get())
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        found.iter().map(rows::token_binding).collect()
    }

    async fn revoke_token(&self, user_id: &str, token_id: &str) -> Result<Option<TokenBinding>> {
        let Some(user_id) = parse_user_id(user_id) else {
            return Ok(None);
        };
        if !is_storable_key(token_id) {
            return Ok(None);
        }
        let row = sqlx::query(self.sql.revoke_token.get())
            .bind(token_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::token_binding).transpose()
    }

    async fn revoke_all_tokens(&self, user_id: &str) -> Result<u64> {
        let Some(user_id) = parse_user_id(user_id) else {
            return Ok(0);
        };
        let done = sqlx::query(self.sql.revoke_all_tokens.get())
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn purge_expired_tokens(&self, now: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query(self.sql.purge_tokens.get())
            .bind(truncate_to_millis(now))
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
