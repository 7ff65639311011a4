"""Every benchmark starts: its imports resolve and its options parse (`--help`), so a change
elsewhere cannot leave a benchmark broken until someone next measures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ("broadcast.py", "reports.py", "updates.py")


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
