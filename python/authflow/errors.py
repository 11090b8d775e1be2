"""The error classes of authflow, in the original's hierarchy.

Every error carries a stable ``code`` (the C++ library's ``errc`` name, e.g. ``"bad_audience"``);
where the provider answered, also its OAuth ``error``, ``error_description`` and the HTTP status.
Test and branch on ``code``, never on the message text. Messages never contain tokens, secrets,
codes or verifiers.

::

    AuthflowError
    ├── AuthenticationError
    │   ├── AuthFlowCancelled
    │   ├── AuthFlowTimeout            (.timeout)
    │   └── TokenError
    │       ├── TokenExpiredError
    │       └── TokenRefreshError
    │           └── RetryLaterError    (.retry_after)
    ├── ConfigError                    (also a ValueError)
    ├── StoreError
    └── TransportError
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = [
    "AuthflowError",
    "PyWryException",
    "AuthenticationError",
    "AuthFlowCancelled",
    "AuthFlowTimeout",
    "TokenError",
    "TokenExpiredError",
    "TokenRefreshError",
    "RetryLaterError",
    "ConfigError",
    "StoreError",
    "TransportError",
]


class AuthflowError(Exception):
    """Base of every authflow error: a message, a stable ``code`` and the provider's answer."""

    def __init__(
        self,
        message: str = "",
        *,
        code: str = "internal",
        error: Optional[str] = None,
        error_description: Optional[str] = None,
        http_status: Optional[int] = None,
        provider: Optional[str] = None,
        flow_id: Optional[str] = None,
        **context: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: The stable error code (``errc`` of the C++ library), e.g. ``"invalid_grant"`` is
        #: ``error`` and ``"reauth_required"`` is ``code``.
        self.code = code
        #: The provider's OAuth ``error`` (RFC 6749 §5.2), or None.
        self.error = error or None
        #: The provider's ``error_description``, or None.
        self.error_description = error_description or None
        #: The HTTP status of the provider's answer, or None.
        self.http_status = http_status or None
        self.provider = provider
        self.flow_id = flow_id
        self.context = dict(context)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:
        return (
            _rebuild,
            (type(self), self.message, self.code, self.error, self.error_description,
             self.http_status, self.provider, self.flow_id, self.context),
        )


def _rebuild(cls: "type[AuthflowError]", message: str, code: str, error: Any, description: Any, status: Any,
             provider: Any, flow_id: Any, context: Any) -> AuthflowError:
    return cls(message, code=code, error=error, error_description=description,
               http_status=status, provider=provider, flow_id=flow_id, **context)


#: The original's base class name.
PyWryException = AuthflowError


class AuthenticationError(AuthflowError):
    """A sign-in or token operation failed (also the provider's refusal: see ``error``)."""


class AuthFlowCancelled(AuthenticationError):
    """The sign-in flow was cancelled (``code`` ``"cancelled"``)."""


class AuthFlowTimeout(AuthenticationError):
    """The user did not finish in time (``code`` ``"auth_timeout"``); ``timeout`` in seconds."""

    def __init__(self, message: str = "", timeout: float = 0.0, **kwargs: Any) -> None:
        kwargs.setdefault("code", "auth_timeout")
        super().__init__(message, **kwargs)
        self.timeout = timeout


class TokenError(AuthenticationError):
    """A token could not be obtained, read or validated."""


class TokenExpiredError(TokenError):
    """The token expired and no valid one can be had (``code`` ``"token_expired"``)."""


class TokenRefreshError(TokenError):
    """A refresh failed: ``reauth_required`` (sign in again) or ``refresh_failed``."""


class RetryLaterError(TokenRefreshError):
    """The token endpoint asked to retry later (HTTP 429/503); ``retry_after`` as received."""

    def __init__(self, message: str = "", retry_after: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ConfigError(AuthflowError, ValueError):
    """Invalid or missing configuration (``config_invalid``, ``config_missing``, ...)."""


class StoreError(AuthflowError):
    """A token or session store failed (``store_unavailable``, ``store_corrupt``, ...)."""


class TransportError(AuthflowError):
    """No answer from the provider (``timeout``, ``connect``, ``tls``, ...)."""
