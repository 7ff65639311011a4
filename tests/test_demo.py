"""The README's first command: the demo tour runs the real bot and exits 0."""

from __future__ import annotations

import subprocess
import sys


def test_demo_tour_shows_a_conversation() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "👤 Lan: /start" in out
    assert "Chào Lan" in out
    assert "Đọc đầy đủ" in out
    assert "xin chào bà con" in out
    assert "Traceback" not in out + result.stderr


def test_demo_interactive_reads_typed_lines_and_button_numbers() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--interactive"],
        input="/dotpha\n1\nthoat\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "3 đột phá chiến lược" in result.stdout
    assert "✏️" in result.stdout  # pressing [1] edited the list into the first breakthrough
