//! A page of a customer's subscriptions and the slice of the customer their
//! "Upgrade now" hint needs (`Directory::subscription_page`), in one read
//! transaction: five queries whatever the customer holds. The page's ids go
//! to SQLite as one JSON array of hex strings (it has no arrays).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use super::directory::customer_on;
use crate::domain::eligibility::HintSlice;
use crate::domain::ids::{CustomerId, PartnerId, SubscriptionId};
use crate::domain::model::Subscription;
use crate::storage::rows::{OrderSummaryRow, SubscriptionRow};
use crate::storage::{Result, SubscriptionFilter, SubscriptionPage};

pub(super) async fn subscription_page_on(
    conn: &mut SqliteConnection,
    partner: PartnerId,
    customer: CustomerId,
    filter: &SubscriptionFilter,
    after: Option<(DateTime<Utc>, SubscriptionId)>,
    limit: u32,
) -> Result<Option<SubscriptionPage>> {
    let Some(found) = customer_on(&mut *conn, partner, customer).await? else {
        return Ok(None);
    };
    let status = filter.status.map(|s| s.as_str());
    let offer = filter.offer.as_ref().map(|o| o.as_str());
    let query = match after {
        None => {
            sqlx::query_as::<_, SubscriptionRow>(include_str!("../sql/subscription_page_first.sql"))
                .bind(customer.0)
                .bind(i64::from(limit))
                .bind(status)
                .bind(offer)
        }
        Some((at, id)) => {
            sqlx::query_as::<_, SubscriptionRow>(include_str!("../sql/subscription_page_after.sql"))
                .bind(customer.0)
                .bind(i64::from(limit))
                .bind(status)
                .bind(offer)
                .bind(at)
                .bind(id.0)
        }
    };
    let page: Vec<Subscription> = query
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(SubscriptionRow::into_domain)
        .collect::<Result<_>>()?;
    let ids = serde_json::to_string(
        &page
            .iter()
            .map(|s| s.id.0.simple().to_string())
            .collect::<Vec<_>>(),
    )
    .expect("strings serialize");
    let others =
        sqlx::query_as::<_, SubscriptionRow>(include_str!("sql/hint_slice_subscriptions.sql"))
            .bind(customer.0)
            .bind(&ids)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(SubscriptionRow::into_domain);
    let subscriptions = page
        .iter()
        .cloned()
        .map(Ok)
        .chain(others)
        .collect::<Result<Vec<_>>>()?;
    let mut licensed_users = HashMap::new();
    for row in sqlx::query(include_str!("sql/licensed_users.sql"))
        .bind(customer.0)
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?
    {
        let id: Uuid = row.try_get("subscription_id")?;
        licensed_users.insert(SubscriptionId(id), row.try_get::<i64, _>("users")?);
    }
    let open_orders = sqlx::query_as::<_, OrderSummaryRow>(include_str!("../sql/open_orders.sql"))
        .bind(customer.0)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(OrderSummaryRow::into_domain)
        .collect::<Result<_>>()?;
    Ok(Some(SubscriptionPage {
        subscriptions: page,
        slice: HintSlice {
            customer: found,
            open_orders,
            subscriptions,
            licensed_users,
        },
    }))
}
