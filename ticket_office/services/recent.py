"""A small thread-safe least-recently-used map, for the per-process caches of the services."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class RecentlyUsed(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, load: Callable[[], V]) -> V:
        """The cached value, or `load()`'s (called without the lock held), then cached."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = load()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value

    def peek(self, key: K) -> V | None:
        with self._lock:
            return self._entries.get(key)

    def forget(self, predicate: Callable[[K], bool]) -> None:
        with self._lock:
            for key in [k for k in self._entries if predicate(k)]:
                del self._entries[key]
