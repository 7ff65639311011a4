"""The README's first command: the demo tour runs the real bot and exits 0."""

from __future__ import annotations

import subprocess
import sys

from bot import texts


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
    assert out.rstrip().endswith(texts.DEMO_TOUR_DONE)  # then how to try it oneself
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
    # Already typing: not told to run with --interactive
    assert result.stdout.rstrip().endswith(texts.DEMO_INTERACTIVE_DONE)


def test_demo_interactive_shows_every_message_edit_and_alert_as_it_arrives() -> None:
    """Issue 11, item 19: the demo fell one message behind after the first two-message
    answer, never showed toasts and alerts, and --admin said "như một người dân"."""
    script = "/themto TDP01 Tổ 1\n/guitin\nChào bà con\n3\n2\n1\n2\n1\nthoat\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--interactive", "--admin"],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert texts.DEMO_ADMIN_HEADER in out and texts.DEMO_RESIDENT_HEADER not in out
    assert "Đã thêm TDP01 — Tổ 1." in out
    # "Xong" with no tổ chosen: the alert is shown, where it came
    alert = f"{texts.DEMO_ALERT} {texts.BC_PICK_A_UNIT}"
    assert alert in out
    assert out.index("[2] Xong\n") < out.index(alert) < out.index("✅ TDP01")
    # the three-message answer (audience chosen, preview, card) is all there, in order,
    # and nothing was left unanswered because the demo looked at an older message
    chosen = out.index("Người nhận: tổ trưởng của Tổ 1.")
    preview = out.index("Chào bà con", chosen)
    card = out.index("Xem trước", preview)
    assert chosen < preview < card
    assert texts.DEMO_NO_ANSWER not in out
    assert out.count("✏️ (sửa tin)") == 4  # units, unit ticked, who, chosen: edits in place
    assert "Traceback" not in out + result.stderr


def test_the_demo_tour_runs_on_zalo_with_typed_numbers() -> None:
    """Issue 12: `python -m bot demo --channel zalo` runs the same tour on the fake Zalo."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--channel", "zalo"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert texts.DEMO_ON_ZALO in out and "🤖 Loa Phường (Zalo):" in out
    assert "Chào Lan, đây là Loa Phường" in out and "1. 📚 Nội dung" in out
    assert "12 nhóm nhiệm vụ" in out and "3 đột phá chiến lược" in out
    assert texts.HELP_ZALO_GROUPS.strip() in out  # groups are said to be Telegram's
    assert "<b>" not in out and "Traceback" not in out + result.stderr

    typed = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--channel", "zalo", "--interactive"],
        input="/dotpha\n1\nthoat\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert typed.returncode == 0, typed.stderr[-2000:]
    assert "Khoa học - công nghệ, chuyển đổi số" in typed.stdout  # "1" opened the first
    assert texts.DEMO_NO_ANSWER not in typed.stdout
