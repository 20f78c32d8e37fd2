//! The Lua scripts behind every multi-key operation.
//!
//! Each script runs atomically on the server (Redis runs one script at a time). Every
//! script reads first and writes last, so a read that fails (a key of the wrong type
//! written by someone else) aborts it before anything changed. Scripts are sent with
//! `EVALSHA`; [`redis::Script`] loads a script with `SCRIPT LOAD` and retries once when the
//! server answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`).
//!
//! The sources are plain Lua files: `src/lua/*.lua`, one per script, and `src/lua/lib/*.lua`,
//! one per helper function. [`link`] puts in front of a script only what it uses: the key
//! names it refers to as `K_*` constants, made from [`crate::keys`] (the one place the
//! layout is written), and the helpers it calls, each defined once. Conventions: `ARGV[1]`
//! is the base key prefix `P`; scripts build the keys they discover (index members, the
//! user key of a session) from it, so they need a standalone Redis (or a single-shard
//! deployment), not Redis Cluster.

use std::sync::LazyLock;

use redis::{FromRedisValue, ParsingError, Script, Value};

use crate::keys;

/// The helpers, each after the helpers it calls.
const HELPERS: &[(&str, &str)] = &[
    ("decode", include_str!("lua/lib/decode.lua")),
    ("field", include_str!("lua/lib/field.lua")),
    ("starts", include_str!("lua/lib/starts.lua")),
    ("now_ms", include_str!("lua/lib/now_ms.lua")),
    ("email_owner", include_str!("lua/lib/email_owner.lua")),
    ("fix_index", include_str!("lua/lib/fix_index.lua")),
    (
        "prune_expired_members",
        include_str!("lua/lib/prune_expired_members.lua"),
    ),
    ("locate", include_str!("lua/lib/locate.lua")),
    ("user_sessions", include_str!("lua/lib/user_sessions.lua")),
    ("user_accounts", include_str!("lua/lib/user_accounts.lua")),
    ("session_index", include_str!("lua/lib/session_index.lua")),
    ("account_index", include_str!("lua/lib/account_index.lua")),
    ("candidates", include_str!("lua/lib/candidates.lua")),
    ("remove_owned", include_str!("lua/lib/remove_owned.lua")),
    (
        "bound_token_fields",
        include_str!("lua/lib/bound_token_fields.lua"),
    ),
    (
        "bound_tokens_of",
        include_str!("lua/lib/bound_tokens_of.lua"),
    ),
    (
        "remove_bound_tokens",
        include_str!("lua/lib/remove_bound_tokens.lua"),
    ),
];

/// Whether `text` calls `name(`, as a whole word (not `cjson.name(`).
fn calls(text: &str, name: &str) -> bool {
    let pattern = format!("{name}(");
    text.match_indices(&pattern).any(|(at, _)| {
        !text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    })
}

/// The `K_*` names `text` refers to.
fn key_names(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = text
        .match_indices("K_")
        .filter(|(at, _)| {
            !text[..*at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .map(|(at, _)| {
            let rest = &text[at..];
            let end = rest
                .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The full source of a script: `local P = ARGV[1]`, the `K_*` key names it uses, the
/// helpers it calls (and those they call), then its body.
pub(crate) fn link(body: &str) -> String {
    let mut used = vec![false; HELPERS.len()];
    loop {
        let text: String = std::iter::once(body)
            .chain(
                HELPERS
                    .iter()
                    .zip(&used)
                    .filter(|(_, u)| **u)
                    .map(|((_, s), _)| *s),
            )
            .collect();
        let mut grew = false;
        for (i, (name, _)) in HELPERS.iter().enumerate() {
            if !used[i] && calls(&text, name) {
                used[i] = true;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    let helpers: String = HELPERS
        .iter()
        .zip(&used)
        .filter(|(_, u)| **u)
        .map(|((_, s), _)| *s)
        .collect();
    let mut out = String::from("local P = ARGV[1]\n");
    for name in key_names(&format!("{helpers}{body}")) {
        if let Some((_, value)) = keys::LUA_NAMES.iter().find(|(n, _)| *n == name) {
            out.push_str(&format!("local {name} = P .. '{value}'\n"));
        }
    }
    out.push_str(&helpers);
    out.push_str(body);
    out
}

macro_rules! scripts {
    ($($name:ident = $file:literal;)*) => {
        $(
            #[doc = concat!("`src/lua/", $file, "` (its header says what it takes and answers).")]
            pub(crate) static $name: LazyLock<Script> =
                LazyLock::new(|| Script::new(&link(include_str!(concat!("lua/", $file)))));
        )*

        /// Every script's file name and source, for the tests.
        #[cfg(test)]
        pub(crate) const SOURCES: &[(&str, &str)] = &[$(($file, include_str!(concat!("lua/", $file)))),*];
    };
}

scripts! {
    APPLY_EXPIRY = "apply_expiry.lua";
    AUTHENTICATE_TOKEN = "authenticate_token.lua";
    BIND_TOKEN = "bind_token.lua";
    COMPARE_AND_SET = "compare_and_set.lua";
    COUNTER_INCREMENT = "counter_increment.lua";
    CREATE_AUTHENTICATOR = "create_authenticator.lua";
    CREATE_SESSION = "create_session.lua";
    CREATE_TOKEN = "create_token.lua";
    CREATE_USER = "create_user.lua";
    DELETE_SESSION = "delete_session.lua";
    DELETE_SESSIONS_BY_USER = "delete_sessions_by_user.lua";
    DELETE_USER = "delete_user.lua";
    EXPIRY_CANDIDATES = "expiry_candidates.lua";
    GET_ACCOUNT = "get_account.lua";
    GET_SESSION_AND_USER = "get_session_and_user.lua";
    GET_TOKEN = "get_token.lua";
    GET_USER_BY_ACCOUNT = "get_user_by_account.lua";
    GET_USER_BY_EMAIL = "get_user_by_email.lua";
    LINK_ACCOUNT = "link_account.lua";
    LIST_AUTHENTICATORS = "list_authenticators.lua";
    LIST_TOKENS = "list_tokens.lua";
    PURGE_TOKENS = "purge_tokens.lua";
    REVOKE_ALL_TOKENS = "revoke_all_tokens.lua";
    REVOKE_TOKEN = "revoke_token.lua";
    UNLINK_ACCOUNT = "unlink_account.lua";
    UPDATE_SESSION = "update_session.lua";
    UPDATE_USER = "update_user.lua";
    USE_TOKEN = "use_token.lua";
}

/// The status a write script answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reply {
    /// Done.
    Ok,
    /// The record (or the user it needs) does not exist.
    NotFound,
    /// A unique key is taken.
    Conflict,
    /// The random id of a new user is taken: try another.
    ConflictId,
    /// The value changed since it was read: read again.
    Retry,
    /// `expires` is already past with TTLs on: answered, not stored.
    Expired,
    /// A value in the way cannot be read.
    Malformed,
}

impl FromRedisValue for Reply {
    fn from_redis_value(v: Value) -> Result<Self, ParsingError> {
        let text = String::from_redis_value(v)?;
        Ok(match text.as_str() {
            "OK" => Reply::Ok,
            "NOTFOUND" => Reply::NotFound,
            "CONFLICT" => Reply::Conflict,
            "CONFLICT_ID" => Reply::ConflictId,
            "RETRY" => Reply::Retry,
            "EXPIRED" => Reply::Expired,
            "MALFORMED" => Reply::Malformed,
            other => return Err(format!("unexpected script reply {other:?}").into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_names_only_known_keys_and_helpers() {
        for (file, body) in SOURCES {
            let linked = link(body);
            for name in key_names(&linked) {
                assert!(
                    keys::LUA_NAMES.iter().any(|(n, _)| *n == name),
                    "{file}: unknown key name {name}"
                );
                assert!(
                    linked.contains(&format!("local {name} = ")),
                    "{file}: {name}"
                );
            }
            assert!(
                !body.contains("P .. '"),
                "{file}: a key written as a literal"
            );
            for (name, _) in HELPERS {
                if calls(body, name) {
                    assert!(
                        linked.contains(&format!("local function {name}(")),
                        "{file}: {name}"
                    );
                }
            }
        }
        for (_, value) in keys::LUA_NAMES {
            assert!(!value.contains(['\'', '\\']), "{value}");
        }
    }

    #[test]
    fn the_lookup_script_carries_nothing_it_does_not_use() {
        let linked = link(include_str!("lua/get_session_and_user.lua"));
        assert!(!linked.contains("local function"), "{linked}");
        assert_eq!(key_names(&linked), ["K_USER"]);
    }

    #[test]
    fn helpers_pull_in_the_helpers_they_call() {
        let linked = link("return email_owner('a')");
        assert!(linked.contains("local function decode("));
        assert!(linked.find("local function decode(") < linked.find("local function email_owner("));
        assert!(!linked.contains("local function field("));
        assert!(calls("x = decode(y)", "decode"));
        assert!(!calls("cjson.decode(y)", "decode"));
        assert!(!calls("redecode(y)", "decode"));
    }
}
