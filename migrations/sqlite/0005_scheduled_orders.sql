-- SPEC §9: an order may wait for its source's renewal (SCHEDULED) and be
-- cancelled before it runs (CANCELLED). `scheduled_for` is when it is due;
-- a runner claims due orders by setting `claimed_by` and `lease_until`
-- (another runner takes an order over only once the lease has run out).
--
-- SQLite cannot change a CHECK constraint in place: both order tables are
-- made anew and filled from the old ones. The events' table goes first so
-- that dropping the orders' table cascades into nothing.
CREATE TABLE upgrade_orders_new (
    id                     BLOB NOT NULL PRIMARY KEY,
    partner_id             BLOB NOT NULL,
    customer_id            BLOB NOT NULL,
    request_id             BLOB,
    request_hash           TEXT,
    submitted_by           BLOB,
    submitted_by_app       TEXT,
    source_subscription_id BLOB NOT NULL,
    target_offer_id        TEXT NOT NULL CHECK (target_offer_id <> ''),
    target_subscription_id BLOB,
    billing_cycle          TEXT CHECK (billing_cycle IN ('MONTHLY', 'ANNUAL')),
    quantity               INTEGER NOT NULL CHECK (quantity > 0),
    upgrade_type           TEXT NOT NULL CHECK (upgrade_type IN ('WITH_LICENSE_TRANSFER', 'UPGRADE_ONLY')),
    state                  TEXT NOT NULL CHECK (state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS', 'COMPLETED',
                                                          'FAILED', 'REJECTED', 'SCHEDULED', 'CANCELLED')),
    outcome                TEXT,
    credit_amount          TEXT,
    credit_currency        TEXT,
    report                 TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    moved_user_count       INTEGER NOT NULL DEFAULT 0,
    dropped_add_ons        TEXT NOT NULL DEFAULT '[]',
    monthly_amount         TEXT,
    monthly_currency       TEXT,
    partial                INTEGER NOT NULL DEFAULT 0 CHECK (partial IN (0, 1)),
    into_existing          INTEGER NOT NULL DEFAULT 0 CHECK (into_existing IN (0, 1)),
    user_ids               TEXT NOT NULL DEFAULT '[]',
    scheduled_for          TEXT,
    claimed_by             TEXT,
    lease_until            TEXT,
    UNIQUE (partner_id, request_id),
    CHECK ((request_id IS NULL) = (request_hash IS NULL)),
    CHECK ((credit_amount IS NULL) = (credit_currency IS NULL)),
    CHECK (submitted_by IS NOT NULL OR submitted_by_app IS NOT NULL),
    CHECK (state <> 'SCHEDULED' OR scheduled_for IS NOT NULL),
    FOREIGN KEY (partner_id, customer_id) REFERENCES customers (partner_id, id),
    FOREIGN KEY (partner_id, submitted_by) REFERENCES partner_users (partner_id, id),
    FOREIGN KEY (customer_id, source_subscription_id) REFERENCES subscriptions (customer_id, id),
    FOREIGN KEY (customer_id, target_subscription_id) REFERENCES subscriptions (customer_id, id)
) STRICT;

INSERT INTO upgrade_orders_new (
    id, partner_id, customer_id, request_id, request_hash, submitted_by, submitted_by_app,
    source_subscription_id, target_offer_id, target_subscription_id, billing_cycle, quantity,
    upgrade_type, state, outcome, credit_amount, credit_currency, report, created_at, updated_at,
    moved_user_count, dropped_add_ons, monthly_amount, monthly_currency, partial, into_existing,
    user_ids)
SELECT
    id, partner_id, customer_id, request_id, request_hash, submitted_by, submitted_by_app,
    source_subscription_id, target_offer_id, target_subscription_id, billing_cycle, quantity,
    upgrade_type, state, outcome, credit_amount, credit_currency, report, created_at, updated_at,
    moved_user_count, dropped_add_ons, monthly_amount, monthly_currency, partial, into_existing,
    user_ids
FROM upgrade_orders;

CREATE TABLE upgrade_order_events_new (
    order_id BLOB NOT NULL REFERENCES upgrade_orders_new (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL CHECK (seq >= 1),
    state    TEXT NOT NULL CHECK (state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS', 'COMPLETED',
                                            'FAILED', 'REJECTED', 'SCHEDULED', 'CANCELLED')),
    at       TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, seq)
) STRICT;

INSERT INTO upgrade_order_events_new (order_id, seq, state, at, note)
SELECT order_id, seq, state, at, note FROM upgrade_order_events;

DROP TABLE upgrade_order_events;
DROP TABLE upgrade_orders;
-- Renaming also points the events' foreign key at the new name.
ALTER TABLE upgrade_orders_new RENAME TO upgrade_orders;
ALTER TABLE upgrade_order_events_new RENAME TO upgrade_order_events;

CREATE INDEX upgrade_orders_by_customer ON upgrade_orders (customer_id, created_at);
-- One scheduled order per source subscription.
CREATE UNIQUE INDEX upgrade_orders_one_scheduled_per_source
    ON upgrade_orders (source_subscription_id) WHERE state = 'SCHEDULED';
-- The runner's question: which scheduled orders are due.
CREATE INDEX upgrade_orders_due ON upgrade_orders (scheduled_for, id) WHERE state = 'SCHEDULED';
