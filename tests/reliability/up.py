"""`helpdesk up` as a person runs it, for the reliability tests: a process of its own on a var folder of
its own, what it prints kept in a file, and the processes it started found by what they run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

PASSWORD = "a long enough password"
_SERVERS = ("HELPDESK_NATS_URL", "HELPDESK_DATABASE_URL")


def _environment(**extra: str) -> dict[str, str]:
    # The stack's own embedded servers, never the machine's.
    return {**{key: value for key, value in os.environ.items() if key not in _SERVERS}, **extra}


@dataclass
class Up:
    var_dir: Path
    output: Path
    process: subprocess.Popen[bytes]
    # Every process it was seen to run, to check that none is left behind.
    seen: dict[int, psutil.Process] = field(default_factory=dict)

    @classmethod
    def start(cls, folder: Path, **environment: str) -> Up:
        var_dir, output = folder / "var", folder / "terminal.txt"
        process = subprocess.Popen(
            [sys.executable, "-m", "helpdesk_cli.main", "up", "--var", str(var_dir)],
            env=_environment(**environment),
            stdout=output.open("wb"),
            stderr=subprocess.STDOUT,
        )
        return cls(var_dir, output, process)

    def terminal(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for(self, pattern: str, *, within: float = 180) -> re.Match[str]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = re.search(pattern, self.terminal(), re.MULTILINE)
            if found:
                return found
            assert self.process.poll() is None, f"helpdesk up exited early:\n{self.terminal()[-6000:]}"
            self.children()
            time.sleep(0.2)
        raise AssertionError(f"no line matching {pattern!r} within {within:.0f}s:\n{self.terminal()[-6000:]}")

    def state(self) -> dict[str, Any]:
        return dict(json.loads((self.var_dir / "stack.json").read_text()))

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.state()['ports']['gateway']}"

    def children(self) -> list[psutil.Process]:
        found = psutil.Process(self.process.pid).children(recursive=True)
        self.seen.update({child.pid: child for child in found})
        return found

    def pid_of(self, name: str) -> int:
        """The main process of a service, or of the embedded `nats` or `postgres` (their first process)."""
        for child in psutil.Process(self.process.pid).children():
            command = child.cmdline()
            if (
                command[-2:] == ["run", name]
                or Path(command[0]).name == f"{name}-server"
                or (Path(command[0]).name == name)
            ):
                return child.pid
        raise AssertionError(f"no process of {name} under helpdesk up")

    def create_administrator(self, username: str = "admin") -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "helpdesk_cli.main",
                "admin",
                "create",
                "--username",
                username,
                "--email",
                f"{username}@example.com",
                "--var",
                str(self.var_dir),
            ],
            env=_environment(HELPDESK_ADMIN_PASSWORD=PASSWORD),
            check=True,
            capture_output=True,
        )

    def api_token(self, username: str = "admin") -> str:
        with httpx.Client(base_url=self.api, timeout=15) as anonymous:
            login = anonymous.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert login.status_code == 200, login.text
            csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
            token = anonymous.post("/api/auth/tokens", json={"name": "test"}, headers=csrf)
            assert token.status_code == 201, token.text
        return str(token.json()["token"])

    def stop(self) -> None:
        """Ctrl-C, and nothing it started may be left running."""
        self.children()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        assert self.process.wait(90) == 0, self.terminal()[-6000:]
        assert "Stopped." in self.terminal()
        self.assert_nothing_left()

    def assert_nothing_left(self) -> None:
        left = [process for process in self.seen.values() if _running(process)]
        assert not left, f"left running: {[process.cmdline() for process in left]}"


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
