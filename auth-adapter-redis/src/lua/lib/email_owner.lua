-- The live owner of an email index, or nil when the index is stale: the user is gone, or
-- the JS adapters' updateUser changed the email without removing the old index.
local function email_owner(email)
  local id = redis.call('GET', K_EMAIL .. email)
  if not id or string.find(id, ':', 1, true) then return nil end
  local raw = redis.call('GET', K_USER .. id)
  if not raw then return nil end
  local u = decode(raw)
  if u and u.email ~= email then return nil end
  return id
end
