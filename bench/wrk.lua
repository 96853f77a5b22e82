-- wrk script of the load benchmark (bench/load.py).
--   BENCH_HEADERS   extra headers, one "Name: value" a line (a bearer token, a session cookie)
--   BENCH_REQUESTS  a file of requests, one a line: METHOD<TAB>PATH[<TAB>BODY]; the
--                   connections take them in turn (thread t takes lines t, t+T, t+2T…)
--   BENCH_THREADS   the number of wrk threads (-t)
--   BENCH_EXPECT    the expected status (200 or 201); any other is counted as an error
--   BENCH_OUT       where done() writes its JSON summary
--   BENCH_ONCE      "1": each request is sent once (writes); a thread stops when its share is sent
local ffi = require("ffi")  -- wrk is LuaJIT: a microsecond clock for the span of the answers
ffi.cdef([[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]])
local tv = ffi.new("bench_timeval")
local function now_us()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000000 + tonumber(tv.tv_usec)
end

local threads = {}
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local once = os.getenv("BENCH_ONCE") == "1"

for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  reqs = {}
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if body == "" then body = nil end
    local headers = {}  -- wrk.format replaces wrk.headers by its argument: merge them
    for name, value in pairs(wrk.headers) do headers[name] = value end
    if body then headers["Content-Type"] = "application/json" end
    table.insert(reqs, wrk.format(method, path, headers, body))
  end
  step = tonumber(os.getenv("BENCH_THREADS") or "1")
  index = tid
  unexpected = 0
  exhausted = 0
  stopped = false
  answered = 0
  first_sent, last_answer = 0, 0
  share = math.floor((#reqs - tid + step - 1) / step)  -- lines tid, tid+step, …
end

function request()
  if first_sent == 0 then first_sent = now_us() end
  if index >= #reqs then
    exhausted = exhausted + 1
    stopped = once  -- from now on this thread repeats requests: their answers are not counted
  end
  local r = reqs[(index % #reqs) + 1]
  index = index + step
  return r
end

function response(status, headers, body)
  answered = answered + 1
  if not stopped then last_answer = now_us() end
  if once and answered >= share then wrk.thread:stop() end  -- its share is answered
  if stopped then return end
  if status ~= expect then
    unexpected = unexpected + 1
    if unexpected == 1 then  -- the first unexpected answer of each thread, for the log
      io.stderr:write(string.format("unexpected %d: %s\n", status, string.sub(body or "", 1, 300)))
    end
  end
end

function done(summary, latency, requests)
  local bad, wrapped, first, last = 0, 0, nil, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
    wrapped = wrapped + thread:get("exhausted")
    local sent = thread:get("first_sent")
    if sent > 0 and (first == nil or sent < first) then first = sent end
    last = math.max(last, thread:get("last_answer"))
  end
  local e = summary.errors
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "unexpected": %d, "wrapped": %d, ' ..
    '"socket_errors": %d, "span_us": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}',
    summary.requests, summary.duration, bad, wrapped,
    e.connect + e.read + e.write + e.timeout, first and (last - first) or 0,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
  out:close()
end
