-- KEYS: session. ARGV: P, the session JSON read before, its user id. Removes the
-- session if it is still that value. → OK | RETRY | nil
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
if raw ~= ARGV[2] then return 'RETRY' end
local uid = ARGV[3]
redis.call('DEL', KEYS[1])
redis.call('ZREM', K_SESSIONS_BY_EXPIRY, KEYS[1])
redis.call('SREM', user_sessions(uid), KEYS[1])
fix_index(session_index(uid), KEYS[1], user_sessions(uid))
return 'OK'
