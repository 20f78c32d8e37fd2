-- KEYS: token (as found by GET_TOKEN). ARGV: P, the JSON read there. Single use: the
-- check and the DEL are one atomic step, and a token whose value could not be read is
-- never passed here, so it is never consumed. → OK | RETRY | nil
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
if raw ~= ARGV[2] then return 'RETRY' end
redis.call('DEL', KEYS[1])
redis.call('ZREM', K_TOKENS_BY_EXPIRY, KEYS[1])
return 'OK'
