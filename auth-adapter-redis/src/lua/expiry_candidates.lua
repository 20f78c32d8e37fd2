-- KEYS: expiry zset. ARGV: P, max score (`123` or exclusive `(123`), offset, count.
-- One page of members scored up to max, each with its value if the key exists.
-- → {{key, json?}...}
local out = {}
local page = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', ARGV[3], ARGV[4])
for _, k in ipairs(page) do
  local v = redis.call('GET', k)
  if v then table.insert(out, {k, v}) else table.insert(out, {k}) end
end
return out
