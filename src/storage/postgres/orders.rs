//! [`OrderStore`] and [`OrderTx`] on Postgres.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{PgStore, PgTx, directory};
use crate::domain::ids::{CustomerId, CustomerUserId, OrderId, PartnerId};
use crate::domain::model::CustomerSnapshot;
use crate::domain::orders::{Effects, LicenseMove, Plan, UpgradeOrder};
use crate::storage::rows::{
    self, DueRow, EventRow, INSERT_ORDER, INSERT_SUBSCRIPTION, KeyRow, OrderRow, bind_order,
    bind_order_update, bind_subscription, stored_time,
};
use crate::storage::{
    DueOrder, KeyUse, OptimisticOrders, OrderFilter, OrderStore, OrderTx, OrderWrite, Page,
    PageRequest, Result,
};

const KEY_USE: &str =
    "SELECT id, request_hash FROM upgrade_orders WHERE partner_id = $1 AND request_id = $2";

async fn order_on(
    conn: &mut PgConnection,
    partner: PartnerId,
    order: OrderId,
) -> Result<Option<UpgradeOrder>> {
    let Some(row) = sqlx::query_as::<_, OrderRow>(include_str!("../sql/order.sql"))
        .bind(partner.0)
        .bind(order.0)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let events = sqlx::query_as::<_, EventRow>(include_str!("../sql/order_events.sql"))
        .bind(order.0)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(EventRow::into_domain)
        .collect::<Result<Vec<_>>>()?;
    row.into_domain(events).map(Some)
}

async fn key_use_on(
    conn: &mut PgConnection,
    partner: PartnerId,
    request_id: Uuid,
) -> Result<Option<KeyUse>> {
    let found = sqlx::query_as::<_, KeyRow>(KEY_USE)
        .bind(partner.0)
        .bind(request_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.map(|k| KeyUse {
        order: OrderId(k.id),
        fingerprint: k.request_hash,
    }))
}

#[async_trait]
impl OrderStore for PgStore {
    fn optimistic(&self) -> Option<&dyn OptimisticOrders> {
        Some(self)
    }

    async fn order(&self, partner: PartnerId, order: OrderId) -> Result<Option<UpgradeOrder>> {
        let mut conn = self.pool.acquire().await?;
        order_on(&mut conn, partner, order).await
    }

    async fn list_orders(
        &self,
        partner: PartnerId,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Option<Page<UpgradeOrder>>> {
        let after = page.after.as_ref().map(rows::time_after).transpose()?;
        let mut conn = self.pool.acquire().await?;
        if let Some(customer) = filter.customer
            && directory::customer_on(&mut conn, partner, customer)
                .await?
                .is_none()
        {
            return Ok(None);
        }
        let customer = filter.customer.map(|c| c.0);
        let state = filter.state.map(|s| s.as_str());
        let limit = i64::from(page.size) + 1;
        let query = match after {
            None => sqlx::query_as(include_str!("../sql/orders_first.sql"))
                .bind(partner.0)
                .bind(customer)
                .bind(limit)
                .bind(state),
            Some((at, id)) => sqlx::query_as(include_str!("../sql/orders_after.sql"))
                .bind(partner.0)
                .bind(customer)
                .bind(limit)
                .bind(at)
                .bind(id)
                .bind(state),
        };
        let found: Vec<OrderRow> = query.fetch_all(&mut *conn).await?;
        // The events of this page's orders only, in one query.
        let mut events: HashMap<Uuid, Vec<_>> = HashMap::new();
        if !found.is_empty() {
            let mut select = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                "SELECT order_id, seq, state, at, note FROM upgrade_order_events WHERE order_id IN (",
            );
            let mut ids = select.separated(", ");
            for r in &found {
                ids.push_bind(r.id());
            }
            select.push(") ORDER BY order_id, seq");
            for e in select
                .build_query_as::<EventRow>()
                .fetch_all(&mut *conn)
                .await?
            {
                events.entry(e.order_id).or_default().push(e.into_domain()?);
            }
        }
        let orders = found
            .into_iter()
            .map(|r| {
                let of_order = events.remove(&r.id()).unwrap_or_default();
                r.into_domain(of_order)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Page::from_rows(orders, page.size, |o| {
            rows::time_key(o.created_at, o.id)
        })))
    }

    async fn key_use(&self, partner: PartnerId, request_id: Uuid) -> Result<Option<KeyUse>> {
        let mut conn = self.pool.acquire().await?;
        key_use_on(&mut conn, partner, request_id).await
    }

    async fn lock_customer(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<Box<dyn OrderTx>>> {
        let mut tx = self.begin_write().await?;
        let locked = sqlx::query(include_str!("sql/lock_customer.sql"))
            .bind(partner.0)
            .bind(customer.0)
            .execute(&mut *tx.0)
            .await?
            .rows_affected();
        Ok((locked == 1).then(|| Box::new(tx) as Box<dyn OrderTx>))
    }

    /// Runners skip the rows another is claiming (`FOR UPDATE SKIP LOCKED`).
    async fn claim_due(
        &self,
        runner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueOrder>> {
        let claimed: Vec<DueRow> = sqlx::query_as(include_str!("sql/claim_due.sql"))
            .bind(runner)
            .bind(stored_time(now))
            .bind(stored_time(lease_until))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(claimed.into_iter().map(DueRow::into_domain).collect())
    }
}

#[async_trait]
impl OrderTx for PgTx {
    async fn key_use(&mut self, partner: PartnerId, request_id: Uuid) -> Result<Option<KeyUse>> {
        key_use_on(&mut self.0, partner, request_id).await
    }

    async fn order(&mut self, partner: PartnerId, order: OrderId) -> Result<Option<UpgradeOrder>> {
        order_on(&mut self.0, partner, order).await
    }

    async fn snapshot(
        &mut self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Result<Option<CustomerSnapshot>> {
        directory::snapshot_on(&mut self.0, partner, customer).await
    }

    /// A statement per table: the changed subscriptions and the new events
    /// are bound as arrays.
    async fn write_order(&mut self, plan: &Plan, write: OrderWrite<'_>) -> Result<()> {
        let conn = &mut *self.0;
        let o = &plan.order;
        let customer = o.customer_id.0;
        if let Some(e) = &plan.effects {
            apply_effects(&mut *conn, customer, e).await?;
        }
        let previous_events = match write {
            OrderWrite::New { fingerprint } => {
                bind_order(sqlx::query(&INSERT_ORDER), o, fingerprint)
                    .execute(&mut *conn)
                    .await?;
                0
            }
            OrderWrite::Update { previous_events } => {
                bind_order_update(sqlx::query(include_str!("../sql/update_order.sql")), o)
                    .execute(&mut *conn)
                    .await?;
                previous_events
            }
        };
        let events = o.events.get(previous_events..).unwrap_or_default();
        sqlx::query(include_str!("sql/insert_events.sql"))
            .bind(o.id.0)
            .bind(events.iter().map(|e| e.seq).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.state.as_str()).collect::<Vec<_>>())
            .bind(events.iter().map(|e| stored_time(e.at)).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.note.as_str()).collect::<Vec<_>>())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

/// Writes what an executed order changes of the customer's subscriptions
/// and licenses: a statement per kind of change, whatever the counts.
async fn apply_effects(conn: &mut PgConnection, customer: Uuid, e: &Effects) -> Result<()> {
    if let Some(target) = &e.create {
        bind_subscription(sqlx::query(&INSERT_SUBSCRIPTION), target)
            .execute(&mut *conn)
            .await?;
    }
    let ids = |users: &[CustomerUserId]| users.iter().map(|u| u.0).collect::<Vec<Uuid>>();
    match &e.licenses {
        LicenseMove::None => {}
        LicenseMove::All => {
            sqlx::query(include_str!("../sql/move_licenses.sql"))
                .bind(customer)
                .bind(e.source.0)
                .bind(e.target.0)
                .execute(&mut *conn)
                .await?;
        }
        LicenseMove::Users { moved, dropped } => {
            sqlx::query(include_str!("sql/move_user_licenses.sql"))
                .bind(customer)
                .bind(e.source.0)
                .bind(ids(moved))
                .bind(e.target.0)
                .execute(&mut *conn)
                .await?;
            sqlx::query(include_str!("sql/drop_user_licenses.sql"))
                .bind(customer)
                .bind(e.source.0)
                .bind(ids(dropped))
                .execute(&mut *conn)
                .await?;
        }
    }
    if !e.seats.is_empty() {
        sqlx::query(include_str!("sql/set_seats.sql"))
            .bind(customer)
            .bind(e.seats.iter().map(|s| s.id.0).collect::<Vec<_>>())
            .bind(e.seats.iter().map(|s| s.quantity).collect::<Vec<_>>())
            .bind(e.seats.iter().map(|s| s.assigned_seats).collect::<Vec<_>>())
            .execute(&mut *conn)
            .await?;
    }
    if !e.cancel.is_empty() || !e.reattach.is_empty() {
        let cancel: Vec<Uuid> = e.cancel.iter().map(|s| s.0).collect();
        let reattach: Vec<Uuid> = e.reattach.iter().map(|s| s.0).collect();
        sqlx::query(include_str!("sql/apply_effects.sql"))
            .bind(customer)
            .bind(cancel)
            .bind(reattach)
            .bind(e.target.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
