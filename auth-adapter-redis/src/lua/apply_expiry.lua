-- ARGV: P, then groups of four: op, key, arg, user id.
-- op D (delete if the value is still arg; for a session also its indexes),
-- Z (forget a key that is gone or unreadable), R (re-score to arg, the key's real
-- expiry). → number of keys deleted.
local n = 0
for i = 2, #ARGV, 4 do
  local op, k, arg, uid = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local z = K_TOKENS_BY_EXPIRY
  if starts(k, K_SESSION) then z = K_SESSIONS_BY_EXPIRY end
  if op == 'D' then
    if redis.call('GET', k) == arg then
      redis.call('DEL', k)
      redis.call('ZREM', z, k)
      if z == K_SESSIONS_BY_EXPIRY and uid ~= '' then
        redis.call('SREM', user_sessions(uid), k)
        fix_index(session_index(uid), k, user_sessions(uid))
      end
      n = n + 1
    end
  elseif op == 'Z' then
    if arg == 'unreadable' or redis.call('EXISTS', k) == 0 then redis.call('ZREM', z, k) end
  elseif op == 'R' then
    if redis.call('EXISTS', k) == 1 then redis.call('ZADD', z, 'XX', arg, k) end
  end
end
return n
