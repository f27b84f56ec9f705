"""`helpdesk up`'s supervisor: processes started in groups, each waited for until it is ready, started
again with a growing delay when one dies, and all stopped, the last group first, on Ctrl-C or when
one keeps failing at start. Each process's output goes to its log file; what a person should see of
it (warnings and errors) is shown on the terminal, prefixed by its name.

Written here rather than taken from supervisord or circus: docs/architecture.md ("Starting it") says
why.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Say = Callable[[str], None]

# A line this long without a newline is shown as it is rather than held any longer.
_LONGEST_LINE_BYTES = 65536
_PREFIX_WIDTH = 12


@dataclass
class Program:
    """One process to keep running: `ready` says when it serves, `for_terminal` what a person sees of
    a line of its output (None: nothing; its log file gets every line)."""

    name: str
    command: list[str]
    log_file: Path
    ready: Callable[[], Awaitable[bool]]
    for_terminal: Callable[[str], str | None]
    environment: dict[str, str] | None = None
    stop_signal: signal.Signals = signal.SIGTERM
    # subprocess's user, group and extra_groups, for a server that must not run as root.
    run_as: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Restarts:
    """When a process is started again, and when the supervisor gives up on it."""

    first_delay_seconds: float = 0.5
    longest_delay_seconds: float = 8.0
    # Failures in a row before giving up: starts that never got ready, and runs shorter than steady.
    attempts: int = 5
    steady_seconds: float = 30.0
    ready_within_seconds: float = 120.0
    stop_within_seconds: float = 20.0

    def delay(self, failures: int) -> float:
        return min(self.first_delay_seconds * 2 ** max(failures - 1, 0), self.longest_delay_seconds)


class KeepsFailing(Exception):
    def __init__(self, name: str, reason: str, log_file: Path) -> None:
        super().__init__(f"{name} keeps failing at start: {reason}")
        self.name = name
        self.reason = reason
        self.log_file = log_file


class Supervisor:
    def __init__(self, say: Say, restarts: Restarts | None = None) -> None:
        self.say = say
        self.restarts = restarts or Restarts()
        self._groups: list[list[_Kept]] = []
        self._failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def start(self, *programs: Program) -> None:
        """Starts the programs together; returns once each is ready, or raises KeepsFailing."""
        group = [_Kept(program, self) for program in programs]
        self._groups.append(group)
        await asyncio.gather(*(kept.first_ready for kept in group))

    async def failure(self) -> None:
        """Waits for ever, unless a process that died cannot be started again: KeepsFailing."""
        await asyncio.shield(self._failed)

    async def stop(self) -> None:
        for group in reversed(self._groups):
            await asyncio.gather(*(kept.stop() for kept in group))
        self._groups.clear()

    def gave_up(self, error: Exception) -> None:
        if not self._failed.done():
            self._failed.set_exception(error)


class _Kept:
    """One program's current process, its restarts, and the copy of its output."""

    def __init__(self, program: Program, supervisor: Supervisor) -> None:
        self.program = program
        self.say = supervisor.say
        self.restarts = supervisor.restarts
        self.supervisor = supervisor
        self.process: asyncio.subprocess.Process | None = None
        # Whether what the last process left (its group, its output) was dealt with.
        self._gone_done = True
        self.failures = 0
        self.ready_at = 0.0
        self.first_ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._log = program.log_file.open("ab")
        self._copying: asyncio.Task[None] | None = None
        self._task = asyncio.create_task(self._run(), name=f"keep {program.name}")

    async def _run(self) -> None:
        try:
            await self._start_until_ready()
            if not self.first_ready.done():  # cancelled when the start was given up for another
                self.first_ready.set_result(None)
            while True:
                assert self.process is not None
                returncode = await self.process.wait()
                await self._gone()
                lived = time.monotonic() - self.ready_at
                self.failures = 0 if lived >= self.restarts.steady_seconds else self.failures + 1
                await self._pause(_ending(returncode), "starting it again")
                await self._start_until_ready()
                self.say(f"{self.program.name} is running again")
        except Exception as error:  # KeepsFailing, or a readiness check that broke: the stack stops
            if self.first_ready.done():
                self.supervisor.gave_up(error)
            else:
                self.first_ready.set_exception(error)

    async def _start_until_ready(self) -> None:
        while True:
            reason = await self._start_once()
            if reason is None:
                self.ready_at = time.monotonic()
                return
            self.failures += 1
            await self._pause(reason, "trying again")

    async def _pause(self, reason: str, then: str) -> None:
        if self.failures >= self.restarts.attempts:
            raise KeepsFailing(self.program.name, f"{reason} ({self.failures} times)", self.program.log_file)
        delay = self.restarts.delay(self.failures)
        self.say(f"{self.program.name} {reason}; {then} in {delay:.1f}s (log: {self.program.log_file})")
        await asyncio.sleep(delay)

    async def _start_once(self) -> str | None:
        """None once the process is ready; else why it is not (it is gone then)."""
        program = self.program
        process = await asyncio.create_subprocess_exec(
            *program.command,
            env=program.environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            # Its own process group: Ctrl-C reaches the supervisor alone, which stops everything in
            # order, and whatever the process leaves behind when it dies can be ended with it.
            start_new_session=True,
            **program.run_as,
        )
        self.process = process
        self._gone_done = False
        assert process.stdout is not None
        self._copying = asyncio.create_task(self._copy(process.stdout))
        exited = asyncio.ensure_future(process.wait())
        deadline = time.monotonic() + self.restarts.ready_within_seconds
        while True:
            await asyncio.wait({exited}, timeout=0.2)
            if exited.done():
                await self._gone()
                return _ending(exited.result())
            if await program.ready():
                return None
            if time.monotonic() > deadline:
                _end_group(process.pid)
                await exited
                await self._gone()
                return f"was not ready within {self.restarts.ready_within_seconds:.0f}s"

    async def _gone(self) -> None:
        """After the process ended: what it started goes too (a server's workers), and its last output
        is copied. Once only: the process id is free for reuse afterwards."""
        if self._gone_done:
            return
        self._gone_done = True
        assert self.process is not None
        _end_group(self.process.pid)
        if self._copying is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._copying, 5)
            self._copying = None

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        process = self.process
        if process is not None and not self._gone_done:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(self.program.stop_signal)
                try:
                    await asyncio.wait_for(process.wait(), self.restarts.stop_within_seconds)
                except TimeoutError:
                    self.say(f"{self.program.name} did not stop in time; killing it")
                    _end_group(process.pid)
                    await process.wait()
            await self._gone()
        self._log.close()

    async def _copy(self, output: asyncio.StreamReader) -> None:
        pending = b""
        while chunk := await output.read(65536):
            self._log.write(chunk)
            self._log.flush()
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                self._show(line)
            if len(pending) > _LONGEST_LINE_BYTES:
                self._show(pending)
                pending = b""
        if pending:
            self._show(pending)

    def _show(self, line: bytes) -> None:
        shown = self.program.for_terminal(line.decode(errors="replace").rstrip("\r"))
        if shown is not None:
            prefix = f"{self.program.name:<{_PREFIX_WIDTH}} | "
            self.say("\n".join(prefix + part for part in shown.splitlines()))


def _ending(returncode: int) -> str:
    if returncode < 0:
        return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with code {returncode}"


def _end_group(process_group: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process_group, signal.SIGKILL)


def log_tail(log_file: Path) -> list[str]:
    """The lines of a log file's last 64 KiB."""
    with log_file.open("rb") as log:
        log.seek(max(log_file.stat().st_size - 65536, 0))
        return log.read().decode(errors="replace").splitlines()
