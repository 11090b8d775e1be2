import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import OidcProvider, RedisServer  # noqa: E402


@pytest.fixture(scope="session")
def op():
    provider = OidcProvider()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer()
    yield server
    server.stop()
