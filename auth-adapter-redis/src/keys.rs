//! Key names: the Auth.js layout (unchanged) and the keys this crate adds beside it.

/// Builds every key under one base prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keys {
    prefix: String,
}

/// The Auth.js sub-prefixes (defaults of `@auth/unstorage-adapter` and
/// `@auth/upstash-redis-adapter`).
pub(crate) const USER: &str = "user:";
pub(crate) const EMAIL: &str = "user:email:";
pub(crate) const ACCOUNT: &str = "user:account:";
pub(crate) const ACCOUNT_BY_USER: &str = "user:account:by-user-id:";
pub(crate) const SESSION: &str = "user:session:";
pub(crate) const SESSION_BY_USER: &str = "user:session:by-user-id:";
pub(crate) const TOKEN: &str = "user:token:";
pub(crate) const AUTHENTICATOR: &str = "authenticator:";
pub(crate) const AUTHENTICATOR_BY_USER: &str = "authenticator:by-user-id:";

/// The keys this crate adds (see the crate docs, "Key layout").
pub(crate) const SESSIONS_BY_EXPIRY: &str = "auth-adapter:sessions-by-expiry";
/// The set of a user's session keys, and of account keys.
pub(crate) const USER_SESSIONS: &str = "auth-adapter:user-sessions:";
pub(crate) const USER_ACCOUNTS: &str = "auth-adapter:user-accounts:";
/// Where an account or verification token goes when its Auth.js key is held by another
/// record whose parts join to the same key (`a:b` + `c` and `a` + `b:c`): the length of the
/// first part makes these keys unambiguous.
pub(crate) const ACCOUNT_ALT: &str = "auth-adapter:account:";
pub(crate) const TOKEN_ALT: &str = "auth-adapter:token:";
/// A counter of the [`CounterStore`](auth_adapter_core::CounterStore).
pub(crate) const COUNTER: &str = "auth-adapter:counter:";
pub(crate) const TOKENS_BY_EXPIRY: &str = "auth-adapter:tokens-by-expiry";
/// The [`TokenStore`](auth_adapter_core::TokenStore)'s: a binding (a hash) at
/// `{hash}:{realm}` (the hash is 64 hex digits, so the key is unambiguous), the key of a
/// binding by its id, the set of a user's binding keys, and the bindings with an expiry.
pub(crate) const BOUND_TOKEN: &str = "auth-adapter:bound-token:";
pub(crate) const BOUND_TOKEN_ID: &str = "auth-adapter:bound-token-id:";
pub(crate) const USER_BOUND_TOKENS: &str = "auth-adapter:user-bound-tokens:";
pub(crate) const BOUND_TOKENS_BY_EXPIRY: &str = "auth-adapter:bound-tokens-by-expiry";

/// The names the Lua scripts use for these prefixes (`K_USER` is `ARGV[1] .. "user:"`, …):
/// the scripts name keys only through them, so the layout is written here alone.
pub(crate) const LUA_NAMES: &[(&str, &str)] = &[
    ("K_USER", USER),
    ("K_EMAIL", EMAIL),
    ("K_ACCOUNT", ACCOUNT),
    ("K_ACCOUNT_BY_USER", ACCOUNT_BY_USER),
    ("K_SESSION", SESSION),
    ("K_SESSION_BY_USER", SESSION_BY_USER),
    ("K_TOKEN", TOKEN),
    ("K_AUTHENTICATOR", AUTHENTICATOR),
    ("K_AUTHENTICATOR_BY_USER", AUTHENTICATOR_BY_USER),
    ("K_SESSIONS_BY_EXPIRY", SESSIONS_BY_EXPIRY),
    ("K_TOKENS_BY_EXPIRY", TOKENS_BY_EXPIRY),
    ("K_USER_SESSIONS", USER_SESSIONS),
    ("K_USER_ACCOUNTS", USER_ACCOUNTS),
    ("K_BOUND_TOKEN", BOUND_TOKEN),
    ("K_BOUND_TOKEN_ID", BOUND_TOKEN_ID),
    ("K_USER_BOUND_TOKENS", USER_BOUND_TOKENS),
    ("K_BOUND_TOKENS_BY_EXPIRY", BOUND_TOKENS_BY_EXPIRY),
];

/// The segment that the JS adapters use for their by-user-id indexes; a session token,
/// provider or credential id that would make a key inside it is refused.
pub(crate) const BY_USER_ID: &str = "by-user-id";

impl Keys {
    pub(crate) fn new(prefix: impl Into<String>) -> Self {
        Keys {
            prefix: prefix.into(),
        }
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, kind: &str, rest: &[&str]) -> String {
        let mut k = String::with_capacity(
            self.prefix.len() + kind.len() + rest.iter().map(|r| r.len() + 1).sum::<usize>(),
        );
        k.push_str(&self.prefix);
        k.push_str(kind);
        for (i, part) in rest.iter().enumerate() {
            if i > 0 {
                k.push(':');
            }
            k.push_str(part);
        }
        k
    }

    pub(crate) fn user(&self, id: &str) -> String {
        self.key(USER, &[id])
    }
    pub(crate) fn email(&self, email: &str) -> String {
        self.key(EMAIL, &[email])
    }
    pub(crate) fn account(&self, provider: &str, provider_account_id: &str) -> String {
        self.key(ACCOUNT, &[provider, provider_account_id])
    }
    /// The Auth.js key of an account, and the unambiguous key it takes when another
    /// account holds that one. The Auth.js key of provider `by-user-id` is the JS index of a
    /// user's accounts: such an account always takes the added key.
    pub(crate) fn account_keys(&self, provider: &str, provider_account_id: &str) -> [String; 2] {
        let alt = self.key(
            ACCOUNT_ALT,
            &[&provider.len().to_string(), provider, provider_account_id],
        );
        if provider == BY_USER_ID {
            return [alt.clone(), alt];
        }
        [self.account(provider, provider_account_id), alt]
    }
    /// The Auth.js key of a verification token, and its unambiguous key (see
    /// [`Keys::account_keys`]).
    pub(crate) fn token_keys(&self, identifier: &str, token: &str) -> [String; 2] {
        let alt = self.key(
            TOKEN_ALT,
            &[&identifier.len().to_string(), identifier, token],
        );
        [self.token(identifier, token), alt]
    }
    pub(crate) fn session(&self, token: &str) -> String {
        self.key(SESSION, &[token])
    }
    pub(crate) fn token(&self, identifier: &str, token: &str) -> String {
        self.key(TOKEN, &[identifier, token])
    }
    pub(crate) fn authenticator(&self, credential_id: &str) -> String {
        self.key(AUTHENTICATOR, &[credential_id])
    }
    pub(crate) fn authenticator_by_user(&self, id: &str) -> String {
        self.key(AUTHENTICATOR_BY_USER, &[id])
    }
    pub(crate) fn counter(&self, key: &str) -> String {
        self.key(COUNTER, &[key])
    }
    pub(crate) fn bound_token(&self, hash: &str, realm: &str) -> String {
        self.key(BOUND_TOKEN, &[hash, realm])
    }
    pub(crate) fn bound_token_id(&self, id: &str) -> String {
        self.key(BOUND_TOKEN_ID, &[id])
    }
    pub(crate) fn user_bound_tokens(&self, user_id: &str) -> String {
        self.key(USER_BOUND_TOKENS, &[user_id])
    }
    pub(crate) fn bound_tokens_by_expiry(&self) -> String {
        self.key(BOUND_TOKENS_BY_EXPIRY, &[])
    }
    pub(crate) fn sessions_by_expiry(&self) -> String {
        self.key(SESSIONS_BY_EXPIRY, &[])
    }
    pub(crate) fn tokens_by_expiry(&self) -> String {
        self.key(TOKENS_BY_EXPIRY, &[])
    }

    /// A `SCAN MATCH` pattern for every key starting with `prefix + kind`.
    pub(crate) fn pattern(&self, kind: &str) -> String {
        let mut p = glob_escape(&self.prefix);
        p.push_str(&glob_escape(kind));
        p.push('*');
        p
    }
}

/// Escapes the glob characters of `SCAN MATCH` (`*`, `?`, `[`, `]`, `\`).
pub(crate) fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whether `id` can name a user key without overlapping the other `user:` keys. Ids this
/// crate (and both JS adapters) assign are UUIDs, which never hold a `:`.
pub(crate) fn is_user_id(id: &str) -> bool {
    auth_adapter_core::backend::validate::is_storable_key(id) && !id.contains(':')
}

/// Whether a session token or credential id stays out of the JS by-user-id index keys.
pub(crate) fn is_outside_by_user_index(value: &str) -> bool {
    auth_adapter_core::backend::validate::is_storable_key(value)
        && !value
            .strip_prefix(BY_USER_ID)
            .is_some_and(|rest| rest.starts_with(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_auth_js_keys() {
        let k = Keys::new("app:");
        assert_eq!(k.user("u1"), "app:user:u1");
        assert_eq!(k.email("a@b.c"), "app:user:email:a@b.c");
        assert_eq!(k.account("github", "4:2"), "app:user:account:github:4:2");
        assert_eq!(k.session("t"), "app:user:session:t");
        assert_eq!(k.token("a@b.c", "h"), "app:user:token:a@b.c:h");
        assert_eq!(
            k.account_keys("a:b", "c"),
            [
                "app:user:account:a:b:c".to_owned(),
                "app:auth-adapter:account:3:a:b:c".to_owned()
            ]
        );
        assert_eq!(
            k.account_keys("a", "b:c")[1],
            "app:auth-adapter:account:1:a:b:c"
        );
        assert_eq!(
            k.account_keys("by-user-id", "u1"),
            [
                "app:auth-adapter:account:10:by-user-id:u1".to_owned(),
                "app:auth-adapter:account:10:by-user-id:u1".to_owned()
            ]
        );
        assert_eq!(
            k.token_keys("é:x", "t")[1],
            "app:auth-adapter:token:4:é:x:t"
        );
        assert_eq!(k.authenticator("c1"), "app:authenticator:c1");
        assert_eq!(
            k.authenticator_by_user("u1"),
            "app:authenticator:by-user-id:u1"
        );
        assert_eq!(
            k.sessions_by_expiry(),
            "app:auth-adapter:sessions-by-expiry"
        );
        let hash = "ab".repeat(32);
        assert_eq!(
            k.bound_token(&hash, "a:b"),
            format!("app:auth-adapter:bound-token:{hash}:a:b")
        );
        assert_eq!(k.bound_token_id("t1"), "app:auth-adapter:bound-token-id:t1");
        assert_eq!(
            Keys::new("a*[x]:").pattern(SESSION),
            "a\\*\\[x\\]:user:session:*"
        );
    }

    #[test]
    fn refuses_values_that_would_overlap_other_keys() {
        assert!(is_user_id("0b6f8c5e-1f5b-4f55-9a32-1f8d1d3c6a10"));
        assert!(!is_user_id("email:a@b.c"));
        assert!(!is_user_id(""));
        assert!(!is_outside_by_user_index("by-user-id:u1"));
        assert!(is_outside_by_user_index("by-user-idx"));
        assert!(is_outside_by_user_index("tok"));
    }
}
