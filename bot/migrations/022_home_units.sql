-- The tổ dân phố a person says they live in (optional, /todanpho or right after /dangky):
-- a broadcast to chosen tổ can then reach their residents as well as leaders and groups.
ALTER TABLE people ADD COLUMN home_unit_id INTEGER;
