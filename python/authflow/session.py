"""SessionManager: the tokens of one sign-in, kept fresh (the original's async methods and a
``*_sync`` form of each)."""

from __future__ import annotations

from typing import Any, Callable, Optional

from . import _authflow
from ._aio import add_async_forms
from .stores import native_store

__all__ = ["SessionManager"]


class SessionManager(_authflow.SessionManager):
    """Keeps the tokens of one sign-in (one key of a token store) fresh: refreshed before they
    expire, once per expiry across the threads and tasks of this process and across the
    processes that share the store, in the background.

    ``on_reauth_required()`` and ``on_tokens_changed(tokens)`` may be called from authflow's
    background threads; they run with the GIL and must not block for long. ``session_store`` is
    accepted for the original's signature and not used (deploy sessions live in the deploy
    routes' store). Safe to use from several threads and tasks.
    """

    def __init__(
        self,
        provider: _authflow.OAuthProvider,
        token_store: Any,
        session_key: str = "default",
        session_store: Any = None,
        refresh_buffer_seconds: int = 60,
        on_reauth_required: Optional[Callable[[], None]] = None,
        *,
        on_tokens_changed: Optional[Callable[[_authflow.OAuthTokenSet], None]] = None,
        background_refresh: bool = True,
        testing_disable_single_flight: bool = False,
    ) -> None:
        del session_store
        super().__init__(
            provider,
            native_store(token_store),
            session_key,
            refresh_buffer_seconds,
            on_reauth_required,
            on_tokens_changed=on_tokens_changed,
            background_refresh=background_refresh,
            testing_disable_single_flight=testing_disable_single_flight,
        )
        self.provider = provider
        self.token_store = token_store


add_async_forms(
    SessionManager,
    ["initialize", "save_tokens", "get_access_token", "get_tokens", "get_userinfo", "refresh",
     "logout"],
)
