"""A process that keeps failing at start stops `helpdesk up` with a message naming it and why, and
leaves nothing running; what it logged reaches the terminal readable (its traceback as a traceback)
and its log file as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.reliability.up import Up


def test_a_service_that_keeps_failing_at_start_stops_the_stack_naming_it_and_why(tmp_path: Path) -> None:
    # A setting only the SLA engine reads, and cannot: it fails at every start, the rest would run.
    up = Up.start(tmp_path, HELPDESK_SLA_SWEEP_INTERVAL_SECONDS="soon")
    try:
        up.wait_for(r"sla-engine exited with code 1; trying again in [\d.]+s \(log: .*sla-engine\.log\)$")
        up.wait_for(r"^Stopped\.$", within=240)
        assert up.process.wait(30) == 1, up.terminal()[-6000:]
    finally:
        if up.process.poll() is None:
            up.process.kill()
    terminal = up.terminal()
    log_file = up.var_dir / "log" / "sla-engine.log"
    found = re.search(
        rf"^sla-engine keeps failing at start: exited with code 1 \(5 times\)\. "
        rf"The end of its log \({re.escape(str(log_file))}\):\n((?:    .*\n)+)",
        terminal,
        re.MULTILINE,
    )
    assert found, terminal[-6000:]
    why = found.group(1)
    assert "ValidationError: 1 validation error for SlaEngineSettings" in why
    assert "sla_sweep_interval_seconds" in why and "input_value='soon'" in why
    assert "The API answers" not in terminal
    up.assert_nothing_left()

    # The terminal: the service's error as a person reads it, prefixed by the service, its traceback
    # on lines of their own.
    assert re.search(
        r"^sla-engine +\| \S+ \S+ CRITICAL helpdesk: stopped by an uncaught ValidationError$", terminal, re.M
    ), terminal[-6000:]
    assert re.search(r"^sla-engine +\| Traceback \(most recent call last\):$", terminal, re.MULTILINE)
    assert re.search(r"^sla-engine +\|   File \".*\", line \d+, in ", terminal, re.MULTILINE)
    assert not re.search(r"^\S+ +\| \{", terminal, re.MULTILINE), "a JSON line reached the terminal"
    # The file: JSON, one object a line, the traceback inside one.
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    failures = [record for record in records if record["level"] == "CRITICAL"]
    assert len(failures) == 5
    assert failures[0]["service"] == "sla-engine"
    assert failures[0]["exc_info"].startswith("Traceback (most recent call last):\n")
