-- KEYS: any. ARGV: P, expected json, new json. Compare-and-set of a value whose new
-- JSON was built in Rust. → OK | NOTFOUND | RETRY
local cur = redis.call('GET', KEYS[1])
if not cur then return 'NOTFOUND' end
if cur ~= ARGV[2] then return 'RETRY' end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 'OK'
