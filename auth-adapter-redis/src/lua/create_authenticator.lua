-- KEYS: authenticator, user, authenticator list. ARGV: P, json, credential id.
-- → OK | NOTFOUND | CONFLICT | MALFORMED
local json, cid = ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[2]) == 0 then return 'NOTFOUND' end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'CONFLICT' end
local ids, seen = {cid}, {[cid] = true}
local list = redis.call('GET', KEYS[3])
if list then
  local arr = decode(list)
  if not arr then return 'MALFORMED' end
  for _, c in ipairs(arr) do
    if type(c) == 'string' and not seen[c] then seen[c] = true; table.insert(ids, c) end
  end
end
-- cjson escapes '/' (common in base64 ids) as '\/'; JSON.stringify does not.
local encoded = (string.gsub(cjson.encode(ids), '\\/', '/'))
redis.call('SET', KEYS[1], json)
redis.call('SET', KEYS[3], encoded)
return 'OK'
