-- 006: a person who asked to search (🔎 or /timkiem alone): their next message is the
-- keyword. Kept here, like every conversation state, so a restart does not lose it.
CREATE TABLE search_waits (
    user_id  INTEGER PRIMARY KEY,
    since    TEXT    NOT NULL
);
