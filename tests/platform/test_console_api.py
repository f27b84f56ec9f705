"""The console's typed client is made from the API as it is: a changed endpoint must show up in the
console's type check, so both generated files must be current."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.platform.test_openapi_document import REPOSITORY, assert_openapi_current

CONSOLE = REPOSITORY / "console"


def test_the_committed_openapi_document_is_the_apis() -> None:
    assert_openapi_current(Path("console/openapi.json"))


def test_the_console_types_are_made_from_the_committed_document(tmp_path: Path) -> None:
    generated = tmp_path / "schema.ts"
    environment = {**os.environ, "PATH": f"{REPOSITORY / '.venv' / 'bin'}:{os.environ['PATH']}"}
    made = subprocess.run(
        ["npx", "--no-install", "openapi-typescript", "openapi.json", "--output", str(generated)],
        cwd=CONSOLE,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    current = (CONSOLE / "src" / "api" / "schema.ts").read_text()
    assert generated.read_text() == current, "console/src/api/schema.ts is out of date: run make console-api"
