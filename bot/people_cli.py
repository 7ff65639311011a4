"""Command-line tools for officials: `import-units` and `invite` (see README).

    python -m bot import-units units.csv [--config config.toml]
    python -m bot invite --unit TDP05 --role leader [--out tdp05.png] [--bot-username NAME]
    python -m bot invite --all --out-dir qr/      # one leader invite per tổ still without one

They open the same SQLite database as the running bot (WAL lets both work at once). The bot's
username for the deep link comes from `--bot-username`, or from Telegram's getMe with the
configured token. Invites made here are created by user 0, "the command line", in the audit.
"""

from __future__ import annotations

import asyncio
import csv
import json
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot import invites, sheets, texts, units
from bot.clock import Clock, SystemClock, iso
from bot.config import Config, check_writable
from bot.db import Database
from bot.people import Role
from bot.people_ui import local
from bot.private_files import private_dir, private_file, write_private

CLI_ACTOR = 0


def _what(invite: invites.Invite) -> str:
    """ "tổ trưởng TDP05 — Tổ dân phố số 5" as terminal text."""
    what = texts.ROLE_LABELS[invite.role.value].lower()
    if invite.unit is not None:
        what += " " + texts.unit_label(invite.unit.code, invite.unit.name)
    return what


async def import_units_main(config: Config, path: Path, out: TextIO, err: TextIO) -> int:
    """Import the CSV; print every problem with its line, or what was added and updated."""
    try:
        with path.open("rb") as fh:  # never more than the cap (and one byte to notice it)
            data = fh.read(units.IMPORT_MAX_BYTES + 1)
    except OSError:
        print(texts.cli_file_missing(str(path)), file=err)
        return 1
    try:
        rows = units.parse_units_csv(data)
    except units.UnitsCsvError as exc:
        print(texts.IMPORT_FAILED, file=err)
        for problem in exc.problems:
            print(f"  {problem}", file=err)
        print(texts.IMPORT_FIX, file=err)
        return 1
    check_writable(config.storage.database, "[storage] database")
    async with Database(config.storage.database) as db:
        result = await units.import_units(db, rows, SystemClock().now(), actor_id=CLI_ACTOR)
    print(texts.import_done(result.added, result.updated, result.unchanged), file=out)
    return 0


def fetch_bot_username(config: Config, timeout: float = 10.0) -> str | None:
    """Ask the Bot API who we are (getMe); None when it cannot be reached or refuses."""
    url = f"{config.telegram.base_url}{config.telegram.token}/getMe"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            payload = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError):
        return None
    if not payload.get("ok"):
        return None
    username = payload.get("result", {}).get("username")
    return username if isinstance(username, str) and username else None


async def invite_main(
    config: Config,
    *,
    role: str,
    unit_code: str | None,
    all_units: bool,
    out_path: Path | None,
    out_dir: Path | None,
    bot_username: str | None,
    out: TextIO,
    err: TextIO,
    clock: Clock | None = None,
) -> int:
    """Create one invite (or one per tổ without a leader) and write its QR code PNG."""
    wanted = Role(role)
    if wanted == Role.LEADER and not (unit_code or all_units):
        print(texts.CLI_LEADER_NEEDS_UNIT, file=err)
        return 2
    if wanted != Role.LEADER and (unit_code or all_units):
        print(texts.CLI_UNIT_ONLY_FOR_LEADER, file=err)
        return 2
    username: str | None = None  # a ward on Zalo alone has no Telegram link to make
    if config.telegram.enabled:
        username = bot_username or await asyncio.to_thread(fetch_bot_username, config)
        if not username:
            print(texts.CLI_NO_USERNAME, file=err)
            return 1
    now = (clock or SystemClock()).now()
    tz = config.ward.tz
    check_writable(config.storage.database, "[storage] database")
    async with Database(config.storage.database) as db:
        if all_units:
            return await _invite_all(db, config, username, out_dir or Path("qr"), now, out)
        unit_id = None
        if unit_code:
            unit = await units.get_by_code(db, unit_code)
            if unit is None or not unit.active:
                print(texts.cli_unknown_unit(unit_code), file=err)
                return 1
            unit_id = unit.id
        made = await invites.create(
            db, config, role=wanted, unit_id=unit_id, created_by=CLI_ACTOR, now=now
        )
    link = invites.deep_link(username, made.token) if username else ""
    png = out_path or Path(f"loi-moi-{made.invite.id}.png")
    qr = invites.invite_qr(link, config.zalo.chat_link, made.code)
    if qr is not None:
        if png.parent != Path():
            private_dir(png.parent)
        write_private(png, qr)  # a live invite: for the bot's user only
    expires = local(made.invite.expires_at, tz)
    shown = str(png) if qr is not None else ""
    print(texts.cli_invite(_what(made.invite), link, expires, shown, made.code), file=out)
    return 0


async def _invite_all(
    db: Database, config: Config, username: str | None, folder: Path, now: datetime, out: TextIO
) -> int:
    """One leader invite per active tổ that has neither a leader nor an open leader invite."""
    covered = {
        int(r[0])
        for r in await db.fetchall(
            "SELECT unit_id FROM unit_leaders WHERE active = 1 UNION"
            " SELECT unit_id FROM invites WHERE role = 'leader' AND used_at IS NULL"
            " AND revoked_at IS NULL AND expires_at > ?",
            (iso(now),),
        )
    }
    private_dir(folder)  # live invite links: 0700 folder (when made here), 0600 files
    made_rows: list[list[str]] = []
    skipped = 0
    for unit in await units.list_units(db):
        if unit.id in covered:
            skipped += 1
            continue
        made = await invites.create(
            db, config, role=Role.LEADER, unit_id=unit.id, created_by=CLI_ACTOR, now=now
        )
        link = invites.deep_link(username, made.token) if username else ""
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in unit.code)
        if link:
            write_private(folder / f"{safe}.png", invites.qr_png(link))
        if config.zalo.chat_link:  # the Zalo invite: the chat's QR with the code under it
            write_private(
                folder / f"{safe}-zalo.png", invites.zalo_qr_png(config.zalo.chat_link, made.code)
            )
        made_rows.append(
            [unit.code, unit.name, link, local(made.invite.expires_at, config.ward.tz), made.code]
        )
    # A sheet to print or mail-merge next to the QR codes; Excel opens it (BOM, ";").
    sheet = folder / "invites.csv"
    private_file(sheet)
    with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["Mã tổ", "Tên tổ", "Đường link", "Hết hạn", "Mã gõ (Zalo)"])
        # A tổ's name is typed by people: it must stay text, never become a formula.
        writer.writerows(sheets.safe_row(row) for row in made_rows)
    print(texts.cli_all_done(len(made_rows), str(folder), skipped, username is not None,
                             bool(config.zalo.chat_link)), file=out)  # fmt: skip
    for code, name, link, _, typed in made_rows:
        print(f"  {texts.unit_label(code, name)}: {link or typed}", file=out)
    return 0
