-- KEYS: Auth.js account key, added account key. ARGV: P, provider, providerAccountId.
-- → {} | {account} | {account, user}
local _, a = locate(KEYS[1], KEYS[2], 'provider', ARGV[2], 'providerAccountId', ARGV[3])
if not a then return {} end
local uid = field(a, 'userId')
if not uid or string.find(uid, ':', 1, true) then return {a} end
local u = redis.call('GET', K_USER .. uid)
if not u then return {a} end
return {a, u}
