"""Token stores: memory, SQLite, Redis and the keyring from the C++ library, the factory, and
the abstract TokenStore a store written in Python subclasses.

Every store has the original's ``async`` methods (save, load, delete, exists, list_keys) and a
``*_sync`` form of each.
"""

from __future__ import annotations

import abc
import asyncio
import inspect
import threading
from typing import Any, List, Optional

from . import _authflow
from ._aio import add_async_forms, run_blocking
from ._authflow import MemoryTokenStore, NativeTokenStore, OAuthTokenSet

__all__ = [
    "TokenStore",
    "NativeTokenStore",
    "MemoryTokenStore",
    "SqliteTokenStore",
    "RedisTokenStore",
    "KeyringTokenStore",
    "get_token_store",
    "reset_token_store",
    "generate_store_key",
    "available_token_store_backends",
    "secret_service_available",
]

SqliteTokenStore = getattr(_authflow, "SqliteTokenStore", None)
RedisTokenStore = getattr(_authflow, "RedisTokenStore", None)
KeyringTokenStore = getattr(_authflow, "KeyringTokenStore", None)
generate_store_key = _authflow.generate_store_key
available_token_store_backends = _authflow.available_token_store_backends
secret_service_available = _authflow.secret_service_available
reset_token_store = _authflow.reset_token_store

add_async_forms(
    NativeTokenStore,
    ["save", "load", "delete", "exists", "list_keys", "save_document", "load_document"],
)
if RedisTokenStore is not None:
    add_async_forms(RedisTokenStore, ["ping"])


class TokenStore(abc.ABC):
    """Where tokens are kept, by key. Subclass it to keep tokens somewhere of your own: implement
    ``save``, ``load``, ``delete``, ``exists`` and ``list_keys``, as plain or ``async`` methods.

    A subclass can be given to SessionManager and AuthFlowManager; authflow then calls it from
    its own threads (a coroutine method runs on a private event loop of that thread), so it must
    be safe to call from several threads. Refresh leases of such a store hold within this
    process only. The C++ stores (MemoryTokenStore, SqliteTokenStore, RedisTokenStore,
    KeyringTokenStore) are TokenStores too.
    """

    @abc.abstractmethod
    async def save(self, key: str, tokens: OAuthTokenSet) -> None:
        """Stores tokens under key, replacing what was there."""

    @abc.abstractmethod
    async def load(self, key: str) -> Optional[OAuthTokenSet]:
        """The tokens under key, or None."""

    @abc.abstractmethod
    async def delete(self, key: str) -> Optional[bool]:
        """Removes the tokens under key (nothing when there are none)."""

    @abc.abstractmethod
    async def exists(self, key: str) -> bool:
        """True when tokens are stored under key."""

    @abc.abstractmethod
    async def list_keys(self) -> List[str]:
        """Every key with stored tokens."""

    # The synchronous forms, for symmetry with the C++ stores.
    def save_sync(self, key: str, tokens: OAuthTokenSet) -> None:
        _StoreAdapter(self).save(key, tokens)

    def load_sync(self, key: str) -> Optional[OAuthTokenSet]:
        return _StoreAdapter(self).load(key)  # type: ignore[no-any-return]

    def delete_sync(self, key: str) -> Optional[bool]:
        _StoreAdapter(self).delete(key)
        return None

    def exists_sync(self, key: str) -> bool:
        return bool(_StoreAdapter(self).exists(key))

    def list_keys_sync(self) -> List[str]:
        return list(_StoreAdapter(self).list_keys())


TokenStore.register(NativeTokenStore)


class _StoreAdapter:
    """Calls a Python TokenStore from authflow's threads: plain results as they are, coroutines
    on a private event loop of the calling thread."""

    _local = threading.local()

    def __init__(self, store: Any) -> None:
        self._store = store

    def _run(self, name: str, *args: Any) -> Any:
        result = getattr(self._store, name)(*args)
        if inspect.isawaitable(result):
            loop = getattr(self._local, "loop", None)
            if loop is None or loop.is_closed():
                loop = asyncio.new_event_loop()
                self._local.loop = loop
            return loop.run_until_complete(result)
        return result

    def save(self, key: str, tokens: OAuthTokenSet) -> None:
        self._run("save", key, tokens)

    def load(self, key: str) -> Any:
        return self._run("load", key)

    def delete(self, key: str) -> None:
        self._run("delete", key)

    def exists(self, key: str) -> bool:
        return bool(self._run("exists", key))

    def list_keys(self) -> List[str]:
        return list(self._run("list_keys"))


def native_store(store: Any) -> NativeTokenStore:
    """The C++ store behind ``store``: itself for the C++ stores, a forwarding store for a
    TokenStore written in Python."""
    if isinstance(store, NativeTokenStore):
        return store
    if isinstance(store, TokenStore):
        return _authflow._PythonTokenStore(_StoreAdapter(store))
    raise TypeError("token_store must be a TokenStore")


def get_token_store(backend: str = "memory", **kwargs: Any) -> NativeTokenStore:
    """The process-wide store of ``backend`` ("memory", "sqlite", "redis", "keyring" or "auto")
    for these options: the same instance for the same backend and options, another one when
    either differs. Options: path (sqlite), redis_url, prefix, pool_size (redis), service_name
    (keyring), store_key (base64; required by redis unless insecure_plaintext_store=True).

    Raises ConfigError (config_invalid) for an unknown backend or option, StoreError when the
    backend cannot be opened."""
    return _authflow._get_token_store(backend, kwargs, True)


async def _async_get(store: Any, name: str, *args: Any) -> Any:
    return await run_blocking(getattr(store, name + "_sync"), *args)
