-- 002: people (only after consent), tổ dân phố (units), leaders, invites, audit log.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    area        TEXT    NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- A row exists only for someone who agreed to the data notice (consent_at).
CREATE TABLE people (
    user_id        INTEGER PRIMARY KEY,          -- Telegram numeric id = private chat id
    first_name     TEXT    NOT NULL DEFAULT '',
    last_name      TEXT    NOT NULL DEFAULT '',
    username       TEXT    NOT NULL DEFAULT '',
    role           TEXT    NOT NULL DEFAULT 'resident'
                   CHECK (role IN ('admin', 'officer', 'leader', 'resident')),
    consent_at     TEXT    NOT NULL,
    consent_version TEXT   NOT NULL,
    notifications  INTEGER NOT NULL DEFAULT 1,   -- non-urgent pushes wanted (residents)
    reachable      INTEGER NOT NULL DEFAULT 1,   -- 0 once Telegram says blocked/deactivated
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);

CREATE TABLE unit_leaders (
    unit_id   INTEGER NOT NULL REFERENCES units(id),
    user_id   INTEGER NOT NULL REFERENCES people(user_id) ON DELETE CASCADE,
    since     TEXT    NOT NULL,
    active    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (unit_id, user_id)
);
CREATE INDEX unit_leaders_user ON unit_leaders(user_id);

CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,         -- sha256 of the token; the token is never stored
    role        TEXT    NOT NULL CHECK (role IN ('admin', 'officer', 'leader', 'resident')),
    unit_id     INTEGER REFERENCES units(id),
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_by     INTEGER,
    used_at     TEXT,
    revoked_at  TEXT,
    CHECK (role != 'leader' OR unit_id IS NOT NULL)
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL,
    actor_id  INTEGER NOT NULL,
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL DEFAULT '',
    detail    TEXT    NOT NULL DEFAULT '',
    allowed   INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX audit_log_at ON audit_log(at);

ALTER TABLE chats ADD COLUMN unit_id INTEGER REFERENCES units(id);
ALTER TABLE chats ADD COLUMN linked_by INTEGER;
ALTER TABLE chats ADD COLUMN linked_at TEXT;
