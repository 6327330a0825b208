-- release: the assigned lawyer (or, with ARGV[2] = "", anyone) ends an
-- assignment: the case is closed, put back in the queue or handed to another lawyer.
-- KEYS[1] case hash, KEYS[2] queue zset, KEYS[3] old lawyer's case set,
-- KEYS[4] new lawyer's case set (transfer) or any key, KEYS[5] citizen's case pointer, KEYS[6] timers zset
-- ARGV[1] case id, ARGV[2] expected lawyer id ("" = the citizen ends it), ARGV[3] action: close | queue | transfer,
-- ARGV[4] outcome (close) or new lawyer id (transfer), ARGV[5] new lawyer name, ARGV[6] now ms,
-- ARGV[7] queue score (queue), ARGV[8] SLA due ms (queue)
-- returns 1 on success, 0 when the case is not (or no longer) assigned to ARGV[2], -1 no such case.
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
local lawyer = redis.call('HGET', KEYS[1], 'lawyer') or ''
if ARGV[2] ~= '' and (status ~= 'assigned' or lawyer ~= ARGV[2]) then return 0 end
if ARGV[2] == '' and status == 'closed' then return 0 end
local action = ARGV[3]
if action == 'close' then
  redis.call('HSET', KEYS[1], 'status', 'closed', 'outcome', ARGV[4], 'closed', ARGV[6])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[6], 'sla:' .. ARGV[1])
  redis.call('DEL', KEYS[5])
elseif action == 'queue' then
  redis.call('HSET', KEYS[1], 'status', 'waiting', 'lawyer', '', 'lawyer_name', '')
  redis.call('ZADD', KEYS[2], ARGV[7], ARGV[1])
  redis.call('ZADD', KEYS[6], ARGV[8], 'sla:' .. ARGV[1])
elseif action == 'transfer' then
  redis.call('HSET', KEYS[1], 'lawyer', ARGV[4], 'lawyer_name', ARGV[5], 'assigned', ARGV[6])
  redis.call('SADD', KEYS[4], ARGV[1])
end
if lawyer ~= '' then redis.call('SREM', KEYS[3], ARGV[1]) end
return 1
