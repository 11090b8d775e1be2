"""The async forms: each runs the blocking C++ call on a worker thread (the GIL released inside
the call), so the awaiting event loop is never blocked."""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Callable, Iterable, TypeVar

T = TypeVar("T")


async def run_blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs ``function(*args, **kwargs)`` in the loop's default executor and awaits it."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(function, *args, **kwargs))


def add_async_forms(cls: type, names: Iterable[str]) -> None:
    """Gives ``cls`` an ``async def name(...)`` for each ``name_sync`` it has."""
    for name in names:
        sync_name = name + "_sync"
        sync = getattr(cls, sync_name)

        def make(sync_name: str = sync_name, name: str = name) -> Any:
            async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
                return await run_blocking(getattr(self, sync_name), *args, **kwargs)

            method.__name__ = name
            method.__qualname__ = f"{cls.__name__}.{name}"
            method.__doc__ = (
                f"Async form of :meth:`{sync_name}` (runs on a worker thread).\n\n"
                + (sync.__doc__ or "")
            )
            return method

        setattr(cls, name, make())
