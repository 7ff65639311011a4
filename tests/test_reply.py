"""The one reply type (bot/reply.py): what a flow step stores is what it replays."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bot.media import MediaRef
from bot.reply import Reply
from bot.rich import bold
from bot.screens import Button, Screen

labels = st.text(min_size=1, max_size=20)
data = st.text(alphabet="abcdefghijklmnopqrstuvwxyz:0123456789", min_size=1, max_size=60)
buttons = st.lists(
    st.lists(st.builds(Button, labels, data), min_size=1, max_size=3), max_size=4
).map(lambda rows: tuple(tuple(r) for r in rows))
screens = st.builds(Screen, st.text(max_size=200), buttons)


@given(
    screens,
    st.booleans(),
    st.text(max_size=50),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.one_of(
        st.none(),
        st.builds(MediaRef, st.integers(1, 2**62), st.sampled_from(["photo", "document"])),
    ),
)
def test_a_stored_reply_comes_back_as_it_was(
    screen: Screen,
    replace: bool,
    notice: str,
    alert: bool,
    wake: bool,
    menu: bool,
    photo: MediaRef | None,
) -> None:
    reply = Reply(
        screen, replace=replace, notice=notice, alert=alert, wake=wake, menu=menu, photo=photo
    )
    assert Reply.from_json(reply.to_json()) == reply


def test_a_step_stored_by_the_previous_release_replays_the_same() -> None:
    """Before bot/reply.py a step stored "edit" and "toast" (flows.Outcome), and before
    rich text its screen as Telegram HTML."""
    stored = json.dumps(
        {
            "screen": {"html": "<b>Ngày họp</b>", "buttons": [[["Hôm nay", "r:d:0"]]]},
            "edit": True,
            "toast": "Đã ghi",
            "alert": False,
            "wake": True,
            "menu": False,
            "photo": None,
        }
    )
    reply = Reply.from_json(stored)
    assert reply == Reply(
        Screen(bold("Ngày họp"), ((Button("Hôm nay", "r:d:0"),),)),
        replace=True,
        notice="Đã ghi",
        wake=True,
    )


def test_an_emptied_mark_replays_nothing() -> None:
    assert Reply.from_json("") == Reply()
    assert not Reply().screen.has_text
