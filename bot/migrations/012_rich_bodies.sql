-- A broadcast's body as rich text (bot/rich.py, JSON), not Telegram HTML: each channel
-- renders it (issue 10). Broadcasts written before keep their HTML in `html` and are read
-- back through render.html_to_rich; new ones leave `html` empty.
ALTER TABLE broadcasts ADD COLUMN body TEXT NOT NULL DEFAULT '';
