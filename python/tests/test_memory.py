"""No leak through the binding: reference counts and memory stable over 100 000 calls."""

import gc
import resource
import sys
import tracemalloc

import authflow


def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_refcounts_and_memory_stable_over_100000_calls():
    provider = authflow.GenericOIDCProvider("c", authorize_url="https://idp.example/a",
                                            token_url="https://idp.example/t")
    store = authflow.MemoryTokenStore()
    session = authflow.SessionManager(provider, store, background_refresh=False)
    tokens = authflow.OAuthTokenSet("a" * 40, refresh_token="r", expires_in=3600,
                                    raw={"scope": "openid", "n": [1, 2, 3]})
    session.save_tokens_sync(tokens)
    token_text = session.get_access_token_sync()
    refs = (sys.getrefcount(session), sys.getrefcount(store), sys.getrefcount(tokens),
            sys.getrefcount(provider))

    def round_of(n):
        for _ in range(n):
            session.get_access_token_sync()
            store.load_sync("default")
            tokens.raw
            session.current_tokens
            try:
                authflow.OAuthTokenSet.from_json("{}")
            except authflow.TokenError:
                pass

    round_of(2000)  # warm caches
    gc.collect()
    tracemalloc.start()
    rss_before = rss_kib()
    snapshot_before = tracemalloc.take_snapshot()
    round_of(20000)  # 100 000 calls
    gc.collect()
    snapshot_after = tracemalloc.take_snapshot()
    rss_after = rss_kib()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in snapshot_after.compare_to(snapshot_before, "filename"))
    assert grown < 64 * 1024, f"Python heap grew by {grown} bytes"
    assert rss_after - rss_before < 8 * 1024, f"RSS grew by {rss_after - rss_before} KiB"
    assert (sys.getrefcount(session), sys.getrefcount(store), sys.getrefcount(tokens),
            sys.getrefcount(provider)) == refs
    assert session.get_access_token_sync() == token_text
