-- 003: the durable inbox of incoming updates, leaders' activity reports (drafts, reports,
-- photos, review), reminders, misinformation tips, and the notices the bot owes people.

-- Every incoming update, written before it is handled (see bot/inbox.py). `attempts` counts
-- how many times handling started: 1, plus one per replay after a crash.
CREATE TABLE inbox (
    update_id    INTEGER PRIMARY KEY,
    chat_id      INTEGER,
    payload      TEXT    NOT NULL,                -- the update as Bot API JSON
    received_at  TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 1,
    done_at      TEXT
);
CREATE INDEX inbox_pending ON inbox(update_id) WHERE done_at IS NULL;

-- The effect of the last flow step per person: a replayed update with an id not above
-- `event_id` changes nothing and gets the stored answer again (exactly-once effects).
CREATE TABLE flow_marks (
    user_id   INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL,
    outcome   TEXT    NOT NULL                  -- JSON of the answer that step produced
);

-- One report in progress per person, updated at every step. `report_id` is set when the
-- draft fixes or edits a report already sent.
CREATE TABLE report_drafts (
    user_id        INTEGER PRIMARY KEY,
    unit_id        INTEGER REFERENCES units(id),
    report_id      INTEGER REFERENCES reports(id),
    step           TEXT    NOT NULL,
    back_to_summary INTEGER NOT NULL DEFAULT 0, -- 1 while changing one answer from the summary
    session_date   TEXT,                        -- YYYY-MM-DD, the ward's local date
    form           TEXT,
    form_other     TEXT    NOT NULL DEFAULT '',
    topics         TEXT    NOT NULL DEFAULT '[]',  -- JSON list of content item ids
    topics_page    INTEGER NOT NULL DEFAULT 0,
    attendance     INTEGER,
    notes          TEXT    NOT NULL DEFAULT '',
    photos         TEXT    NOT NULL DEFAULT '[]',  -- JSON list of Telegram file ids
    difficulties   TEXT    NOT NULL DEFAULT '',
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    offered_at     TEXT                         -- when an idle draft was last offered again
);

CREATE TABLE reports (
    id             INTEGER PRIMARY KEY,         -- the report number people see
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    leader_id      INTEGER NOT NULL,
    session_date   TEXT    NOT NULL,            -- YYYY-MM-DD, local date of the session
    form           TEXT    NOT NULL,
    form_other     TEXT    NOT NULL DEFAULT '',
    topics         TEXT    NOT NULL,            -- JSON list of content item ids
    attendance     INTEGER NOT NULL CHECK (attendance BETWEEN 1 AND 10000),
    notes          TEXT    NOT NULL DEFAULT '',
    difficulties   TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL DEFAULT 'submitted'
                   CHECK (status IN ('submitted', 'approved', 'needs_more', 'rejected',
                                     'withdrawn')),
    version        INTEGER NOT NULL DEFAULT 1,  -- +1 at every edit; review buttons carry it
    submitted_at   TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    reviewed_by    INTEGER,
    reviewed_at    TEXT,
    review_reason  TEXT    NOT NULL DEFAULT '',
    digested_at    TEXT                         -- officers were told (card or digest)
);
CREATE INDEX reports_unit_date ON reports(unit_id, session_date);
CREATE INDEX reports_leader ON reports(leader_id, id);
CREATE INDEX reports_status ON reports(status);

CREATE TABLE report_photos (
    report_id  INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    file_id    TEXT    NOT NULL,
    PRIMARY KEY (report_id, position)
);

-- Files people sent (report photos, tip screenshots), downloaded into [storage] media.
CREATE TABLE media (
    file_id        TEXT    PRIMARY KEY,
    file_unique_id TEXT    NOT NULL DEFAULT '',
    path           TEXT,                         -- relative to [storage] media once downloaded
    added_at       TEXT    NOT NULL,
    downloaded_at  TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    error          TEXT    NOT NULL DEFAULT ''
);

-- An officer who pressed "Cần bổ sung" or "Không hợp lệ" and is typing the reason.
CREATE TABLE review_waits (
    officer_id  INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports(id),
    version     INTEGER NOT NULL,
    verdict     TEXT    NOT NULL CHECK (verdict IN ('needs_more', 'rejected')),
    created_at  TEXT    NOT NULL
);

-- At most one reminder per leader per period: the primary key is the guarantee.
CREATE TABLE reminders (
    user_id  INTEGER NOT NULL,
    period   TEXT    NOT NULL,                  -- e.g. '2026-W15' or '2026-04'
    unit_id  INTEGER NOT NULL,
    sent_at  TEXT    NOT NULL,
    PRIMARY KEY (user_id, period)
);

CREATE TABLE tips (
    id           INTEGER PRIMARY KEY,
    reporter_id  INTEGER NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('text', 'link', 'forward', 'photo')),
    content      TEXT    NOT NULL DEFAULT '',   -- the pasted or forwarded text, or a caption
    origin       TEXT    NOT NULL DEFAULT '',   -- who the forwarded message came from
    file_id      TEXT,
    note         TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'handled')),
    created_at   TEXT    NOT NULL,
    handled_by   INTEGER,
    handled_at   TEXT
);
CREATE INDEX tips_open ON tips(id) WHERE status = 'open';

CREATE TABLE tip_drafts (
    user_id     INTEGER PRIMARY KEY,
    step        TEXT    NOT NULL CHECK (step IN ('content', 'note')),
    kind        TEXT,
    content     TEXT    NOT NULL DEFAULT '',
    origin      TEXT    NOT NULL DEFAULT '',
    file_id     TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- What the bot owes someone outside a reply: review cards, digests, verdicts, reminders,
-- tips. Written in the same transaction as the change that causes it, sent by a paced
-- sender, so a crash never loses one (it may send one twice: Telegram has no idempotency).
CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    ref_id      INTEGER NOT NULL DEFAULT 0,
    payload     TEXT    NOT NULL DEFAULT '{}',
    created_at  TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TEXT    NOT NULL,
    sent_at     TEXT,
    failed      TEXT                            -- why it was given up ('gone', 'bad', 'stale')
);
CREATE INDEX notices_due ON notices(next_at) WHERE sent_at IS NULL AND failed IS NULL;
