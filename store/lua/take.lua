-- take: the first lawyer to take a waiting case gets it, atomically.
-- KEYS[1] case hash, KEYS[2] queue zset, KEYS[3] the lawyer's case set, KEYS[4] timers zset
-- ARGV[1] case id, ARGV[2] lawyer id, ARGV[3] lawyer name, ARGV[4] now (unix ms)
-- returns {1, lawyer} when taken by ARGV[2]; {0, owner} when already assigned
-- (owner is "" when closed); {-1, ""} when there is no such case.
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {-1, ''} end
if status ~= 'waiting' then
  return {0, redis.call('HGET', KEYS[1], 'lawyer') or ''}
end
redis.call('HSET', KEYS[1], 'status', 'assigned', 'lawyer', ARGV[2], 'lawyer_name', ARGV[3], 'assigned', ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[4], 'sla:' .. ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return {1, ARGV[2]}
