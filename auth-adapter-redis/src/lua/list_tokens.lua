-- KEYS: the user's binding set. ARGV: P, user id. → the fields (bound_token_fields order)
-- of each binding the user owns. Members whose binding is gone or owned by another user
-- (its key expired and was bound again) leave the set.
local out, stale = {}, {}
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local f = redis.call('HMGET', k, bound_token_fields())
  if f[1] and f[2] == ARGV[2] then table.insert(out, f) else table.insert(stale, k) end
end
for _, k in ipairs(stale) do redis.call('SREM', KEYS[1], k) end
return out
