"""Plain values of the original API: AuthFlowState, AuthFlowResult, UserSession."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._authflow import OAuthTokenSet, PKCEChallenge

__all__ = ["AuthFlowState", "AuthFlowResult", "UserSession", "OAuthTokenSet", "PKCEChallenge"]


class AuthFlowState(str, enum.Enum):
    """Where a sign-in flow is; the values are the wire values."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    TIMED_OUT = "timed_out"


@dataclass
class AuthFlowResult:
    """The result of a sign-in: success, the tokens, an error text, the user information."""

    success: bool
    tokens: Optional[OAuthTokenSet] = None
    error: Optional[str] = None
    user_info: Optional[Dict[str, Any]] = None

    @property
    def access_token(self) -> Optional[str]:
        """The access token, or None (the original's documentation used this name)."""
        return self.tokens.access_token if self.tokens is not None else None


@dataclass
class UserSession:
    """One signed-in browser of deploy mode (the session id is set only when known)."""

    session_id: str
    user_id: str
    roles: List[str] = field(default_factory=list)
    created_at: float = 0.0
    expires_at: Optional[float] = None
    metadata: Dict[str, Any] = field(default_factory=dict)
    sid: str = ""
