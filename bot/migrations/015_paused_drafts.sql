-- A report draft kept for later ("Giữ lại, làm tiếp sau" under /huy): while paused, what
-- the person types is not taken as an answer; /baocao offers to go on with it.
ALTER TABLE report_drafts ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
