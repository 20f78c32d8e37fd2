-- KEYS: email index. ARGV: P. → the user JSON or nil.
local id = redis.call('GET', KEYS[1])
if not id or string.find(id, ':', 1, true) then return false end
return redis.call('GET', K_USER .. id)
