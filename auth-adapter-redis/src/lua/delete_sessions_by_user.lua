-- ARGV: P, user id, extra candidate keys. → number of sessions removed.
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
  redis.call('ZREM', K_SESSIONS_BY_EXPIRY, k)
end
for _, k in ipairs(gone) do redis.call('ZREM', K_SESSIONS_BY_EXPIRY, k) end
redis.call('DEL', user_sessions(id), session_index(id))
return #del
