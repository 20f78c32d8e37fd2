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
use crate::literal::Param::{Date, Text, TextArray};
use crate::rows::{self, BINDING_WIDTH, stored_date};

/// Times are the caller's (`now`), as the contract says; the foreign key to `users`
/// cascades `delete_user` (ours or @auth/pg-adapter's) to the user's tokens in the same
/// statement.
#[async_trait]
impl TokenStore for PostgresAdapter {
    async fn bind_token(&self, binding: NewTokenBinding) -> Result<TokenBinding> {
        validate::token_binding(&binding)?;
        let p = self.ready().await?;
        let Some(user_id) = p.user_id(&binding.user_id) else {
            return Err(AdapterError::not_found(Entity::User));
        };
        let id = uuid::Uuid::new_v4().to_string();
        let row = self
            .run
            .one(
                &p.sql.bind_token,
                &[
                    Text(Some(&id)),
                    user_id,
                    Text(Some(&binding.realm)),
                    Text(Some(binding.token_hash.as_hex())),
                    Text(binding.name.as_deref()),
                    Text(Some(&binding.display_prefix)),
                    TextArray(&binding.scopes),
                    Date(Some(stored_date(binding.created_at))),
                    Date(binding.expires.map(stored_date)),
                ],
            )
            .await?;
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
        let row = self
            .run
            .optional(
                &self.ready().await?.sql.authenticate_token,
                &[
                    Text(Some(realm)),
                    Text(Some(token_hash.as_hex())),
                    Date(Some(now)),
                    Date(Some(now - LAST_USED_INTERVAL)),
                ],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some((
            rows::token_binding(&row)?,
            rows::user_at(&row, BINDING_WIDTH)?,
        )))
    }

    async fn list_tokens(&self, user_id: &str) -> Result<Vec<TokenBinding>> {
        let p = self.ready().await?;
        let Some(user_id) = p.user_id(user_id) else {
            return Ok(Vec::new());
        };
        let found = self.run.all(&p.sql.list_tokens, &[user_id]).await?;
        found.iter().map(rows::token_binding).collect()
    }

    async fn revoke_token(&self, user_id: &str, token_id: &str) -> Result<Option<TokenBinding>> {
        let p = self.ready().await?;
        let Some(user_id) = p.user_id(user_id) else {
            return Ok(None);
        };
        if !is_storable_key(token_id) {
            return Ok(None);
        }
        let row = self
            .run
            .optional(&p.sql.revoke_token, &[Text(Some(token_id)), user_id])
            .await?;
        row.as_ref().map(rows::token_binding).transpose()
    }

    async fn revoke_all_tokens(&self, user_id: &str) -> Result<u64> {
        let p = self.ready().await?;
        let Some(user_id) = p.user_id(user_id) else {
            return Ok(0);
        };
        self.run.execute(&p.sql.revoke_all_tokens, &[user_id]).await
    }

    async fn purge_expired_tokens(&self, now: DateTime<Utc>) -> Result<u64> {
        self.run
            .execute(
                &self.ready().await?.sql.purge_tokens,
                &[Date(Some(truncate_to_millis(now)))],
            )
            .await
    }
}
