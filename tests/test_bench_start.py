"""Every benchmark starts (`--help`) and runs a tiny version of itself to the end, so a
change elsewhere cannot leave a benchmark broken until someone next measures (it happened
twice: an import moved, then a Screen's field)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ("broadcast.py", "reports.py", "updates.py", "zalo.py")


@pytest.mark.parametrize("name", BENCHES)
def test_a_benchmark_starts(name: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


def test_every_benchmark_is_listed() -> None:
    found = {p.name for p in (ROOT / "bench").glob("*.py")} - {"echo_bot.py"}  # a helper
    assert found == set(BENCHES)


# A tiny run of each, and a line of the figures it must print (its comparison).
TINY_RUNS = {
    "updates.py": (["--n", "100", "--repeat", "1"], "throughput ratio Loa Phường / PTB echo"),
    "broadcast.py": (["--recipients", "30", "--only", "a,d", "--chatters", "2"], "rate (msg/s)"),
    "reports.py": (["--leaders", "5", "--repeat", "1"], "durable / sequential"),
    "zalo.py": (
        ["--leaders", "5", "--recipients", "20", "--window-updates", "10"],
        "ratio Zalo/Telegram",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", BENCHES)
def test_a_benchmark_runs_to_its_figures(name: str) -> None:
    args, figures = TINY_RUNS[name]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert figures in done.stdout, done.stdout[-500:]
