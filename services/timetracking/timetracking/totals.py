"""Sums of booked time, raw and rounded, split into billable and non-billable: an entry list's totals and
each row of the incident report."""

from __future__ import annotations

from dataclasses import dataclass, field

from timetracking.entries.schemas import Seconds, Totals


@dataclass
class _Sum:
    raw: int = 0
    rounded: int = 0

    def seconds(self) -> Seconds:
        return Seconds(raw_seconds=self.raw, rounded_seconds=self.rounded)


@dataclass
class Tally:
    billable: _Sum = field(default_factory=_Sum)
    non_billable: _Sum = field(default_factory=_Sum)

    def add(self, *, billable: bool, raw: int, rounded: int) -> None:
        found = self.billable if billable else self.non_billable
        found.raw += raw
        found.rounded += rounded

    def totals(self) -> Totals:
        return Totals(
            raw_seconds=self.billable.raw + self.non_billable.raw,
            rounded_seconds=self.billable.rounded + self.non_billable.rounded,
            billable=self.billable.seconds(),
            non_billable=self.non_billable.seconds(),
        )
