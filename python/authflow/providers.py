"""OAuth providers: the original's classes over the C++ providers.

Network calls have an ``async`` form (the original's) and a ``*_sync`` form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Dict

from . import _authflow
from ._aio import add_async_forms
from ._authflow import (
    GenericOIDCProvider,
    GitHubProvider,
    GoogleProvider,
    MicrosoftProvider,
    OAuthProvider,
    default_scopes,
)

__all__ = [
    "OAuthProvider",
    "GenericOIDCProvider",
    "GoogleProvider",
    "GitHubProvider",
    "MicrosoftProvider",
    "create_provider_from_settings",
    "default_scopes",
]

add_async_forms(
    OAuthProvider,
    ["exchange_code", "refresh_tokens", "get_userinfo", "revoke_token", "introspect_token",
     "client_credentials", "endpoints", "close"],
)
add_async_forms(GenericOIDCProvider, ["validate_id_token"])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    if hasattr(value, "get_secret_value"):  # pydantic SecretStr
        return str(value.get_secret_value())
    if hasattr(value, "value") and not isinstance(value, (str, bytes)):  # enums
        return str(value.value)
    return str(value)


def settings_values(settings: Any) -> Dict[str, str]:
    """The OAuth2 settings of a mapping or of an object with matching attribute names, as the
    text values the C++ settings parser reads. Unset (None) values are left out."""
    values: Dict[str, str] = {}
    for name in _authflow._settings_fields():
        aliases = [name]
        if name == "token_endpoint_auth_method":
            aliases.append("client_auth_method")
        for alias in aliases:
            if isinstance(settings, Mapping):
                value = settings.get(alias)
            else:
                value = getattr(settings, alias, None)
            if value is not None:
                values[name] = _text(value)
                break
    return values


def create_provider_from_settings(settings: Any) -> OAuthProvider:
    """The provider that ``settings`` describe: an object with the OAuth2Settings attribute
    names (as the original reads them with getattr) or a mapping.

    Raises ConfigError: config_invalid for an unknown provider or an invalid value,
    config_missing naming the missing setting (client_id; issuer_url for oidc; authorize_url
    and token_url for custom), insecure_url for an endpoint that is not https."""
    return _authflow._create_provider_from_settings(settings_values(settings))
