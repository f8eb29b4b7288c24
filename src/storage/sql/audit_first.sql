-- The audit records of partner $1 in [$2, $3) (NULL: open), newest first,
-- $4 at most. Only the actions of `AuditAction` are listed (a unit test holds
-- the two together): a row of an unknown action (written by a newer replica)
-- is left out rather than failing the listing.
SELECT id, actor, actor_user_id, action, target, role, outcome, reason, at, details
FROM audit_records
WHERE partner_id = $1
  AND ($2 IS NULL OR at >= $2) AND ($3 IS NULL OR at < $3)
  AND action IN ('GRANT_ROLE', 'REVOKE_ROLE', 'SUBMIT_UPGRADE', 'APPROVE_CREDIT_CHECK',
                 'REJECT_CREDIT_CHECK', 'SYNC_PARTNER_DATA', 'CANCEL_UPGRADE_ORDER',
                 'RUN_SCHEDULED_UPGRADE')
ORDER BY at DESC, id DESC
LIMIT $4
