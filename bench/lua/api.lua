-- wrk script for the API benchmarks (see bench/run.py).
--   wrk -t2 -c32 -d10s -s bench/lua/api.lua URL -- MODE PATH TOKENS_FILE BODY_FILE RUN_ID THREADS
-- MODE: get | post. Every request takes the next bearer token of this thread's share of
-- TOKENS_FILE ("-" for none), so write benchmarks spread over many distinct residents.
-- POSTs send BODY_FILE's contents and a fresh Idempotency-Key. At the end one line
-- "WRKJSON {...}" carries the latency percentiles and the status/reason counts.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  if path and path ~= "-" then
    for line in io.lines(path) do
      if #line > 0 then lines[#lines + 1] = line end
    end
  end
  return lines
end

function init(args)
  mode, path = args[1], args[2]
  tokens = read_lines(args[3])
  body = nil
  if args[4] and args[4] ~= "-" then
    local f = assert(io.open(args[4], "r"))
    body = f:read("*a")
    f:close()
  end
  run_id = args[5] or "run"
  nthreads = tonumber(args[6] or "1")
  cursor = tid
  seq = 0
  counts = {}
end

function request()
  seq = seq + 1
  local headers = {}
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[((cursor - 1) % #tokens) + 1]
    cursor = cursor + nthreads
  end
  if mode == "get" then
    return wrk.format("GET", path, headers)
  end
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = run_id .. "-" .. tid .. "-" .. seq
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, resp_body)
  local key = tostring(status)
  if status >= 400 then
    local reason = resp_body and string.match(resp_body, '"reason"%s*:%s*"([^"]+)"')
    key = key .. ":" .. (reason or "?")
  end
  counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    if c then
      for k, v in pairs(c) do merged[k] = (merged[k] or 0) + v end
    end
  end
  local parts = {}
  for k, v in pairs(merged) do parts[#parts + 1] = string.format('"%s":%d', k, v) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"socket_errors":{"connect":%d,"read":%d,"write":%d,' ..
    '"timeout":%d},"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.timeout,
    table.concat(parts, ",")))
end
