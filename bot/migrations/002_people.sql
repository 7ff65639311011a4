-- 002: people (only after consent), tổ dân phố (units), leaders, invites, audit log.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,         -- upper-case, e.g. 'TDP05'; re-imports match on it
    name        TEXT    NOT NULL,
    area        TEXT    NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- A row exists only for someone who agreed to the data notice (consent_at, consent_version).
-- Data minimisation: the Telegram id and display name only; no username, no phone number.
CREATE TABLE people (
    user_id        INTEGER PRIMARY KEY,          -- Telegram numeric id = private chat id
    first_name     TEXT    NOT NULL DEFAULT '',
    last_name      TEXT    NOT NULL DEFAULT '',
    role           TEXT    NOT NULL DEFAULT 'resident'
                   CHECK (role IN ('admin', 'officer', 'leader', 'resident')),
    consent_at     TEXT    NOT NULL,
    consent_version TEXT   NOT NULL,
    notifications  INTEGER NOT NULL DEFAULT 1,   -- non-urgent pushes wanted (residents)
    reachable      INTEGER NOT NULL DEFAULT 1,   -- 0 once Telegram says blocked/deactivated
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);

-- Who leads which tổ. A deactivated leadership keeps its row (active = 0, ended_at) so the
-- history of who was leader stays readable; erasing the person removes it (CASCADE).
CREATE TABLE unit_leaders (
    unit_id   INTEGER NOT NULL REFERENCES units(id),
    user_id   INTEGER NOT NULL REFERENCES people(user_id) ON DELETE CASCADE,
    since     TEXT    NOT NULL,
    active    INTEGER NOT NULL DEFAULT 1,
    ended_at  TEXT,
    PRIMARY KEY (unit_id, user_id)
);
CREATE INDEX unit_leaders_user ON unit_leaders(user_id);

CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,         -- sha256 of the token; the token is never stored
    role        TEXT    NOT NULL CHECK (role IN ('admin', 'officer', 'leader')),
    unit_id     INTEGER REFERENCES units(id),
    created_by  INTEGER NOT NULL,                -- 0: created with the command line
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_by     INTEGER,                         -- NULL again once that person erased their data
    used_at     TEXT,
    revoked_at  TEXT,
    revoked_by  INTEGER,
    CHECK (role != 'leader' OR unit_id IS NOT NULL)
);
CREATE INDEX invites_open ON invites(expires_at) WHERE used_at IS NULL AND revoked_at IS NULL;

-- Every privileged action and every refusal. Kept when a person erases their data: it is the
-- ward's security record (the data notice says so).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL,
    actor_id  INTEGER NOT NULL,                  -- 0: the command line
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL DEFAULT '',
    detail    TEXT    NOT NULL DEFAULT '',
    allowed   INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_id);

ALTER TABLE chats ADD COLUMN unit_id INTEGER REFERENCES units(id);
ALTER TABLE chats ADD COLUMN linked_by INTEGER;
ALTER TABLE chats ADD COLUMN linked_at TEXT;
