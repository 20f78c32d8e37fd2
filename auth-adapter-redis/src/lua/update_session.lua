-- KEYS: session. ARGV: P, expected json, new json, expires ms, ttl, user id.
-- → OK | EXPIRED (new expires already past with TTLs on: removed) | NOTFOUND | RETRY
local old, new, exp, ttl, uid = ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1', ARGV[6]
local cur = redis.call('GET', KEYS[1])
if not cur then return 'NOTFOUND' end
if cur ~= old then return 'RETRY' end
local set = user_sessions(uid)
if ttl and tonumber(exp) <= now_ms() then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', K_SESSIONS_BY_EXPIRY, KEYS[1])
  redis.call('SREM', set, KEYS[1])
  fix_index(session_index(uid), KEYS[1], set)
  return 'EXPIRED'
end
if ttl then
  redis.call('SET', KEYS[1], new, 'PXAT', exp)
else
  redis.call('SET', KEYS[1], new)
end
redis.call('ZADD', K_SESSIONS_BY_EXPIRY, exp, KEYS[1])
redis.call('SADD', set, KEYS[1])
redis.call('SET', session_index(uid), KEYS[1])
return 'OK'
