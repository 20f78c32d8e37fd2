-- KEYS: the bindings' expiry zset. ARGV: P, now ms, page size. Removes the bindings of one
-- page of members scored at or before now whose stored expires is at or before now (with
-- their id key and set entry); forgets members whose binding is gone. → {removed, members
-- looked at}
local now = tonumber(ARGV[2])
local ks = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
local found = {}
for _, k in ipairs(ks) do
  table.insert(found, {k, redis.call('HMGET', k, 'id', 'userId', 'expires')})
end
local n = 0
for _, e in ipairs(found) do
  local k, f = e[1], e[2]
  if f[1] and f[3] and tonumber(f[3]) <= now then
    redis.call('DEL', k, K_BOUND_TOKEN_ID .. f[1])
    if f[2] then redis.call('SREM', K_USER_BOUND_TOKENS .. f[2], k) end
    n = n + 1
  end
  redis.call('ZREM', KEYS[1], k)
end
return {n, #ks}
