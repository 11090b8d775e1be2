"""OAuthCallbackServer: only the expected state ends the wait; a timeout gives None."""

import asyncio
import threading

import httpx

import authflow


def test_only_the_expected_state_completes():
    server = authflow.OAuthCallbackServer(expected_state="the-state")
    redirect_uri = server.start()
    try:
        assert redirect_uri == f"http://127.0.0.1:{server.port}/callback"
        assert server.is_running

        def browser():
            httpx.get(redirect_uri, params={"code": "c1", "state": "forged"})
            httpx.get(f"http://127.0.0.1:{server.port}/favicon.ico")
            httpx.get(redirect_uri, params={"code": "c2", "state": "the-state",
                                            "iss": "https://idp.example"})

        threading.Thread(target=browser).start()
        result = asyncio.run(server.wait_for_callback(timeout=20))
        assert result == {"code": "c2", "state": "the-state", "iss": "https://idp.example",
                          "error": None, "error_description": None}
    finally:
        server.stop()
    assert not server.is_running


def test_timeout_gives_none_and_cancel_raises():
    server = authflow.OAuthCallbackServer(expected_state="s")
    server.start()
    try:
        assert server.wait_for_callback_sync(timeout=0.2) is None
    finally:
        server.stop()
    server = authflow.OAuthCallbackServer(expected_state="s")
    server.start()
    threading.Timer(0.2, server.cancel).start()
    try:
        server.wait_for_callback_sync(timeout=20)
    except authflow.AuthFlowCancelled as cancelled:
        assert cancelled.code == "cancelled"
    else:
        raise AssertionError("cancel did not end the wait")
    finally:
        server.stop()


def test_provider_error_answer_is_returned():
    server = authflow.OAuthCallbackServer(expected_state="s")
    uri = server.start()
    try:
        threading.Thread(target=lambda: httpx.get(uri, params={
            "state": "s", "error": "access_denied", "error_description": "no"})).start()
        result = server.wait_for_callback_sync(timeout=20)
        assert (result["error"], result["error_description"], result["code"]) == (
            "access_denied", "no", None)
    finally:
        server.stop()
