"""Logs for people and for machines: a process logging to a terminal writes readable lines, tracebacks
as tracebacks; logging anywhere else it writes one JSON object a line (an exception nobody caught
included), which `readable` turns back into what the terminal shows."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

from helpdesk_common.logs import readable

_LOGS_AN_ERROR = """
import logging
from helpdesk_common.logs import configure_logging
configure_logging("ticketing")
logging.getLogger("ticketing.sums").info("only for the file")
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("ticketing.sums").exception("could not divide")
"""
_FIRST_LINE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ERROR ticketing\.sums: could not divide"


def _on_a_terminal(script: str) -> list[str]:
    primary, secondary = pty.openpty()
    try:
        subprocess.run([sys.executable, "-c", script], stderr=secondary, check=True, timeout=60)
    finally:
        os.close(secondary)
    written = b""
    try:
        while chunk := os.read(primary, 65536):
            written += chunk
    except OSError:  # the terminal's other side is closed: everything was read
        pass
    finally:
        os.close(primary)
    return written.decode().replace("\r\n", "\n").splitlines()


def _through_a_pipe(script: str, *, exit_code: int = 0) -> list[str]:
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert ran.returncode == exit_code, ran.stderr.decode()
    return ran.stderr.decode().splitlines()


def test_a_terminal_gets_readable_lines_and_the_traceback_as_a_traceback() -> None:
    lines = _on_a_terminal(_LOGS_AN_ERROR)
    error = next(index for index, line in enumerate(lines) if "could not divide" in line)
    assert re.fullmatch(_FIRST_LINE, lines[error]), lines
    assert lines[error + 1] == "Traceback (most recent call last):"
    assert lines[error + 2].startswith('  File "<string>", line ')
    assert lines[-1] == "ZeroDivisionError: division by zero"
    assert not any(line.startswith("{") for line in lines)


def test_elsewhere_each_record_is_one_json_line_which_reads_back_as_on_a_terminal() -> None:
    info, error = (json.loads(line) for line in _through_a_pipe(_LOGS_AN_ERROR))
    assert info["level"] == "INFO" and info["service"] == "ticketing"
    assert error["message"] == "could not divide" and error["logger"] == "ticketing.sums"
    assert error["exc_info"].startswith("Traceback (most recent call last):\n")

    assert readable(json.dumps(info)) is None, "below a warning: the file only"
    shown = readable(json.dumps(error))
    assert shown is not None
    first, *traceback = shown.splitlines()
    assert re.fullmatch(_FIRST_LINE, first)
    assert traceback[0] == "Traceback (most recent call last):"
    assert traceback[-1] == "ZeroDivisionError: division by zero"
    assert readable("Segmentation fault (core dumped)") == "Segmentation fault (core dumped)"


def test_an_exception_nobody_caught_is_logged_like_any_other_record() -> None:
    script = "from helpdesk_common.logs import configure_logging\nconfigure_logging('sla-engine')\n"
    (line,) = _through_a_pipe(script + "raise ValueError('no such interval')", exit_code=1)
    record = json.loads(line)
    assert record["level"] == "CRITICAL" and record["service"] == "sla-engine"
    assert record["message"] == "stopped by an uncaught ValueError"
    assert record["exc_info"].endswith("ValueError: no such interval")
