"""The site's cache: Redis, shared by every process, or this process's memory while Redis is away.

Nothing on a page's path may need Redis to answer. A cache call that cannot reach Redis is
answered from a small memory cache in this process instead: rate limits go on counting (per
process), the network settings are read from the database and kept for a short while. After a
failure Redis is left alone for a few seconds, so a dead server costs pages nothing; then it is
tried again, and once it answers, the keys deleted meanwhile are deleted there too, so nothing
changed during the outage (the network settings) is read back stale.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# Redis unreachable, as opposed to a call that is wrong.
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# A Redis that does not answer must not stall a page: give up on it quickly.
SOCKET_TIMEOUT_SECONDS = 0.5
RETRY_AFTER_SECONDS = 5.0
# Other processes cannot tell this one of a change, so what it keeps in memory it keeps briefly.
FALLBACK_MAX_SECONDS = 5 * 60
FALLBACK_MAX_ENTRIES = 10_000
MISSED_DELETES_MAX = 1_000


class _Outage:
    """Whether Redis at one address is away, shared by this process's threads."""

    def __init__(self) -> None:
        self.retry_at = 0.0  # 0 while Redis answers
        self.missed_deletes: set[tuple[Any, Any]] = set()
        self.lock = threading.Lock()


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


class _BriefMemory(LocMemCache):
    def get_backend_timeout(self, timeout: float | None = DEFAULT_TIMEOUT) -> float | None:
        expires = super().get_backend_timeout(timeout)
        latest = time.time() + FALLBACK_MAX_SECONDS
        return latest if expires is None else min(expires, latest)


class _ReusedClient(RedisCacheClient):
    """Django builds a new Redis client object (hundreds of dictionary entries) for every cache
    call; a page making a few calls spent more on that than on Redis. One client for each
    connection pool does the same work: the pool hands out the connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class FallbackRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = {
            "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = _ReusedClient
        # Django makes a cache object per thread; the outage and the memory are per process.
        self._outage = _outage_for(server)
        self._fallback = _BriefMemory(
            f"redis-fallback:{server}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "KEY_FUNCTION": params.get("KEY_FUNCTION"),
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
            },
        )

    def is_shared(self) -> bool:
        """Whether Redis, shared by every process, answers now (not this process's memory)."""
        return not self._outage.retry_at

    def _call(
        self,
        redis_call: Callable[..., Any],
        memory_call: Callable[..., Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        outage = self._outage
        if outage.retry_at > time.monotonic():
            return memory_call(*args, **kwargs)
        try:
            if outage.retry_at:
                self._catch_up()
            return redis_call(*args, **kwargs)
        except UNREACHABLE as error:
            if not outage.retry_at:
                logger.warning("cache: Redis unreachable, using this process's memory: %s", error)
            outage.retry_at = time.monotonic() + RETRY_AFTER_SECONDS
            return memory_call(*args, **kwargs)

    def _catch_up(self) -> None:
        """Redis answers again: delete there what was deleted while it was away."""
        outage = self._outage
        with outage.lock:
            missed, outage.missed_deletes = outage.missed_deletes, set()
        try:
            for key, version in missed:
                super().delete(key, version)
        except UNREACHABLE:
            with outage.lock:
                outage.missed_deletes |= missed
            raise
        outage.retry_at = 0.0
        self._fallback.clear()
        logger.warning("cache: Redis answers again")

    def _missed_delete(self, keys: list[tuple[Any, Any]]) -> None:
        with self._outage.lock:
            if len(self._outage.missed_deletes) < MISSED_DELETES_MAX:
                self._outage.missed_deletes.update(keys)

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(super().add, self._fallback.add, *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(super().get, self._fallback.get, *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(super().set, self._fallback.set, *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(super().touch, self._fallback.touch, *args, **kwargs)

    def delete(self, key: Any, version: Any = None) -> Any:
        def forget(key: Any, version: Any = None) -> bool:
            self._missed_delete([(key, version)])
            return self._fallback.delete(key, version)

        return self._call(super().delete, forget, key, version)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(super().get_many, self._fallback.get_many, *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(super().has_key, self._fallback.has_key, *args, **kwargs)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        def count(key: Any, delta: int = 1, version: Any = None) -> int:
            # A counter started in Redis before it went away starts again here.
            self._fallback.add(key, 0, version=version)
            return self._fallback.incr(key, delta, version)

        return self._call(super().incr, count, key, delta, version)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(super().set_many, self._fallback.set_many, *args, **kwargs)

    def delete_many(self, keys: Any, version: Any = None) -> Any:
        def forget(keys: Any, version: Any = None) -> None:
            self._missed_delete([(key, version) for key in keys])
            self._fallback.delete_many(keys, version)

        return self._call(super().delete_many, forget, list(keys), version)

    def clear(self) -> Any:
        self._fallback.clear()
        return self._call(super().clear, self._fallback.clear)
