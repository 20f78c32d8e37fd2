-- KEYS: user. ARGV: P, id, old json, new json, old has email (1/0), old email,
-- new has email, new email. → OK | NOTFOUND | RETRY | CONFLICT
local id, old, new = ARGV[2], ARGV[3], ARGV[4]
local old_has, old_email, new_has, new_email = ARGV[5] == '1', ARGV[6], ARGV[7] == '1', ARGV[8]
local cur = redis.call('GET', KEYS[1])
if not cur then return 'NOTFOUND' end
if cur ~= old then return 'RETRY' end
local same = old_has and new_has and old_email == new_email
if new_has and not same then
  local owner = email_owner(new_email)
  if owner and owner ~= id then return 'CONFLICT' end
end
if old_has and not same then
  local k = K_EMAIL .. old_email
  if redis.call('GET', k) == id then redis.call('DEL', k) end
end
if new_has then redis.call('SET', K_EMAIL .. new_email, id) end
redis.call('SET', KEYS[1], new)
return 'OK'
