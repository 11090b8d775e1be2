"""The original's module name for the loopback callback server: see :mod:`authflow.flow`."""

from .flow import OAuthCallbackServer

__all__ = ["OAuthCallbackServer"]
