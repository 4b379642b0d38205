"""Rate limits that hold across app containers and under concurrency.

Every limit (API throttling in tracker.api.AnonymousThrottle, sign-in protection in
tracker.login) counts with django-ratelimit in the "ratelimit" cache alias
(settings.RATELIMIT_USE_CACHE). django-ratelimit counts with `cache.add` then `cache.incr`,
both atomic in Redis, so concurrent requests on any number of containers never overwrite one
another's count, as DRF's read-then-write throttle did. A limit is a fixed window: at most
`limit` hits per key in each period (a minute, an hour...; so up to twice that across a
window's end), and a refused client is told how long the window has left.

Where the counts live:

- With REDIS_URL, in Redis, shared by every app container
  (tracker.cache.RedisWithMemoryFallbackCache).
- While Redis does not answer (connection refused, or no reply within the short socket
  timeouts of settings.CACHES["ratelimit"]), each process counts in its own memory at the
  same rate: a limit stays in force (per process, so N gunicorn workers in all let up to N
  times the limit through) and requests keep being answered. The first failure logs one warning per
  outage and process; Redis is tried again every few seconds, and its return is
  logged too. Counts made in memory during the outage are not carried over to Redis.
- Without REDIS_URL (`make run`, one process), in this process's memory: that count is the
  limit.
"""

from django_ratelimit.core import get_usage


def hit(request, group, key, rate, increment=True):
    """Count one hit of `key` (a client address, a user name) against `rate` ("120/min").

    Returns django-ratelimit's usage: `count`, `limit`, `should_limit` (count > limit) and
    `time_left` (seconds until the window ends); None when rate limiting is off.
    """
    return get_usage(
        request, group=group, key=lambda _group, _request: key, rate=rate, increment=increment
    )


def seconds_left(usage):
    """What to send in Retry-After: at least one second."""
    return max(int(usage["time_left"]), 1)
