-- What the screen whose options a chat was shown last takes typed besides them
-- (bot/screens.py): on a screen that takes a number, a typed "2" is the answer, not the
-- second option; on one that takes only its options, "7" of three is answered, not passed on.
ALTER TABLE numbered_menus ADD COLUMN takes TEXT NOT NULL DEFAULT '';
