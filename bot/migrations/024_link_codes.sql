-- A registered person's code to add a second channel (a Telegram leader adds Zalo): typed on
-- the other channel, that account becomes the same person. Only the keyed hash is stored.
CREATE TABLE link_codes (
    code_hash   TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT
);
