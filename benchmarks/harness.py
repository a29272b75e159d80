"""Timing helpers and the report format: figure, baseline, ratio, goal."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    name: str
    figure: float  # in ``unit``
    baseline: float  # in ``unit``
    baseline_name: str
    goal: float | None  # the ratio the figure must stay under
    unit: str = "s"  # "s", "bytes" or "count"

    @property
    def ratio(self) -> float:
        return self.figure / self.baseline

    @property
    def passed(self) -> bool:
        return self.goal is None or self.ratio <= self.goal

    def row(self) -> str:
        goal = f"<= {self.goal:g}x" if self.goal is not None else "-"
        verdict = "" if self.goal is None else ("ok" if self.passed else "MISSED")
        figure, baseline = _shown(self.figure, self.unit), _shown(self.baseline, self.unit)
        return (
            f"{self.name:<46} {figure:>10} {baseline:>10} {self.ratio:>7.2f}x "
            f"{goal:>8} {verdict:<6} vs {self.baseline_name}"
        )


HEADER = f"{'figure':<46} {'penmark':>10} {'baseline':>10} {'ratio':>8} {'goal':>8}"


def _shown(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 1e6:.1f} MB"
    if unit == "count":
        return f"{value:g}"
    return _ms(value)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 10 else f"{seconds:.1f} s"


def samples(run: Callable[[], object], times: int) -> list[float]:
    """Wall-clock seconds of ``times`` calls of ``run``."""
    found = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        found.append(time.perf_counter() - start)
    return found


def once(run: Callable[[], object]) -> float:
    return samples(run, 1)[0]


def percentile(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if p < 100 else max(values)
