-- A repeating schedule's last day (local date, YYYY-MM-DD; NULL: it repeats until stopped).
ALTER TABLE schedules ADD COLUMN ends_on TEXT;
