-- 007: the options last shown as numbered lines to a chat on a channel without buttons
-- (bot/numbered.py): a reply of "2" is the same press as a tap on the second button.
-- One menu per chat, the latest; a chat is named as text, whatever its channel's ids are.
CREATE TABLE numbered_menus (
    chat_key  TEXT    PRIMARY KEY,
    options   TEXT    NOT NULL,          -- JSON [[label, token], …] in the order shown
    shown_at  TEXT    NOT NULL
);
