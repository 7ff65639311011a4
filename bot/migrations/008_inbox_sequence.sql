-- 008: the inbox is keyed by (channel, the channel's own id of the update) and numbered by a
-- local, increasing sequence (issue 10). Telegram's update_id means nothing on Zalo (whose
-- updates carry a message id and no offset), so the exactly-once guard of flow steps
-- (flow_marks.event_id) now holds this sequence. The chat and the sender are kept as the
-- channel names them (text): the inbox is the channel's raw record, and erasure finds a
-- person's unfinished updates by them without reading the JSON.
CREATE TABLE inbox_new (
    seq          INTEGER PRIMARY KEY,             -- local, increasing in order of arrival
    channel      TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,                -- the channel's id of the update
    chat         TEXT,                            -- the channel's id of the chat
    sender       TEXT,                            -- the channel's id of the person
    payload      TEXT    NOT NULL,
    received_at  TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 1,
    done_at      TEXT,
    UNIQUE (channel, external_id)
);
-- Every update so far came from Telegram, and its update_id was the guard's event id: keeping
-- it as the sequence keeps flow_marks valid, and new updates are numbered above it.
INSERT INTO inbox_new (seq, channel, external_id, chat, sender, payload, received_at,
                       attempts, done_at)
SELECT update_id, 'telegram', CAST(update_id AS TEXT), CAST(chat_id AS TEXT),
       CASE WHEN payload = '' THEN NULL ELSE CAST(COALESCE(
           json_extract(payload, '$.message.from.id'),
           json_extract(payload, '$.edited_message.from.id'),
           json_extract(payload, '$.callback_query.from.id'),
           json_extract(payload, '$.my_chat_member.from.id')) AS TEXT) END,
       payload, received_at, attempts, done_at
FROM inbox;
DROP TRIGGER inbox_done_forgets_answer;
DROP TABLE inbox;
ALTER TABLE inbox_new RENAME TO inbox;
CREATE INDEX inbox_pending ON inbox(seq) WHERE done_at IS NULL;
CREATE INDEX inbox_received ON inbox(received_at);
CREATE TRIGGER inbox_done_forgets_answer AFTER UPDATE OF done_at ON inbox
    WHEN NEW.done_at IS NOT NULL AND OLD.done_at IS NULL
BEGIN
    UPDATE flow_marks SET outcome = '' WHERE event_id = NEW.seq AND outcome != '';
END;
