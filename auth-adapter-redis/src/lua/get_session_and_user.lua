-- KEYS: session. ARGV: P. → {} | {session} | {session, user}. The per-request path: one
-- EVALSHA, two GETs on the server.
local s = redis.call('GET', KEYS[1])
if not s then return {} end
local ok, v = pcall(cjson.decode, s)
local uid = ok and type(v) == 'table' and v.userId
if type(uid) ~= 'string' or string.find(uid, ':', 1, true) then return {s} end
local u = redis.call('GET', K_USER .. uid)
if not u then return {s} end
return {s, u}
