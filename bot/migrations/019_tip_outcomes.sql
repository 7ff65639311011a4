-- Closing a tip records what was done: an outcome (corrected, referred, not_false, other)
-- and a short note. tip_waits holds the choice while the officer types the note.
ALTER TABLE tips ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE tips ADD COLUMN outcome_note TEXT NOT NULL DEFAULT '';
CREATE TABLE tip_waits (
    officer_id  INTEGER PRIMARY KEY,
    tip_id      INTEGER NOT NULL,
    outcome     TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
