"""`helpdesk openapi`: the platform's document made offline is the one a running gateway serves, and a
committed copy of it can be held current (`assert_openapi_current`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from gateway.config import PUBLIC_NAMES
from helpdesk_cli.openapi import platform_document, rendered
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually
from tests.journeys.stack import start_stack

REPOSITORY = Path(__file__).resolve().parents[2]
RUNNING = ("ticketing", "sla-engine")


def assert_openapi_current(path: Path) -> None:
    """Fails, saying how to refresh it, when the file at `path` (relative to the repository, e.g.
    console/openapi.json) is not what `helpdesk openapi` writes now."""
    checked = _helpdesk_openapi("--check", str(path))
    assert checked.returncode == 0, checked.stderr.strip() or checked.stdout


def _helpdesk_openapi(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpdesk_cli.main", "openapi", *arguments],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _served_by(document: dict[str, Any], services: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The gateway's own paths and those of `services` (under /api/<public>), and their schemas."""
    others = [f"/api/{public}" for public, service in PUBLIC_NAMES.items() if service not in services]
    paths = {
        path: item
        for path, item in document["paths"].items()
        if not any(path == other or path.startswith(f"{other}/") for other in others)
    }
    namespaces = {"gateway", *services}
    schemas = {
        name: schema
        for name, schema in document["components"]["schemas"].items()
        if name == "Problem" or name.partition("__")[0] in namespaces
    }
    return paths, schemas


async def test_the_offline_document_is_what_a_running_gateway_serves(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> None:
    offline = platform_document()
    stack = await start_stack(servers, database, tmp_path, upstreams=RUNNING)
    answers: dict[str, Any] = {}

    async def complete() -> bool:
        async with stack.client() as client:
            response = await client.get("/openapi.json")
        assert response.status_code == 200, response.text
        answers["served"] = response.json()
        paths = answers["served"]["paths"]
        return all(any(path.startswith(f"/api/{public}/") for path in paths) for public in ("tickets", "sla"))

    try:
        # A service slow to answer on a loaded machine is left out of one document and asked again
        # within seconds (gateway/openapi.py); the document a running platform settles on is compared.
        await eventually(complete, within=60, what="every running service in the gateway's document")
        served = answers["served"]
    finally:
        stack.stop()
    offline_paths, offline_schemas = _served_by(offline, RUNNING)
    served_paths, served_schemas = _served_by(served, RUNNING)
    assert any(path.startswith("/api/tickets/") for path in served_paths)
    assert any(path.startswith("/api/sla/") for path in served_paths)
    assert any(path.startswith("/api/auth/") for path in served_paths)
    assert offline_paths == served_paths
    assert offline_schemas == served_schemas
    assert offline["components"]["securitySchemes"] == served["components"]["securitySchemes"]
    # Every service is in the offline document, none is named as left out.
    assert (
        "Included: `itsm`, `mail`, `notifications`, `sla`, `tickets`, `time`."
        in offline["info"]["description"]
    )
    assert "Left out" not in offline["info"]["description"]
    assert json.loads(rendered(offline)) == offline


def test_a_copy_that_differs_is_out_of_date(tmp_path: Path) -> None:
    copy = tmp_path / "openapi.json"
    written = _helpdesk_openapi("--output", str(copy))
    assert written.returncode == 0, written.stderr
    text = copy.read_text()
    assert text == rendered(json.loads(text))  # sorted keys, indented, one newline at the end
    assert_openapi_current(copy)

    document = json.loads(text)
    document["info"]["title"] = "Another API"
    copy.write_text(rendered(document))
    checked = _helpdesk_openapi("--check", str(copy))
    assert checked.returncode == 1
    assert checked.stderr.strip() == f"{copy} is out of date: run make console-api"
    copy.unlink()
    assert _helpdesk_openapi("--check", str(copy)).returncode == 1
