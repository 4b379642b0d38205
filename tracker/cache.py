"""The shared cache in Redis, as a cache should be: when Redis is away, everything is a miss.

Django's RedisCache raises when Redis cannot be reached, and the response cache
(tracker/caching.py), the API throttle and the spreadsheet import would turn that into a 500
on every page. ResilientRedisCache answers a miss instead (get returns the default, set does
nothing...), so pages are rendered uncached, and skips Redis for RETRY_SECONDS after a
failure, so that a dead Redis (or one that drops packets, bounded by the socket timeouts in
OPTIONS) costs the requests in between nothing. The outage is logged once when it starts and
once when Redis answers again, per process.

    CACHES = {"default": {"BACKEND": "tracker.cache.ResilientRedisCache", "LOCATION": ...,
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# How long Redis is left alone after a failure before one request tries it again.
RETRY_SECONDS = 5.0

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class CircuitBreaker:
    """Whether to try a server: always while it answers, once every RETRY_SECONDS while not.

    `on_outage` and `on_return` are logged once each, when the server stops and starts
    answering; they are formatted with the server's location (and the error).
    """

    def __init__(self, location, on_outage, on_return):
        self.location = location
        self.on_outage = on_outage
        self.on_return = on_return
        self.down = False
        self.retry_at = 0.0
        self._lock = threading.Lock()

    def allows_attempt(self):
        if not self.down:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self.retry_at:
                return False
            # This caller tries; the others keep skipping until it has an answer.
            self.retry_at = now + RETRY_SECONDS
            return True

    def failed(self, error):
        with self._lock:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            went_down, self.down = not self.down, True
        if went_down:
            logger.warning(self.on_outage, self.location, error)

    def succeeded(self):
        if not self.down:
            return
        with self._lock:
            came_back, self.down = self.down, False
        if came_back:
            logger.warning(self.on_return, self.location)


# One breaker per kind of cache and Redis location for the whole process (Django makes a
# cache object per thread).
_breakers = {}


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, where Redis being unreachable is a cache miss, not an error."""

    on_outage = "The Redis cache at %s is unreachable (%s): serving without it until it answers."
    on_return = "The Redis cache at %s answers again: back in use."

    @cached_property
    def breaker(self):
        location = ",".join(self._servers)
        key = (type(self).__name__, location)
        return _breakers.setdefault(key, CircuitBreaker(location, self.on_outage, self.on_return))

    def _attempt(self, miss, operation, *args):
        """The operation in Redis, or what stands in for it if Redis cannot be reached (or
        was not, just before): `miss` here."""
        breaker = self.breaker
        if breaker.allows_attempt():
            try:
                result = getattr(super(), operation)(*args)
            except UNREACHABLE as error:
                breaker.failed(error)
            else:
                breaker.succeeded()
                return result
        return self.when_unreachable(miss, operation, *args)

    def when_unreachable(self, miss, operation, *args):
        return miss

    def reachable(self):
        """Whether Redis answers now (for /readyz); a known outage is not retried early."""
        breaker = self.breaker
        if not breaker.allows_attempt():
            return False
        try:
            self._cache.get_client(write=True).ping()
        except UNREACHABLE as error:
            breaker.failed(error)
            return False
        breaker.succeeded()
        return True

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(False, "add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._attempt(default, "get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._attempt(None, "set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(False, "touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._attempt(False, "delete", key, version)

    def get_many(self, keys, version=None):
        return self._attempt({}, "get_many", keys, version)

    def has_key(self, key, version=None):
        return self._attempt(False, "has_key", key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._attempt(missing, "incr", key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found.")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # The keys that could not be stored: all of them when Redis is away.
        return self._attempt(list(data), "set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        self._attempt(None, "delete_many", keys, version)

    def clear(self):
        return self._attempt(False, "clear")


class MemoryCounters(LocMemCache):
    """One process's counters. LocMemCache keeps its entries per name: threads share them."""

    def incr(self, key, delta=1, version=None):
        # Redis went away between django-ratelimit's add and incr: start the count here.
        self.add(key, 0, version=version)
        return super().incr(key, delta, version=version)


class RedisWithMemoryFallbackCache(ResilientRedisCache):
    """For counters that must go on counting (tracker/throttling.py): while Redis is
    unreachable, each process counts in its own memory instead."""

    on_outage = "Rate limits: Redis at %s does not answer (%s); counting in memory meanwhile."
    on_return = "Rate limits: Redis at %s answers again; counting there."
    # Counters held in memory by one process (one per client and window; tiny each).
    MEMORY_MAX_ENTRIES = 100_000

    def __init__(self, server, params):
        super().__init__(server, params)
        self.memory = MemoryCounters(
            f"ratelimit-fallback:{server}", {"OPTIONS": {"MAX_ENTRIES": self.MEMORY_MAX_ENTRIES}}
        )

    def when_unreachable(self, miss, operation, *args):
        return getattr(self.memory, operation)(*args)

    def clear(self):
        self.memory.clear()
        return super().clear()
