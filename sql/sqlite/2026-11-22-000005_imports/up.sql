-- Customers staged by an import job: validated, sealed and indexed exactly as they will be published, so that
-- publishing is one copy inside one transaction (a file loads whole or not at all) while staging runs in
-- resumable batches. Emptied when the job publishes or is rejected.
CREATE TABLE import_customers (
    job_id             TEXT NOT NULL,
    line_no            BIGINT NOT NULL,
    id                 TEXT NOT NULL,
    existing           BOOLEAN NOT NULL,
    customer_no        TEXT NOT NULL,
    customer_no_idx    TEXT NOT NULL,
    name               TEXT NOT NULL,
    name_idx           TEXT NOT NULL,
    gender             TEXT NOT NULL,
    birth_date         TEXT,
    id_number          TEXT,
    id_number_idx      TEXT,
    mobile             TEXT,
    mobile_idx         TEXT,
    risk_level         TEXT,
    risk_assessed_on   TEXT,
    aum                TEXT,
    aum_band           TEXT NOT NULL,
    node_id            TEXT NOT NULL,
    rm_staff_id        TEXT,
    PRIMARY KEY (job_id, line_no)
);
CREATE INDEX import_customers_no ON import_customers(job_id, customer_no_idx);

-- Rows an import left out and why: the line, the field and the rule, never the value.
CREATE TABLE import_rejects (
    job_id   TEXT NOT NULL,
    line_no  BIGINT NOT NULL,
    field    TEXT NOT NULL,
    reason   TEXT NOT NULL,
    PRIMARY KEY (job_id, line_no)
);
