-- KEYS: binding. ARGV: P, now ms, now - 60 s in ms. → {} | the binding's fields
-- (bound_token_fields order) and the user JSON. The per-request path: one EVALSHA; the
-- last use is written only when the recorded one is a minute old.
local f = redis.call('HMGET', KEYS[1], bound_token_fields())
if not f[1] then return {} end
if f[9] and tonumber(f[9]) <= tonumber(ARGV[2]) then return {} end
local uid = f[2]
if not uid or string.find(uid, ':', 1, true) then return {} end
local u = redis.call('GET', K_USER .. uid)
if not u then return {} end
if not f[8] or tonumber(f[8]) <= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[2])
  f[8] = ARGV[2]
end
f[10] = u
return f
