-- wrk script for deploy/load-test.sh: a mix of what visitors and partners ask for.
--   40% country pages, 35% filtered lists (pages and CSV-free HTML), 25% JSON API calls.
-- Every request says it came through the TLS-terminating proxy (X-Forwarded-Proto), as in
-- production. At the end: requests/s, latency percentiles, and errors by status class;
-- deploy/load-test.sh breaks failures down by path from gunicorn's access log.

local countries = {
  "au", "be", "bg", "ca", "co", "cy", "de", "dk", "ec", "es", "gb", "gr", "hu", "ie",
  "it", "ke", "lb", "lu", "ly", "mx", "my", "pl", "pt", "th", "tn", "tr", "us",
}

local lists = {
  "/countries/?indicator=child-detention-prohibited&value=prohibited-in-law",
  "/countries/?region=europe",
  "/countries/?region=latin-america-and-the-caribbean",
  "/laws/?country=mx",
  "/laws/?kind=law",
  "/laws/?status=in-force",
  "/laws/?q=detention",
  "/pilots/?status=active",
  "/pilots/?target_group=children",
  "/pilots/?approach=case-management",
  "/pledges/?region=europe",
  "/figures/?country=mx",
  "/sources/?q=unhcr",
  "/compare/?country=mx&country=th",
  "/search/?q=children",
}

local api = {
  "/api/v1/countries/",
  "/api/v1/countries/mx/",
  "/api/v1/laws/?country=mx",
  "/api/v1/statuses/?indicator=child-detention-prohibited",
  "/api/v1/pilots/?status=active",
  "/api/v1/pledges/?region=europe",
  "/api/v1/figures/",
}

local thread_id = 0
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  counts = { country = 0, list = 0, api = 0 }
  statuses = { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0 }
  wrk.headers["X-Forwarded-Proto"] = "https"
  wrk.headers["Accept-Language"] = "en"
end

function request()
  local pick = math.random(100)
  local kind, path
  if pick <= 40 then
    kind, path = "country", "/countries/" .. countries[math.random(#countries)] .. "/"
  elseif pick <= 75 then
    kind, path = "list", lists[math.random(#lists)]
  else
    kind, path = "api", api[math.random(#api)]
  end
  counts[kind] = counts[kind] + 1
  return wrk.format("GET", path)
end

function response(status, headers, body)
  local class = math.floor(status / 100) .. "xx"
  statuses[class] = (statuses[class] or 0) + 1
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local sent = { country = 0, list = 0, api = 0 }
  local classes = { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0 }
  for _, thread in ipairs(threads) do
    for kind, n in pairs(thread:get("counts")) do
      sent[kind] = sent[kind] + n
    end
    for class, n in pairs(thread:get("statuses")) do
      classes[class] = (classes[class] or 0) + n
    end
  end
  local e = summary.errors
  io.write("\n== load test summary\n")
  io.write(string.format("requests            %d in %.1f s\n", summary.requests, seconds))
  io.write(string.format("requests/s          %.1f\n", summary.requests / seconds))
  io.write(string.format("latency p50         %.1f ms\n", latency:percentile(50) / 1000))
  io.write(string.format("latency p95         %.1f ms\n", latency:percentile(95) / 1000))
  io.write(string.format("latency p99         %.1f ms\n", latency:percentile(99) / 1000))
  io.write(string.format("latency max         %.1f ms\n", latency.max / 1000))
  io.write(string.format("errors, non-2xx/3xx %d (4xx %d, 5xx %d)\n",
    e.status, classes["4xx"], classes["5xx"]))
  io.write(string.format("errors, socket      connect %d, read %d, write %d, timeout %d\n",
    e.connect, e.read, e.write, e.timeout))
  io.write(string.format("mix                 country pages %d, filtered lists %d, API %d\n",
    sent.country, sent.list, sent.api))
end
