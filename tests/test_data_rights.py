"""/dulieucuatoi shows what /xoadulieu removes (issue 10, item 8; Law 91/2025/QH15).

Before, the screen showed only the profile: a leader's reports, photos and tips, which the
erasure then anonymised or deleted, were not among "the data Loa Phường keeps about you".
"""

from __future__ import annotations

from typing import Any

import pytest

from bot import texts
from bot.config import Config
from bot.content import ContentPack
from bot.simulator import BotApiSimulator
from bot.simulator.models import SimUser

from .report_helpers import add_leader, begin, file_report, svc, without_reminders

LEADER = 6_100_001


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


async def my_data(user: SimUser) -> str:
    await user.send("/dulieucuatoi")
    return (await user.expect_reply()).text


async def tip(user: SimUser, text: str) -> int:
    await user.send("/baotin")
    await user.expect_reply()
    await user.send(text)
    await user.press(await user.expect_reply(), texts.TIP_BTN_NO_NOTE)
    received = await user.expect_reply()
    assert received.text.startswith("Đã nhận tin báo số"), received.text
    return int(received.text.split("số ")[1].split()[0])


async def test_my_data_lists_reports_photos_tips_and_drafts(
    sim: BotApiSimulator, bot: Any, pack: ContentPack
) -> None:
    db = svc(bot).db
    await add_leader(db, LEADER, "Lan", "Tổ dân phố số 6")
    lan = sim.user(LEADER, "Lan")
    before = await my_data(lan)
    assert texts.MY_REPORTS not in before and texts.MY_TIPS not in before

    first = await file_report(lan, pack, photo=True)
    second = await file_report(lan, pack)
    number = await tip(lan, "Nghe nói phường thu phí chuyển đổi số")
    await begin(lan)  # a third report, left half-written
    await sim.wait_idle()
    lan.skip_replies()

    shown = await my_data(lan)
    assert f"{texts.MY_REPORTS}: 2 (số {first}, {second})" in shown
    assert f"{texts.MY_REPORT_PHOTOS}: 1" in shown
    assert f"{texts.MY_TIPS}: 1 (số {number})" in shown
    assert f"{texts.MY_REPORT_DRAFT}: {texts.YES}" in shown
    assert texts.MY_MESSAGES_NOTE in shown

    await lan.send("/huy")
    await lan.expect_reply()
    await lan.send("/xoadulieu")
    await lan.press(await lan.expect_reply(), texts.BTN_ERASE)
    await lan.expect_reply()
    after = await my_data(lan)
    labels = (texts.MY_REPORTS, texts.MY_REPORT_PHOTOS, texts.MY_TIPS, texts.MY_REPORT_DRAFT)
    assert [label for label in labels if label in after] == []
    assert "chưa đăng ký" in after


async def test_an_unregistered_person_sees_what_is_kept_of_them(
    sim: BotApiSimulator, bot: Any
) -> None:
    from bot import invites, units
    from bot.people import Role

    from .conftest import ADMIN_ID

    db, now = svc(bot).db, svc(bot).clock.now()
    unit, _ = await units.upsert_unit(db, "TDP07", "Tổ dân phố số 7", "", now, actor_id=ADMIN_ID)
    made = await invites.create(
        db, svc(bot).config, role=Role.LEADER, unit_id=unit.id, created_by=ADMIN_ID, now=now
    )
    khach = sim.user(6_100_002, "Khách")
    await khach.send(f"/start {made.token}")  # opened, not accepted: an invite_offers row
    await khach.expect_reply()
    shown = await my_data(khach)
    assert f"{texts.MY_INVITE_OPENED}: {texts.YES}" in shown and "/xoadulieu" in shown

    await khach.send("/xoadulieu")
    await khach.press(await khach.expect_reply(), texts.BTN_ERASE)
    await khach.expect_reply()
    assert texts.MY_INVITE_OPENED not in await my_data(khach)
