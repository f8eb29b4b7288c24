-- Role management (issue 4). Audit records of role changes name the acting
-- user by id as well as by label, the role, and why a refused attempt was
-- refused. The log is read per partner, newest first, by (at, id).
-- Conventions shared with the other writers of audit_records: actor is
-- 'user:<upn>' or 'app:<app id>', target is '<kind>:<id>' (e.g. 'user:<uuid>').

ALTER TABLE audit_records ADD COLUMN actor_user_id BLOB;
ALTER TABLE audit_records ADD COLUMN role TEXT
    CHECK (role IS NULL OR role IN ('GLOBAL_ADMIN', 'USER_MANAGEMENT_ADMIN', 'ADMIN_AGENT',
                                    'SALES_AGENT', 'HELPDESK_AGENT', 'BILLING_ADMIN'));
ALTER TABLE audit_records ADD COLUMN reason TEXT;

CREATE INDEX audit_records_by_partner_time ON audit_records (partner_id, at, id);
DROP INDEX audit_records_by_partner;

-- The staff list is paged by (upn, id) within a partner.
CREATE INDEX partner_users_by_upn ON partner_users (partner_id, upn, id);
