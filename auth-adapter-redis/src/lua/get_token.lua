-- KEYS: Auth.js token key, added token key. ARGV: P, identifier, token.
-- → {} | {key, token JSON}
local k, raw = locate(KEYS[1], KEYS[2], 'identifier', ARGV[2], 'token', ARGV[3])
if not k then return {} end
return {k, raw}
