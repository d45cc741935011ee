"""CPU accounting, to tell a clean measurement from one disturbed by other work on the machine.

The server and wrk share the cores with whatever else runs. During each measurement the runner
takes the machine's busy time (``/proc/stat``, steal included) minus what the server's processes
and wrk used: the rest is foreign load, reported as a share of the whole machine. Before each
scenario it can also wait, bounded, for the machine to be quiet.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# /proc/stat cpu columns: user nice system idle iowait irq softirq steal. Interrupt time is left
# out: it is mostly the loopback traffic of the measurement itself, charged to no process.
_BUSY_COLUMNS = (0, 1, 2, 7)
QUIET_THRESHOLD_PCT = 15.0
# Other load at or under this share of the machine is within the accounting's own error.
CLEAN_LOAD_PCT = 5.0


@dataclass(frozen=True)
class CpuSnapshot:
    at: float
    machine_busy_s: float
    ours_s: float


def snapshot(process_groups: set[int]) -> CpuSnapshot:
    """Busy seconds of the machine, and of the groups under test plus our reaped children."""
    children = os.times()
    ours = children.children_user + children.children_system + _groups_cpu_s(process_groups)
    return CpuSnapshot(time.monotonic(), _machine_busy_s(), ours)


def foreign_load_pct(before: CpuSnapshot, after: CpuSnapshot) -> float | None:
    """Share of the machine (0 to 100) used by other processes between the two snapshots."""
    capacity = (after.at - before.at) * (os.cpu_count() or 1)
    if capacity <= 0:
        return None
    foreign = (after.machine_busy_s - before.machine_busy_s) - (after.ours_s - before.ours_s)
    return round(max(0.0, foreign) / capacity * 100, 1)


def wait_until_quiet(limit_s: float, threshold_pct: float = QUIET_THRESHOLD_PCT) -> float:
    """Wait (at most ``limit_s``) for a second in which the machine is mostly idle.

    Call it while the server under test is idle. Returns the busy share of the last second.
    """
    deadline = time.monotonic() + limit_s
    while True:
        start, started = _machine_busy_s(), time.monotonic()
        time.sleep(1.0)
        elapsed = time.monotonic() - started
        busy_pct = (_machine_busy_s() - start) / (elapsed * (os.cpu_count() or 1)) * 100
        if busy_pct < threshold_pct or time.monotonic() >= deadline:
            return round(busy_pct, 1)


def _machine_busy_s() -> float:
    columns = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return sum(int(columns[index]) for index in _BUSY_COLUMNS) / _CLOCK_TICKS


def _groups_cpu_s(process_groups: set[int]) -> float:
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process exited while being read
        # After the command name: state ppid pgrp … utime(12) stime(13).
        if int(fields[2]) in process_groups:
            total += int(fields[11]) + int(fields[12])
    return total / _CLOCK_TICKS
