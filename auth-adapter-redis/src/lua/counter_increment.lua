-- KEYS: counter. ARGV: P, window ms. Adds one; the first increment (or one of a counter
-- without an expiry) opens the window. → {count, ms until the window ends}
local c = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if c == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {c, ttl}
