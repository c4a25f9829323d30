-- wrk script for bench/server_load.py: job status polls
-- (GET /api/v1/jobs/ID), round robin over "TOKEN JOB_ID" lines of the file
-- given after `--`, each participant polling its own job; each connection
-- waits the poll interval (ms, second argument) between its requests, as a
-- page or script polling a job does. done() prints one line
-- "WRK_JSON {...}" with the figures the load report needs.
local targets = {}
local next_target = 0
local interval_ms = 0

function init(args)
  interval_ms = tonumber(args[2] or "0") or 0
  for line in io.lines(args[1]) do
    local token, job = line:match("^(%S+)%s+(%d+)$")
    if token then targets[#targets + 1] = {token, job} end
  end
  if #targets == 0 then error("no targets in " .. tostring(args[1])) end
  -- Threads start at different places of the list.
  next_target = math.random(#targets) - 1
end

function delay()
  return interval_ms
end

function request()
  next_target = next_target % #targets + 1
  local t = targets[next_target]
  return wrk.format("GET", "/api/v1/jobs/" .. t[2],
                    {["Authorization"] = "Bearer " .. t[1]})
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d}, "latency_us": {"mean": %.1f, "max": %d, "p50": %d, ' ..
    '"p90": %d, "p99": %d, "p999": %d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read,
    e.write, e.status, e.timeout, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
