//! Upgrade order persistence. Submission and credit-check resolution run the
//! domain's decision *inside* the writing transaction, after taking the
//! customer's lock and reading the snapshot on the same connection: no window
//! between the eligibility check and the write, and all effects commit
//! together or not at all. On Postgres a submission first tries without the
//! lock (`PgStore::submit_optimistic`): its one write statement writes nothing
//! if an order of the customer was written since the snapshot it was decided
//! on, and the submission then takes this locked way.

use async_trait::async_trait;
use uuid::Uuid;

use super::{Page, PageRequest, Result};
use crate::domain::ids::{CustomerId, OrderId, PartnerId};
use crate::domain::model::CustomerSnapshot;
use crate::domain::orders::{Plan, Refusal, UpgradeOrder};

/// The domain's decision on a submission, given the locked snapshot.
pub type Decide<'a> =
    dyn Fn(&CustomerSnapshot) -> std::result::Result<Plan, Refusal> + Send + Sync + 'a;

/// The domain's decision on a pending order, given the locked snapshot.
pub type DecidePending<'a> = dyn Fn(&CustomerSnapshot, &UpgradeOrder) -> std::result::Result<Plan, Refusal>
    + Send
    + Sync
    + 'a;

/// How a submission ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// A new order was written (executed, or waiting for a credit check).
    Created(UpgradeOrder),
    /// The key was used before for the same request: the original order.
    Replayed(UpgradeOrder),
    /// The key was used before for a different request.
    KeyReused(OrderId),
    /// The domain refused; nothing was written.
    Refused(Refusal),
    CustomerNotFound,
}

/// An order that already used an idempotency key, and the fingerprint of
/// the request that did.
#[derive(Debug, Clone)]
pub struct KeyUse {
    pub order: Uuid,
    pub fingerprint: Option<String>,
}

/// A submission as storage takes it: whose customer, under which
/// idempotency key (and the fingerprint of the request that uses it), the
/// audit record to write with it, and the domain's decision to run on the
/// snapshot it is written against.
#[derive(Clone, Copy)]
pub struct NewOrder<'a> {
    pub partner: PartnerId,
    pub customer: CustomerId,
    pub request_id: Uuid,
    pub fingerprint: &'a str,
    pub audit: &'a OrderAudit<'a>,
    pub decide: &'a Decide<'a>,
}

/// Who writes an order and why, for the audit record written with it.
#[derive(Debug, Clone)]
pub struct OrderAudit<'a> {
    pub caller: &'a crate::domain::roles::Caller,
    pub action: crate::domain::audit::AuditAction,
    pub id: crate::domain::ids::AuditRecordId,
}

#[async_trait]
pub trait OrderStore: Send + Sync {
    async fn submit_order(&self, order: NewOrder<'_>) -> Result<Submission>;

    /// Resolves a pending order; `None` when the order is not the partner's.
    async fn resolve_order(
        &self,
        partner: PartnerId,
        order: OrderId,
        audit: &OrderAudit<'_>,
        decide: &DecidePending<'_>,
    ) -> Result<Option<std::result::Result<UpgradeOrder, Refusal>>>;

    async fn order(&self, partner: PartnerId, order: OrderId) -> Result<Option<UpgradeOrder>>;

    /// A customer's orders, newest first; `None` when the customer is not the partner's.
    async fn list_orders(
        &self,
        partner: PartnerId,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Option<Page<UpgradeOrder>>>;
}

/// Implements [`OrderStore`] for a store made by `sql_store!`.
macro_rules! order_store {
    ($store:ident, $db:ty, $conn:ty, begin_write: $begin_write:literal) => {
        impl $store {
            async fn order_on(
                conn: &mut $conn,
                partner: $crate::domain::ids::PartnerId,
                order: uuid::Uuid,
            ) -> $crate::storage::Result<Option<$crate::domain::orders::UpgradeOrder>> {
                use $crate::storage::order_rows::{EventRow, OrderRow};
                use $crate::storage::order_sql as sql;
                let Some(row) = sqlx::query_as::<_, OrderRow>(sql::ORDER)
                    .bind(partner.0)
                    .bind(order)
                    .fetch_optional(&mut *conn)
                    .await?
                else {
                    return Ok(None);
                };
                let events = sqlx::query_as::<_, EventRow>(sql::EVENTS)
                    .bind(order)
                    .fetch_all(&mut *conn)
                    .await?
                    .into_iter()
                    .map(EventRow::into_domain)
                    .collect::<$crate::storage::Result<Vec<_>>>()?;
                row.into_domain(events).map(Some)
            }

            /// The order a key was used for, when it was, and whether the
            /// request matches.
            async fn by_key(
                conn: &mut $conn,
                partner: $crate::domain::ids::PartnerId,
                request_id: uuid::Uuid,
                fingerprint: &str,
            ) -> $crate::storage::Result<Option<$crate::storage::orders::Submission>> {
                let found: Option<(uuid::Uuid, Option<String>)> =
                    sqlx::query_as($crate::storage::order_sql::ORDER_BY_KEY)
                        .bind(partner.0)
                        .bind(request_id)
                        .fetch_optional(&mut *conn)
                        .await?;
                let Some((order, hash)) = found else {
                    return Ok(None);
                };
                let used = $crate::storage::orders::KeyUse {
                    order,
                    fingerprint: hash,
                };
                Self::key_used(conn, partner, used, fingerprint)
                    .await
                    .map(Some)
            }

            /// The answer to a request whose key an order already used: that
            /// order when the request matches.
            async fn key_used(
                conn: &mut $conn,
                partner: $crate::domain::ids::PartnerId,
                used: $crate::storage::orders::KeyUse,
                fingerprint: &str,
            ) -> $crate::storage::Result<$crate::storage::orders::Submission> {
                use $crate::storage::orders::Submission;
                let id = used.order;
                if used.fingerprint.as_deref() != Some(fingerprint) {
                    return Ok(Submission::KeyReused($crate::domain::ids::OrderId(id)));
                }
                let order = Self::order_on(conn, partner, id).await?.ok_or_else(|| {
                    $crate::storage::StorageError::Corrupt(format!("order {id} vanished"))
                })?;
                Ok(Submission::Replayed(order))
            }

            async fn submit_once(
                &self,
                order: $crate::storage::orders::NewOrder<'_>,
            ) -> $crate::storage::Result<$crate::storage::orders::Submission> {
                use $crate::storage::orders::{NewOrder, Submission};
                let NewOrder {
                    partner,
                    customer,
                    request_id,
                    fingerprint,
                    audit,
                    decide,
                } = order;
                let mut tx = self.pool.begin_with($begin_write).await?;
                let locked = sqlx::query($crate::storage::order_sql::LOCK_CUSTOMER)
                    .bind(partner.0)
                    .bind(customer.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if locked == 0 {
                    return Ok(Submission::CustomerNotFound);
                }
                // The key is looked up under the lock (with the snapshot, in
                // one statement where the backend can): the same key sent twice
                // at once is then replayed, not planned again on a snapshot
                // that already holds the first order.
                let (snapshot, used) =
                    Self::snapshot_on(&mut tx, partner, customer, Some(request_id))
                        .await?
                        .ok_or_else(|| {
                            $crate::storage::StorageError::Corrupt(format!(
                                "customer {customer} vanished under its lock"
                            ))
                        })?;
                if let Some(used) = used {
                    return Self::key_used(&mut tx, partner, used, fingerprint).await;
                }
                let plan = match decide(&snapshot) {
                    Ok(plan) => plan,
                    Err(refusal) => return Ok(Submission::Refused(refusal)),
                };
                Self::write_plan(&mut tx, &plan, 0, Some(fingerprint), audit).await?;
                tx.commit().await?;
                self.announcer
                    .committed($crate::storage::changes::Change::Customer(customer));
                Ok(Submission::Created(plan.order))
            }
        }

        #[async_trait::async_trait]
        impl $crate::storage::orders::OrderStore for $store {
            async fn submit_order(
                &self,
                order: $crate::storage::orders::NewOrder<'_>,
            ) -> $crate::storage::Result<$crate::storage::orders::Submission> {
                match self.submit_first(order).await {
                    // The same key raced in through another customer's lock:
                    // the unique (partner, key) index refused our insert.
                    Err($crate::storage::StorageError::Conflict(_)) => {
                        let mut conn = self.pool.acquire().await?;
                        Self::by_key(
                            &mut conn,
                            order.partner,
                            order.request_id,
                            order.fingerprint,
                        )
                        .await?
                        .ok_or_else(|| {
                            $crate::storage::StorageError::Corrupt(
                                "key conflict without an order".into(),
                            )
                        })
                    }
                    other => other,
                }
            }

            async fn resolve_order(
                &self,
                partner: $crate::domain::ids::PartnerId,
                order: $crate::domain::ids::OrderId,
                audit: &$crate::storage::orders::OrderAudit<'_>,
                decide: &$crate::storage::orders::DecidePending<'_>,
            ) -> $crate::storage::Result<
                Option<
                    std::result::Result<
                        $crate::domain::orders::UpgradeOrder,
                        $crate::domain::orders::Refusal,
                    >,
                >,
            > {
                let mut tx = self.pool.begin_with($begin_write).await?;
                let Some(before) = Self::order_on(&mut tx, partner, order.0).await? else {
                    return Ok(None);
                };
                sqlx::query($crate::storage::order_sql::LOCK_CUSTOMER)
                    .bind(partner.0)
                    .bind(before.customer_id.0)
                    .execute(&mut *tx)
                    .await?;
                // Re-read under the lock: another approver may have been first.
                let current = Self::order_on(&mut tx, partner, order.0)
                    .await?
                    .ok_or_else(|| {
                        $crate::storage::StorageError::Corrupt(format!("order {order} vanished"))
                    })?;
                let (snapshot, _) = Self::snapshot_on(&mut tx, partner, current.customer_id, None)
                    .await?
                    .ok_or_else(|| {
                        $crate::storage::StorageError::Corrupt(format!(
                            "order {order}: no customer"
                        ))
                    })?;
                let plan = match decide(&snapshot, &current) {
                    Ok(plan) => plan,
                    Err(refusal) => return Ok(Some(Err(refusal))),
                };
                Self::write_plan(&mut tx, &plan, current.events.len(), None, audit).await?;
                tx.commit().await?;
                self.announcer
                    .committed($crate::storage::changes::Change::Customer(
                        current.customer_id,
                    ));
                Ok(Some(Ok(plan.order)))
            }

            async fn order(
                &self,
                partner: $crate::domain::ids::PartnerId,
                order: $crate::domain::ids::OrderId,
            ) -> $crate::storage::Result<Option<$crate::domain::orders::UpgradeOrder>> {
                let mut conn = self.pool.acquire().await?;
                Self::order_on(&mut conn, partner, order.0).await
            }

            async fn list_orders(
                &self,
                partner: $crate::domain::ids::PartnerId,
                customer: $crate::domain::ids::CustomerId,
                page: &$crate::storage::PageRequest,
            ) -> $crate::storage::Result<
                Option<$crate::storage::Page<$crate::domain::orders::UpgradeOrder>>,
            > {
                use $crate::storage::order_rows::{EventRow, OrderRow};
                use $crate::storage::order_sql as sql;
                let mut conn = self.pool.acquire().await?;
                if Self::customer_on(&mut conn, partner, customer)
                    .await?
                    .is_none()
                {
                    return Ok(None);
                }
                let limit = i64::from(page.size) + 1;
                let rows: Vec<OrderRow> = match &page.after {
                    None => {
                        sqlx::query_as(sql::ORDERS_FIRST)
                            .bind(partner.0)
                            .bind(customer.0)
                            .bind(limit)
                            .fetch_all(&mut *conn)
                            .await?
                    }
                    Some((at, id)) => {
                        let at = chrono::DateTime::parse_from_rfc3339(at)
                            .map_err(|_| $crate::storage::StorageError::BadPageToken)?
                            .with_timezone(&chrono::Utc);
                        let id = uuid::Uuid::parse_str(id)
                            .map_err(|_| $crate::storage::StorageError::BadPageToken)?;
                        sqlx::query_as(sql::ORDERS_AFTER)
                            .bind(partner.0)
                            .bind(customer.0)
                            .bind(limit)
                            .bind(at)
                            .bind(id)
                            .fetch_all(&mut *conn)
                            .await?
                    }
                };
                let mut events: std::collections::HashMap<uuid::Uuid, Vec<_>> = Default::default();
                for e in sqlx::query_as::<_, EventRow>(sql::CUSTOMER_EVENTS)
                    .bind(partner.0)
                    .bind(customer.0)
                    .fetch_all(&mut *conn)
                    .await?
                {
                    events.entry(e.order_id).or_default().push(e.into_domain()?);
                }
                let orders = rows
                    .into_iter()
                    .map(|r| {
                        let evs = events.remove(&r.id()).unwrap_or_default();
                        r.into_domain(evs)
                    })
                    .collect::<$crate::storage::Result<Vec<_>>>()?;
                Ok(Some($crate::storage::Page::from_rows(
                    orders,
                    page.size,
                    |o| {
                        (
                            o.created_at
                                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                            o.id.to_string(),
                        )
                    },
                )))
            }
        }
    };
}

pub(crate) use order_store;
