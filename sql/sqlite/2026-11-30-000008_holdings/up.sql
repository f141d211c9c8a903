-- A customer's holdings: one row per (customer, product). The amount is personal financial information (JR/T
-- 0171 C2), sealed by the vault and bound to this row; `amount_band` is its masked form. The net values are the
-- product's, not the customer's: the current one and its date, the one before it (for day-on-day drops) and the
-- first one seen (the purchase NAV, for drops since purchase). Dates are ISO text (YYYY-MM-DD).
CREATE TABLE holdings (
    id              TEXT NOT NULL PRIMARY KEY,
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    product_code    TEXT NOT NULL,
    product_name    TEXT NOT NULL,
    product_type    TEXT NOT NULL,
    product_risk    TEXT,
    amount          TEXT NOT NULL,
    amount_band     TEXT NOT NULL,
    start_date      TEXT,
    maturity_date   TEXT,
    next_open_date  TEXT,
    nav             TEXT,
    nav_date        TEXT,
    prev_nav        TEXT,
    prev_nav_date   TEXT,
    purchase_nav    TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (customer_id, product_code)
);
CREATE INDEX holdings_maturity ON holdings(maturity_date);

-- Holdings staged by an import job, exactly as they will be published (see import_customers). Publishing a file
-- replaces the holdings of every customer it lists: the file is that day's snapshot of those customers.
CREATE TABLE import_holdings (
    job_id          TEXT NOT NULL,
    line_no         BIGINT NOT NULL,
    id              TEXT NOT NULL,
    existing        BOOLEAN NOT NULL,
    customer_id     TEXT NOT NULL,
    product_code    TEXT NOT NULL,
    product_name    TEXT NOT NULL,
    product_type    TEXT NOT NULL,
    product_risk    TEXT,
    amount          TEXT NOT NULL,
    amount_band     TEXT NOT NULL,
    start_date      TEXT,
    maturity_date   TEXT,
    next_open_date  TEXT,
    nav             TEXT,
    nav_date        TEXT,
    prev_nav        TEXT,
    prev_nav_date   TEXT,
    purchase_nav    TEXT,
    PRIMARY KEY (job_id, line_no)
);
CREATE INDEX import_holdings_key ON import_holdings(job_id, customer_id, product_code);

-- What the daily event derivation remembers of each customer per day: the AUM (sealed, C2) and its band, and
-- the product codes that were unsuitable. The next day's AUM change and newly unsuitable holdings are told
-- against the latest earlier row. Rows older than a week are pruned.
CREATE TABLE customer_days (
    id              TEXT NOT NULL PRIMARY KEY,
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    day             TEXT NOT NULL,
    aum             TEXT,
    aum_band        TEXT NOT NULL,
    unsuitable      TEXT NOT NULL,
    UNIQUE (customer_id, day)
);
CREATE INDEX customer_days_day ON customer_days(day);

-- Events derived from each day's data; one fact is one row (unique per customer, kind, date and reference), so
-- replaying a day changes nothing. `detail` is JSON without personal data.
CREATE TABLE customer_events (
    id              TEXT NOT NULL PRIMARY KEY,
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    kind            TEXT NOT NULL,
    event_date      TEXT NOT NULL,
    reference       TEXT NOT NULL,
    detail          TEXT NOT NULL,
    derived_on      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (customer_id, kind, event_date, reference)
);
CREATE INDEX customer_events_date ON customer_events(event_date);
