-- wrk script for bench/run.py: GET the one URL given to wrk, as a visitor through the
-- TLS-ending proxy would (X-Forwarded-Proto, as deploy/load.lua), and print one line
--   BENCH_RESULT {"requests": ..., "p95_ms": ..., "status_errors": ...}
-- that run.py reads. wrk counts a response with a status of 400 or more in errors.status;
-- no response() callback, so that large bodies never go through Lua.

wrk.headers["X-Forwarded-Proto"] = "https"
wrk.headers["Accept-Language"] = "en"

function done(summary, latency, requests)
  local e = summary.errors
  local ms = function(p) return latency:percentile(p) / 1000 end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_s": %.3f, "bytes": %d, '
      .. '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, '
      .. '"status_errors": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration / 1e6, summary.bytes,
    ms(50), ms(95), ms(99), latency.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
end
