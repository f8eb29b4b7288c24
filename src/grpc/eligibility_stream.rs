//! `UpgradeService.StreamEligibility` (SPEC §10): the eligibility of every
//! subscription of the caller's partner in one call.
//!
//! A task reads the partner's customers in batches (id order; 100 customers
//! or 10,000 subscriptions), reads the batch's snapshots in one round of
//! queries, answers each subscription (id order) exactly as
//! `CheckUpgradeEligibility` does, and sends the answers into a bounded
//! channel: when the client reads slowly the channel fills and the task
//! waits, so memory stays bounded whatever the partner's size. When the call
//! ends (the client cancels or goes away) the receiver is dropped, the next
//! send fails and the task stops reading the database. When the server
//! shuts down the stream ends with `UNAVAILABLE` naming the cursor of the
//! last message sent ([`resumable`](super::resumable)).

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::{Stream, StreamExt, TryStreamExt};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Status};

use super::error::ApiError;
use super::resumable::{Cursored, Resumable};
use super::{convert, lang, pb, reason_convert, require, upgrade, validate};
use crate::auth;
use crate::domain::eligibility::{self, Eligibility, Reason};
use crate::domain::ids::{CustomerId, OfferId, PartnerId, SubscriptionId};
use crate::domain::model::CustomerSnapshot;
use crate::domain::roles::{Caller, Permission};
use crate::drain::Draining;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::storage::Store;

pub type EligibilityStream =
    Pin<Box<dyn Stream<Item = Result<pb::StreamEligibilityResponse, Status>> + Send>>;

/// Customers read from the database per batch: one round of queries each.
const CUSTOMERS_PER_BATCH: usize = 100;
/// Subscriptions per batch at most, unless one customer has more: memory
/// stays bounded when every customer is big.
const SUBSCRIPTIONS_PER_BATCH: u64 = 10_000;
/// Snapshots of listed customers being read at once (in order).
const SNAPSHOTS_IN_FLIGHT: usize = 4;
/// Answers waiting for the client: the server runs at most this far ahead.
const CHANNEL_MESSAGES: usize = 256;
/// Most entries in one filter list.
const MAX_FILTER_ENTRIES: usize = 1000;

/// A position in the stream: the last (customer, subscription) sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub customer: CustomerId,
    pub subscription: SubscriptionId,
}

impl Cursor {
    /// The opaque text clients pass back: `<customer id>.<subscription id>`.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.customer, self.subscription)
    }

    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let bad = || {
            ApiError::invalid(
                "after_cursor",
                format!(
                    "{} is not a cursor of this stream; pass a message's cursor as sent",
                    crate::domain::limits::quote(text)
                ),
            )
        };
        let (c, s) = text.split_once('.').ok_or_else(bad)?;
        Ok(Cursor {
            customer: CustomerId::parse(c).map_err(|_| bad())?,
            subscription: SubscriptionId::parse(s).map_err(|_| bad())?,
        })
    }
}

/// What the call asks for, validated.
struct Query {
    caller: Caller,
    lang: Lang,
    /// Sorted, without duplicates; `None`: every customer.
    customers: Option<Vec<CustomerId>>,
    offers: Option<HashSet<OfferId>>,
    only_eligible: bool,
    full: bool,
    after: Option<Cursor>,
}

pub async fn stream(
    state: &AppState,
    request: Request<pb::StreamEligibilityRequest>,
) -> Result<EligibilityStream, ApiError> {
    let caller = auth::caller(&request)?;
    require(&caller, Permission::ViewCatalogAndCustomers)?;
    let lang = lang::of(&request);
    let draining = request.extensions().get::<Draining>().cloned();
    let pb::StreamEligibilityRequest {
        customer_ids,
        source_offer_ids,
        only_eligible,
        view,
        after_cursor,
    } = request.into_inner();
    let full = match pb::EligibilityView::try_from(view) {
        Ok(pb::EligibilityView::Unspecified | pb::EligibilityView::Basic) => false,
        Ok(pb::EligibilityView::Full) => true,
        Err(_) => return Err(ApiError::invalid("view", "must be BASIC or FULL")),
    };
    bounded("customer_ids", customer_ids.len())?;
    bounded("source_offer_ids", source_offer_ids.len())?;
    let customers = if customer_ids.is_empty() {
        None
    } else {
        let mut ids = customer_ids
            .iter()
            .map(|id| validate::customer_id(id))
            .collect::<Result<Vec<_>, _>>()?;
        ids.sort();
        ids.dedup();
        Some(ids)
    };
    let offers = if source_offer_ids.is_empty() {
        None
    } else {
        Some(
            source_offer_ids
                .iter()
                .map(|id| validate::offer_id("source_offer_ids", id))
                .collect::<Result<HashSet<_>, _>>()?,
        )
    };
    let after = match after_cursor.as_str() {
        "" => None,
        text => Some(Cursor::parse(text)?),
    };

    let store = state.store()?;
    // Another partner's customer is NOT_FOUND, as everywhere else.
    for &id in customers.iter().flatten() {
        if store.customer(caller.partner_id, id).await?.is_none() {
            return Err(ApiError::not_found("customer", id));
        }
    }

    let query = Query {
        caller,
        lang,
        customers,
        offers,
        only_eligible,
        full,
        after,
    };
    let (tx, rx) = mpsc::channel(CHANNEL_MESSAGES);
    let state = state.clone();
    tokio::spawn(lang::scope(lang, async move {
        if let Err(e) = produce(&state, &query, &tx).await {
            let _ = tx.send(Err(e.into())).await;
        }
    }));
    Ok(Box::pin(Resumable::new(
        ReceiverStream::new(rx),
        draining,
        METHOD,
        lang,
        after_cursor,
    )))
}

const METHOD: &str = "csp.v1.UpgradeService/StreamEligibility";

impl Cursored for pb::StreamEligibilityResponse {
    fn cursor(&self) -> &str {
        &self.cursor
    }
}

fn bounded(field: &'static str, len: usize) -> Result<(), ApiError> {
    if len > MAX_FILTER_ENTRIES {
        return Err(ApiError::invalid(
            field,
            format!("at most {MAX_FILTER_ENTRIES} entries; got {len}"),
        ));
    }
    Ok(())
}

type Sender = mpsc::Sender<Result<pb::StreamEligibilityResponse, Status>>;

/// Reads and answers batch after batch until the partner is done or the
/// client is gone.
async fn produce(state: &AppState, query: &Query, tx: &Sender) -> Result<(), ApiError> {
    let store = state.store()?.clone();
    let partner = query.caller.partner_id;
    // The cursor's own customer is read again (the stream resumes inside it).
    let mut next = Batches::new(query);
    loop {
        if tx.is_closed() {
            return Ok(());
        }
        let snapshots = match &query.customers {
            Some(list) => {
                let ids = next.next_from_list(list);
                state.stream_batches().fetch_add(1, Ordering::Relaxed);
                let Some(&last) = ids.last() else {
                    return Ok(());
                };
                next.read_up_to(last);
                listed(&store, partner, ids).await?
            }
            None => {
                let (after, first) = next.next_from_db();
                let mut ids = Vec::with_capacity(CUSTOMERS_PER_BATCH + 1);
                ids.extend(first);
                let limit = (CUSTOMERS_PER_BATCH - ids.len()) as u32;
                let mut rows = 0;
                for (id, subscriptions) in store.customer_sizes(partner, after, limit).await? {
                    // Big customers make a short batch (at least one).
                    if !ids.is_empty() && rows + subscriptions > SUBSCRIPTIONS_PER_BATCH {
                        break;
                    }
                    rows += subscriptions;
                    ids.push(id);
                }
                state.stream_batches().fetch_add(1, Ordering::Relaxed);
                let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
                    return Ok(());
                };
                next.read_up_to(last);
                // One round of queries for the batch, past the snapshot
                // cache: each customer is read once, and caching the whole
                // partner would only evict what per-call checks use.
                store
                    .snapshots_between(partner, first, last)
                    .await?
                    .into_iter()
                    .map(Arc::new)
                    .collect()
            }
        };
        for snapshot in &snapshots {
            for message in answers(state, query, snapshot)? {
                if tx.send(Ok(message)).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
}

/// The snapshots of a batch of listed customers (a filter of at most 1000,
/// anywhere in the partner): one each, a few at once, in order. A customer
/// gone since the call began has nothing to answer.
async fn listed(
    store: &Arc<dyn Store>,
    partner: PartnerId,
    ids: Vec<CustomerId>,
) -> Result<Vec<Arc<CustomerSnapshot>>, ApiError> {
    let found: Vec<Option<Arc<CustomerSnapshot>>> = futures::stream::iter(ids)
        .map(|id| async move { store.snapshot(partner, id).await })
        .buffered(SNAPSHOTS_IN_FLIGHT)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// Which customers come next.
struct Batches {
    /// The last customer read; `None` before the first batch.
    read: Option<CustomerId>,
    /// The cursor's customer, still to be read again.
    resume_in: Option<CustomerId>,
}

impl Batches {
    fn new(query: &Query) -> Self {
        Batches {
            read: None,
            resume_in: query.after.map(|c| c.customer),
        }
    }

    /// The database's next batch: after which id, and a customer to read
    /// first (the cursor's).
    fn next_from_db(&mut self) -> (Option<CustomerId>, Option<CustomerId>) {
        match self.resume_in.take() {
            Some(c) => (Some(c), Some(c)),
            None => (self.read, None),
        }
    }

    fn next_from_list(&mut self, list: &[CustomerId]) -> Vec<CustomerId> {
        let start = match (self.read, self.resume_in.take()) {
            (Some(read), _) => list.partition_point(|&c| c <= read),
            (None, Some(resume)) => list.partition_point(|&c| c < resume),
            (None, None) => 0,
        };
        let end = (start + CUSTOMERS_PER_BATCH).min(list.len());
        list[start..end].to_vec()
    }

    fn read_up_to(&mut self, last: CustomerId) {
        self.read = Some(last);
    }
}

/// The messages of one customer, its subscriptions in id order.
fn answers(
    state: &AppState,
    query: &Query,
    snapshot: &Arc<CustomerSnapshot>,
) -> Result<Vec<pb::StreamEligibilityResponse>, ApiError> {
    let customer = snapshot.customer.id;
    let mut subscriptions: Vec<_> = snapshot
        .subscriptions
        .iter()
        .filter(|s| {
            query
                .offers
                .as_ref()
                .is_none_or(|o| o.contains(&s.offer_id))
        })
        .map(|s| s.id)
        .filter(|&s| {
            query.after.is_none_or(|after| {
                after
                    < Cursor {
                        customer,
                        subscription: s,
                    }
            })
        })
        .collect();
    subscriptions.sort();
    if subscriptions.is_empty() {
        return Ok(Vec::new());
    }
    let lookups = state.lookups(snapshot);
    let now = state.clock().now();
    let mut out = Vec::with_capacity(subscriptions.len());
    for subscription in subscriptions {
        let answer = eligibility::check_with(
            state.catalog(),
            snapshot,
            &lookups,
            &query.caller,
            now,
            subscription,
            None,
        )?;
        if query.only_eligible && !answer.targets.iter().any(|t| t.eligible) {
            continue;
        }
        let eligibility = if query.full {
            upgrade::response(customer.to_string(), answer, state, query.lang)
        } else {
            basic(customer.to_string(), answer)
        };
        out.push(pb::StreamEligibilityResponse {
            eligibility: Some(eligibility),
            cursor: Cursor {
                customer,
                subscription,
            }
            .encode(),
        });
    }
    Ok(out)
}

/// The BASIC view: codes and numbers, no texts (nothing to render).
fn basic(customer_id: String, e: Eligibility) -> pb::CheckUpgradeEligibilityResponse {
    let Eligibility {
        source,
        source_reasons,
        targets,
    } = e;
    pb::CheckUpgradeEligibilityResponse {
        customer_id,
        subscription_id: source.id.to_string(),
        source_offer_id: source.offer_id.to_string(),
        targets: targets
            .into_iter()
            .map(|t| pb::TargetEligibility {
                target_offer_id: t.target.to_string(),
                eligible: t.eligible,
                allowed_upgrade_types: t
                    .upgrade_types
                    .into_iter()
                    .map(convert::upgrade_type)
                    .collect(),
                min_quantity: t.min_quantity,
                max_quantity: t.max_quantity,
                reasons: t.reasons.iter().map(code_only).collect(),
                in_matrix: t.in_matrix,
                ..Default::default()
            })
            .collect(),
        source_reasons: source_reasons.iter().map(code_only).collect(),
    }
}

fn code_only(r: &Reason) -> pb::Reason {
    pb::Reason {
        code: reason_convert::code(r.code),
        remedy: reason_convert::remedy(r.remedy),
        ..Default::default()
    }
}
