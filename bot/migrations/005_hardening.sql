-- 005: hardening (issue 9). No secret and no finished conversation rests on disk.

-- The invite a person opened (/start <token>) and has not accepted yet: the "Đồng ý" button
-- names this row, not the token, so the token is never written anywhere (bot/invites.py).
-- One per person; it goes when the invite is redeemed, and with the person's erasure.
CREATE TABLE invite_offers (
    user_id     INTEGER PRIMARY KEY,
    invite_id   INTEGER NOT NULL REFERENCES invites(id),
    offered_at  TEXT    NOT NULL
);

-- A finished update keeps only its id (to spot Telegram sending it again), and the answer
-- stored for a finished flow step goes with it: neither is needed once the update is done,
-- and both hold what people wrote (bot/inbox.py).
UPDATE inbox SET payload = '' WHERE done_at IS NOT NULL;
CREATE INDEX flow_marks_event ON flow_marks(event_id);
UPDATE flow_marks SET outcome = ''
    WHERE event_id IN (SELECT update_id FROM inbox WHERE done_at IS NOT NULL);
CREATE TRIGGER inbox_done_forgets_answer AFTER UPDATE OF done_at ON inbox
    WHEN NEW.done_at IS NOT NULL AND OLD.done_at IS NULL
BEGIN
    UPDATE flow_marks SET outcome = '' WHERE event_id = NEW.update_id AND outcome != '';
END;

-- A person's tips in the last hour are counted before each new one ([limits] tips_per_hour).
CREATE INDEX tips_reporter ON tips(reporter_id, created_at);
