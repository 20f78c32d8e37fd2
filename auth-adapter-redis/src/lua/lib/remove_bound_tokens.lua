-- Removes the bound tokens `bound_tokens_of(uid)` found (each binding, its id key and its
-- expiry entry) and the user's set. → how many bindings were removed
local function remove_bound_tokens(uid, owned, members)
  for _, b in ipairs(owned) do
    redis.call('DEL', b[1], K_BOUND_TOKEN_ID .. b[2])
  end
  for _, k in ipairs(members) do
    redis.call('ZREM', K_BOUND_TOKENS_BY_EXPIRY, k)
  end
  redis.call('DEL', K_USER_BOUND_TOKENS .. uid)
  return #owned
end
