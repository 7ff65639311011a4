-- Details a leader gives that were lost: "khoảng 40" is an estimate (attendance_about:
-- about, over, nearly, under; '' for an exact count), and a note too long to take is kept
-- in the draft (overflow) until the leader cuts it or types it again.
ALTER TABLE reports ADD COLUMN attendance_about TEXT NOT NULL DEFAULT '';
ALTER TABLE report_drafts ADD COLUMN attendance_about TEXT NOT NULL DEFAULT '';
ALTER TABLE report_drafts ADD COLUMN overflow TEXT NOT NULL DEFAULT '';
