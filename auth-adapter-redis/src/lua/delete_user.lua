-- KEYS: user. ARGV: P, id, the user JSON read before, extra candidate keys (found by the
-- opt-in sweep). Deletes the user, its email index, every session and account it owns (our
-- per-user sets, the JS single-value indexes, the extra keys; each checked for `userId`),
-- its authenticators, its bound tokens and every index, if the user is still the value
-- read before (so a user whose value cannot be read is never deleted). → OK | RETRY | nil
local id = ARGV[2]
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
if raw ~= ARGV[3] then return 'RETRY' end
local u = decode(raw)
local email_key = nil
if u and type(u.email) == 'string' then
  local k = K_EMAIL .. u.email
  if redis.call('GET', k) == id then email_key = k end
end
local cand, add = candidates()
for _, k in ipairs(redis.call('SMEMBERS', user_sessions(id))) do add(k) end
add(redis.call('GET', session_index(id)))
for _, k in ipairs(redis.call('SMEMBERS', user_accounts(id))) do add(k) end
add(redis.call('GET', account_index(id)))
for i = 4, #ARGV do add(ARGV[i]) end
local list_key = K_AUTHENTICATOR_BY_USER .. id
local list = redis.call('GET', list_key)
if list then
  local arr = decode(list)
  if arr then
    for _, c in ipairs(arr) do
      if type(c) == 'string' then add(K_AUTHENTICATOR .. c) end
    end
  end
end
local bound, bound_members = bound_tokens_of(id)
remove_owned(cand, id)
remove_bound_tokens(id, bound, bound_members)
redis.call('DEL', user_sessions(id), user_accounts(id), session_index(id), account_index(id), list_key)
if email_key then redis.call('DEL', email_key) end
redis.call('DEL', KEYS[1])
return 'OK'
