"""Services for the pytest suite, started on 127.0.0.1 by the tests themselves and stopped by
pid: node oidc-provider (tests/support/node/op.mjs), redis-server, the scripted browser user."""

from __future__ import annotations

import html.parser
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

SOURCE_DIR = Path(os.environ.get("AUTHFLOW_SOURCE_DIR", Path(__file__).resolve().parents[2]))
NODE_DIR = SOURCE_DIR / "tests" / "support" / "node"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(available: bool, what: str) -> None:
    """Skips the test when a service is missing; under CI=true fails it instead."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true")
    pytest.skip(f"{what} is not available")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def node_major() -> int:
    node = shutil.which("node")
    if not node:
        return 0
    try:
        out = subprocess.run([node, "-p", "process.versions.node.split('.')[0]"],
                             capture_output=True, text=True, timeout=20, check=True).stdout
        return int(out.strip())
    except (subprocess.SubprocessError, ValueError):
        return 0


def op_available() -> bool:
    return node_major() >= 20 and (NODE_DIR / "node_modules" / "oidc-provider").is_dir()


class OidcProvider:
    """node oidc-provider with authflow's test clients (see op.mjs for clients and options)."""

    def __init__(self, options: Optional[Dict[str, Any]] = None) -> None:
        need(op_available(), "node >= 20 with tests/support/node/node_modules")
        self.dir = Path(tempfile.mkdtemp(prefix="authflow-op-"))
        self.events_file = self.dir / "events.jsonl"
        for _ in range(3):
            self.port = free_port()
            self.issuer = f"http://127.0.0.1:{self.port}"
            log = open(self.dir / "op.log", "wb")
            self.process = subprocess.Popen(
                ["node", str(NODE_DIR / "op.mjs"), "--port", str(self.port), "--issuer",
                 self.issuer, "--events", str(self.events_file), "--options",
                 json.dumps(options or {})],
                stdout=log, stderr=subprocess.STDOUT, cwd=str(NODE_DIR))
            log.close()
            if wait_for_port(self.port) and self._answers():
                return
            self.stop()
        raise RuntimeError("oidc-provider did not start:\n" + self.log())

    def _answers(self) -> bool:
        import httpx

        for _ in range(100):
            try:
                if httpx.get(self.url("/.well-known/openid-configuration")).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def url(self, path: str = "") -> str:
        return self.issuer + path

    def log(self) -> str:
        try:
            return (self.dir / "op.log").read_text(errors="replace")
        except OSError:
            return ""

    def events(self) -> List[Dict[str, Any]]:
        if not self.events_file.exists():
            return []
        return [json.loads(line) for line in self.events_file.read_text().splitlines() if line]

    def count(self, event: str, **fields: Any) -> int:
        return sum(1 for e in self.events()
                   if e.get("event") == event and all(e.get(k) == v for k, v in fields.items()))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class RedisServer:
    """redis-server on a free port, no persistence, stopped by pid."""

    def __init__(self) -> None:
        need(shutil.which("redis-server") is not None, "redis-server")
        self.dir = Path(tempfile.mkdtemp(prefix="authflow-redis-"))
        for _ in range(3):
            self.port = free_port()
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.dir)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if wait_for_port(self.port, 10):
                return
            self.stop()
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class _Forms(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: List[Dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: List[Any]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method":
                               (a.get("method") or "get").lower(), "id": a.get("id") or "",
                               "fields": []})
        elif tag == "input" and self.forms and a.get("name"):
            if tag == "input" and a.get("type") in ("submit",):
                return
            self.forms[-1]["fields"].append((a["name"], a.get("value") or ""))


class OpBrowser:
    """A person at the provider's own pages over plain HTTP with a cookie jar: signs in,
    consents, enters a device code."""

    def __init__(self, login: str = "alice") -> None:
        import httpx

        self.client = httpx.Client(follow_redirects=False, timeout=30)
        self.login = login

    def drive(self, url: str, user_code: str = "", stop_prefix: str = "") -> str:
        response = self.client.get(url)
        for _ in range(20):
            if 300 <= response.status_code < 400:
                url = urllib.parse.urljoin(url, response.headers["location"])
                if stop_prefix and url.startswith(stop_prefix):
                    return url
                response = self.client.get(url)
                continue
            assert response.status_code == 200, f"HTTP {response.status_code} at {url}"
            parser = _Forms()
            parser.feed(response.text)
            forms = [f for f in parser.forms if f["method"] == "post"]
            if not forms:
                return response.text
            form = forms[0]
            fields = dict(form["fields"])
            action = urllib.parse.urljoin(url, form["action"] or url)
            if fields.get("prompt") == "login":
                fields.update(login=self.login, password="any")
            elif form["id"] == "op.deviceInputForm":
                fields["user_code"] = user_code
            url = action
            response = self.client.post(url, data=fields)
        raise RuntimeError("the provider's pages did not finish")


def scripted_browser(monkeypatch: Any, tmp_path: Path, action: str = "approve") -> Path:
    """Makes $BROWSER the scripted user (browser_user.mjs): it signs in and consents at the
    provider and follows the redirect to the loopback callback."""
    browser_dir = tmp_path / "browser"
    browser_dir.mkdir()
    monkeypatch.setenv("BROWSER", str(NODE_DIR / "browser_user.mjs"))
    monkeypatch.setenv("AUTHFLOW_TEST_BROWSER_DIR", str(browser_dir))
    monkeypatch.setenv("AUTHFLOW_TEST_BROWSER_ACTION", action)
    return browser_dir
