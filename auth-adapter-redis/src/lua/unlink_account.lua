-- KEYS: account (as found by GET_ACCOUNT). ARGV: P, the account JSON read there, its
-- user id. Removes the account if it is still that value. → OK | RETRY | nil
local k = KEYS[1]
local raw = redis.call('GET', k)
if not raw then return false end
if raw ~= ARGV[2] then return 'RETRY' end
local uid = ARGV[3]
redis.call('DEL', k)
redis.call('SREM', user_accounts(uid), k)
fix_index(account_index(uid), k, user_accounts(uid))
return 'OK'
