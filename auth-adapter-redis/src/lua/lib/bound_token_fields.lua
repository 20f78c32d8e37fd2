-- The fields of a bound token's hash, in the order Rust reads them
-- (src/adapter/tokens.rs): HMGET k bound_token_fields().
local function bound_token_fields()
  return 'id', 'userId', 'realm', 'name', 'displayPrefix', 'scopes', 'createdAt', 'lastUsedAt', 'expires'
end
