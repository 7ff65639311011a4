"""The database, its WAL and -shm, downloaded photos and invite exports are readable by the
bot's own user only (files 0600, the folders the bot creates 0700), whatever the umask."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.people_cli import invite_main
from bot.private_files import private_dir, private_file
from bot.simulator import BotApiSimulator

from .report_helpers import add_leader, add_unit, label_with, svc, without_reminders


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """A common default umask (files 0644, folders 0755): the modes must not come from it."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


async def test_database_wal_and_shm_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "deep" / "loa.sqlite3"
    async with Database(path) as db:
        await db.execute(
            "INSERT INTO people (user_id, first_name, role, consent_at, consent_version,"
            " created_at, updated_at) VALUES (1, 'Lan', 'resident', 'x', 'x', 'x', 'x')"
        )
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()  # WAL mode, open: both are there
        assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700


async def test_an_older_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "loa.sqlite3"
    async with Database(path):
        pass
    wal = Path(f"{path}-wal")
    os.chmod(path, 0o644)
    wal.touch()
    os.chmod(wal, 0o644)  # as an earlier version (or a crash) left them
    async with Database(path) as db:
        assert await db.schema_version() > 0
        assert mode(path) == 0o600 and mode(wal) == 0o600
    assert mode(tmp_path) == stat.S_IMODE(tmp_path.stat().st_mode)  # not ours: untouched


def test_existing_folders_are_left_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    private_dir(shared / "a" / "b")
    assert mode(shared) == 0o755  # maybe shared on purpose (a home folder, /tmp)
    assert mode(shared / "a") == 0o700 and mode(shared / "a" / "b") == 0o700
    private_file(shared / "a" / "f")
    assert mode(shared / "a" / "f") == 0o600


async def test_downloaded_report_photo_is_private(
    sim: BotApiSimulator, bot: Any, config: Config, pack: ContentPack
) -> None:
    await add_leader(svc(bot).db, 2501, "Lan", "Tổ dân phố số 5")
    lan = sim.user(2501, "Lan")
    await lan.send("/baocao")
    await lan.press(await lan.expect_reply(), texts.R_BTN_TODAY)
    await lan.press(await lan.expect_reply(), texts.R_FORM_LABELS["hop_to"])
    topic_q = await lan.expect_reply()
    await lan.press(topic_q, label_with(topic_q, "2030"))
    await lan.press(await lan.expect_reply(), texts.r_btn_topics_done(1))
    await lan.expect_reply()
    await lan.send("40")
    await lan.expect_reply()
    await lan.send("Bà con hỏi nhiều")
    await lan.expect_reply()
    await lan.send_photo()  # the photos step
    await lan.expect_reply()

    db = svc(bot).db
    path = None
    for _ in range(200):
        path = await db.fetchval("SELECT path FROM media")
        if path:
            break
        await sim.wait_idle()
    assert path, "photo not downloaded"
    media = Path(config.storage.media)
    photo = media / path
    assert photo.stat().st_size > 0
    assert mode(photo) == 0o600
    assert mode(photo.parent) == 0o700 and mode(media) == 0o700


async def test_invite_exports_are_private(tmp_path: Path, config: Config) -> None:
    async with Database(config.storage.database) as db:
        await add_unit(db, "Tổ dân phố số 5", "TDP05")
        await add_unit(db, "Tổ dân phố số 6", "TDP06")
    out, err = io.StringIO(), io.StringIO()
    folder = tmp_path / "xuat" / "qr"
    code = await invite_main(
        config,
        role="leader",
        unit_code=None,
        all_units=True,
        out_path=None,
        out_dir=folder,
        bot_username="loaphuong_bot",
        out=out,
        err=err,
    )
    assert code == 0, err.getvalue()
    files = sorted(folder.iterdir())
    assert [p.name for p in files] == ["TDP05.png", "TDP06.png", "invites.csv"]
    assert "start=" in (folder / "invites.csv").read_text(encoding="utf-8-sig")  # live links
    assert all(mode(p) == 0o600 for p in files), {p.name: oct(mode(p)) for p in files}
    assert mode(folder) == 0o700 and mode(folder.parent) == 0o700

    single = tmp_path / "mot" / "tdp.png"
    code = await invite_main(
        config,
        role="officer",
        unit_code=None,
        all_units=False,
        out_path=single,
        out_dir=None,
        bot_username="loaphuong_bot",
        out=out,
        err=err,
    )
    assert code == 0, err.getvalue()
    assert mode(single) == 0o600 and mode(single.parent) == 0o700
