-- Background work, leased through the database so any replica can run it and another can take over when one
-- dies: a job is claimed for a lease, reports progress (done/total) and a checkpoint to resume from, and is
-- fenced by its lease owner so a replica that lost its lease cannot write any more.
CREATE TABLE jobs (
    id            TEXT NOT NULL PRIMARY KEY,
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    params        TEXT NOT NULL,
    checkpoint    TEXT,
    result        TEXT,
    done          BIGINT NOT NULL,
    total         BIGINT,
    attempts      BIGINT NOT NULL,
    max_attempts  BIGINT NOT NULL,
    last_error    TEXT,
    lease_owner   TEXT,
    lease_until   TIMESTAMP,
    run_after     TIMESTAMP NOT NULL,
    dedupe_key    TEXT UNIQUE,
    created_by    TEXT,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP
);
CREATE INDEX jobs_claim ON jobs(status, run_after);
CREATE INDEX jobs_kind ON jobs(kind, created_at);
