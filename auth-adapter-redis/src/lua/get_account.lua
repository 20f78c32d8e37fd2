-- KEYS: Auth.js account key, added account key. ARGV: P, provider, providerAccountId.
-- → {} | {key, account JSON}
local k, raw = locate(KEYS[1], KEYS[2], 'provider', ARGV[2], 'providerAccountId', ARGV[3])
if not k then return {} end
return {k, raw}
