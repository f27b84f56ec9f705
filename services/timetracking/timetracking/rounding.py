"""A duration rounded by a department's step (seed 10.8, Rounding in minutes, 0 = exact): `up` to the
next whole step (a started step counts whole), `nearest` to the closest one, half a step up. Computed
once, when an entry is booked or its timer closes it, and stored beside the exact duration, so a later
change of the step leaves history as it was billed."""

from __future__ import annotations

from typing import Literal

RoundingMode = Literal["up", "nearest"]


def rounded_seconds(duration_seconds: int, *, step_minutes: int, mode: RoundingMode) -> int:
    if step_minutes == 0:
        return duration_seconds
    step = step_minutes * 60
    if mode == "up":
        return -(-duration_seconds // step) * step
    return (duration_seconds + step // 2) // step * step
