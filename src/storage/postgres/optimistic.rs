//! [`OptimisticOrders`] on Postgres: a submission in two statements,
//! `snapshots.sql` to read and `insert_order_at_version.sql` to write.

use async_trait::async_trait;
use uuid::Uuid;

use super::PgStore;
use crate::domain::audit::AuditRecord;
use crate::domain::ids::{CustomerId, PartnerId};
use crate::domain::orders::{Effects, LicenseMove, Plan};
use crate::storage::rows::{EventRow, NewAuditRow, NewOrderRow, SnapshotRow, SubscriptionRow};
use crate::storage::{OptimisticOrders, Result, SubmissionRead};

#[async_trait]
impl OptimisticOrders for PgStore {
    async fn submission_read(
        &self,
        partner: PartnerId,
        customer: CustomerId,
        request_id: Uuid,
    ) -> Result<Option<SubmissionRead>> {
        sqlx::query_as::<_, SnapshotRow>(include_str!("sql/snapshots.sql"))
            .bind(partner.0)
            .bind(customer.0)
            .bind(customer.0)
            .bind(Some(request_id))
            .fetch_optional(&self.pool)
            .await?
            .map(SnapshotRow::into_submission_read)
            .transpose()
    }

    async fn insert_order_at_version(
        &self,
        version: i64,
        plan: &Plan,
        fingerprint: &str,
        audit: &AuditRecord,
    ) -> Result<bool> {
        let o = &plan.order;
        let e = EffectParams::of(plan.effects.as_ref());
        let events: Vec<EventRow> = o.events.iter().map(|e| EventRow::of(o.id, e)).collect();
        let written: i64 = sqlx::query_scalar(include_str!("sql/insert_order_at_version.sql"))
            .bind(o.customer_id.0)
            .bind(version)
            .bind(json(&e.created))
            .bind(e.source)
            .bind(e.target)
            .bind(e.move_all)
            .bind(e.moved)
            .bind(e.dropped)
            .bind(e.seat_ids)
            .bind(e.seat_quantities)
            .bind(e.seat_assigned)
            .bind(e.cancel)
            .bind(e.reattach)
            .bind(json(&NewOrderRow::of(o, fingerprint)))
            .bind(json(&events))
            .bind(json(&NewAuditRow::of(audit)))
            .fetch_one(&self.pool)
            .await?;
        Ok(written == 1)
    }
}

fn json(rows: &impl serde::Serialize) -> String {
    serde_json::to_string(rows).expect("rows serialize to JSON")
}

/// What an executed order changes, as `insert_order_at_version.sql`'s
/// parameters `$3`..`$13`; all empty for an order that changes nothing yet
/// (waiting for a credit check, or scheduled).
#[derive(Default)]
struct EffectParams {
    created: Vec<SubscriptionRow>,
    source: Option<Uuid>,
    target: Option<Uuid>,
    move_all: bool,
    moved: Vec<Uuid>,
    dropped: Vec<Uuid>,
    seat_ids: Vec<Uuid>,
    seat_quantities: Vec<i64>,
    seat_assigned: Vec<i64>,
    cancel: Vec<Uuid>,
    reattach: Vec<Uuid>,
}

impl EffectParams {
    fn of(effects: Option<&Effects>) -> EffectParams {
        let Some(e) = effects else {
            return EffectParams::default();
        };
        let mut params = EffectParams {
            created: e.create.iter().map(SubscriptionRow::of).collect(),
            source: Some(e.source.0),
            target: Some(e.target.0),
            seat_ids: e.seats.iter().map(|s| s.id.0).collect(),
            seat_quantities: e.seats.iter().map(|s| s.quantity).collect(),
            seat_assigned: e.seats.iter().map(|s| s.assigned_seats).collect(),
            cancel: e.cancel.iter().map(|s| s.0).collect(),
            reattach: e.reattach.iter().map(|s| s.0).collect(),
            ..EffectParams::default()
        };
        match &e.licenses {
            LicenseMove::None => {}
            LicenseMove::All => params.move_all = true,
            LicenseMove::Users { moved, dropped } => {
                params.moved = moved.iter().map(|u| u.0).collect();
                params.dropped = dropped.iter().map(|u| u.0).collect();
            }
        }
        params
    }
}
