-- KEYS: binding id key. ARGV: P, user id, binding id. Removes the binding if that user
-- owns it. → {} | its fields (bound_token_fields order)
local k = redis.call('GET', KEYS[1])
if not k then return {} end
local f = redis.call('HMGET', k, bound_token_fields())
if f[1] ~= ARGV[3] or f[2] ~= ARGV[2] then return {} end
redis.call('DEL', k, KEYS[1])
redis.call('SREM', K_USER_BOUND_TOKENS .. ARGV[2], k)
redis.call('ZREM', K_BOUND_TOKENS_BY_EXPIRY, k)
return f
