-- KEYS: binding, user, binding id. ARGV: P, user id, id, realm, name ('' = none), has name
-- (1/0), display prefix, scopes, created ms, expires ms ('' = never), ttl (1/0).
-- → OK | EXPIRED (already past with TTLs on: checked, not stored) | NOTFOUND | CONFLICT |
-- CONFLICT_ID (the random id is taken: try another). A bound (realm, hash) is never
-- overwritten.
local uid, exp, ttl = ARGV[2], ARGV[10], ARGV[11] == '1'
if redis.call('EXISTS', KEYS[2]) == 0 then return 'NOTFOUND' end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'CONFLICT' end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'CONFLICT_ID' end
local set = K_USER_BOUND_TOKENS .. uid
-- Members whose binding is gone (expired by TTL) leave the set a few at a time, as the
-- session sets do.
for _, k in ipairs(redis.call('SRANDMEMBER', set, 4)) do
  if redis.call('EXISTS', k) == 0 then
    redis.call('SREM', set, k)
    redis.call('ZREM', K_BOUND_TOKENS_BY_EXPIRY, k)
  end
end
if ttl and exp ~= '' then
  local now = now_ms()
  prune_expired_members(K_BOUND_TOKENS_BY_EXPIRY, now)
  if tonumber(exp) <= now then return 'EXPIRED' end
end
redis.call('HSET', KEYS[1], 'id', ARGV[3], 'userId', uid, 'realm', ARGV[4],
  'displayPrefix', ARGV[7], 'scopes', ARGV[8], 'createdAt', ARGV[9])
if ARGV[6] == '1' then redis.call('HSET', KEYS[1], 'name', ARGV[5]) end
redis.call('SET', KEYS[3], KEYS[1])
redis.call('SADD', set, KEYS[1])
if exp ~= '' then
  redis.call('HSET', KEYS[1], 'expires', exp)
  redis.call('ZADD', K_BOUND_TOKENS_BY_EXPIRY, exp, KEYS[1])
  if ttl then
    redis.call('PEXPIREAT', KEYS[1], exp)
    redis.call('PEXPIREAT', KEYS[3], exp)
  end
else
  redis.call('ZREM', K_BOUND_TOKENS_BY_EXPIRY, KEYS[1])
end
return 'OK'
