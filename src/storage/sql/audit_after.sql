-- The next page of audit_first.sql, older than (at, id) = ($5, $6).
SELECT id, actor, actor_user_id, action, target, role, outcome, reason, at, details
FROM audit_records
WHERE partner_id = $1
  AND ($2 IS NULL OR at >= $2) AND ($3 IS NULL OR at < $3)
  AND action IN ('GRANT_ROLE', 'REVOKE_ROLE', 'SUBMIT_UPGRADE', 'APPROVE_CREDIT_CHECK',
                 'REJECT_CREDIT_CHECK', 'SYNC_PARTNER_DATA', 'CANCEL_UPGRADE_ORDER',
                 'RUN_SCHEDULED_UPGRADE')
  AND (at, id) < ($5, $6)
ORDER BY at DESC, id DESC
LIMIT $4
