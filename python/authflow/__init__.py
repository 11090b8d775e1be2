"""authflow: OAuth 2.0 and OpenID Connect sign-in for Python programs, over the authflow C++
library, with the names of the original ``pywry.auth`` API.

Sign in on a desktop (system browser, loopback redirect), keep tokens fresh (one refresh per
expiry across threads, tasks and processes), keep them in memory, SQLite, Redis or the keyring,
and add sign-in routes to a FastAPI app (:mod:`authflow.fastapi`). Every network call has an
``async`` form and a ``*_sync`` form; errors carry a stable ``code``. See docs/python.md.
"""

from __future__ import annotations

from ._authflow import IdTokenValidator, OAuthTokenSet, PKCEChallenge, __version__
from .deploy import DeployRoutes, has_permission, role_permissions, roles_for
from .errors import (
    AuthenticationError,
    AuthflowError,
    AuthFlowCancelled,
    AuthFlowTimeout,
    ConfigError,
    PyWryException,
    RetryLaterError,
    StoreError,
    TokenError,
    TokenExpiredError,
    TokenRefreshError,
    TransportError,
)
from .flow import AuthFlowManager, OAuthCallbackServer
from .providers import (
    GenericOIDCProvider,
    GitHubProvider,
    GoogleProvider,
    MicrosoftProvider,
    OAuthProvider,
    create_provider_from_settings,
)
from .session import SessionManager
from .stores import (
    KeyringTokenStore,
    MemoryTokenStore,
    RedisTokenStore,
    SqliteTokenStore,
    TokenStore,
    get_token_store,
    reset_token_store,
)
from .types import AuthFlowResult, AuthFlowState, UserSession

__all__ = [
    "__version__",
    "AuthFlowManager",
    "AuthFlowResult",
    "AuthFlowState",
    "AuthFlowCancelled",
    "AuthFlowTimeout",
    "AuthenticationError",
    "AuthflowError",
    "ConfigError",
    "DeployRoutes",
    "GenericOIDCProvider",
    "GitHubProvider",
    "GoogleProvider",
    "IdTokenValidator",
    "KeyringTokenStore",
    "MemoryTokenStore",
    "MicrosoftProvider",
    "OAuthCallbackServer",
    "OAuthProvider",
    "OAuthTokenSet",
    "PKCEChallenge",
    "PyWryException",
    "RedisTokenStore",
    "RetryLaterError",
    "SessionManager",
    "SqliteTokenStore",
    "StoreError",
    "TokenError",
    "TokenExpiredError",
    "TokenRefreshError",
    "TokenStore",
    "TransportError",
    "UserSession",
    "create_provider_from_settings",
    "get_token_store",
    "has_permission",
    "reset_token_store",
    "role_permissions",
    "roles_for",
]
