-- "Nhắc các tổ này" under /chuabaocao: an officer's reminder to a silent tổ's leaders,
-- at most once per tổ per period (who pressed it is in the audit log).
CREATE TABLE unit_nudges (
    unit_id  INTEGER NOT NULL,
    period   TEXT    NOT NULL,
    sent_at  TEXT    NOT NULL,
    PRIMARY KEY (unit_id, period)
);
