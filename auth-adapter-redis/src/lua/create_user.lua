-- KEYS: user. ARGV: P, id, json, [email]. → OK | CONFLICT | CONFLICT_ID
local id, json, email = ARGV[2], ARGV[3], ARGV[4]
if redis.call('EXISTS', KEYS[1]) == 1 then return 'CONFLICT_ID' end
if email and email_owner(email) then return 'CONFLICT' end
if email then redis.call('SET', K_EMAIL .. email, id) end
redis.call('SET', KEYS[1], json)
return 'OK'
