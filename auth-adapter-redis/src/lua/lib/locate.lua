-- A record keyed by two parts (an account, a verification token) lives at its Auth.js key
-- `n` when that holds this very record (fields f1, f2 equal to v1, v2), else at the
-- unambiguous key `a` this crate adds: two records whose parts join to the same Auth.js key
-- never see each other. A value at `n` that is not JSON is returned (the caller reports
-- it as unreadable) rather than passed over. → key, value | nil
local function locate(n, a, f1, v1, f2, v2)
  local raw = redis.call('GET', n)
  if raw then
    local v = decode(raw)
    if not v or (v[f1] == v1 and v[f2] == v2) then return n, raw end
  end
  raw = redis.call('GET', a)
  if raw then return a, raw end
  return nil, nil
end
