"""Schemathesis, run as its command line would be, against a stack through the gateway: the merged
OpenAPI is the contract, and every answer must keep it."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.contract.records import Records

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
# Test cases per operation in the fuzzing phase (the coverage phase adds its own boundary cases):
# enough to meet every documented answer, few enough that the whole run stays within a couple of
# minutes on a 2-core machine.
MAX_EXAMPLES = 10
ALERT_EXAMPLES = 30
# One: with two, Hypothesis parses lambdas' source in two threads at once, which CPython 3.11 before
# 3.11.8 can fail with "AST constructor recursion depth mismatch" (CPython gh-106905).
WORKERS = 1
# How often a path parameter names a seeded record rather than a made-up one (a 404).
EXISTING = 0.7
# The fuzzer learns ids from the answers (the administrator's it runs as, among others) and tries them
# in other operations: through these it would disable, demote or sign them out. Here it draws only
# from the seeded records and its own inventions, and chains none of them.
UNCHAINED = r"^/api/(operators|roles|auth)(/|$)"
PHASES = (("examples,coverage,fuzzing", ()), ("stateful", ("--exclude-path-regex", UNCHAINED)))
# Body fields that name records, so that creations and edits can succeed, and the dictionary each draws
# from: an alert's `routing_key` is the seeded source's integration key, so alerts are accepted too.
BODY_REFERENCES = {
    "department_id": "department_id",
    "contact_id": "contact_id",
    "customer_id": "customer_id",
    "type_id": "type_id",
    "sla_id": "sla_id",
    "tenant_id": "tenant_id",
    "assignment_group_id": "group_id",
    "routing_key": "routing_key",
}


@dataclass
class Run:
    returncode: int
    output: str


def configuration(kept: Records, doomed: Records) -> str:
    """schemathesis.toml: the seeded records as dictionaries, drawn for path parameters (deletes take
    the records kept for them) and for the body fields that name records."""
    lines = [
        f"workers = {WORKERS}",
        "continue-on-failure = true",
        "[generation]",
        f"max-examples = {MAX_EXAMPLES}",
    ]
    # Nothing is kept between runs: each run starts from its seed.
    lines += ["[cache]", "enabled = false"]
    for name, values in kept.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}"]
        lines += [f"[dictionaries.{name}_doomed]", f"values = {json.dumps(doomed[name])}"]
    lines.append("[parameters]")
    lines += [_binding(f"path.{name}", name) for name in kept]
    lines += [_binding(f"body.{field}", name) for field, name in BODY_REFERENCES.items() if name in kept]
    lines += [
        "[[operations]]",
        'include-method = "DELETE"',
        *_NOT_LEARNED,
        "[operations.parameters]",
        *(_binding(f"path.{name}", f"{name}_doomed") for name in kept),
        "[[operations]]",
        'include-path = "/api/tickets/bulk-delete"',
        *_NOT_LEARNED,
        # Switching the module off would answer every later ticket request with a 403.
        "[[operations]]",
        'include-path = "/api/tickets/settings"',
        'include-method = "PUT"',
        "[operations.parameters]",
        '"body.ticket_system_enabled" = true',
        "[[operations]]",
        f"include-path-regex = {json.dumps(UNCHAINED)}",
        *_NOT_LEARNED,
        # The alert sources that take the fuzzer's alerts have no seeded id (records.py): learnt from
        # their list, an edit could disable them before the alerts' turn comes.
        "[[operations]]",
        'include-path = "/api/itsm/alert-sources/{source_id}"',
        'include-method = "PATCH"',
        *_NOT_LEARNED,
        # An alert is accepted only with a seeded key and a body complete in ways the schema cannot say
        # (a trigger's payload, the others' dedup_key): about two in five of the valid cases, the
        # document's examples among them. Every valid case takes a seeded key, and there are enough
        # cases that some are accepted; the invalid ones and the coverage phase still make up keys.
        "[[operations]]",
        'include-path = "/api/itsm/alerts"',
        'include-method = "POST"',
        "[operations.generation]",
        f"max-examples = {ALERT_EXAMPLES}",
    ]
    if "routing_key" in kept:
        lines += ["[operations.parameters]", _binding("body.routing_key", "routing_key", probability=1.0)]
    return "\n".join(lines) + "\n"


# Ids learnt from answers are not tried here: deletes would remove the records kept for the others.
_NOT_LEARNED = (
    "[operations.phases.coverage.extra-data-sources]",
    "responses = false",
    "[operations.phases.fuzzing.extra-data-sources]",
    "responses = false",
)


def _binding(key: str, dictionary: str, *, probability: float = EXISTING) -> str:
    return f'"{key}" = {{ dictionary = "{dictionary}", probability = {probability} }}'


async def fuzz(api: str, authorization: str, config: Path, reports: Path, *, within: float) -> list[Run]:
    """Every phase, within `within` seconds in all; the stateful one without the operations on identity."""
    deadline = time.monotonic() + within
    runs = []
    for phases, options in PHASES:
        left = max(1.0, deadline - time.monotonic())
        runs.append(await _run(api, authorization, config, reports, [*options, "--phases", phases], left))
    return runs


async def _run(
    api: str, authorization: str, config: Path, reports: Path, options: list[str], within: float
) -> Run:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{api}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--header",
        f"Authorization: {authorization}",
        "--report",
        "junit",
        "--report-dir",
        str(reports),
        "--request-timeout",
        "30",
        *options,
    ]
    # Hypothesis keeps its example database under the working directory: the run's own, not the tree.
    process = await asyncio.create_subprocess_exec(
        *command, cwd=reports.parent, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=within)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
        return Run(-1, output.decode(errors="replace") + f"\n(stopped after {within} s)")
    assert process.returncode is not None
    return Run(process.returncode, output.decode(errors="replace"))
