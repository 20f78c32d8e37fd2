-- ARGV: P, user id, extra candidate keys. → number of sessions removed.
local id = ARGV[2]
local cand, add = candidates()
for _, k in ipairs(redis.call('SMEMBERS', user_sessions(id))) do add(k) end
add(redis.call('GET', session_index(id)))
for i = 3, #ARGV do add(ARGV[i]) end
local removed = remove_owned(cand, id)
redis.call('DEL', user_sessions(id), session_index(id))
return removed
