//! [`TokenStore`] on Redis: a binding is a hash at
//! `{p}auth-adapter:bound-token:{token hash}:{realm}`, with an id key, a per-user set and an
//! expiry zset beside it (see the crate docs); every call is one script.

use async_trait::async_trait;
use auth_adapter_core::backend::dates::truncate_to_millis;
use auth_adapter_core::backend::validate;
use auth_adapter_core::{
    AdapterError, AdapterUser, Entity, LAST_USED_INTERVAL, NewTokenBinding, Result, TokenBinding,
    TokenHash, TokenStore,
};
use chrono::{DateTime, Utc};

use super::RedisAdapter;
use crate::codec::{self, malformed};
use crate::error::unexpected;
use crate::keys::is_user_id;
use crate::scripts::{self, Reply};

/// Bindings a purge script looks at per call (each call is atomic; a big page would block
/// the server for longer).
const PURGE_PAGE: usize = 256;

const KIND: &str = "bound token";

/// A binding from its hash's fields, in the order of `lua/lib/bound_token_fields.lua`.
fn binding_from(fields: &[Option<String>]) -> Result<TokenBinding> {
    let text = |i: usize, name: &str| -> Result<String> {
        fields
            .get(i)
            .cloned()
            .flatten()
            .ok_or_else(|| malformed(KIND, format!("field `{name}` is missing")))
    };
    let date = |i: usize, name: &str| -> Result<Option<DateTime<Utc>>> {
        match fields.get(i).and_then(Option::as_deref) {
            None => Ok(None),
            Some(ms) => ms
                .parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_millis)
                .map(Some)
                .ok_or_else(|| malformed(KIND, format!("field `{name}` is not a date"))),
        }
    };
    let scopes = text(5, "scopes")?;
    Ok(TokenBinding {
        id: text(0, "id")?,
        user_id: text(1, "userId")?,
        realm: text(2, "realm")?,
        name: fields.get(3).cloned().flatten(),
        display_prefix: text(4, "displayPrefix")?,
        scopes: scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at: date(6, "createdAt")?
            .ok_or_else(|| malformed(KIND, "field `createdAt` is missing"))?,
        last_used_at: date(7, "lastUsedAt")?,
        expires: date(8, "expires")?,
    })
}

/// Times are the caller's (`now`), as the contract says. With TTLs on
/// ([`RedisOptions::expire_by_ttl`](crate::RedisOptions::expire_by_ttl)) a binding with an
/// expiry is dropped by Redis when it ends.
#[async_trait]
impl TokenStore for RedisAdapter {
    async fn bind_token(&self, binding: NewTokenBinding) -> Result<TokenBinding> {
        validate::token_binding(&binding)?;
        if !is_user_id(&binding.user_id) {
            return Err(AdapterError::not_found(Entity::User));
        }
        let key = self
            .keys
            .bound_token(binding.token_hash.as_hex(), &binding.realm);
        let scopes = binding.scopes.join(" ");
        let created_at = truncate_to_millis(binding.created_at);
        let expires = binding.expires.map(truncate_to_millis);
        for _ in 0..4 {
            let id = uuid::Uuid::new_v4().to_string();
            let mut inv = self.invoke(&scripts::BIND_TOKEN);
            inv.key(&key)
                .key(self.keys.user(&binding.user_id))
                .key(self.keys.bound_token_id(&id))
                .arg(&binding.user_id)
                .arg(&id)
                .arg(&binding.realm)
                .arg(binding.name.as_deref().unwrap_or_default())
                .arg(if binding.name.is_some() { "1" } else { "0" })
                .arg(&binding.display_prefix)
                .arg(&scopes)
                .arg(created_at.timestamp_millis())
                .arg(expires.map_or_else(String::new, |e| e.timestamp_millis().to_string()))
                .arg(self.ttl());
            match self.run::<Reply>(&inv, "bind_token").await? {
                Reply::Ok | Reply::Expired => {
                    return Ok(TokenBinding {
                        id,
                        user_id: binding.user_id,
                        realm: binding.realm,
                        name: binding.name,
                        display_prefix: binding.display_prefix,
                        scopes: binding.scopes,
                        created_at,
                        last_used_at: None,
                        expires,
                    });
                }
                Reply::NotFound => return Err(AdapterError::not_found(Entity::User)),
                Reply::Conflict => return Err(AdapterError::key_taken(Entity::BoundToken)),
                Reply::ConflictId => continue,
                _ => return Err(unexpected("bind_token")),
            }
        }
        Err(unexpected("bind_token"))
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
        let mut inv = self.invoke(&scripts::AUTHENTICATE_TOKEN);
        inv.key(self.keys.bound_token(token_hash.as_hex(), realm))
            .arg(now.timestamp_millis())
            .arg((now - LAST_USED_INTERVAL).timestamp_millis());
        let found: Vec<Option<String>> = self.run(&inv, "authenticate").await?;
        let Some(Some(user)) = found.get(9) else {
            return Ok(None);
        };
        let binding = binding_from(&found)?;
        let user = codec::decode_user(user)?;
        let same = binding.realm == realm && user.id == binding.user_id;
        Ok(same.then_some((binding, user)))
    }

    async fn list_tokens(&self, user_id: &str) -> Result<Vec<TokenBinding>> {
        if !is_user_id(user_id) {
            return Ok(Vec::new());
        }
        let mut inv = self.invoke(&scripts::LIST_TOKENS);
        inv.key(self.keys.user_bound_tokens(user_id)).arg(user_id);
        let found: Vec<Vec<Option<String>>> = self.run(&inv, "list_tokens").await?;
        let mut list = found
            .iter()
            .map(|fields| binding_from(fields))
            .collect::<Result<Vec<_>>>()?;
        list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(list)
    }

    async fn revoke_token(&self, user_id: &str, token_id: &str) -> Result<Option<TokenBinding>> {
        if !is_user_id(user_id) || !validate::is_storable_key(token_id) {
            return Ok(None);
        }
        let mut inv = self.invoke(&scripts::REVOKE_TOKEN);
        inv.key(self.keys.bound_token_id(token_id))
            .arg(user_id)
            .arg(token_id);
        let found: Vec<Option<String>> = self.run(&inv, "revoke_token").await?;
        if found.is_empty() {
            return Ok(None);
        }
        binding_from(&found).map(Some)
    }

    async fn revoke_all_tokens(&self, user_id: &str) -> Result<u64> {
        if !is_user_id(user_id) {
            return Ok(0);
        }
        let mut inv = self.invoke(&scripts::REVOKE_ALL_TOKENS);
        inv.arg(user_id);
        self.run(&inv, "revoke_all_tokens").await
    }

    async fn purge_expired_tokens(&self, now: DateTime<Utc>) -> Result<u64> {
        let now = truncate_to_millis(now).timestamp_millis();
        let mut removed = 0;
        loop {
            let mut inv = self.invoke(&scripts::PURGE_TOKENS);
            inv.key(self.keys.bound_tokens_by_expiry())
                .arg(now)
                .arg(PURGE_PAGE);
            let (n, looked_at): (u64, usize) = self.run(&inv, "purge_expired_tokens").await?;
            removed += n;
            if looked_at < PURGE_PAGE {
                return Ok(removed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_read_back_from_their_fields_and_bad_ones_are_named() {
        let field = |s: &str| Some(s.to_owned());
        let fields = [
            field("b1"),
            field("u1"),
            field("users"),
            None,
            field("aa_Ab12"),
            field("read write"),
            field("1800000000000"),
            None,
            field("1800000060000"),
        ];
        let b = binding_from(&fields).unwrap();
        assert_eq!(b.scopes, ["read", "write"]);
        assert_eq!(b.name, None);
        assert_eq!(b.last_used_at, None);
        assert_eq!(
            b.expires,
            DateTime::from_timestamp_millis(1_800_000_060_000)
        );
        let mut bad = fields.clone();
        bad[6] = field("yesterday");
        let err = binding_from(&bad).unwrap_err();
        assert!(err.to_string().contains("bound token"), "{err}");
        assert!(!format!("{err:?}").contains("yesterday"));
        let empty: Vec<Option<String>> = vec![None; 9];
        assert!(binding_from(&empty).is_err());
    }
}
