"""The stubs let mypy check a user's program: a correct one passes --strict, a wrong one fails."""

import os
import subprocess
import sys
from pathlib import Path

import authflow

GOOD = '''
import asyncio
from typing import Optional

from fastapi import Depends, FastAPI

import authflow
from authflow.fastapi import create_auth_router, require_session

provider = authflow.GenericOIDCProvider("client", issuer_url="https://idp.example")
store: authflow.TokenStore = authflow.get_token_store("memory")
session = authflow.SessionManager(provider, store, on_tokens_changed=lambda t: print(t.scope))
flow = authflow.AuthFlowManager(provider, session_manager=session)


async def main() -> Optional[str]:
    result: authflow.AuthFlowResult = await flow.run_native()
    if not result.success:
        return None
    token: str = await session.get_access_token()
    tokens = result.tokens
    assert tokens is not None
    expires: Optional[float] = tokens.expires_at
    print(expires, flow.flow_state is authflow.AuthFlowState.COMPLETED)
    return token

app = FastAPI()
app.include_router(create_auth_router(provider, public_url="https://app.example"))


@app.get("/")
def home(user: authflow.UserSession = Depends(require_session)) -> dict[str, str]:
    return {"user": user.user_id}


try:
    asyncio.run(main())
except authflow.TokenRefreshError as error:
    code: str = error.code
'''

BAD = '''
import authflow

provider = authflow.GoogleProvider("client")
token: int = authflow.SessionManager(provider, authflow.MemoryTokenStore()).get_access_token_sync()
provider.exchange_code_sync(42, "http://127.0.0.1/cb")
'''


CACHE = Path(os.environ.get("TMPDIR", "/tmp")) / f"authflow-mypy-cache-{os.getuid()}"


def mypy(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    program = tmp_path / "program.py"
    program.write_text(text)
    package_dir = str(Path(authflow.__file__).resolve().parent.parent)
    env = dict(os.environ, MYPYPATH=package_dir)
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(CACHE),
                           str(program)],
                          capture_output=True, text=True, env=env, timeout=300)


def test_a_correct_program_passes_strict_mypy(tmp_path):
    result = mypy(tmp_path, GOOD)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_program_fails(tmp_path):
    result = mypy(tmp_path, BAD)
    assert result.returncode == 1
    assert 'Incompatible types in assignment (expression has type "str", variable has type "int")' in result.stdout
    assert 'Argument 1 to "exchange_code_sync" of "OAuthProvider" has incompatible type "int"' in result.stdout


def test_help_texts_come_from_the_docs():
    assert "single-flight" in authflow.SessionManager.refresh_sync.__doc__
    assert "worker thread" in authflow.SessionManager.get_access_token.__doc__
    assert "RFC 7636" in authflow.PKCEChallenge.__doc__
    assert "code" in authflow.errors.__doc__
