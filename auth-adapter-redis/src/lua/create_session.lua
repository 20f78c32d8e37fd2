-- KEYS: session, user. ARGV: P, user id, json, expires ms, ttl (1/0).
-- → OK | EXPIRED (already past with TTLs on: checked, not stored) | NOTFOUND | CONFLICT
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
    redis.call('ZREM', K_SESSIONS_BY_EXPIRY, k)
  end
end
if ttl then
  local now = now_ms()
  prune_expired_members(K_SESSIONS_BY_EXPIRY, now)
  if tonumber(exp) <= now then return 'EXPIRED' end
end
if ttl then
  redis.call('SET', KEYS[1], json, 'PXAT', exp)
else
  redis.call('SET', KEYS[1], json)
end
redis.call('SET', session_index(uid), KEYS[1])
redis.call('SADD', set, KEYS[1])
redis.call('ZADD', K_SESSIONS_BY_EXPIRY, exp, KEYS[1])
return 'OK'
