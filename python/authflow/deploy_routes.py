"""The original's module name for the deploy routes: :func:`create_auth_router` (FastAPI) over
the C++ routes, see :mod:`authflow.fastapi` and :mod:`authflow.deploy`."""

from .fastapi import create_auth_router, optional_session, require_session

__all__ = ["create_auth_router", "require_session", "optional_session"]
