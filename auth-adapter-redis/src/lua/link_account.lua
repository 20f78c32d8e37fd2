-- KEYS: Auth.js account key, added account key, user. ARGV: P, user id, json,
-- provider, providerAccountId. Written at the Auth.js key unless another record holds
-- it. → OK | NOTFOUND | CONFLICT | MALFORMED (an unreadable value holds the Auth.js key)
local uid, json = ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[3]) == 0 then return 'NOTFOUND' end
local k, raw = locate(KEYS[1], KEYS[2], 'provider', ARGV[4], 'providerAccountId', ARGV[5])
if k then
  if decode(raw) then return 'CONFLICT' end
  return 'MALFORMED'
end
local target = KEYS[1]
if redis.call('EXISTS', target) == 1 then target = KEYS[2] end
redis.call('SET', target, json)
redis.call('SET', account_index(uid), target)
redis.call('SADD', user_accounts(uid), target)
return 'OK'
