"""Configuration: typed defaults, the environment override, and one clear line per mistake."""

from __future__ import annotations

import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT, ConfigError, load_config, parse_config

TOKEN = "123456:TEST-token"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_types(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n[reports]\nreminder_time = "07:30"\n'),
        env={},
    )
    assert config.telegram.token == TOKEN
    assert config.ward.timezone == "Asia/Ho_Chi_Minh"
    assert config.reports.reminder_time == time(7, 30)
    assert config.content.path == DEFAULT_CONTENT
    assert config.file_url == "https://api.telegram.org/file/bot"
    with pytest.raises(AttributeError):
        config.telegram.token = "x"  # type: ignore[misc]


def test_environment_token_wins() -> None:
    config = parse_config({"telegram": {"token": "1:file"}}, env={"BOT_TOKEN": "2:env"})
    assert config.telegram.token == "2:env"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({}, "[telegram] token"),
        ({"telegram": {"token": TOKEN, "tokn": "x"}}, "[telegram] tokn"),
        ({"telegram": {"token": TOKEN}, "ward": {"timezone": "Asia/Ha_Noi"}}, "[ward] timezone"),
        ({"telegram": {"token": TOKEN}, "content": {"path": "/nonexistent"}}, "[content] path"),
        (
            {"telegram": {"token": TOKEN}, "admins": {"telegram_ids": ["@lan"]}},
            "[admins] telegram_ids",
        ),
        (
            {"telegram": {"token": TOKEN}, "admins": {"addresses": ["123456789"]}},
            "[admins] addresses",
        ),
        ({"telegram": {"token": TOKEN}, "admins": {"addresses": [42]}}, "[admins] addresses"),
        ({"telegram": {"token": TOKEN}, "reports": {"period": "daily"}}, "[reports] period"),
        (
            {"telegram": {"token": TOKEN}, "reports": {"reminder_time": "7h"}},
            "[reports] reminder_time",
        ),
        ({"telegram": {"token": TOKEN}, "wardd": {}}, "wardd"),
    ],
)
def test_each_mistake_names_its_key(data: dict, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data, env={})
    assert info.value.key == key
    assert key in str(info.value)
    assert "Cách sửa:" in str(info.value)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("", "[telegram] token"),
        (f'[telegram]\ntoken = "{TOKEN}"\n[ward]\ntimezone = "Mars/Base"\n', "[ward] timezone"),
        (f'[telegram]\ntoken = "{TOKEN}"\nprefix = 1\n', "[telegram] prefix"),
        (f'[telegram]\ntoken = "{TOKEN}"\n[content]\npath = "/no/such/dir"\n', "[content] path"),
        ('[telegram]\ntoken = "unterminated\n', "config.toml"),
    ],
)
def test_cli_stops_with_one_line_and_no_traceback(tmp_path: Path, toml: str, key: str) -> None:
    result = run_cli("run", "--config", str(write(tmp_path, toml)))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert key in lines[0]
    assert "Traceback" not in result.stderr


def test_cli_unwritable_database(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    toml = f'[telegram]\ntoken = "{TOKEN}"\n[storage]\ndatabase = "{blocker}/db.sqlite3"\n'
    result = run_cli("run", "--config", str(write(tmp_path, toml)))
    assert result.returncode == 2
    assert "[storage] database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert TOKEN not in result.stderr


def test_cli_missing_config_file(tmp_path: Path) -> None:
    result = run_cli("run", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "config.example.toml" in result.stderr


def test_admins_of_any_channel_and_the_old_telegram_ids_are_one_list() -> None:
    config = parse_config(
        {
            "telegram": {"token": TOKEN},
            "admins": {"telegram_ids": [1001], "addresses": ["Zalo:7d1fa2c0", "telegram:1001"]},
        },
        env={},
    )
    assert config.admins.keys() == ("telegram:1001", "zalo:7d1fa2c0")
