-- due: take the timers due by now; each is returned to exactly one caller,
-- so a timer fires once however many replicas poll.
-- KEYS[1] timers zset; ARGV[1] now (unix ms), ARGV[2] max timers
-- returns the members taken.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do redis.call('ZREM', KEYS[1], m) end
return due
