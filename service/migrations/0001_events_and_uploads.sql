-- The same schema on SQLite and PostgreSQL: only types both read alike.

-- Every event accepted, raw, for audit. Its key (FileId, or TaskId and Status) is what makes
-- an event count once, whichever replica receives it. Pruned after VOD_EVENT_RETENTION_DAYS.
CREATE TABLE events (
    event_key   TEXT PRIMARY KEY,
    event_type  TEXT NOT NULL,
    file_id     TEXT,
    raw         TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX events_received_at ON events (received_at);

-- One row per uploaded file: the app's data, never pruned. A task-flow event that arrives
-- before its upload event makes the row without a user; the upload event fills it in.
CREATE TABLE uploads (
    file_id           TEXT PRIMARY KEY,
    user_id           TEXT,
    status            TEXT NOT NULL,
    name              TEXT,
    media_url         TEXT,
    cover_url         TEXT,
    size              BIGINT,
    duration          DOUBLE PRECISION,
    uploaded_at       BIGINT,
    updated_at        BIGINT NOT NULL,
    procedure_task_id TEXT,
    task_status       TEXT,
    err_code          BIGINT,
    message           TEXT,
    review_suggestion TEXT
);
CREATE INDEX uploads_by_user ON uploads (user_id, uploaded_at, file_id);

-- Pulled events that could not be recorded (unparseable, or a FileId or TaskId of the wrong
-- shape): kept raw, never lost, then confirmed so that VOD does not deliver them forever.
-- Only pulled events land here: they came over the service's own signed API call.
CREATE TABLE dead_letters (
    raw_digest  TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    raw         TEXT NOT NULL,
    error       TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
