#include "jim/store/redis_scripts.hpp"

namespace jim::store::detail::redis_lua {

// Seq members of the time index are zero-padded so that ties on create_time sort by seq.
// References (inbox entries, client ids) are "<seq>\31<conversation>": the seq never holds \31.

const std::string_view kAppend = R"lua(
local prefix, cap, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1'
-- One append: its keys start after KEYS[k], its arguments after ARGV[a]. Returns its triple.
local function append(k, a, n)
  local conv, sender, cid = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local time = ARGV[a + 6]
  if cid ~= '' then
    local ref = redis.call('HGET', KEYS[k + 5], cid)
    if ref then
      local sep = string.find(ref, '\31', 1, true)
      local seq = string.sub(ref, 1, sep - 1)
      local rec = redis.call('HGET', prefix .. ':{c:' .. string.sub(ref, sep + 1) .. '}:msg', seq)
      if rec then return 1, tonumber(seq), rec end
    end
  end
  local seq = redis.call('INCR', KEYS[k + 1])
  local s = tostring(seq)  -- once: every number -> text conversion is a sprintf
  redis.call('HSET', KEYS[k + 2], s, ARGV[a + 4] .. ARGV[a + 5] .. s .. '}')
  redis.call('ZADD', KEYS[k + 3], time, string.rep('0', 20 - #s) .. s)
  local ref = s .. '\31' .. conv
  if cid ~= '' then
    redis.call('HSET', KEYS[k + 5], cid, ref)
    redis.call('HSET', KEYS[k + 4], s, sender .. '\31' .. cid)
  end
  if ttl then redis.call('ZADD', KEYS[k + 6], 'NX', time, conv) end
  redis.call('HSET', KEYS[k + 7], conv, s)
  if seq == 1 and KEYS[k + 8] ~= KEYS[k + 7] then redis.call('HSETNX', KEYS[k + 8], conv, '0') end
  local dropped = 0
  for i = k + 9, k + 8 + 2 * n, 2 do
    local len = redis.call('RPUSH', KEYS[i], ref)
    if cap > 0 and len > cap then
      local drop = len - cap
      redis.call('LTRIM', KEYS[i], drop, -1)
      redis.call('INCRBY', KEYS[i + 1], drop)
      dropped = dropped + drop
    end
  end
  return 0, seq, dropped
end
local out = {}
local k, a = 0, 3
while a < #ARGV do
  local n = tonumber(ARGV[a + 7])
  local flag, seq, third = append(k, a, n)
  out[#out + 1] = flag
  out[#out + 1] = seq
  out[#out + 1] = third
  k = k + 8 + 2 * n
  a = a + 7
end
return out
)lua";

const std::string_view kHistory = R"lua(
local cutoff, after = ARGV[1], tonumber(ARGV[2])
local skip, limit = tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {}
if limit == 0 then return out end
if ARGV[5] ~= '' or ARGV[6] ~= '' then
  local low = ARGV[5] ~= '' and tonumber(ARGV[5]) or nil
  if cutoff ~= '' and (low == nil or tonumber(cutoff) > low) then low = tonumber(cutoff) end
  local high = ARGV[6] ~= '' and ARGV[6] or '+inf'
  local members = redis.call('ZRANGEBYSCORE', KEYS[3], low == nil and '-inf' or low, high)
  for _, m in ipairs(members) do
    local seq = tonumber(m)
    if seq > after then
      local rec = redis.call('HGET', KEYS[2], seq)
      if rec then
        if skip > 0 then skip = skip - 1 else
          out[#out + 1] = seq
          out[#out + 1] = rec
          if #out >= 2 * limit then break end
        end
      end
    end
  end
  return out
end
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(redis.call('GET', KEYS[4]) or '0')
local expired = {}
if cutoff ~= '' then
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. cutoff)) do
    expired[tonumber(m)] = true
  end
end
local s = math.max(after, floor) + 1
while s <= last do
  if not expired[s] then
    local rec = redis.call('HGET', KEYS[2], s)
    if rec then
      if skip > 0 then skip = skip - 1 else
        out[#out + 1] = s
        out[#out + 1] = rec
        if #out >= 2 * limit then break end
      end
    end
  end
  s = s + 1
end
return out
)lua";

const std::string_view kReadInbox = R"lua(
local prefix, limit, cutoff = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local out = {}
if limit == 0 then return out end
local base = tonumber(redis.call('GET', KEYS[2]) or '0')
local len = redis.call('LLEN', KEYS[1])
local i = 0
while i < len and #out < 4 * limit do
  local chunk = redis.call('LRANGE', KEYS[1], i, i + 99)
  for j, ref in ipairs(chunk) do
    local sep = string.find(ref, '\31', 1, true)
    local seq = string.sub(ref, 1, sep - 1)
    local conv = string.sub(ref, sep + 1)
    local ck = prefix .. ':{c:' .. conv .. '}:'
    local rec = redis.call('HGET', ck .. 'msg', seq)
    local live = rec ~= false
    if live and cutoff ~= '' then
      local t = redis.call('ZSCORE', ck .. 'time', string.format('%020d', tonumber(seq)))
      live = t ~= false and tonumber(t) >= tonumber(cutoff)
    end
    if live then
      out[#out + 1] = base + i + j
      out[#out + 1] = conv
      out[#out + 1] = tonumber(seq)
      out[#out + 1] = rec
      if #out >= 4 * limit then break end
    end
  end
  i = i + 100
end
return out
)lua";

const std::string_view kAckInbox = R"lua(
local base = tonumber(redis.call('GET', KEYS[2]) or '0')
local tail = base + redis.call('LLEN', KEYS[1])
local n = math.min(tonumber(ARGV[1]), tail) - base
if n <= 0 then return 0 end
redis.call('LTRIM', KEYS[1], n, -1)
redis.call('INCRBY', KEYS[2], n)
return n
)lua";

const std::string_view kMembership = R"lua(
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('SADD', KEYS[2], ARGV[2])
else
  redis.call('SREM', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1
)lua";

const std::string_view kFriendship = R"lua(
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  redis.call('SADD', KEYS[2], ARGV[1])
else
  redis.call('HDEL', KEYS[1], ARGV[2])
  redis.call('SREM', KEYS[2], ARGV[1])
end
return 1
)lua";

const std::string_view kSweep = R"lua(
local prefix, cutoff, budget = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local convs = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, 64)
local deleted = 0
for _, conv in ipairs(convs) do
  if budget <= 0 then break end
  local ck = prefix .. ':{c:' .. conv .. '}:'
  local last = tonumber(redis.call('GET', ck .. 'seq') or '0')
  local floor = tonumber(redis.call('GET', ck .. 'floor') or '0')
  local s = floor + 1
  local next_time = nil
  while s <= last and budget > 0 do
    budget = budget - 1
    local member = string.format('%020d', s)
    local t = redis.call('ZSCORE', ck .. 'time', member)
    if t then
      if tonumber(t) >= cutoff then next_time = t break end
      redis.call('HDEL', ck .. 'msg', s)
      redis.call('ZREM', ck .. 'time', member)
      local owner = redis.call('HGET', ck .. 'cid', s)
      if owner then
        local sep = string.find(owner, '\31', 1, true)
        redis.call('HDEL', prefix .. ':{u:' .. string.sub(owner, 1, sep - 1) .. '}:cid',
                   string.sub(owner, sep + 1))
        redis.call('HDEL', ck .. 'cid', s)
      end
      deleted = deleted + 1
    end
    floor = s
    s = s + 1
  end
  redis.call('SET', ck .. 'floor', floor)
  if next_time then
    redis.call('ZADD', KEYS[1], next_time, conv)
  elseif s > last then
    redis.call('ZREM', KEYS[1], conv)
  end
end
local more = (budget <= 0 or #convs == 64) and 1 or 0
return {deleted, more}
)lua";

// Recall, read cursors, recent conversations (P5). kRecallSwap and kLastMessage touch one
// conversation; kReadCursor a user's cursors and a conversation's seq (docs/storage.md,
// "Redis Cluster").

const std::string_view kRecallSwap = R"lua(
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
)lua";

const std::string_view kReadCursor = R"lua(
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local target = math.min(tonumber(ARGV[2]), last)
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if target <= current then return current end
redis.call('HSET', KEYS[1], ARGV[1], target)
return target
)lua";

const std::string_view kLastMessage = R"lua(
local last = redis.call('GET', KEYS[1])
if not last then return {0, false} end
local n = tonumber(last)
for s = n, math.max(n - 256, 1), -1 do
  local rec = redis.call('HGET', KEYS[2], s)
  if rec then return {n, rec, s} end
end
return {n, false}
)lua";

// The record starts with version, flags and create_time (10 bytes), then the length-prefixed
// id: comparing the bytes after them with the encoded id compares ids (length prefixes make
// the encoding prefix-free).
const std::string_view kDelete = R"lua(
local seq = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if seq < 1 or seq > last then return {0} end
local rec = redis.call('HGET', KEYS[2], seq)
if not rec then return {2} end
local member = string.format('%020d', seq)
if ARGV[3] ~= '' then
  local t = redis.call('ZSCORE', KEYS[3], member)
  if not t or tonumber(t) < tonumber(ARGV[3]) then return {2} end
end
if string.sub(rec, 11, 10 + #ARGV[2]) ~= ARGV[2] then return {0} end
redis.call('HDEL', KEYS[2], seq)
redis.call('ZREM', KEYS[3], member)
local owner = redis.call('HGET', KEYS[4], seq)
if owner then
  local sep = string.find(owner, '\31', 1, true)
  redis.call('HDEL', ARGV[4] .. ':{u:' .. string.sub(owner, 1, sep - 1) .. '}:cid',
             string.sub(owner, sep + 1))
  redis.call('HDEL', KEYS[4], seq)
end
return {1, rec}
)lua";

}  // namespace jim::store::detail::redis_lua
