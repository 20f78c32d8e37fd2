-- With TTLs, members of an expiry zset whose keys Redis already expired are dropped a few
-- at a time on every create, so the zsets stay bounded without delete_expired. `now`:
-- the server clock in milliseconds, read once by the caller.
local function prune_expired_members(z, now)
  for _, k in ipairs(redis.call('ZRANGEBYSCORE', z, '-inf', now, 'LIMIT', 0, 16)) do
    if redis.call('EXISTS', k) == 0 then redis.call('ZREM', z, k) end
  end
end
