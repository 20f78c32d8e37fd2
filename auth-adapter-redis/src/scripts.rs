//! The Lua scripts behind every multi-key operation.
//!
//! Each script runs atomically on the server (Redis runs one script at a time). Every
//! script reads first and writes last, so a read that fails (a key of the wrong type
//! written by someone else) aborts it before anything changed. Scripts are sent with
//! `EVALSHA`; [`redis::Script`] loads a script with `SCRIPT LOAD` and retries once when the
//! server answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`).
//!
//! Conventions: `ARGV[1]` is the base key prefix; scripts build the keys they discover
//! (index members, the user key of a session) from it, so they need a standalone Redis
//! (or a single-shard deployment), not Redis Cluster.

use std::sync::LazyLock;

use redis::Script;

/// Helpers shared by the scripts (prepended to each).
const PRELUDE: &str = r#"
if redis.replicate_commands then pcall(redis.replicate_commands) end
local P = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function decode(raw)
  local ok, v = pcall(cjson.decode, raw)
  if ok and type(v) == 'table' then return v end
  return nil
end
local function field(raw, name)
  local v = decode(raw)
  if v and type(v[name]) == 'string' then return v[name] end
  return nil
end
local function starts(s, p) return string.sub(s, 1, #p) == p end
-- A record keyed by two parts (an account, a verification token) lives at its Auth.js key
-- `n` when that holds this very record (fields f1, f2 equal to v1, v2), else at the
-- unambiguous key `a` this crate adds: two records whose parts join to the same Auth.js key
-- never see each other. A value at `n` that is not JSON is returned (the caller reports
-- it as unreadable) rather than passed over. → key, value | nil
local function locate(n, a, f1, v1, f2, v2)
  local raw = redis.call('GET', n)
  if raw then
    local v = decode(raw)
    if not v or (v[f1] == v1 and v[f2] == v2) then return n, raw end
  end
  raw = redis.call('GET', a)
  if raw then return a, raw end
  return nil, nil
end
-- The live owner of an email index, or nil when the index is stale: the user is gone, or
-- the JS adapters' updateUser changed the email without removing the old index.
local function email_owner(email)
  local id = redis.call('GET', P .. 'user:email:' .. email)
  if not id or string.find(id, ':', 1, true) then return nil end
  local raw = redis.call('GET', P .. 'user:' .. id)
  if not raw then return nil end
  local u = decode(raw)
  if u and u.email ~= email then return nil end
  return id
end
-- After `removed` left a user's set, repoint the JS single-value index (which the JS
-- deleteUser follows) at another member, or drop it.
local function fix_index(index_key, removed, set_key)
  if redis.call('GET', index_key) == removed then
    local other = redis.call('SRANDMEMBER', set_key)
    if other then redis.call('SET', index_key, other) else redis.call('DEL', index_key) end
  end
end
-- With TTLs, members of an expiry zset whose keys Redis already expired are dropped a few
-- at a time on every create, so the zsets stay bounded without delete_expired.
local function prune_expired_members(z)
  for _, k in ipairs(redis.call('ZRANGEBYSCORE', z, '-inf', now_ms(), 'LIMIT', 0, 16)) do
    if redis.call('EXISTS', k) == 0 then redis.call('ZREM', z, k) end
  end
end
local SESSIONS_Z = P .. 'auth-adapter:sessions-by-expiry'
local TOKENS_Z = P .. 'auth-adapter:tokens-by-expiry'
local SESSION_P = P .. 'user:session:'
local function user_sessions(uid) return P .. 'auth-adapter:user-sessions:' .. uid end
local function user_accounts(uid) return P .. 'auth-adapter:user-accounts:' .. uid end
local function session_index(uid) return P .. 'user:session:by-user-id:' .. uid end
local function account_index(uid) return P .. 'user:account:by-user-id:' .. uid end
"#;

/// KEYS: session. ARGV: P. → {} | {session} | {session, user}. The per-request path: one
/// EVALSHA, two GETs on the server. It stands alone, without [`PRELUDE`]: the prelude's
/// helper definitions would run on every call, and this script needs none of them.
pub(crate) static GET_SESSION_AND_USER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local s = redis.call('GET', KEYS[1])
if not s then return {} end
local ok, v = pcall(cjson.decode, s)
local uid = ok and type(v) == 'table' and v.userId
if type(uid) ~= 'string' or string.find(uid, ':', 1, true) then return {s} end
local u = redis.call('GET', ARGV[1] .. 'user:' .. uid)
if not u then return {s} end
return {s, u}
"#,
    )
});

fn script(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}\n{body}"))
}

macro_rules! scripts {
    ($($(#[$m:meta])* $name:ident = $body:expr;)*) => {
        $(
            $(#[$m])*
            pub(crate) static $name: LazyLock<Script> = LazyLock::new(|| script($body));
        )*
    };
}

scripts! {
    /// KEYS: user. ARGV: P, id, json, [email]. → OK | CONFLICT | CONFLICT_ID
    CREATE_USER = r#"
local id, json, email = ARGV[2], ARGV[3], ARGV[4]
if redis.call('EXISTS', KEYS[1]) == 1 then return 'CONFLICT_ID' end
if email and email_owner(email) then return 'CONFLICT' end
if email then redis.call('SET', P .. 'user:email:' .. email, id) end
redis.call('SET', KEYS[1], json)
return 'OK'
"#;

    /// KEYS: email index. ARGV: P. → the user JSON or nil.
    GET_USER_BY_EMAIL = r#"
local id = redis.call('GET', KEYS[1])
if not id or string.find(id, ':', 1, true) then return false end
return redis.call('GET', P .. 'user:' .. id)
"#;

    /// KEYS: Auth.js account key, added account key. ARGV: P, provider, providerAccountId.
    /// → {} | {key, account JSON}
    GET_ACCOUNT = r#"
local k, raw = locate(KEYS[1], KEYS[2], 'provider', ARGV[2], 'providerAccountId', ARGV[3])
if not k then return {} end
return {k, raw}
"#;

    /// KEYS: Auth.js account key, added account key. ARGV: P, provider, providerAccountId.
    /// → {} | {account} | {account, user}
    GET_USER_BY_ACCOUNT = r#"
local _, a = locate(KEYS[1], KEYS[2], 'provider', ARGV[2], 'providerAccountId', ARGV[3])
if not a then return {} end
local uid = field(a, 'userId')
if not uid or string.find(uid, ':', 1, true) then return {a} end
local u = redis.call('GET', P .. 'user:' .. uid)
if not u then return {a} end
return {a, u}
"#;

    /// KEYS: user. ARGV: P, id, old json, new json, old has email (1/0), old email,
    /// new has email, new email. → OK | NOTFOUND | RETRY | CONFLICT
    UPDATE_USER = r#"
local id, old, new = ARGV[2], ARGV[3], ARGV[4]
local old_has, old_email, new_has, new_email = ARGV[5] == '1', ARGV[6], ARGV[7] == '1', ARGV[8]
local cur = redis.call('GET', KEYS[1])
if not cur then return 'NOTFOUND' end
if cur ~= old then return 'RETRY' end
local same = old_has and new_has and old_email == new_email
if new_has and not same then
  local owner = email_owner(new_email)
  if owner and owner ~= id then return 'CONFLICT' end
end
if old_has and not same then
  local k = P .. 'user:email:' .. old_email
  if redis.call('GET', k) == id then redis.call('DEL', k) end
end
if new_has then redis.call('SET', P .. 'user:email:' .. new_email, id) end
redis.call('SET', KEYS[1], new)
return 'OK'
"#;

    /// KEYS: user. ARGV: P, id, the user JSON read before, extra candidate keys (found by
    /// the opt-in sweep). Deletes
    /// the user, its email index, every session and account it owns (our per-user sets,
    /// the JS single-value indexes, the extra keys; each checked for `userId`), its
    /// authenticators and every index, if the user is still the value read before (so a
    /// user whose value cannot be read is never deleted). → OK | RETRY | nil
    DELETE_USER = r#"
local id = ARGV[2]
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
if raw ~= ARGV[3] then return 'RETRY' end
local u = decode(raw)
local email_key = nil
if u and type(u.email) == 'string' then
  local k = P .. 'user:email:' .. u.email
  if redis.call('GET', k) == id then email_key = k end
end
local cand, seen = {}, {}
local function add(k) if k and not seen[k] then seen[k] = true; table.insert(cand, k) end end
for _, k in ipairs(redis.call('SMEMBERS', user_sessions(id))) do add(k) end
add(redis.call('GET', session_index(id)))
for _, k in ipairs(redis.call('SMEMBERS', user_accounts(id))) do add(k) end
add(redis.call('GET', account_index(id)))
for i = 4, #ARGV do add(ARGV[i]) end
local list_key = P .. 'authenticator:by-user-id:' .. id
local list = redis.call('GET', list_key)
if list then
  local arr = decode(list)
  if arr then
    for _, c in ipairs(arr) do
      if type(c) == 'string' then add(P .. 'authenticator:' .. c) end
    end
  end
end
local del, gone = {}, {}
for _, k in ipairs(cand) do
  local v = redis.call('GET', k)
  if not v then table.insert(gone, k)
  elseif field(v, 'userId') == id then table.insert(del, k) end
end
for _, k in ipairs(del) do
  redis.call('DEL', k)
  if starts(k, SESSION_P) then redis.call('ZREM', SESSIONS_Z, k) end
end
for _, k in ipairs(gone) do
  if starts(k, SESSION_P) then redis.call('ZREM', SESSIONS_Z, k) end
end
redis.call('DEL', user_sessions(id), user_accounts(id), session_index(id), account_index(id), list_key)
if email_key then redis.call('DEL', email_key) end
redis.call('DEL', KEYS[1])
return 'OK'
"#;

    /// KEYS: Auth.js account key, added account key, user. ARGV: P, user id, json,
    /// provider, providerAccountId. Written at the Auth.js key unless another record holds
    /// it. → OK | NOTFOUND | CONFLICT | MALFORMED (an unreadable value holds the Auth.js key)
    LINK_ACCOUNT = r#"
local uid, json = ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[3]) == 0 then return 'NOTFOUND' end
local k, raw = locate(KEYS[1], KEYS[2], 'provider', ARGV[4], 'providerAccountId', ARGV[5])
if k then
  if decode(raw) then return 'CONFLICT' end
  return 'MALFORMED'
end
local target = KEYS[1]
if redis.call('EXISTS', target) == 1 then target = KEYS[2] end
redis.call('SET', target, json)
redis.call('SET', account_index(uid), target)
redis.call('SADD', user_accounts(uid), target)
return 'OK'
"#;

    /// KEYS: account (as found by GET_ACCOUNT). ARGV: P, the account JSON read there, its
    /// user id. Removes the account if it is still that value. → OK | RETRY | nil
    UNLINK_ACCOUNT = r#"
local k = KEYS[1]
local raw = redis.call('GET', k)
if not raw then return false end
if raw ~= ARGV[2] then return 'RETRY' end
local uid = ARGV[3]
redis.call('DEL', k)
redis.call('SREM', user_accounts(uid), k)
fix_index(account_index(uid), k, user_accounts(uid))
return 'OK'
"#;

    /// KEYS: any. ARGV: P, expected json, new json. Compare-and-set of a value whose new
    /// JSON was built in Rust. → OK | NOTFOUND | RETRY
    COMPARE_AND_SET = r#"
local cur = redis.call('GET', KEYS[1])
if not cur then return 'NOTFOUND' end
if cur ~= ARGV[2] then return 'RETRY' end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 'OK'
"#;

    /// KEYS: session, user. ARGV: P, user id, json, expires ms, ttl (1/0).
    /// → OK | EXPIRED (already past with TTLs on: checked, not stored) | NOTFOUND | CONFLICT
    CREATE_SESSION = r#"
local uid, json, exp, ttl = ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1'
if redis.call('EXISTS', KEYS[2]) == 0 then return 'NOTFOUND' end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'CONFLICT' end
local set = user_sessions(uid)
-- Members whose session is gone (expired by TTL, deleted by a JS adapter) leave the set a
-- few at a time: a random sample of SAMPLE members is checked on every create. That keeps
-- the set within about SAMPLE / (SAMPLE - 1) of the live sessions, at a fixed cost
-- whatever the number of sessions the user has.
for _, k in ipairs(redis.call('SRANDMEMBER', set, 4)) do
  if redis.call('EXISTS', k) == 0 then
    redis.call('SREM', set, k)
    redis.call('ZREM', SESSIONS_Z, k)
  end
end
if ttl then prune_expired_members(SESSIONS_Z) end
if ttl and tonumber(exp) <= now_ms() then return 'EXPIRED' end
if ttl then
  redis.call('SET', KEYS[1], json, 'PXAT', exp)
else
  redis.call('SET', KEYS[1], json)
end
redis.call('SET', session_index(uid), KEYS[1])
redis.call('SADD', set, KEYS[1])
redis.call('ZADD', SESSIONS_Z, exp, KEYS[1])
return 'OK'
"#;

    /// KEYS: session. ARGV: P, expected json, new json, expires ms, ttl, user id.
    /// → OK | EXPIRED (new expires already past with TTLs on: removed) | NOTFOUND | RETRY
    UPDATE_SESSION = r#"
local old, new, exp, ttl, uid = ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1', ARGV[6]
local cur = redis.call('GET', KEYS[1])
if not cur then return 'NOTFOUND' end
if cur ~= old then return 'RETRY' end
local set = user_sessions(uid)
if ttl and tonumber(exp) <= now_ms() then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', SESSIONS_Z, KEYS[1])
  redis.call('SREM', set, KEYS[1])
  fix_index(session_index(uid), KEYS[1], set)
  return 'EXPIRED'
end
if ttl then
  redis.call('SET', KEYS[1], new, 'PXAT', exp)
else
  redis.call('SET', KEYS[1], new)
end
redis.call('ZADD', SESSIONS_Z, exp, KEYS[1])
redis.call('SADD', set, KEYS[1])
redis.call('SET', session_index(uid), KEYS[1])
return 'OK'
"#;

    /// KEYS: session. ARGV: P, the session JSON read before, its user id. Removes the
    /// session if it is still that value. → OK | RETRY | nil
    DELETE_SESSION = r#"
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
if raw ~= ARGV[2] then return 'RETRY' end
local uid = ARGV[3]
redis.call('DEL', KEYS[1])
redis.call('ZREM', SESSIONS_Z, KEYS[1])
redis.call('SREM', user_sessions(uid), KEYS[1])
fix_index(session_index(uid), KEYS[1], user_sessions(uid))
return 'OK'
"#;

    /// ARGV: P, user id, extra candidate keys. → number of sessions removed.
    DELETE_SESSIONS_BY_USER = r#"
local id = ARGV[2]
local cand, seen = {}, {}
local function add(k) if k and not seen[k] then seen[k] = true; table.insert(cand, k) end end
for _, k in ipairs(redis.call('SMEMBERS', user_sessions(id))) do add(k) end
add(redis.call('GET', session_index(id)))
for i = 3, #ARGV do add(ARGV[i]) end
local del, gone = {}, {}
for _, k in ipairs(cand) do
  local v = redis.call('GET', k)
  if not v then table.insert(gone, k)
  elseif field(v, 'userId') == id then table.insert(del, k) end
end
for _, k in ipairs(del) do
  redis.call('DEL', k)
  redis.call('ZREM', SESSIONS_Z, k)
end
for _, k in ipairs(gone) do redis.call('ZREM', SESSIONS_Z, k) end
redis.call('DEL', user_sessions(id), session_index(id))
return #del
"#;

    /// KEYS: Auth.js token key, added token key. ARGV: P, json, expires ms, ttl,
    /// identifier, token. Written at the Auth.js key unless another record holds it.
    /// → OK | EXPIRED | CONFLICT | MALFORMED (an unreadable value holds the Auth.js key)
    CREATE_TOKEN = r#"
local json, exp, ttl = ARGV[2], ARGV[3], ARGV[4] == '1'
local k, raw = locate(KEYS[1], KEYS[2], 'identifier', ARGV[5], 'token', ARGV[6])
if k then
  if decode(raw) then return 'CONFLICT' end
  return 'MALFORMED'
end
if ttl then prune_expired_members(TOKENS_Z) end
if ttl and tonumber(exp) <= now_ms() then return 'EXPIRED' end
local target = KEYS[1]
if redis.call('EXISTS', target) == 1 then target = KEYS[2] end
if ttl then
  redis.call('SET', target, json, 'PXAT', exp)
else
  redis.call('SET', target, json)
end
redis.call('ZADD', TOKENS_Z, exp, target)
return 'OK'
"#;

    /// KEYS: Auth.js token key, added token key. ARGV: P, identifier, token.
    /// → {} | {key, token JSON}
    GET_TOKEN = r#"
local k, raw = locate(KEYS[1], KEYS[2], 'identifier', ARGV[2], 'token', ARGV[3])
if not k then return {} end
return {k, raw}
"#;

    /// KEYS: token (as found by GET_TOKEN). ARGV: P, the JSON read there. Single use: the
    /// check and the DEL are one atomic step, and a token whose value could not be read is
    /// never passed here, so it is never consumed. → OK | RETRY | nil
    USE_TOKEN = r#"
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
if raw ~= ARGV[2] then return 'RETRY' end
redis.call('DEL', KEYS[1])
redis.call('ZREM', TOKENS_Z, KEYS[1])
return 'OK'
"#;

    /// KEYS: authenticator, user, authenticator list. ARGV: P, json, credential id.
    /// → OK | NOTFOUND | CONFLICT | MALFORMED_LIST
    CREATE_AUTHENTICATOR = r#"
local json, cid = ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[2]) == 0 then return 'NOTFOUND' end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'CONFLICT' end
local ids, seen = {cid}, {[cid] = true}
local list = redis.call('GET', KEYS[3])
if list then
  local arr = decode(list)
  if not arr then return 'MALFORMED_LIST' end
  for _, c in ipairs(arr) do
    if type(c) == 'string' and not seen[c] then seen[c] = true; table.insert(ids, c) end
  end
end
-- cjson escapes '/' (common in base64 ids) as '\/'; JSON.stringify does not.
local encoded = (string.gsub(cjson.encode(ids), '\\/', '/'))
redis.call('SET', KEYS[1], json)
redis.call('SET', KEYS[3], encoded)
return 'OK'
"#;

    /// KEYS: authenticator list. ARGV: P. → {'OK', json...} | {'MALFORMED'}
    LIST_AUTHENTICATORS = r#"
local list = redis.call('GET', KEYS[1])
if not list then return {'OK'} end
local arr = decode(list)
if not arr then return {'MALFORMED'} end
local out = {'OK'}
for _, c in ipairs(arr) do
  if type(c) == 'string' then
    local v = redis.call('GET', P .. 'authenticator:' .. c)
    if v then table.insert(out, v) end
  end
end
return out
"#;

    /// KEYS: expiry zset. ARGV: P, max score (`123` or exclusive `(123`), offset, count.
    /// One page of members scored up to max, each with its value if the key exists.
    /// → {{key, json?}...}
    EXPIRY_CANDIDATES = r#"
local out = {}
local page = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', ARGV[3], ARGV[4])
for _, k in ipairs(page) do
  local v = redis.call('GET', k)
  if v then table.insert(out, {k, v}) else table.insert(out, {k}) end
end
return out
"#;

    /// ARGV: P, then groups of four: op, key, arg, user id.
    /// op D (delete if the value is still arg; for a session also its indexes),
    /// Z (forget a key that is gone or unreadable), R (re-score to arg, the key's real
    /// expiry). → number of keys deleted.
    APPLY_EXPIRY = r#"
local n = 0
for i = 2, #ARGV, 4 do
  local op, k, arg, uid = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local z = TOKENS_Z
  if starts(k, SESSION_P) then z = SESSIONS_Z end
  if op == 'D' then
    if redis.call('GET', k) == arg then
      redis.call('DEL', k)
      redis.call('ZREM', z, k)
      if z == SESSIONS_Z and uid ~= '' then
        redis.call('SREM', user_sessions(uid), k)
        fix_index(session_index(uid), k, user_sessions(uid))
      end
      n = n + 1
    end
  elseif op == 'Z' then
    if arg == 'unreadable' or redis.call('EXISTS', k) == 0 then redis.call('ZREM', z, k) end
  elseif op == 'R' then
    if redis.call('EXISTS', k) == 1 then redis.call('ZADD', z, 'XX', arg, k) end
  end
end
return n
"#;
}
