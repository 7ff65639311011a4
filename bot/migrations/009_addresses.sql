-- 009: where each person and group is reached (issue 10, item 3): an address is a channel and
-- that channel's own id (text: Zalo's ids are strings), and the local id the core knows the
-- person or group by. A person may have several addresses (Telegram and Zalo), one local id.
-- First step: a Telegram address's local id is its Telegram id, so every row written before
-- keeps its meaning; other channels' local ids are numbered from 2^53 (above any Telegram id,
-- which has at most 52 significant bits) until people are numbered locally.
CREATE TABLE addresses (
    channel      TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('person', 'group')),
    local_id     INTEGER NOT NULL,
    added_at     TEXT    NOT NULL,
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX addresses_local ON addresses(local_id);
INSERT OR IGNORE INTO addresses (channel, external_id, kind, local_id, added_at)
    SELECT 'telegram', CAST(user_id AS TEXT), 'person', user_id, created_at FROM people;
INSERT OR IGNORE INTO addresses (channel, external_id, kind, local_id, added_at)
    SELECT 'telegram', CAST(chat_id AS TEXT), 'group', chat_id, added_at FROM chats;
