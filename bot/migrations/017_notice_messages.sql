-- The channel's id of the message a notice became: when one officer decides a report, the
-- other officers' review cards are edited in place (their buttons go, the decision shows).
ALTER TABLE notices ADD COLUMN message_id INTEGER;
