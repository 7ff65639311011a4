-- Where a person last wrote from (issue 12): someone on both Telegram and Zalo is reached on
-- the channel they used last, not the one they happened to join first. NULL: never written
-- since this column came; such an address ranks after any that has a time.
ALTER TABLE addresses ADD COLUMN last_seen_at TEXT;
