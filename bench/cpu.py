"""CPU time of each process of the pipeline while events flow, and of the rest of the machine."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import psutil

# On Linux every kernel thread is a child of kthreadd, process 2.
_KTHREADD = 2


@dataclass(frozen=True)
class Watched:
    """A process to account for; with `descendants`, its children's time counts as its own."""

    pid: int
    descendants: bool = False


@dataclass(frozen=True)
class CpuUsage:
    seconds: dict[str, float]
    kernel_seconds: float
    machine_busy_seconds: float
    wall_seconds: float
    cores: int

    @property
    def other_seconds(self) -> float:
        """Everything else that ran on the machine meanwhile (other processes, some now gone)."""
        return max(self.machine_busy_seconds - sum(self.seconds.values()) - self.kernel_seconds, 0.0)

    @property
    def machine_busy_fraction(self) -> float:
        return self.machine_busy_seconds / (self.wall_seconds * self.cores)

    def milliseconds_per_thousand(self, events: int) -> dict[str, float]:
        groups = {**self.seconds, "kernel": self.kernel_seconds, "other": self.other_seconds}
        return {name: 1e6 * seconds / events for name, seconds in groups.items()}


@dataclass(frozen=True)
class _Snapshot:
    seconds: dict[int, float]
    # Of children that exited and were waited for: a PostgreSQL backend whose client disconnected
    # (pgbench's, at its end) is gone by the time the meter stops, its time its postmaster's.
    reaped: dict[int, float]
    parents: dict[int, int]
    machine_busy: float
    interrupts: float
    wall: float


class CpuMeter:
    """Started before and stopped after a measurement; processes that exit in between count as other."""

    def __init__(self, watched: Mapping[str, Watched]) -> None:
        self.watched = dict(watched)
        self._start: _Snapshot | None = None

    def start(self) -> None:
        self._start = _snapshot()

    def stop(self) -> CpuUsage:
        assert self._start is not None, "start() first"
        start, end = self._start, _snapshot()
        spent = {pid: seconds - start.seconds.get(pid, 0.0) for pid, seconds in end.seconds.items()}
        reaped = {pid: seconds - start.reaped.get(pid, 0.0) for pid, seconds in end.reaped.items()}
        groups = {name: _family(watched, end.parents) for name, watched in self.watched.items()}
        # Interrupts are where the kernel does much of the work of loopback networking and disk flushes.
        kernel_threads = sum(seconds for pid, seconds in spent.items() if end.parents.get(pid) == _KTHREADD)
        return CpuUsage(
            seconds={
                name: sum(spent.get(pid, 0.0) for pid in pids)
                + (sum(reaped.get(pid, 0.0) for pid in pids) if self.watched[name].descendants else 0.0)
                for name, pids in groups.items()
            },
            kernel_seconds=kernel_threads + end.interrupts - start.interrupts,
            machine_busy_seconds=end.machine_busy - start.machine_busy,
            wall_seconds=end.wall - start.wall,
            cores=psutil.cpu_count() or 1,
        )


def _snapshot() -> _Snapshot:
    seconds, reaped, parents = {}, {}, {}
    for process in psutil.process_iter(["cpu_times", "ppid"]):
        times, parent = process.info["cpu_times"], process.info["ppid"]
        if times is not None:
            seconds[process.pid] = times.user + times.system
            reaped[process.pid] = times.children_user + times.children_system
            parents[process.pid] = parent
    machine = psutil.cpu_times()
    interrupts = machine.irq + machine.softirq
    return _Snapshot(
        seconds,
        reaped,
        parents,
        machine.user + machine.nice + machine.system + interrupts,
        interrupts,
        time.perf_counter(),
    )


def _family(watched: Watched, parents: dict[int, int]) -> set[int]:
    family, frontier = {watched.pid}, {watched.pid} if watched.descendants else set()
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        family |= frontier
    return family
