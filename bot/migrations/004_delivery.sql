-- 004: broadcasts and their outbox, officials' drafts, push schedules and their runs.
-- All times are UTC ISO strings ('2026-04-06T00:30:00Z'); people see Asia/Ho_Chi_Minh.

-- One message an official (or a schedule) sends to many chats.
CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    created_by          INTEGER NOT NULL DEFAULT 0,   -- official's user id; 0: the content calendar
    created_at          TEXT    NOT NULL,
    schedule_id         INTEGER REFERENCES schedules(id),
    title               TEXT    NOT NULL DEFAULT '',  -- first line of the text, for lists
    html                TEXT    NOT NULL,             -- the text (or caption) in Telegram HTML
    media_kind          TEXT    NOT NULL DEFAULT '' CHECK (media_kind IN ('', 'photo', 'document')),
    media_file_id       TEXT    NOT NULL DEFAULT '',
    audience            TEXT    NOT NULL,             -- JSON, see bot.delivery.Audience
    urgent              INTEGER NOT NULL DEFAULT 0,
    status              TEXT    NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'done')),
    progress_chat_id    INTEGER,                      -- the official's preview card, edited live
    progress_message_id INTEGER,
    finished_at         TEXT
);
CREATE INDEX broadcasts_status ON broadcasts(status);

-- One row per (broadcast, recipient). The sender claims a row ('sending') before the call
-- and writes the classified outcome in the same transaction that changes the state, so after
-- a crash only rows left in 'sending' can have been delivered without our knowing (they are
-- put back to 'pending' at start-up: at most those are sent twice).
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id),
    chat_id       INTEGER NOT NULL,                   -- > 0 a person, < 0 a group
    state         TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sending', 'sent', 'gone', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,         -- calls that counted (429s do not)
    outcome       TEXT    NOT NULL DEFAULT '',        -- the last classified outcome
    error         TEXT    NOT NULL DEFAULT '',        -- Telegram's description, for the report
    message_id    INTEGER,
    migrated_from INTEGER,                            -- set once: a migrated chat is retried once
    updated_at    TEXT    NOT NULL,
    UNIQUE (broadcast_id, chat_id)
);
CREATE INDEX outbox_state ON outbox(state, broadcast_id);
CREATE INDEX outbox_chat ON outbox(chat_id);

-- A half-written broadcast, one per official, so a restart loses nothing.
CREATE TABLE compose_drafts (
    user_id     INTEGER PRIMARY KEY,
    data        TEXT    NOT NULL,                     -- JSON, see bot.compose.Draft
    updated_at  TEXT    NOT NULL
);

-- Pushes on a timetable: the content calendar (content/lich.toml) and officials' own.
CREATE TABLE schedules (
    id          INTEGER PRIMARY KEY,
    source      TEXT    NOT NULL CHECK (source IN ('calendar', 'official')),
    key         TEXT    UNIQUE,                       -- the calendar entry's id; NULL for officials'
    title       TEXT    NOT NULL,
    repeat      TEXT    NOT NULL CHECK (repeat IN ('once', 'daily', 'weekly', 'monthly')),
    at_time     TEXT    NOT NULL,                     -- 'HH:MM', ward time
    weekdays    TEXT    NOT NULL DEFAULT '',          -- weekly: '0,3' (0 = Monday)
    month_day   INTEGER NOT NULL DEFAULT 0,           -- monthly: 1..31 (clamped to the month's end)
    once_at     TEXT,                                 -- once: the moment, UTC
    content     TEXT    NOT NULL,                     -- JSON, see bot.schedule.Content
    audience    TEXT    NOT NULL,                     -- JSON, see bot.delivery.Audience
    urgent      INTEGER NOT NULL DEFAULT 0,
    state       TEXT    NOT NULL DEFAULT 'active'
                CHECK (state IN ('active', 'paused', 'done', 'deleted')),
    cursor      TEXT    NOT NULL DEFAULT '',          -- 'next item' pushes: the last item sent
    since       TEXT    NOT NULL,                     -- occurrences before this are not owed
    created_by  INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- Every occurrence handled, sent or skipped: the UNIQUE key is what makes "never twice" hold.
CREATE TABLE schedule_runs (
    id            INTEGER PRIMARY KEY,
    schedule_id   INTEGER NOT NULL REFERENCES schedules(id),
    due_at        TEXT    NOT NULL,                   -- the nominal occurrence, UTC
    ran_at        TEXT    NOT NULL,
    result        TEXT    NOT NULL CHECK (result IN ('sent', 'missed', 'nothing')),
    broadcast_id  INTEGER REFERENCES broadcasts(id),
    UNIQUE (schedule_id, due_at)
);

-- A person who erases their data leaves no address behind in the outbox or a draft.
CREATE TRIGGER people_erased_outbox AFTER DELETE ON people BEGIN
    DELETE FROM outbox WHERE chat_id = OLD.user_id;
    DELETE FROM compose_drafts WHERE user_id = OLD.user_id;
END;
