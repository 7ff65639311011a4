-- /themto asks before it saves from an ambiguous input ("tdp 03 Tổ 3": a tổ "TDP" or
-- "TDP03"?) or over an existing tổ's name: the question waits here for the officer's answer.
-- One open question per officer; a new /themto replaces it (and its id, so an old card's
-- buttons are stale).
CREATE TABLE unit_asks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    officer_id INTEGER NOT NULL UNIQUE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    area TEXT NOT NULL,
    alt_code TEXT,
    alt_name TEXT,
    alt_area TEXT,
    asked_at TEXT NOT NULL
);
