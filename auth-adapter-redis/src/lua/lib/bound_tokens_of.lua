-- The bound tokens of user `uid` (our per-user set): {binding key, id or false} of those
-- the user still owns, and the keys of the set. Reads only.
local function bound_tokens_of(uid)
  local owned = {}
  local members = redis.call('SMEMBERS', K_USER_BOUND_TOKENS .. uid)
  for _, k in ipairs(members) do
    local f = redis.call('HMGET', k, 'id', 'userId')
    if f[1] and f[2] == uid then table.insert(owned, {k, f[1]}) end
  end
  return owned, members
end
