//! [`OptimisticOrders`] on Postgres: submissions in two statements however
//! many there are, `submission_reads.sql` to read and
//! `insert_orders_at_versions.sql` to write.

use std::collections::HashMap;

use async_trait::async_trait;
use uuid::Uuid;

use super::PgStore;
use crate::domain::ids::{CustomerId, PartnerId};
use crate::domain::orders::{Effects, LicenseMove, Plan};
use crate::storage::rows::{EventRow, NewAuditRow, NewOrderRow, SnapshotRow, SubscriptionRow};
use crate::storage::{OptimisticOrders, OrderAtVersion, Result, StorageError, SubmissionRead};

#[async_trait]
impl OptimisticOrders for PgStore {
    async fn submission_reads(
        &self,
        partner: PartnerId,
        wanted: &[(CustomerId, Uuid)],
    ) -> Result<Vec<Option<SubmissionRead>>> {
        let customers: Vec<Uuid> = wanted.iter().map(|(c, _)| c.0).collect();
        let keys: Vec<Uuid> = wanted.iter().map(|(_, k)| *k).collect();
        let rows = sqlx::query_as::<_, SnapshotRow>(include_str!("sql/submission_reads.sql"))
            .bind(partner.0)
            .bind(customers)
            .bind(keys)
            .fetch_all(&self.pool)
            .await?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in rows {
            let read = row.into_submission_read()?;
            found.insert(read.snapshot.customer.id, read);
        }
        Ok(wanted.iter().map(|(c, _)| found.remove(c)).collect())
    }

    async fn insert_orders_at_versions(&self, orders: &[OrderAtVersion<'_>]) -> Result<Vec<bool>> {
        let input: Vec<OrderJson> = orders.iter().map(OrderJson::of).collect();
        let mut customers: Vec<Uuid> = input.iter().map(|o| o.customer_id).collect();
        customers.sort_unstable();
        if customers.windows(2).any(|w| w[0] == w[1]) {
            return Err(StorageError::Corrupt(
                "two orders of one customer in one optimistic write".into(),
            ));
        }
        let input = serde_json::to_string(&input).expect("orders serialize to JSON");
        let written: Vec<Uuid> =
            sqlx::query_scalar(include_str!("sql/insert_orders_at_versions.sql"))
                .bind(input)
                .fetch_all(&self.pool)
                .await?;
        Ok(orders
            .iter()
            .map(|o| written.contains(&o.plan.order.customer_id.0))
            .collect())
    }
}

/// An order as `insert_orders_at_versions.sql` reads it: an object of its
/// `$1` keyed by the names the statement gives them. What an order that
/// changes nothing yet (waiting for a credit check, or scheduled) changes is
/// all empty.
#[derive(serde::Serialize)]
struct OrderJson<'a> {
    customer_id: Uuid,
    version: i64,
    created: Vec<SubscriptionRow>,
    source: Option<Uuid>,
    target: Option<Uuid>,
    move_all: bool,
    moved: Vec<Uuid>,
    dropped: Vec<Uuid>,
    changes: Vec<SubscriptionChange>,
    order: NewOrderRow<'a>,
    events: Vec<EventRow>,
    audit: NewAuditRow<'a>,
}

/// What an order changes on one existing subscription; `None` keeps it.
#[derive(serde::Serialize, Default)]
struct SubscriptionChange {
    id: Uuid,
    quantity: Option<i64>,
    assigned_seats: Option<i64>,
    cancelled: bool,
    parent_id: Option<Uuid>,
}

impl<'a> OrderJson<'a> {
    fn of(o: &OrderAtVersion<'a>) -> OrderJson<'a> {
        let plan: &'a Plan = o.plan;
        let order = &plan.order;
        let mut json = OrderJson {
            customer_id: order.customer_id.0,
            version: o.version,
            created: Vec::new(),
            source: None,
            target: None,
            move_all: false,
            moved: Vec::new(),
            dropped: Vec::new(),
            changes: Vec::new(),
            order: NewOrderRow::of(order, o.fingerprint),
            events: order
                .events
                .iter()
                .map(|e| EventRow::of(order.id, e))
                .collect(),
            audit: NewAuditRow::of(o.audit),
        };
        if let Some(effects) = &plan.effects {
            json.effects(effects);
        }
        json
    }

    fn effects(&mut self, e: &Effects) {
        self.created = e.create.iter().map(SubscriptionRow::of).collect();
        self.source = Some(e.source.0);
        self.target = Some(e.target.0);
        match &e.licenses {
            LicenseMove::None => {}
            LicenseMove::All => self.move_all = true,
            LicenseMove::Users { moved, dropped } => {
                self.moved = moved.iter().map(|u| u.0).collect();
                self.dropped = dropped.iter().map(|u| u.0).collect();
            }
        }
        for seats in &e.seats {
            let change = self.change(seats.id.0);
            change.quantity = Some(seats.quantity);
            change.assigned_seats = Some(seats.assigned_seats);
        }
        for id in &e.cancel {
            self.change(id.0).cancelled = true;
        }
        for id in &e.reattach {
            self.change(id.0).parent_id = Some(e.target.0);
        }
    }

    /// The change of subscription `id`, a new one if none yet.
    fn change(&mut self, id: Uuid) -> &mut SubscriptionChange {
        let at = match self.changes.iter().position(|c| c.id == id) {
            Some(at) => at,
            None => {
                self.changes.push(SubscriptionChange {
                    id,
                    ..SubscriptionChange::default()
                });
                self.changes.len() - 1
            }
        };
        &mut self.changes[at]
    }
}
