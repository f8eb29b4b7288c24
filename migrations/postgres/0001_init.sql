-- The entities of SPEC §2, Postgres flavour: native uuid, timestamptz,
-- boolean and bigint. Enums are TEXT holding the SCREAMING_SNAKE forms of
-- src/domain/model.rs. Text columns that order pages are COLLATE "C", so
-- Postgres orders them byte-wise exactly as SQLite does.
-- Child rows repeat their customer id so composite foreign keys keep every
-- reference inside one customer (and one partner): a tenant can never point
-- at another tenant's rows.

CREATE TABLE partners (
    id   UUID NOT NULL PRIMARY KEY,
    name TEXT NOT NULL CHECK (name <> '')
);

CREATE TABLE partner_users (
    id           UUID NOT NULL PRIMARY KEY,
    partner_id   UUID NOT NULL REFERENCES partners (id),
    -- Stored lower-cased: sign-in names compare case-insensitively.
    upn          TEXT NOT NULL UNIQUE CHECK (upn <> '' AND upn = lower(upn)),
    display_name TEXT NOT NULL,
    UNIQUE (partner_id, id)
);

CREATE TABLE partner_user_roles (
    user_id UUID NOT NULL REFERENCES partner_users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL CHECK (role IN ('GLOBAL_ADMIN', 'USER_MANAGEMENT_ADMIN', 'ADMIN_AGENT',
                                          'SALES_AGENT', 'HELPDESK_AGENT', 'BILLING_ADMIN')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE customers (
    id                  UUID NOT NULL PRIMARY KEY,
    partner_id          UUID NOT NULL REFERENCES partners (id),
    -- Never empty: keyset paging relies on names being ordinary strings.
    name                TEXT COLLATE "C" NOT NULL CHECK (name <> ''),
    country             TEXT NOT NULL CHECK (length(country) = 2 AND country = upper(country)),
    segment             TEXT NOT NULL CHECK (segment IN ('COMMERCIAL', 'EDUCATION', 'GOVERNMENT', 'NONPROFIT')),
    custom_domain       BOOLEAN NOT NULL,
    unpaid_balance      BOOLEAN NOT NULL,
    relationship_status TEXT NOT NULL CHECK (relationship_status IN ('NONE', 'ACTIVE', 'EXPIRED')),
    UNIQUE (partner_id, id)
);

CREATE INDEX customers_by_name ON customers (partner_id, name, id);

CREATE TABLE customer_delegated_roles (
    customer_id UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('DIRECTORY_READER', 'DIRECTORY_WRITER', 'LICENSE_ADMIN',
                                              'USER_ADMIN', 'GLOBAL_ADMIN')),
    PRIMARY KEY (customer_id, role)
);

-- A row per catalog service with an open incident; every other service is healthy.
CREATE TABLE customer_service_incidents (
    customer_id UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    -- No commas: storage reads these back as one comma-joined list.
    service_id  TEXT NOT NULL CHECK (service_id <> '' AND service_id NOT LIKE '%,%'),
    PRIMARY KEY (customer_id, service_id)
);

CREATE TABLE subscriptions (
    id             UUID NOT NULL PRIMARY KEY,
    customer_id    UUID NOT NULL REFERENCES customers (id),
    offer_id       TEXT NOT NULL CHECK (offer_id <> ''),
    channel        TEXT NOT NULL CHECK (channel IN ('THIS_PARTNER', 'OTHER_PARTNER', 'DIRECT',
                                                    'ENTERPRISE_AGREEMENT', 'OPEN')),
    status         TEXT NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'DELETED', 'EXPIRED',
                                                   'DISABLED', 'PENDING')),
    provisioned    BOOLEAN NOT NULL,
    quantity       BIGINT NOT NULL CHECK (quantity >= 0),
    assigned_seats BIGINT NOT NULL CHECK (assigned_seats >= 0),
    billing_cycle  TEXT NOT NULL CHECK (billing_cycle IN ('MONTHLY', 'ANNUAL')),
    payment_method TEXT NOT NULL CHECK (payment_method IN ('CREDIT_CARD', 'INVOICE', 'PREPAID')),
    trial          BOOLEAN NOT NULL,
    -- The base subscription of an add-on, always of the same customer.
    parent_id      UUID CHECK (parent_id IS NULL OR parent_id <> id),
    period_start   TIMESTAMPTZ NOT NULL,
    period_end     TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (customer_id, id),
    FOREIGN KEY (customer_id, parent_id) REFERENCES subscriptions (customer_id, id)
);

CREATE INDEX subscriptions_by_customer ON subscriptions (customer_id, created_at, id);

CREATE TABLE customer_users (
    id              UUID NOT NULL PRIMARY KEY,
    customer_id     UUID NOT NULL REFERENCES customers (id),
    upn             TEXT COLLATE "C" NOT NULL CHECK (upn <> ''),
    display_name    TEXT NOT NULL,
    sign_in_blocked BOOLEAN NOT NULL,
    UNIQUE (customer_id, id),
    UNIQUE (customer_id, upn)
);

CREATE TABLE user_licenses (
    customer_id       UUID NOT NULL,
    user_id           UUID NOT NULL,
    subscription_id   UUID NOT NULL,
    -- JSON array of the catalog service ids switched off for this user.
    disabled_services TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (user_id, subscription_id),
    FOREIGN KEY (customer_id, user_id) REFERENCES customer_users (customer_id, id) ON DELETE CASCADE,
    FOREIGN KEY (customer_id, subscription_id) REFERENCES subscriptions (customer_id, id)
);

CREATE INDEX user_licenses_by_subscription ON user_licenses (subscription_id);

CREATE TABLE upgrade_orders (
    id                     UUID NOT NULL PRIMARY KEY,
    partner_id             UUID NOT NULL,
    customer_id            UUID NOT NULL,
    -- The client's idempotency key and a fingerprint of the request that
    -- first used it; both absent for imported orders.
    request_id             UUID,
    request_hash           TEXT,
    -- A partner user, or (app-only callers) the application id.
    submitted_by           UUID,
    submitted_by_app       TEXT,
    source_subscription_id UUID NOT NULL,
    target_offer_id        TEXT NOT NULL CHECK (target_offer_id <> ''),
    target_subscription_id UUID,
    -- The target's billing cycle when the request chose one.
    billing_cycle          TEXT CHECK (billing_cycle IN ('MONTHLY', 'ANNUAL')),
    quantity               BIGINT NOT NULL CHECK (quantity > 0),
    upgrade_type           TEXT NOT NULL CHECK (upgrade_type IN ('WITH_LICENSE_TRANSFER', 'UPGRADE_ONLY')),
    state                  TEXT NOT NULL CHECK (state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS', 'COMPLETED',
                                                          'FAILED', 'REJECTED')),
    outcome                TEXT,
    -- Decimal string, exact (never a float).
    credit_amount          TEXT,
    credit_currency        TEXT,
    -- The migration report, JSON.
    report                 TEXT,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL,
    UNIQUE (partner_id, request_id),
    CHECK ((request_id IS NULL) = (request_hash IS NULL)),
    CHECK ((credit_amount IS NULL) = (credit_currency IS NULL)),
    CHECK (submitted_by IS NOT NULL OR submitted_by_app IS NOT NULL),
    FOREIGN KEY (partner_id, customer_id) REFERENCES customers (partner_id, id),
    FOREIGN KEY (partner_id, submitted_by) REFERENCES partner_users (partner_id, id),
    FOREIGN KEY (customer_id, source_subscription_id) REFERENCES subscriptions (customer_id, id),
    FOREIGN KEY (customer_id, target_subscription_id) REFERENCES subscriptions (customer_id, id)
);

CREATE INDEX upgrade_orders_by_customer ON upgrade_orders (customer_id, created_at);

CREATE TABLE upgrade_order_events (
    order_id UUID NOT NULL REFERENCES upgrade_orders (id) ON DELETE CASCADE,
    seq      BIGINT NOT NULL CHECK (seq >= 1),
    state    TEXT NOT NULL CHECK (state IN ('PENDING_CREDIT_CHECK', 'IN_PROGRESS', 'COMPLETED',
                                            'FAILED', 'REJECTED')),
    at       TIMESTAMPTZ NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, seq)
);

CREATE TABLE audit_records (
    id         UUID NOT NULL PRIMARY KEY,
    partner_id UUID NOT NULL REFERENCES partners (id),
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    -- JSON object.
    details    TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_records_by_partner ON audit_records (partner_id, at);
