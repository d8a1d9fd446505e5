"""The Redis cache, degraded to "always a miss" while Redis is unreachable.

The cache holds nothing that must survive: request-throttle counters, the login lockout
count, the beat heartbeat, a once-an-hour task guard. Django's ``RedisCache`` raises on a
dead server, which turned every throttled request (search, booking, login) into a 500 while
Redis was down. Here a connection error reads as a miss and a write is dropped: throttling
and lockout fail open for the outage (bookings go on; the broker outage is already handled
by the outbox), each failure is logged once per call with the error class only, and
``/readyz`` reports Redis down in the meantime. Short socket timeouts keep a silent
(blackholed) server from holding a request.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

#: Seconds to wait for Redis to connect or answer before treating the call as a miss.
DEFAULT_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.ConnectionError, redis.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    """``RedisCache`` whose reads miss and writes are dropped while Redis is unreachable."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_TIMEOUTS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)

    def _degraded(self, operation: str, exc: BaseException) -> None:
        logger.warning(
            "cache unavailable for %s (%s): treated as a miss", operation, type(exc).__name__
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except _redis_errors() as exc:
            self._degraded("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        try:
            return super().get_many(keys, version)
        except _redis_errors() as exc:
            self._degraded("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except _redis_errors() as exc:
            self._degraded("has_key", exc)
            return False

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except _redis_errors() as exc:
            self._degraded("set", exc)

    def set_many(
        self, data: dict, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list:
        try:
            return super().set_many(data, timeout, version)
        except _redis_errors() as exc:
            self._degraded("set_many", exc)
            return list(data)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except _redis_errors() as exc:
            # Not stored: callers that use add() as a lock see "someone else has it".
            self._degraded("add", exc)
            return False

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except _redis_errors() as exc:
            self._degraded("incr", exc)
            return delta

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except _redis_errors() as exc:
            self._degraded("delete", exc)
            return False

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except _redis_errors() as exc:
            self._degraded("touch", exc)
            return False
