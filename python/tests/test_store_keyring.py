"""KeyringTokenStore in a private D-Bus session with an unlocked gnome-keyring (ctest runs this
file through tests/support/keyring_session.sh)."""

import asyncio
import os

import authflow
from support import need


def test_keyring_round_trip():
    need(not os.environ.get("AUTHFLOW_KEYRING_UNAVAILABLE")
         and authflow.KeyringTokenStore is not None
         and authflow.stores.secret_service_available(),
         "a Secret Service (run under tests/support/keyring_session.sh)")
    store = authflow.KeyringTokenStore("authflow-pytest")
    tokens = authflow.OAuthTokenSet("kr-access", refresh_token="kr-refresh", expires_in=60)

    async def main():
        await store.save("profile-a", tokens)
        assert await store.exists("profile-a")
        assert (await store.load("profile-a")).refresh_token == "kr-refresh"
        assert "profile-a" in await store.list_keys()
        assert await store.delete("profile-a")
        assert await store.load("profile-a") is None

    asyncio.run(main())
    other_service = authflow.KeyringTokenStore("authflow-pytest-other")
    store.save_sync("shared", tokens)
    assert other_service.load_sync("shared") is None
    assert authflow.get_token_store("keyring", service_name="authflow-pytest").load_sync(
        "shared").access_token == "kr-access"
    authflow.reset_token_store()
