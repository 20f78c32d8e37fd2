-- KEYS: Auth.js token key, added token key. ARGV: P, json, expires ms, ttl,
-- identifier, token. Written at the Auth.js key unless another record holds it.
-- → OK | EXPIRED | CONFLICT | MALFORMED (an unreadable value holds the Auth.js key)
local json, exp, ttl = ARGV[2], ARGV[3], ARGV[4] == '1'
local k, raw = locate(KEYS[1], KEYS[2], 'identifier', ARGV[5], 'token', ARGV[6])
if k then
  if decode(raw) then return 'CONFLICT' end
  return 'MALFORMED'
end
if ttl then
  local now = now_ms()
  prune_expired_members(K_TOKENS_BY_EXPIRY, now)
  if tonumber(exp) <= now then return 'EXPIRED' end
end
local target = KEYS[1]
if redis.call('EXISTS', target) == 1 then target = KEYS[2] end
if ttl then
  redis.call('SET', target, json, 'PXAT', exp)
else
  redis.call('SET', target, json)
end
redis.call('ZADD', K_TOKENS_BY_EXPIRY, exp, target)
return 'OK'
