-- 011: people and groups are numbered locally, from 1 (issue 10, item 3, second step).
-- Until now a Telegram address's local id was its Telegram id. Here every id the tables hold
-- gets a local number in order of first contact, and every column naming a person or a
-- group is rewritten to it in place; the addresses table alone keeps the Telegram ids.
-- `local_ids` hands out the numbers from now on (AUTOINCREMENT: an id is never reused, so an
-- erased person's id in the audit log can never come to mean someone else).
--
-- Rows are rewritten through an offset (2^62, far above every id) and back, so that no
-- primary or unique key ever holds two rows mid-way; the foreign key from unit_leaders to
-- people is checked at COMMIT.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE local_ids (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    made_at  TEXT    NOT NULL
);

-- `kind` gains 'shared': an account anyone may be behind (Telegram's GroupAnonymousBot
-- speaks for every anonymous admin of a group), which never holds a role.
CREATE TABLE addresses_011 (
    channel      TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('person', 'group', 'shared')),
    local_id     INTEGER NOT NULL REFERENCES local_ids(id),
    added_at     TEXT    NOT NULL,
    PRIMARY KEY (channel, external_id)
);

-- Every id any table holds (0 is "nobody": the command line, the calendar, an erased person).
-- (NULLs are filtered before the insert: a NULL into an INTEGER PRIMARY KEY would be given a
-- rowid, an id nobody has.)
CREATE TEMP TABLE old_ids (old INTEGER PRIMARY KEY);
INSERT OR IGNORE INTO old_ids SELECT id FROM (
    SELECT local_id AS id FROM addresses
    UNION SELECT user_id FROM people
    UNION SELECT user_id FROM unit_leaders
    UNION SELECT created_by FROM invites
    UNION SELECT used_by FROM invites
    UNION SELECT revoked_by FROM invites
    UNION SELECT actor_id FROM audit_log
    UNION SELECT CAST(substr(target, 6) AS INTEGER) FROM audit_log
          WHERE (target LIKE 'user:%' OR target LIKE 'chat:%')
            AND substr(target, 6) GLOB '[0-9-]*' AND substr(target, 7) NOT GLOB '*[^0-9]*'
    UNION SELECT user_id FROM flow_marks
    UNION SELECT user_id FROM report_drafts
    UNION SELECT leader_id FROM reports
    UNION SELECT reviewed_by FROM reports
    UNION SELECT officer_id FROM review_waits
    UNION SELECT user_id FROM reminders
    UNION SELECT reporter_id FROM tips
    UNION SELECT handled_by FROM tips
    UNION SELECT user_id FROM tip_drafts
    UNION SELECT chat_id FROM notices
    UNION SELECT json_extract(payload, '$.user') FROM notices
          WHERE json_valid(payload) AND json_type(payload, '$.user') = 'integer'
    UNION SELECT created_by FROM broadcasts
    UNION SELECT progress_chat_id FROM broadcasts
    UNION SELECT chat_id FROM outbox
    UNION SELECT migrated_from FROM outbox
    UNION SELECT user_id FROM compose_drafts
    UNION SELECT created_by FROM schedules
    UNION SELECT chat_id FROM chats
    UNION SELECT linked_by FROM chats
    UNION SELECT user_id FROM invite_offers
    UNION SELECT user_id FROM search_waits
) WHERE id IS NOT NULL AND id != 0;

-- The ids written before addresses were kept for everyone are Telegram's: a group's is
-- negative by Telegram's own convention, read here once and never again. Ids outside
-- Telegram's range (another channel's, whose address was erased) get a number and no address.
INSERT INTO addresses_011 (channel, external_id, kind, local_id, added_at)
    SELECT channel, external_id,
           CASE WHEN channel = 'telegram' AND external_id = '1087968824' THEN 'shared' ELSE kind END,
           local_id, added_at
    FROM addresses;
INSERT OR IGNORE INTO addresses_011 (channel, external_id, kind, local_id, added_at)
    SELECT 'telegram', CAST(old AS TEXT),
           CASE WHEN old = 1087968824 THEN 'shared' WHEN old < 0 THEN 'group' ELSE 'person' END,
           old, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
    FROM old_ids
    WHERE old > -4503599627370496 AND old < 4503599627370496
      AND old NOT IN (SELECT local_id FROM addresses);

-- Numbers in order of first contact (ties: by the old id, so the order is reproducible).
CREATE TEMP TABLE idmap (old INTEGER PRIMARY KEY, new INTEGER NOT NULL UNIQUE);
INSERT INTO idmap (old, new)
    SELECT old, ROW_NUMBER() OVER (ORDER BY first_seen, old)
    FROM (
        SELECT o.old AS old,
               COALESCE((SELECT MIN(a.added_at) FROM addresses_011 a WHERE a.local_id = o.old),
                        '9999') AS first_seen
        FROM old_ids o
    );
INSERT INTO local_ids (id, made_at)
    SELECT m.new,
           COALESCE((SELECT MIN(a.added_at) FROM addresses_011 a WHERE a.local_id = m.old),
                    strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    FROM idmap m ORDER BY m.new;

UPDATE addresses_011 SET local_id = (SELECT new FROM idmap WHERE old = local_id);
DROP TABLE addresses;
ALTER TABLE addresses_011 RENAME TO addresses;
CREATE INDEX addresses_local ON addresses(local_id);

-- The columns, through the offset and back.
UPDATE people SET user_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = user_id);
UPDATE people SET user_id = user_id - 4611686018427387904;
UPDATE unit_leaders SET user_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = user_id);
UPDATE unit_leaders SET user_id = user_id - 4611686018427387904;
UPDATE flow_marks SET user_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = user_id);
UPDATE flow_marks SET user_id = user_id - 4611686018427387904;
UPDATE report_drafts SET user_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = user_id);
UPDATE report_drafts SET user_id = user_id - 4611686018427387904;
UPDATE review_waits SET officer_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = officer_id);
UPDATE review_waits SET officer_id = officer_id - 4611686018427387904;
UPDATE reminders SET user_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = user_id);
UPDATE reminders SET user_id = user_id - 4611686018427387904;
UPDATE tip_drafts SET user_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = user_id);
UPDATE tip_drafts SET user_id = user_id - 4611686018427387904;
UPDATE compose_drafts SET user_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = user_id);
UPDATE compose_drafts SET user_id = user_id - 4611686018427387904;
UPDATE invite_offers SET user_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = user_id);
UPDATE invite_offers SET user_id = user_id - 4611686018427387904;
UPDATE search_waits SET user_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = user_id);
UPDATE search_waits SET user_id = user_id - 4611686018427387904;
UPDATE chats SET chat_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = chat_id);
UPDATE chats SET chat_id = chat_id - 4611686018427387904;
UPDATE outbox SET chat_id = 4611686018427387904 + (SELECT new FROM idmap WHERE old = chat_id);
UPDATE outbox SET chat_id = chat_id - 4611686018427387904;

-- Columns no key covers, where 0 (nobody) and NULL stay as they are.
UPDATE chats SET linked_by = (SELECT new FROM idmap WHERE old = linked_by)
    WHERE linked_by IN (SELECT old FROM idmap);
UPDATE invites SET created_by = (SELECT new FROM idmap WHERE old = created_by)
    WHERE created_by IN (SELECT old FROM idmap);
UPDATE invites SET used_by = (SELECT new FROM idmap WHERE old = used_by)
    WHERE used_by IN (SELECT old FROM idmap);
UPDATE invites SET revoked_by = (SELECT new FROM idmap WHERE old = revoked_by)
    WHERE revoked_by IN (SELECT old FROM idmap);
UPDATE audit_log SET actor_id = (SELECT new FROM idmap WHERE old = actor_id)
    WHERE actor_id IN (SELECT old FROM idmap);
UPDATE audit_log
    SET target = substr(target, 1, 5)
                 || (SELECT new FROM idmap WHERE old = CAST(substr(target, 6) AS INTEGER))
    WHERE (target LIKE 'user:%' OR target LIKE 'chat:%')
      AND substr(target, 6) GLOB '[0-9-]*' AND substr(target, 7) NOT GLOB '*[^0-9]*'
      AND CAST(substr(target, 6) AS INTEGER) IN (SELECT old FROM idmap);
UPDATE reports SET leader_id = (SELECT new FROM idmap WHERE old = leader_id)
    WHERE leader_id IN (SELECT old FROM idmap);
UPDATE reports SET reviewed_by = (SELECT new FROM idmap WHERE old = reviewed_by)
    WHERE reviewed_by IN (SELECT old FROM idmap);
UPDATE tips SET reporter_id = (SELECT new FROM idmap WHERE old = reporter_id)
    WHERE reporter_id IN (SELECT old FROM idmap);
UPDATE tips SET handled_by = (SELECT new FROM idmap WHERE old = handled_by)
    WHERE handled_by IN (SELECT old FROM idmap);
UPDATE notices SET chat_id = (SELECT new FROM idmap WHERE old = chat_id)
    WHERE chat_id IN (SELECT old FROM idmap);
UPDATE notices
    SET payload = json_set(payload, '$.user',
                           (SELECT new FROM idmap WHERE old = json_extract(payload, '$.user')))
    WHERE json_valid(payload) AND json_type(payload, '$.user') = 'integer'
      AND json_extract(payload, '$.user') IN (SELECT old FROM idmap);
UPDATE broadcasts SET created_by = (SELECT new FROM idmap WHERE old = created_by)
    WHERE created_by IN (SELECT old FROM idmap);
UPDATE broadcasts SET progress_chat_id = (SELECT new FROM idmap WHERE old = progress_chat_id)
    WHERE progress_chat_id IN (SELECT old FROM idmap);
UPDATE outbox SET migrated_from = (SELECT new FROM idmap WHERE old = migrated_from)
    WHERE migrated_from IN (SELECT old FROM idmap);
UPDATE schedules SET created_by = (SELECT new FROM idmap WHERE old = created_by)
    WHERE created_by IN (SELECT old FROM idmap);

DROP TABLE idmap;
DROP TABLE old_ids;
