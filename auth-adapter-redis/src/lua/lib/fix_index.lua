-- After `removed` left a user's set, repoint the JS single-value index (which the JS
-- deleteUser follows) at another member, or drop it.
local function fix_index(index_key, removed, set_key)
  if redis.call('GET', index_key) == removed then
    local other = redis.call('SRANDMEMBER', set_key)
    if other then redis.call('SET', index_key, other) else redis.call('DEL', index_key) end
  end
end
