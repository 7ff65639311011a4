"""Migration 013: every file the data named by a Telegram file id is named by a local media
reference afterwards, wherever it was named (issue 10, item 1).

The release database (tests/data/release_v10.sqlite3) is brought to schema 12, then given
every place a file id could be before 013: a report's photos (already there), a tip's
screenshot, a tip and a report in progress, a broadcast's photo, a schedule's document, an
official's draft, a stored flow reply and an owed notice. After 013 each of them names a
media row whose source is that same file id, a file downloaded before keeps its copy, and
the same file named twice is one row.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bot.db import Database
from bot.media import Library, MediaRef

RELEASE = Path(__file__).parent / "data" / "release_v10.sqlite3"
STAMP = "2026-12-02T20:30:00Z"
LEADER, RESIDENT = 2, 3  # local ids of Lan and Bình after 011 (the group is 1, Hà the admin 4)


async def legacy_rows(db: Database) -> None:
    """The places a Telegram file id could be named before 013."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE report_drafts SET step = 'photos', photos = ? WHERE user_id = ?",
            (json.dumps([{"id": "DRAFT-A", "u": "UA"}, {"id": "DRAFT-B", "u": "UB"}]), LEADER),
        )
        await conn.execute(
            "INSERT INTO tip_drafts (user_id, step, kind, file_id, created_at, updated_at)"
            " VALUES (?, 'note', 'photo', 'TIP-DRAFT', ?, ?)",
            (RESIDENT, STAMP, STAMP),
        )
        await conn.execute(
            "INSERT INTO tips (reporter_id, kind, file_id, created_at)"
            " VALUES (?, 'photo', 'TIP', ?)",
            (RESIDENT, STAMP),
        )
        await conn.execute(
            "INSERT INTO broadcasts (created_by, created_at, title, html, body, media_kind,"
            " media_file_id, audience, status) VALUES (4, ?, 'Ảnh', '', '', 'photo', 'BC',"
            " '{\"kind\": \"everyone\"}', 'done')",
            (STAMP,),
        )
        await conn.execute(
            "INSERT INTO schedules (source, title, repeat, at_time, content, audience, since,"
            " created_at, updated_at) VALUES ('official', 'Tệp', 'daily', '07:30', ?,"
            ' \'{"kind": "everyone"}\', ?, ?, ?)',
            (
                json.dumps({"type": "text", "media_kind": "document", "media_file_id": "DOC"}),
                STAMP,
                STAMP,
                STAMP,
            ),
        )
        await conn.execute(
            "INSERT INTO compose_drafts (user_id, data, updated_at) VALUES (4, ?, ?)",
            (json.dumps({"step": "audience", "media_kind": "photo", "media_file_id": "BC"}), STAMP),
        )
        await conn.execute(
            "UPDATE flow_marks SET outcome = ? WHERE user_id = 4",
            (json.dumps({"screen": {"rich": [], "buttons": []}, "photo": "TIP"}),),
        )
        await conn.execute(
            "INSERT INTO notices (chat_id, kind, ref_id, payload, created_at, next_at)"
            " VALUES (4, 'screen', 0, ?, ?, ?)",
            (json.dumps({"user": 4, "event": 1, "photo": "DRAFT-A"}), STAMP, STAMP),
        )


async def test_every_file_is_named_by_a_local_reference(tmp_path: Path) -> None:
    path = tmp_path / "loa.sqlite3"
    shutil.copy(RELEASE, path)
    async with Database(path, schema=12) as db:
        before_photo = await db.fetchone("SELECT file_id, path FROM media")
        assert before_photo is not None and before_photo[1]  # downloaded before the upgrade
        report_photo = await db.fetchval("SELECT file_id FROM report_photos")
        await legacy_rows(db)

    async with Database(path) as db:
        assert await db.schema_version() >= 13
        media = {
            str(r[3]): (int(r[0]), str(r[1]), str(r[2]), r[4])
            for r in await db.fetchall("SELECT id, channel, kind, source, path FROM media")
        }
        # One row per file, the same file named in several places included.
        assert sorted(media) == sorted(
            {report_photo, "DRAFT-A", "DRAFT-B", "TIP-DRAFT", "TIP", "BC", "DOC"}
        )
        assert all(channel == "telegram" for _, channel, _, _ in media.values())
        assert media["DOC"][2] == "document" and media["BC"][2] == "photo"
        assert media[before_photo[0]][3] == before_photo[1]  # its downloaded copy kept

        def id_of(source: str) -> int:
            return media[source][0]

        assert await db.fetchval("SELECT media_id FROM report_photos") == id_of(report_photo)
        assert await db.fetchval("SELECT media_id FROM tips WHERE kind = 'photo'") == id_of("TIP")
        assert await db.fetchval("SELECT media_id FROM tip_drafts") == id_of("TIP-DRAFT")
        assert await db.fetchval(
            "SELECT media_id FROM broadcasts WHERE media_kind = 'photo'"
        ) == id_of("BC")
        photos = await db.fetchval("SELECT photos FROM report_drafts WHERE user_id = ?", (LEADER,))
        assert json.loads(photos) == [id_of("DRAFT-A"), id_of("DRAFT-B")]  # in order
        content = json.loads(await db.fetchval("SELECT content FROM schedules WHERE title = 'Tệp'"))
        assert content == {"type": "text", "media_kind": "document", "media_id": id_of("DOC")}
        draft = json.loads(await db.fetchval("SELECT data FROM compose_drafts"))
        assert draft == {"step": "audience", "media_kind": "photo", "media_id": id_of("BC")}
        outcome = json.loads(await db.fetchval("SELECT outcome FROM flow_marks WHERE user_id = 4"))
        assert outcome["photo"] == {"id": id_of("TIP"), "kind": "photo"}
        payload = json.loads(await db.fetchval("SELECT payload FROM notices WHERE kind = 'screen'"))
        assert payload["photo"] == {"id": id_of("DRAFT-A"), "kind": "photo"}
        # No column still holds a Telegram file id.
        for table, column in (
            ("report_photos", "file_id"),
            ("tips", "file_id"),
            ("tip_drafts", "file_id"),
            ("broadcasts", "media_file_id"),
        ):
            columns = [r[1] for r in await db.fetchall(f"PRAGMA table_info({table})")]
            assert column not in columns and "media_id" in columns

        # The Telegram channel finds each file by its Telegram id again.
        library = Library(db, tmp_path / "media")
        found = await library.locate(MediaRef(id_of("DOC"), "document"))
        assert found is not None and (found.channel, found.source) == ("telegram", "DOC")
        copied = await library.locate(MediaRef(id_of(before_photo[0])))
        assert copied is not None and copied.path == tmp_path / "media" / before_photo[1]
