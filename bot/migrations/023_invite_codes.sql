-- An invite also has a short code a person can read aloud and type (Zalo passes no
-- deep-link payload): only its keyed hash is stored, like the link's token.
ALTER TABLE invites ADD COLUMN code_hash TEXT;
CREATE UNIQUE INDEX invites_code ON invites(code_hash) WHERE code_hash IS NOT NULL;
