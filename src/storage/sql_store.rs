//! The one implementation of [`Store`](super::Store) both backends share.
//! `sql_store!` emits a store type and its `Store` impl for one sqlx
//! database; everything that differs between backends is an argument of the
//! macro or one of the few functions each backend's module writes its own
//! way (`connect`, and reading a snapshot and writing an order, which
//! Postgres does in one statement each: see `pg_sql.rs`), so the differences
//! stay few and visible. A macro rather than generic functions because
//! sqlx's executor bounds, repeated on every generic function, would bury
//! the SQL.

use std::collections::HashSet;

use crate::domain::ids::SubscriptionId;
use crate::domain::model::Subscription;

/// Orders subscriptions so that a base is written before its add-ons (the
/// parent foreign key is checked row by row). Keeps the dataset's order
/// otherwise; a cycle, which validation prevents, is left for the database
/// to refuse.
pub(super) fn parents_first(subscriptions: &[Subscription]) -> Vec<&Subscription> {
    let pending: HashSet<SubscriptionId> = subscriptions.iter().map(|s| s.id).collect();
    let mut written: HashSet<SubscriptionId> = HashSet::new();
    let mut ordered = Vec::with_capacity(subscriptions.len());
    let mut rest: Vec<&Subscription> = subscriptions.iter().collect();
    while !rest.is_empty() {
        let before = rest.len();
        rest.retain(|s| {
            let ready = s
                .parent_id
                .is_none_or(|p| !pending.contains(&p) || written.contains(&p));
            if ready {
                written.insert(s.id);
                ordered.push(*s);
            }
            !ready
        });
        if rest.len() == before {
            ordered.append(&mut rest);
        }
    }
    ordered
}

macro_rules! sql_store {
    (
        $(#[$meta:meta])*
        $store:ident {
            database: $db:ty,
            connection: $conn:ty,
            backend: $backend:literal,
            // Starts a writing transaction.
            begin_write: $begin_write:literal,
            // Refreshes the planner's statistics after an import.
            analyze: $analyze:expr $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $store {
            pool: sqlx::Pool<$db>,
            /// Tells other replicas what a quiet-trigger transaction changed.
            announcer: $crate::storage::changes::Announcer,
        }

        impl $store {
            /// The pool, for the layers that write orders in their own transactions.
            pub fn pool(&self) -> &sqlx::Pool<$db> {
                &self.pool
            }

            /// One customer of the partner, read on `conn` (which may be in a
            /// transaction).
            pub async fn customer_on(
                conn: &mut $conn,
                partner: $crate::domain::ids::PartnerId,
                customer: $crate::domain::ids::CustomerId,
            ) -> $crate::storage::Result<Option<$crate::domain::model::Customer>> {
                sqlx::query_as::<_, $crate::storage::rows::CustomerRow>($crate::storage::sql::CUSTOMER)
                    .bind(partner.0)
                    .bind(customer.0)
                    .fetch_optional(&mut *conn)
                    .await?
                    .map($crate::storage::rows::CustomerRow::into_domain)
                    .transpose()
            }

            /// Runs one of the query pairs of `sql::keyset_page!`: `first` for the
            /// first page, `after` past the previous page's last key, one row
            /// more than the page holds (see `Page::from_rows`).
            async fn fetch_page<R, A, B>(
                &self,
                first: &'static str,
                after: &'static str,
                scope: uuid::Uuid,
                size: u32,
                key: Option<(A, B)>,
            ) -> $crate::storage::Result<Vec<R>>
            where
                R: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
                A: for<'q> sqlx::Encode<'q, $db> + sqlx::Type<$db> + Send + 'static,
                B: for<'q> sqlx::Encode<'q, $db> + sqlx::Type<$db> + Send + 'static,
            {
                let limit = i64::from(size) + 1;
                let query = match key {
                    None => sqlx::query_as(first).bind(scope).bind(limit),
                    Some((a, b)) => sqlx::query_as(after).bind(scope).bind(limit).bind(a).bind(b),
                };
                Ok(query.fetch_all(&self.pool).await?)
            }

            async fn import_on(
                conn: &mut $conn,
                data: &$crate::domain::dataset::ValidDataset,
            ) -> $crate::storage::Result<$crate::storage::ImportSummary> {
                use $crate::storage::rows::{already_exists, conflict, disabled_services_json, stored_time};
                use $crate::storage::sql;
                for p in &data.partners {
                    sqlx::query(sql::INSERT_PARTNER)
                        .bind(p.id.0)
                        .bind(&p.name)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, already_exists(format!("partner {}", p.id), &[])))?;
                }
                for u in &data.partner_users {
                    sqlx::query(sql::INSERT_PARTNER_USER)
                        .bind(u.id.0)
                        .bind(u.partner_id.0)
                        .bind(u.upn.to_lowercase())
                        .bind(&u.display_name)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, already_exists(format!("partner user {}", u.id), &["upn"])))?;
                    for role in &u.roles {
                        sqlx::query(sql::INSERT_PARTNER_USER_ROLE)
                            .bind(u.id.0)
                            .bind(role.as_str())
                            .execute(&mut *conn)
                            .await?;
                    }
                }
                for c in &data.customers {
                    sqlx::query(sql::INSERT_CUSTOMER)
                        .bind(c.id.0)
                        .bind(c.partner_id.0)
                        .bind(&c.name)
                        .bind(&c.country)
                        .bind(c.segment.as_str())
                        .bind(c.custom_domain)
                        .bind(c.unpaid_balance)
                        .bind(c.delegated_admin.status.as_str())
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, already_exists(format!("customer {}", c.id), &[])))?;
                    for role in &c.delegated_admin.roles {
                        sqlx::query(sql::INSERT_DELEGATED_ROLE)
                            .bind(c.id.0)
                            .bind(role.as_str())
                            .execute(&mut *conn)
                            .await?;
                    }
                    for service in &c.service_incidents {
                        sqlx::query(sql::INSERT_INCIDENT)
                            .bind(c.id.0)
                            .bind(service)
                            .execute(&mut *conn)
                            .await?;
                    }
                }
                for s in $crate::storage::sql_store::parents_first(&data.subscriptions) {
                    $crate::storage::sql::bind_subscription_columns!(sqlx::query(sql::INSERT_SUBSCRIPTION), s)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, already_exists(format!("subscription {}", s.id), &[])))?;
                }
                for u in &data.customer_users {
                    sqlx::query(sql::INSERT_CUSTOMER_USER)
                        .bind(u.id.0)
                        .bind(u.customer_id.0)
                        .bind(&u.upn)
                        .bind(&u.display_name)
                        .bind(u.sign_in_blocked)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, already_exists(format!("customer user {}", u.id), &["upn"])))?;
                    for l in &u.licenses {
                        sqlx::query(sql::INSERT_LICENSE)
                            .bind(u.customer_id.0)
                            .bind(u.id.0)
                            .bind(l.subscription_id.0)
                            .bind(disabled_services_json(l))
                            .execute(&mut *conn)
                            .await
                            .map_err(|e| conflict(e, |_| format!(
                                "customer user {}: license of subscription {} already exists",
                                u.id, l.subscription_id
                            )))?;
                    }
                }
                for o in &data.orders {
                    let created = stored_time(o.summary.created_at);
                    sqlx::query(sql::INSERT_IMPORTED_ORDER)
                        .bind(o.summary.id.0)
                        .bind(o.partner_id.0)
                        .bind(o.summary.customer_id.0)
                        .bind(o.submitted_by.0)
                        .bind(o.summary.source_subscription_id.0)
                        .bind(o.summary.target_offer_id.as_str())
                        .bind(o.quantity)
                        .bind(o.upgrade_type.as_str())
                        .bind(o.summary.state.as_str())
                        .bind(created)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, already_exists(format!("order {}", o.summary.id), &[])))?;
                    sqlx::query(sql::INSERT_ORDER_EVENT)
                        .bind(o.summary.id.0)
                        .bind(1_i64)
                        .bind(o.summary.state.as_str())
                        .bind(created)
                        .bind("imported")
                        .execute(&mut *conn)
                        .await?;
                }
                Ok($crate::storage::ImportSummary {
                    partners: data.partners.len(),
                    partner_users: data.partner_users.len(),
                    customers: data.customers.len(),
                    subscriptions: data.subscriptions.len(),
                    customer_users: data.customer_users.len(),
                })
            }
        }

        #[async_trait::async_trait]
        impl $crate::storage::Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            fn pool_stats(&self) -> $crate::storage::PoolStats {
                let size = self.pool.size();
                let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX).min(size);
                $crate::storage::PoolStats {
                    active: size - idle,
                    idle,
                }
            }

            async fn ping(&self) -> $crate::storage::Result<()> {
                sqlx::query($crate::storage::sql::PING).execute(&self.pool).await?;
                Ok(())
            }

            async fn is_empty(&self) -> $crate::storage::Result<bool> {
                Ok(sqlx::query_scalar($crate::storage::sql::IS_EMPTY)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn import(
                &self,
                dataset: &$crate::domain::dataset::ValidDataset,
            ) -> $crate::storage::Result<$crate::storage::ImportSummary> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                let summary = Self::import_on(&mut *tx, dataset).await?;
                tx.commit().await?;
                // A bulk load leaves the planner's statistics describing the
                // tables as they were (Postgres until autovacuum comes by):
                // measured, the first minute after an import ran snapshot
                // queries 8x slower (BENCHMARKS.md).
                sqlx::query($analyze).execute(&self.pool).await?;
                Ok(summary)
            }

            async fn partner(
                &self,
                partner: $crate::domain::ids::PartnerId,
            ) -> $crate::storage::Result<Option<$crate::domain::model::Partner>> {
                Ok(sqlx::query_as::<_, $crate::storage::rows::PartnerRow>($crate::storage::sql::PARTNER)
                    .bind(partner.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .map($crate::storage::rows::PartnerRow::into_domain))
            }

            async fn partner_exists(
                &self,
                partner: $crate::domain::ids::PartnerId,
            ) -> $crate::storage::Result<bool> {
                Ok(self.partner(partner).await?.is_some())
            }

            async fn partner_user(
                &self,
                partner: $crate::domain::ids::PartnerId,
                user: $crate::domain::ids::PartnerUserId,
            ) -> $crate::storage::Result<Option<$crate::domain::model::PartnerUser>> {
                sqlx::query_as::<_, $crate::storage::rows::PartnerUserRow>($crate::storage::sql::PARTNER_USER)
                    .bind(partner.0)
                    .bind(user.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .map($crate::storage::rows::PartnerUserRow::into_domain)
                    .transpose()
            }

            async fn partner_user_by_upn(
                &self,
                upn: &str,
            ) -> $crate::storage::Result<Option<$crate::domain::model::PartnerUser>> {
                sqlx::query_as::<_, $crate::storage::rows::PartnerUserRow>($crate::storage::sql::PARTNER_USER_BY_UPN)
                    .bind(upn.to_lowercase())
                    .fetch_optional(&self.pool)
                    .await?
                    .map($crate::storage::rows::PartnerUserRow::into_domain)
                    .transpose()
            }

            async fn list_customers(
                &self,
                partner: $crate::domain::ids::PartnerId,
                page: &$crate::storage::PageRequest,
            ) -> $crate::storage::Result<$crate::storage::Page<$crate::domain::model::Customer>> {
                use $crate::storage::rows::{self, CustomerRow};
                use $crate::storage::sql;
                let after = page.after.as_ref().map(rows::customer_after).transpose()?;
                let found = self
                    .fetch_page(sql::CUSTOMERS_FIRST, sql::CUSTOMERS_AFTER, partner.0, page.size, after)
                    .await?;
                rows::page(found, CustomerRow::into_domain, page.size, CustomerRow::page_key)
            }

            async fn customer(
                &self,
                partner: $crate::domain::ids::PartnerId,
                customer: $crate::domain::ids::CustomerId,
            ) -> $crate::storage::Result<Option<$crate::domain::model::Customer>> {
                let mut conn = self.pool.acquire().await?;
                Self::customer_on(&mut *conn, partner, customer).await
            }

            async fn list_subscriptions(
                &self,
                partner: $crate::domain::ids::PartnerId,
                customer: $crate::domain::ids::CustomerId,
                page: &$crate::storage::PageRequest,
            ) -> $crate::storage::Result<Option<$crate::storage::Page<$crate::domain::model::Subscription>>> {
                use $crate::storage::rows::{self, SubscriptionRow};
                use $crate::storage::sql;
                // Decoded first: a bad token is the caller's error whatever the customer.
                let after = page.after.as_ref().map(rows::subscription_after).transpose()?;
                let mine: bool = sqlx::query_scalar(sql::CUSTOMER_EXISTS)
                    .bind(partner.0)
                    .bind(customer.0)
                    .fetch_one(&self.pool)
                    .await?;
                if !mine {
                    return Ok(None);
                }
                let found = self
                    .fetch_page(sql::SUBSCRIPTIONS_FIRST, sql::SUBSCRIPTIONS_AFTER, customer.0, page.size, after)
                    .await?;
                rows::page(found, SubscriptionRow::into_domain, page.size, SubscriptionRow::page_key).map(Some)
            }

            async fn snapshot(
                &self,
                partner: $crate::domain::ids::PartnerId,
                customer: $crate::domain::ids::CustomerId,
            ) -> $crate::storage::Result<Option<std::sync::Arc<$crate::domain::model::CustomerSnapshot>>> {
                Ok(self.read_snapshot(partner, customer).await?.map(std::sync::Arc::new))
            }

            fn change_feed(
                &self,
            ) -> Option<tokio::sync::mpsc::UnboundedReceiver<$crate::storage::changes::FeedEvent>> {
                Self::feed(&self.pool)
            }
        }
    };
}
pub(super) use sql_store;

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::ids::{CustomerId, OfferId};
    use crate::domain::model::*;

    fn sub(id: SubscriptionId, parent: Option<SubscriptionId>) -> Subscription {
        let at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        Subscription {
            id,
            customer_id: CustomerId::new_v4(),
            offer_id: OfferId::parse("o365-e3").unwrap(),
            channel: Channel::ThisPartner,
            status: SubscriptionStatus::Active,
            provisioned: true,
            quantity: 1,
            assigned_seats: 1,
            billing_cycle: BillingCycle::Monthly,
            payment_method: PaymentMethod::Invoice,
            trial: false,
            parent_id: parent,
            period_start: at,
            period_end: at,
            created_at: at,
        }
    }

    #[test]
    fn bases_come_before_their_add_ons() {
        let (a, b, c) = (
            SubscriptionId::new_v4(),
            SubscriptionId::new_v4(),
            SubscriptionId::new_v4(),
        );
        let outside = SubscriptionId::new_v4();
        // c is an add-on of b, an add-on of a; listed children first.
        let subs = vec![
            sub(c, Some(b)),
            sub(b, Some(a)),
            sub(a, None),
            sub(SubscriptionId::new_v4(), Some(outside)),
        ];
        let order: Vec<_> = parents_first(&subs).iter().map(|s| s.id).collect();
        assert_eq!(order.len(), 4);
        let pos = |id| order.iter().position(|x| *x == id).unwrap();
        assert!(pos(a) < pos(b) && pos(b) < pos(c));
    }

    #[test]
    fn a_cycle_is_kept_for_the_database_to_refuse() {
        let (a, b) = (SubscriptionId::new_v4(), SubscriptionId::new_v4());
        let subs = vec![sub(a, Some(b)), sub(b, Some(a))];
        assert_eq!(parents_first(&subs).len(), 2);
    }
}
