-- KEYS: authenticator list. ARGV: P. → {'OK', json...} | {'MALFORMED'}
local list = redis.call('GET', KEYS[1])
if not list then return {'OK'} end
local arr = decode(list)
if not arr then return {'MALFORMED'} end
local out = {'OK'}
for _, c in ipairs(arr) do
  if type(c) == 'string' then
    local v = redis.call('GET', K_AUTHENTICATOR .. c)
    if v then table.insert(out, v) end
  end
end
return out
