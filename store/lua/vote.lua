-- Records a citizen's vote on an entry and returns the vote it replaces
-- ("" for none), or false when the vote is unchanged. One script, so two
-- presses handled at once by two replicas are applied one after the other
-- and the caller's adjustment of the anonymous totals (another slot, so not
-- in this script) follows each real change exactly once.
-- KEYS[1] the citizen's feedback hash; ARGV[1] entry, ARGV[2] vote,
-- ARGV[3] retention in milliseconds.
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev == ARGV[2] then
  return false
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return prev or ''
