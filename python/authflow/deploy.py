"""Deploy mode (web servers): the C++ auth routes, sessions and RBAC helpers. Mount the routes
in FastAPI with :func:`authflow.fastapi.create_auth_router`."""

from __future__ import annotations

from typing import Any, Dict, List

from ._authflow import (
    DeployRoutes,
    has_permission,
    new_session_id,
    role_permissions,
    roles_for,
    session_key,
)
from .types import UserSession

__all__ = [
    "DeployRoutes",
    "UserSession",
    "ROLE_PERMISSIONS",
    "role_permissions",
    "has_permission",
    "roles_for",
    "require_permission",
    "new_session_id",
    "session_key",
]

#: The permissions of each role (the original's table).
ROLE_PERMISSIONS: Dict[str, List[str]] = {
    role: role_permissions(role) for role in ("admin", "editor", "viewer", "anonymous")
}


def require_permission(session: UserSession, permission: str) -> bool:
    """True when one of the session's roles grants ``permission``."""
    return bool(has_permission(list(session.roles), permission))


def deploy_settings_values(settings: Any) -> Dict[str, str]:
    """Deploy settings (a mapping or an object with the DeploySettings names) as text values."""
    from .providers import _text

    names = [
        "public_url", "route_prefix", "auth_session_cookie", "session_ttl", "default_roles",
        "admin_users", "auth_public_paths", "auth_redirect_uri", "force_https", "state_backend",
        "redis_url", "redis_prefix", "trusted_origins", "trusted_proxies", "store_key_file",
        "insecure_plaintext_store", "provider_logout", "post_logout_path",
    ]
    values: Dict[str, str] = {}
    for name in names:
        value = settings.get(name) if isinstance(settings, dict) else getattr(settings, name, None)
        if value is not None:
            values[name] = _text(value)
    return values
