-- 001: chats the bot is in. Group titles are not personal data; private chats are not
-- stored here at all (people are only stored after consent, see 002).
CREATE TABLE chats (
    chat_id     INTEGER PRIMARY KEY,
    type        TEXT    NOT NULL CHECK (type IN ('group', 'supergroup', 'channel')),
    title       TEXT    NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    greeted     INTEGER NOT NULL DEFAULT 0,
    added_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
