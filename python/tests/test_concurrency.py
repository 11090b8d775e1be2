"""Many asyncio tasks and threads asking one SessionManager for a token at once: one refresh.
Callbacks from authflow's threads, and a token store written in Python."""

import asyncio
import threading
import time

import pytest

import authflow
from support import scripted_browser

SCOPES = ["openid", "offline_access", "email", "profile"]


@pytest.fixture()
def signed_in(op, monkeypatch, tmp_path):
    scripted_browser(monkeypatch, tmp_path)
    provider = authflow.GenericOIDCProvider("public-client", issuer_url=op.issuer, scopes=SCOPES)
    flow = authflow.AuthFlowManager(provider, auth_timeout=60, extra_params={"prompt": "consent"})
    result = flow.run_native_sync()
    assert result.success
    expired = result.tokens.copy()
    expired.issued_at = time.time() - 4000  # lived 600 s: long expired
    return provider, expired


def hammer(session, tasks=60, threads=8, calls_per_thread=10):
    """get_access_token from `tasks` asyncio tasks and `threads` threads at once."""
    tokens = []
    errors = []
    barrier = threading.Barrier(threads + 1)

    def worker():
        barrier.wait()
        for _ in range(calls_per_thread):
            try:
                tokens.append(session.get_access_token_sync())
            except authflow.AuthflowError as error:
                errors.append(error)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()

    async def main():
        barrier.wait()

        async def one():
            try:
                tokens.append(await session.get_access_token())
            except authflow.AuthflowError as error:
                errors.append(error)

        await asyncio.gather(*(one() for _ in range(tasks)))

    asyncio.run(main())
    for t in pool:
        t.join()
    return tokens, errors


def test_one_refresh_for_many_tasks_and_threads(op, signed_in):
    provider, expired = signed_in
    changed = []
    lock = threading.Lock()

    def on_tokens_changed(tokens):
        with lock:  # runs on authflow's threads, with the GIL
            changed.append(tokens.access_token)

    session = authflow.SessionManager(provider, authflow.MemoryTokenStore(),
                                      on_tokens_changed=on_tokens_changed,
                                      background_refresh=False)
    session.save_tokens_sync(expired)
    before = op.count("grant.success", client_id="public-client", grant_type="refresh_token")
    tokens, errors = hammer(session)
    assert errors == []
    assert len(tokens) == 60 + 8 * 10
    assert len(set(tokens)) == 1 and expired.access_token not in tokens
    assert session.stats()["refreshes"] == 1
    assert op.count("grant.success", client_id="public-client",
                    grant_type="refresh_token") == before + 1
    assert changed == [expired.access_token, tokens[0]]  # the save, then the one refresh


def test_without_single_flight_the_same_load_refreshes_more_than_once(op, signed_in):
    # Shows that the test above can fail: the guard off, several callers refresh.
    provider, expired = signed_in
    session = authflow.SessionManager(provider, authflow.MemoryTokenStore(),
                                      background_refresh=False,
                                      testing_disable_single_flight=True)
    session.save_tokens_sync(expired)
    hammer(session, tasks=20, threads=4, calls_per_thread=2)
    stats = session.stats()
    assert stats["refreshes"] + stats["refresh_failures"] > 1


class DictStore(authflow.TokenStore):
    """A token store written in Python, with the original's async methods."""

    def __init__(self):
        self.data = {}
        self.calls = []
        self.lock = threading.Lock()

    async def save(self, key, tokens):
        with self.lock:
            self.calls.append(("save", threading.current_thread().name))
            self.data[key] = tokens.to_json()

    async def load(self, key):
        with self.lock:
            text = self.data.get(key)
        return authflow.OAuthTokenSet.from_json(text) if text else None

    async def delete(self, key):
        with self.lock:
            self.data.pop(key, None)

    async def exists(self, key):
        return key in self.data

    async def list_keys(self):
        return list(self.data)


def test_python_token_store_under_load(op, signed_in):
    provider, expired = signed_in
    store = DictStore()
    reauth = []
    session = authflow.SessionManager(provider, store, on_reauth_required=lambda: reauth.append(1),
                                      background_refresh=False)
    session.save_tokens_sync(expired)
    tokens, errors = hammer(session, tasks=40, threads=6, calls_per_thread=5)
    assert errors == [] and len(set(tokens)) == 1
    stored = authflow.OAuthTokenSet.from_json(store.data["default"])
    assert stored.access_token == tokens[0]
    assert session.stats()["refreshes"] == 1
    assert reauth == []
    # A second manager over the same Python store reads what the first saved.
    other = authflow.SessionManager(provider, store, background_refresh=False)
    assert other.initialize_sync().access_token == tokens[0]
    assert store.load_sync("default").access_token == tokens[0]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_python_store_errors_become_store_errors(op, signed_in):
    provider, expired = signed_in

    class Broken(DictStore):
        async def save(self, key, tokens):
            raise OSError("disk full")

    session = authflow.SessionManager(provider, Broken(), background_refresh=False)
    with pytest.raises(authflow.StoreError) as caught:
        session.save_tokens_sync(expired)
    assert caught.value.code == "store_failed"


def test_reauth_callback_from_a_refused_refresh(op, signed_in):
    provider, expired = signed_in
    expired.refresh_token = "revoked-or-never-issued"
    fired = threading.Event()
    session = authflow.SessionManager(provider, authflow.MemoryTokenStore(),
                                      on_reauth_required=fired.set, background_refresh=False)
    session.save_tokens_sync(expired)
    with pytest.raises(authflow.TokenRefreshError) as caught:
        asyncio.run(session.get_access_token())
    assert caught.value.code == "reauth_required"
    assert caught.value.error == "invalid_grant"
    assert fired.is_set()
