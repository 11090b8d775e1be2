"""The original's module name for PKCE (RFC 7636, S256 only)."""

from ._authflow import PKCEChallenge

__all__ = ["PKCEChallenge"]
