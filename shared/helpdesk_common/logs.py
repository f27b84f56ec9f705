"""Logs on stderr carrying the service name and the current trace id: JSON lines, one object a line,
for files and deployments; readable lines, tracebacks on lines of their own, for a person at a
terminal (`helpdesk run` in one, and `helpdesk up`, which shows its services' JSON that way)."""

from __future__ import annotations

import logging
import sys
from types import TracebackType

import orjson
from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

# The same shape as `readable` gives a JSON line back, so a terminal shows both alike.
_READABLE = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("helpdesk")


class _TraceContext(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.service = self.service
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else None
        return True


def configure_logging(service: str, *, level: str = "INFO", as_json: bool | None = None) -> None:
    """`as_json` None: JSON unless stderr is a terminal. An exception nobody caught is logged too,
    so that it reaches a JSON log as one line like everything else."""
    if as_json is None:
        as_json = not sys.stderr.isatty()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_TraceContext(service))
    if as_json:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(trace_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter(_READABLE))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    sys.excepthook = _log_uncaught


def _log_uncaught(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    log.critical("stopped by an uncaught %s", kind.__name__, exc_info=(kind, error, traceback))


def readable(line: str, *, least: int = logging.WARNING) -> str | None:
    """A JSON log line as a person reads it, its traceback on lines of its own; None when its level is
    below `least`. A line that is none of ours (a crash before logging began) is returned as it is."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return line
    if not isinstance(record, dict) or not isinstance(record.get("level"), str):
        return line
    level = logging.getLevelName(record["level"])
    if isinstance(level, int) and level < least:
        return None
    text = (
        f"{record.get('time', '')} {record['level']} {record.get('logger', '')}: {record.get('message', '')}"
    )
    for detail in ("exc_info", "stack_info"):
        if record.get(detail):
            text += f"\n{record[detail]}"
    return text
