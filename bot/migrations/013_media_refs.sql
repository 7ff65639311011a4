-- Files by a local reference (issue 10): a `media` row with its own id for every file the
-- bot keeps or sends — report photos, tip screenshots, broadcast photos and documents —
-- with the channel it came from and that channel's reference (a Telegram file id today, a
-- Zalo URL next). Reports, tips, broadcasts, schedules, drafts, owed notices and stored
-- flow replies refer to files by that id; each channel sends a file by its own reference
-- when it has one, else from the downloaded copy. Needs SQLite 3.35 (DROP COLUMN).

CREATE TABLE media_files (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    channel        TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('photo', 'document')),
    source         TEXT    NOT NULL,              -- the channel's reference to the file
    source_unique  TEXT    NOT NULL DEFAULT '',   -- the channel's id of the same file, if any
    path           TEXT,                          -- relative to [storage] media once downloaded
    added_at       TEXT    NOT NULL,
    downloaded_at  TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    error          TEXT    NOT NULL DEFAULT '',
    UNIQUE (channel, source)
);
CREATE INDEX media_files_unique ON media_files (channel, source_unique) WHERE source_unique != '';

INSERT INTO media_files (channel, kind, source, source_unique, path, added_at, downloaded_at,
                         attempts, error)
    SELECT 'telegram', 'photo', file_id, file_unique_id, path, added_at, downloaded_at,
           attempts, error
    FROM media ORDER BY added_at, file_id;

-- Files that were sent by their Telegram id alone and never kept a row.
INSERT OR IGNORE INTO media_files (channel, kind, source, added_at)
    SELECT 'telegram', media_kind, media_file_id, created_at FROM broadcasts
    WHERE media_file_id != '' ORDER BY id;
INSERT OR IGNORE INTO media_files (channel, kind, source, added_at)
    SELECT 'telegram', json_extract(content, '$.media_kind'),
           json_extract(content, '$.media_file_id'), created_at
    FROM schedules WHERE COALESCE(json_extract(content, '$.media_file_id'), '') != '' ORDER BY id;
INSERT OR IGNORE INTO media_files (channel, kind, source, added_at)
    SELECT 'telegram', json_extract(data, '$.media_kind'), json_extract(data, '$.media_file_id'),
           updated_at
    FROM compose_drafts WHERE COALESCE(json_extract(data, '$.media_file_id'), '') != '';
INSERT OR IGNORE INTO media_files (channel, kind, source, source_unique, added_at)
    SELECT 'telegram', 'photo', json_extract(j.value, '$.id'),
           COALESCE(json_extract(j.value, '$.u'), ''), d.updated_at
    FROM report_drafts AS d, json_each(d.photos) AS j;
INSERT OR IGNORE INTO media_files (channel, kind, source, added_at)
    SELECT 'telegram', 'photo', file_id, updated_at FROM tip_drafts WHERE file_id IS NOT NULL;
INSERT OR IGNORE INTO media_files (channel, kind, source, added_at)
    SELECT 'telegram', 'photo', file_id, created_at FROM tips WHERE file_id IS NOT NULL;
INSERT OR IGNORE INTO media_files (channel, kind, source, added_at)
    SELECT 'telegram', 'photo', p.file_id, r.submitted_at
    FROM report_photos AS p JOIN reports AS r ON r.id = p.report_id;

DROP TABLE media;
ALTER TABLE media_files RENAME TO media;

ALTER TABLE report_photos ADD COLUMN media_id INTEGER REFERENCES media(id);
UPDATE report_photos SET media_id =
    (SELECT id FROM media WHERE channel = 'telegram' AND source = report_photos.file_id);
ALTER TABLE report_photos DROP COLUMN file_id;

ALTER TABLE tips ADD COLUMN media_id INTEGER REFERENCES media(id);
UPDATE tips SET media_id =
    (SELECT id FROM media WHERE channel = 'telegram' AND source = tips.file_id)
    WHERE file_id IS NOT NULL;
ALTER TABLE tips DROP COLUMN file_id;

ALTER TABLE tip_drafts ADD COLUMN media_id INTEGER REFERENCES media(id);
UPDATE tip_drafts SET media_id =
    (SELECT id FROM media WHERE channel = 'telegram' AND source = tip_drafts.file_id)
    WHERE file_id IS NOT NULL;
ALTER TABLE tip_drafts DROP COLUMN file_id;

ALTER TABLE broadcasts ADD COLUMN media_id INTEGER REFERENCES media(id);
UPDATE broadcasts SET media_id =
    (SELECT id FROM media WHERE channel = 'telegram' AND source = broadcasts.media_file_id)
    WHERE media_file_id != '';
ALTER TABLE broadcasts DROP COLUMN media_file_id;

UPDATE schedules SET content = json_remove(json_set(content, '$.media_id',
        (SELECT id FROM media WHERE channel = 'telegram'
         AND source = json_extract(schedules.content, '$.media_file_id'))), '$.media_file_id')
    WHERE COALESCE(json_extract(content, '$.media_file_id'), '') != '';
UPDATE schedules SET content = json_remove(content, '$.media_file_id')
    WHERE json_extract(content, '$.media_file_id') IS NOT NULL;

UPDATE compose_drafts SET data = json_remove(json_set(data, '$.media_id',
        COALESCE((SELECT id FROM media WHERE channel = 'telegram'
                  AND source = json_extract(compose_drafts.data, '$.media_file_id')), 0)),
        '$.media_file_id')
    WHERE json_type(data, '$.media_file_id') IS NOT NULL;

-- A draft's photos: from [{"id": file id, "u": unique id}] to [media id], in order.
UPDATE report_drafts SET photos = (
    SELECT json_group_array(media_id) FROM (
        SELECT m.id AS media_id FROM json_each(report_drafts.photos) AS j
        JOIN media AS m ON m.channel = 'telegram' AND m.source = json_extract(j.value, '$.id')
        ORDER BY j.key));

-- A reply or an owed notice stored with a photo named it by Telegram file id.
UPDATE flow_marks SET outcome = json_set(outcome, '$.photo', json_object(
        'id', (SELECT id FROM media WHERE channel = 'telegram'
               AND source = json_extract(flow_marks.outcome, '$.photo')), 'kind', 'photo'))
    WHERE CASE WHEN json_valid(outcome) THEN json_type(outcome, '$.photo') = 'text' ELSE 0 END;
UPDATE notices SET payload = json_set(payload, '$.photo', json_object(
        'id', (SELECT id FROM media WHERE channel = 'telegram'
               AND source = json_extract(notices.payload, '$.photo')), 'kind', 'photo'))
    WHERE CASE WHEN json_valid(payload) THEN json_type(payload, '$.photo') = 'text' ELSE 0 END;
