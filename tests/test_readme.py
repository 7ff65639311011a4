"""The README as people use it (issue 11, item 20): the two commands on top and the CI's
command the same as the README's; every command of the bot in the officials' table; the
officials' guide in Vietnamese, the developers' section after it."""

from __future__ import annotations

import re
from pathlib import Path

from bot import commands

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_the_two_commands_come_first_and_ci_runs_the_second() -> None:
    first, second = _blocks(README)[:2]
    assert first.strip().endswith(".venv/bin/python -m bot demo")
    assert "pytest" in second
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert second.strip() in ci.splitlines()
    assert README.index(first) < README.index("# Hướng dẫn cho cán bộ phường")


def test_every_command_is_in_the_officials_table() -> None:
    table = README.split("## Mọi lệnh", 1)[1].split("\n#", 1)[0]
    listed = set(re.findall(r"`/([a-z]+)", table))
    assert {c.name for c in commands.TABLE} <= listed, {c.name for c in commands.TABLE} - listed
    assert "huy" in listed


def test_the_officials_guide_is_in_vietnamese_and_the_developers_section_follows() -> None:
    guide = README.split("# Hướng dẫn cho cán bộ phường", 1)[1].split("\n# For developers", 1)[0]
    headings = re.findall(r"^## (.+)$", guide, flags=re.M)
    assert len(headings) >= 6
    vietnamese = re.compile(
        r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]"
    )
    for heading in headings:
        assert vietnamese.search(heading.lower()), heading
    english = re.findall(r"\b(the|and|with|when|which|should)\b", guide)
    assert english == [], english
    assert "\n# For developers" in README
