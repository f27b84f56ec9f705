"""A new service starts from `templates/service` (copier): what it generates, with an example domain
or as a bare skeleton, passes the repository's lint and type check, and its own tests pass."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from copier import run_copy

from helpdesk_common.testing.infrastructure import TestServers

REPOSITORY = Path(__file__).parents[2]
TOOLS = Path(sys.executable).parent


@pytest.mark.parametrize(
    ("answers", "package"),
    [
        (
            {
                "name": "asset-audit",
                "schema": "audit",
                "owns": "audits of assets and what they found",
                "domain": "findings",
                "flag": "findings.manage",
            },
            "asset_audit",
        ),
        ({"name": "asset-log", "owns": "what happened to each asset"}, "asset_log"),
    ],
    ids=["with-a-domain", "skeleton"],
)
def test_a_generated_service_passes_lint_types_and_its_own_tests(
    answers: dict[str, str], package: str, servers: TestServers, tmp_path: Path
) -> None:
    # The repository around it: its lint, type and test settings, and the shared library that ruff
    # counts as first-party.
    shutil.copy(REPOSITORY / "pyproject.toml", tmp_path)
    shutil.copy(REPOSITORY / "conftest.py", tmp_path)
    (tmp_path / "shared").symlink_to(REPOSITORY / "shared")
    service = tmp_path / "services" / answers["name"]
    run_copy(
        str(REPOSITORY / "templates" / "service"),
        service,
        data=answers,
        defaults=True,
        unsafe=True,
        quiet=True,
    )
    assert (service / package / "migrations" / "0001_messaging.py").exists()

    def run(*command: str, **environment: str) -> None:
        done = subprocess.run(
            command, cwd=tmp_path, env={**os.environ, **environment}, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"

    relative = str(service.relative_to(tmp_path))
    run(str(TOOLS / "ruff"), "check", relative)
    run(str(TOOLS / "ruff"), "format", "--check", relative)
    run(str(TOOLS / "mypy"), f"{relative}/{package}")
    run(
        str(TOOLS / "pytest"),
        f"{relative}/tests",
        "-q",
        "-p",
        "no:cacheprovider",
        # Its own: pytest prunes older numbered folders of a shared root, this session's servers' too.
        f"--basetemp={tmp_path / 'pytest'}",
        PYTHONPATH=relative,
        HELPDESK_TEST_NATS_URL=servers.nats_url,
        HELPDESK_TEST_DATABASE_URL=servers.admin_url,
    )
