"""FastAPI / Starlette integration: the C++ deploy routes mounted in an app, and a
``require_session`` dependency.

::

    from fastapi import Depends, FastAPI
    import authflow
    from authflow.fastapi import create_auth_router, require_session

    provider = authflow.GenericOIDCProvider("client", "secret", issuer_url="https://idp.example")
    app = FastAPI()
    app.include_router(create_auth_router(provider, public_url="https://app.example"))

    @app.get("/")
    def home(session: authflow.UserSession = Depends(require_session)):
        return {"user": session.user_id}

The routes are the C++ library's (login, callback, refresh, logout, userinfo, status,
signed-out, backchannel-logout under ``route_prefix``): each Starlette request is converted to
the library's request and the answer back, nothing of the route logic is in Python. Sessions
live in memory, SQLite or Redis (``state_backend``), shared by every worker with SQLite or Redis.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ._authflow import DeployRoutes, OAuthProvider
from .deploy import deploy_settings_values
from .types import UserSession

__all__ = ["create_auth_router", "require_session", "optional_session", "AuthRouter"]

_current: Optional["AuthRouter"] = None


def _headers(request: Request) -> List[Tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]


def _to_response(answer: Tuple[int, List[Tuple[str, str]], bytes]) -> Response:
    status, headers, body = answer
    response = Response(content=body, status_code=status)
    response.raw_headers.extend(
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in headers
        if name.lower() != "content-length"
    )
    return response


def _routes_of(request: Request) -> "AuthRouter":
    router = getattr(request.app.state, "authflow", None) or _current
    if router is None:
        raise RuntimeError("no authflow router: call create_auth_router first")
    return router


async def require_session(request: Request) -> UserSession:
    """FastAPI dependency: the request's live session (the session cookie, or
    ``Authorization: Bearer <session id>``). Answers 401 without one."""
    session = await optional_session(request)
    if session is None:
        raise HTTPException(status_code=401, detail="not signed in")
    return session


async def optional_session(request: Request) -> Optional[UserSession]:
    """FastAPI dependency: the request's live session, or None."""
    router = _routes_of(request)
    headers = _headers(request)
    if router.blocking_lookup:
        return await run_in_threadpool(router.auth.require_session, headers)
    # The in-memory store answers in microseconds without I/O: the lookup runs on the loop and
    # keeps the GIL (releasing it would hand it to a busy worker thread for up to a switch
    # interval).
    return router.auth.require_session(headers, True, False)


class AuthRouter(APIRouter):
    """An APIRouter holding the C++ auth routes (``auth``) and their dependency
    (``require_session``)."""

    auth: DeployRoutes

    def __init__(self, routes: DeployRoutes, prefix: str, blocking_lookup: bool) -> None:
        super().__init__()
        self.auth = routes
        self.blocking_lookup = blocking_lookup

        async def endpoint(request: Request) -> Response:
            body = await request.body()
            client = request.client.host if request.client else ""
            answer = await run_in_threadpool(
                routes.handle, request.method, request.url.path, request.url.query,
                _headers(request), client, request.url.scheme == "https", body)
            if answer is None:
                return Response(status_code=404)
            return _to_response(answer)

        self.add_api_route(prefix + "/{route:path}", endpoint, methods=["GET", "POST", "HEAD"],
                           include_in_schema=False)

    async def require_session(self, request: Request) -> UserSession:
        """This router's session dependency (for apps with several routers)."""
        request.app.state.authflow = self
        return await require_session(request)


def create_auth_router(
    provider: OAuthProvider,
    settings: Any = None,
    *,
    sqlite_path: str = "",
    store_key: Optional[str] = None,
    **deploy_settings: Any,
) -> "AuthRouter":
    """An APIRouter serving the C++ deploy routes under ``route_prefix`` (default ``/auth``).

    ``settings`` (a mapping or an object with DeploySettings names) and keyword arguments give
    the deploy settings: ``public_url`` (required), ``route_prefix``, ``session_ttl``,
    ``state_backend`` ("memory", "sqlite" or "redis"), ``redis_url``, ``admin_users``,
    ``trusted_origins``, ... (docs/deploy.md). ``store_key`` (base64) encrypts shared stores
    (required for Redis unless ``insecure_plaintext_store``). Raises ConfigError.
    """
    global _current
    values = deploy_settings_values(settings) if settings is not None else {}
    values.update(deploy_settings_values(deploy_settings))
    unknown = set(deploy_settings) - set(deploy_settings_values(dict.fromkeys(deploy_settings, 1)))
    if unknown:
        raise TypeError(f"unknown deploy settings: {sorted(unknown)}")
    routes = DeployRoutes(provider, values, sqlite_path=sqlite_path, store_key=store_key)
    router = AuthRouter(routes, routes.route_prefix,
                        values.get("state_backend", "memory") != "memory")
    _current = router
    return router
