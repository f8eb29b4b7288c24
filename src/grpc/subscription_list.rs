//! `ListSubscriptions`' two ways to a page of a customer's subscriptions,
//! each with its "Upgrade now" hint, identical answers both:
//!
//! - [`SubscriptionList::page`] reads, for a customer bigger than
//!   [`WHOLE_SNAPSHOT_UP_TO`] whose snapshot is not cached, the page from
//!   the database and only the slice of the customer the page's hints need
//!   (`domain::eligibility::HintSlice`): its cost follows the page size,
//!   not the customer's (issue 15: 100,000 subscriptions); a smaller or
//!   cached customer is paged out of its snapshot in memory;
//! - [`SubscriptionList::page_by_hint`], for a list filtered by the hint,
//!   cannot know which subscriptions are in the page without every hint: it
//!   reads the whole customer (the cached snapshot) and pages in memory.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::error::ApiError;
use crate::domain::eligibility;
use crate::domain::ids::{CustomerId, SubscriptionId};
use crate::domain::model::{CustomerSnapshot, OrderState, OrderSummary, Subscription};
use crate::domain::roles::Caller;
use crate::state::AppState;
use crate::storage::SubscriptionFilter;

/// One `ListSubscriptions` call's page request.
pub(super) struct SubscriptionList<'a> {
    pub state: &'a AppState,
    pub caller: &'a Caller,
    pub customer: CustomerId,
    pub filter: &'a SubscriptionFilter,
    /// Rows in the page; one more is read to know whether another follows.
    pub size: u32,
    /// The (created_at, id) of the previous page's last row.
    pub after: Option<(DateTime<Utc>, uuid::Uuid)>,
}

/// A listed subscription: with its "Upgrade now" hint and the upgrade
/// scheduled for its renewal, if any (SPEC §9).
pub(super) type Listed = (Subscription, bool, Option<OrderSummary>);

/// The upgrade scheduled for `subscription`'s renewal among the customer's
/// orders that have not ended.
fn scheduled(open_orders: &[OrderSummary], subscription: &Subscription) -> Option<OrderSummary> {
    open_orders
        .iter()
        .find(|o| o.source_subscription_id == subscription.id && o.state == OrderState::Scheduled)
        .cloned()
}

/// Customers of up to this many subscriptions are listed from their whole
/// snapshot, through the snapshot cache: reading it costs about what one
/// page's slice costs (16 ms against 14 ms for 1,000 subscriptions, one call
/// at a time, BENCHMARKS.md round 4), and every later page, and the checks,
/// are then answered from memory (about 2 ms). Bigger customers are read
/// page by page.
pub(super) const WHOLE_SNAPSHOT_UP_TO: u64 = 1_000;

impl SubscriptionList<'_> {
    /// Up to `size + 1` subscriptions in (created_at, id) order, with their
    /// hint: from the cached snapshot when there is one, from the whole
    /// snapshot for a small customer, else from the page and its slice.
    pub async fn page(&self) -> Result<Vec<Listed>, ApiError> {
        let store = self.state.store()?;
        let partner = self.caller.partner_id;
        if let Some(snapshot) = store.cached_snapshot(partner, self.customer) {
            return Ok(self.in_memory(&snapshot, None));
        }
        let size = store
            .customer_size(partner, self.customer)
            .await?
            .ok_or_else(|| ApiError::not_found("customer", self.customer))?;
        if size <= WHOLE_SNAPSHOT_UP_TO {
            return self.whole(None).await;
        }
        self.slice_page().await
    }

    /// As [`Self::page`], of the subscriptions whose hint is `wanted`.
    pub async fn page_by_hint(&self, wanted: bool) -> Result<Vec<Listed>, ApiError> {
        self.whole(Some(wanted)).await
    }

    /// The page read from the database with the slice its hints need.
    async fn slice_page(&self) -> Result<Vec<Listed>, ApiError> {
        let found = self
            .state
            .store()?
            .subscription_page(
                self.caller.partner_id,
                self.customer,
                self.filter,
                self.after.map(|(at, id)| (at, SubscriptionId(id))),
                self.size + 1,
            )
            .await?
            .ok_or_else(|| ApiError::not_found("customer", self.customer))?;
        let ids: Vec<SubscriptionId> = found.subscriptions.iter().map(|s| s.id).collect();
        let open_orders = found.slice.open_orders.clone();
        let available = eligibility::upgrade_available_in_slice(
            self.state.catalog(),
            found.slice,
            &ids,
            self.caller,
            self.state.clock().now(),
        );
        Ok(found
            .subscriptions
            .into_iter()
            .map(|s| {
                let hint = available.contains(&s.id);
                let scheduled = scheduled(&open_orders, &s);
                (s, hint, scheduled)
            })
            .collect())
    }

    /// The page out of the whole (cached) snapshot.
    async fn whole(&self, wanted: Option<bool>) -> Result<Vec<Listed>, ApiError> {
        let snapshot = self
            .state
            .store()?
            .snapshot(self.caller.partner_id, self.customer)
            .await?
            .ok_or_else(|| ApiError::not_found("customer", self.customer))?;
        Ok(self.in_memory(&snapshot, wanted))
    }

    /// The page of `snapshot`'s subscriptions, only those whose hint is
    /// `wanted` if given.
    fn in_memory(&self, snapshot: &Arc<CustomerSnapshot>, wanted: Option<bool>) -> Vec<Listed> {
        let lookups = self.state.lookups(snapshot);
        let available = eligibility::upgrade_available_with(
            self.state.catalog(),
            snapshot,
            &lookups,
            self.caller,
            self.state.clock().now(),
        );
        let SubscriptionFilter { status, offer } = self.filter;
        let mut rows: Vec<&Subscription> = snapshot
            .subscriptions
            .iter()
            .filter(|s| self.after.is_none_or(|a| (s.created_at, s.id.0) > a))
            .filter(|s| status.is_none_or(|st| s.status == st))
            .filter(|s| offer.as_ref().is_none_or(|o| s.offer_id == *o))
            .filter(|s| wanted.is_none_or(|w| available.contains(&s.id) == w))
            .collect();
        rows.sort_unstable_by_key(|s| (s.created_at, s.id.0));
        rows.truncate(self.size as usize + 1);
        rows.into_iter()
            .map(|s| {
                let hint = available.contains(&s.id);
                (s.clone(), hint, scheduled(&snapshot.open_orders, s))
            })
            .collect()
    }
}
