"""AuthFlowManager (native sign-in through the system browser, device flow, the deploy login
URL) and OAuthCallbackServer, the loopback redirect receiver."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Optional

from . import _authflow
from ._aio import add_async_forms, run_blocking
from .session import SessionManager
from .types import AuthFlowResult, AuthFlowState

__all__ = ["AuthFlowManager", "OAuthCallbackServer", "AuthFlowState", "AuthFlowResult"]

OAuthCallbackServer = getattr(_authflow, "OAuthCallbackServer", None)


class AuthFlowManager(_authflow.AuthFlowManager):
    """Runs sign-in flows for one provider, one at a time: new state, nonce and PKCE S256 for
    every flow; the callback checked (state, ``iss``, the provider's ``error``); the code
    exchanged, the ID token validated, userinfo read; the tokens saved once through the
    SessionManager (one is made over ``token_store`` when only a store is given).

    The original's auth window is the system browser here (``$BROWSER`` is honoured); a
    ``show_window(url, window_config) -> label`` callable can show the URL elsewhere, with
    ``close_window(label)`` called once on every path. ``cancel()``, ``flow_state`` and
    ``flow_id`` may be used from any thread or task.
    """

    def __init__(
        self,
        provider: _authflow.OAuthProvider,
        token_store: Any = None,
        session_manager: Optional[SessionManager] = None,
        use_pkce: bool = True,
        auth_timeout: float = 120.0,
        **options: Any,
    ) -> None:
        if not use_pkce:
            warnings.warn(
                "use_pkce=False is a provider setting in authflow (GenericOIDCProvider("
                "use_pkce=False)); PKCE S256 stays on for this flow",
                stacklevel=2,
            )
        if session_manager is None and token_store is not None:
            session_manager = SessionManager(provider, token_store)
        super().__init__(provider, session_manager, auth_timeout, **options)
        self.session_manager = session_manager
        self.token_store = token_store
        self.auth_timeout = auth_timeout

    @property
    def flow_state(self) -> AuthFlowState:
        """Where the current (or last) flow is."""
        return AuthFlowState(self._flow_state)

    def authenticate_sync(
        self,
        app: Any = None,
        show_window: Optional[Callable[[str, Dict[str, Any]], Optional[str]]] = None,
        close_window: Optional[Callable[[str], None]] = None,
        window_config: Optional[Dict[str, Any]] = None,
        *,
        mode: Optional[str] = None,
        base_url: str = "",
    ) -> AuthFlowResult:
        """The unified entry. ``mode`` is "native" or "deploy"; without it, an ``app`` whose
        ``mode``/``is_deploy`` attribute says deploy runs deploy, anything else native. Deploy
        returns, without raising, an unsuccessful result whose error names the login URL."""
        if mode is None:
            app_mode = getattr(app, "mode", None)
            is_deploy = getattr(app, "is_deploy", False) or str(
                getattr(app_mode, "value", app_mode)
            ).lower() == "deploy"
            mode = "deploy" if is_deploy else "native"
        if mode == "deploy":
            url = self.run_deploy(base_url)
            return AuthFlowResult(success=False, error=f"navigate to {url} to sign in")
        if mode != "native":
            raise ValueError("mode must be 'native' or 'deploy'")
        return self.run_native_sync(show_window, close_window, window_config)

    async def authenticate(self, *args: Any, **kwargs: Any) -> AuthFlowResult:
        """Async form of :meth:`authenticate_sync`."""
        return await run_blocking(self.authenticate_sync, *args, **kwargs)


add_async_forms(AuthFlowManager, ["run_native", "run_device"])
if OAuthCallbackServer is not None:
    add_async_forms(OAuthCallbackServer, ["wait_for_callback"])
