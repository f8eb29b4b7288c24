//! The SQL of role management and the audit log, shared by both backends
//! (`$N` placeholders, only what SQLite and Postgres have in common).

macro_rules! select_partner_user {
    () => {
        "SELECT u.id, u.partner_id, u.upn, u.display_name, \
                (SELECT string_agg(r.role, ',') FROM partner_user_roles r WHERE r.user_id = u.id) AS roles \
         FROM partner_users u "
    };
}

/// The partner's staff by (upn, id): binds (partner, limit).
pub const PARTNER_USERS_FIRST: &str = concat!(
    select_partner_user!(),
    "WHERE u.partner_id = $1 ORDER BY u.upn, u.id LIMIT $2"
);

/// The next page past (upn, id) = ($3, $4).
pub const PARTNER_USERS_AFTER: &str = concat!(
    select_partner_user!(),
    "WHERE u.partner_id = $1 AND (u.upn, u.id) > ($3, $4) ORDER BY u.upn, u.id LIMIT $2"
);

/// Takes the partner row's write lock for the rest of the transaction, so
/// the role changes of one partner run one after the other: a check of the
/// global admin count and the delete it allows cannot interleave with
/// another's. (SQLite's `BEGIN IMMEDIATE` already serialises writers; this
/// is what does it on Postgres, under read committed.)
pub const LOCK_PARTNER: &str = "UPDATE partners SET name = name WHERE id = $1";

pub const ROLES_OF_USER: &str = "SELECT role FROM partner_user_roles WHERE user_id = $1";

pub const COUNT_GLOBAL_ADMINS: &str = "SELECT COUNT(*) FROM partner_user_roles r \
     JOIN partner_users u ON u.id = r.user_id \
     WHERE u.partner_id = $1 AND r.role = 'GLOBAL_ADMIN'";

/// Affects one row when the role was granted, none when already held.
pub const GRANT_ROLE: &str =
    "INSERT INTO partner_user_roles (user_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING";

/// Affects one row when the role was revoked, none when not held.
pub const REVOKE_ROLE: &str = "DELETE FROM partner_user_roles WHERE user_id = $1 AND role = $2";

pub const INSERT_AUDIT_RECORD: &str = "INSERT INTO audit_records \
     (id, partner_id, actor, actor_user_id, action, target, role, outcome, reason, at, details) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// Binds `$1`..`$11` of [`INSERT_AUDIT_RECORD`] (and the audit columns of
/// the Postgres order write, in the same order) from an audit record.
macro_rules! bind_audit_columns {
    ($query:expr, $record:expr) => {{
        use $crate::storage::roles::{actor_label, actor_user_id, details_json};
        let r: &$crate::domain::audit::AuditRecord = $record;
        $query
            .bind(r.id.0)
            .bind(r.partner_id.0)
            .bind(actor_label(&r.actor))
            .bind(actor_user_id(&r.actor))
            .bind(r.action.as_str())
            .bind(r.target.label())
            .bind(r.role.map(|role| role.as_str()))
            .bind(r.outcome.as_str())
            .bind(r.refusal.map(|refusal| refusal.as_str()))
            .bind($crate::storage::rows::stored_time(r.at))
            .bind(details_json(&r.details))
    }};
}
pub(super) use bind_audit_columns;

/// The audit actions `ListAuditRecords` shows: those of `AuditAction` (a
/// unit test holds the two together), so a row of an unknown action (a
/// newer replica's) is left out rather than failing the listing.
macro_rules! role_actions {
    () => {
        "action IN ('GRANT_ROLE', 'REVOKE_ROLE', 'SUBMIT_UPGRADE', 'APPROVE_CREDIT_CHECK', \
                    'REJECT_CREDIT_CHECK')"
    };
}

macro_rules! select_audit {
    () => {
        "SELECT id, actor, actor_user_id, action, target, role, outcome, reason, at, details \
         FROM audit_records \
         WHERE partner_id = $1 AND ($2 IS NULL OR at >= $2) AND ($3 IS NULL OR at < $3) AND "
    };
}

/// Newest first: binds (partner, start or NULL, end or NULL, limit).
pub const AUDIT_FIRST: &str = concat!(
    select_audit!(),
    role_actions!(),
    " ORDER BY at DESC, id DESC LIMIT $4"
);

/// The next page, older than (at, id) = ($5, $6).
pub const AUDIT_AFTER: &str = concat!(
    select_audit!(),
    role_actions!(),
    " AND (at, id) < ($5, $6) ORDER BY at DESC, id DESC LIMIT $4"
);

#[cfg(test)]
mod tests {
    use crate::domain::audit::AuditAction;

    #[test]
    fn the_audit_listing_shows_exactly_the_audit_actions() {
        for action in AuditAction::ALL {
            assert!(super::AUDIT_FIRST.contains(&format!("'{}'", action.as_str())));
        }
        assert_eq!(
            super::AUDIT_FIRST.matches('\'').count(),
            2 * AuditAction::ALL.len(),
            "no other quoted action"
        );
    }
}
