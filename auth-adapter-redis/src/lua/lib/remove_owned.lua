-- Removes every key of `cand` whose value is a JSON object with `userId == id` (a session's
-- key also leaves the sessions' expiry index, and so does a key already gone). Keys owned
-- by someone else, or unreadable, are left. → how many were removed
local function remove_owned(cand, id)
  local del, gone = {}, {}
  for _, k in ipairs(cand) do
    local v = redis.call('GET', k)
    if not v then table.insert(gone, k)
    elseif field(v, 'userId') == id then table.insert(del, k) end
  end
  for _, k in ipairs(del) do
    redis.call('DEL', k)
    if starts(k, K_SESSION) then redis.call('ZREM', K_SESSIONS_BY_EXPIRY, k) end
  end
  for _, k in ipairs(gone) do
    if starts(k, K_SESSION) then redis.call('ZREM', K_SESSIONS_BY_EXPIRY, k) end
  end
  return #del
end
