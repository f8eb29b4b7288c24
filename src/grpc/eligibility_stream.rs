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
use std::time::{Duration, Instant};

use futures::Stream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Status};

use super::error::ApiError;
use super::resumable::{Cursored, Resumable};
use super::stream_batches::{Ahead, Batch, Batches, Reader};
use super::{convert, lang, pb, reason_convert, require, upgrade, validate};
use crate::auth;
use crate::domain::eligibility::{self, Eligibility, Reason};
use crate::domain::ids::{CustomerId, OfferId, SubscriptionId};
use crate::domain::model::CustomerSnapshot;
use crate::domain::roles::{Caller, Permission};
use crate::drain::Draining;
use crate::i18n::Lang;
use crate::state::AppState;

pub type EligibilityStream =
    Pin<Box<dyn Stream<Item = Result<pb::StreamEligibilityResponse, Status>> + Send>>;

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
    customers: Option<Arc<[CustomerId]>>,
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
        Some(ids.into())
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
    for &id in customers.as_deref().unwrap_or_default() {
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
/// client is gone. The next batch is read while this one is answered (one
/// batch ahead, no more), so the database and the answers overlap.
async fn produce(state: &AppState, query: &Query, tx: &Sender) -> Result<(), ApiError> {
    let store = state.store()?.clone();
    let reader = Reader {
        store,
        partner: query.caller.partner_id,
        customers: query.customers.clone(),
        batches: state.clone(),
    };
    let mut spent = Spent::default();
    let mut ahead = Ahead::read(&reader, Batches::new(query.after.map(|c| c.customer)));
    loop {
        let waited = Instant::now();
        let Some(Batch { next, snapshots }) = ahead.take().await? else {
            spent.log(query);
            return Ok(());
        };
        spent.database += waited.elapsed();
        ahead = Ahead::read(&reader, next);
        for snapshot in &snapshots {
            let answering = Instant::now();
            let messages = answers(state, query, snapshot)?;
            spent.answering += answering.elapsed();
            spent.messages += messages.len() as u64;
            let sending = Instant::now();
            for message in messages {
                if tx.send(Ok(message)).await.is_err() {
                    // The client is gone: `ahead` drops, its read stops.
                    return Ok(());
                }
            }
            spent.client += sending.elapsed();
        }
    }
}

/// Where a stream's time went, logged at its end (`debug`): what bounds it.
#[derive(Default)]
struct Spent {
    messages: u64,
    /// Waiting for a batch the read-ahead had not finished.
    database: Duration,
    /// Checking and converting.
    answering: Duration,
    /// Waiting for room in the channel: the client (or the network) is slower.
    client: Duration,
}

impl Spent {
    fn log(&self, query: &Query) {
        tracing::debug!(
            messages = self.messages,
            full = query.full,
            database_ms = self.database.as_millis() as u64,
            answering_ms = self.answering.as_millis() as u64,
            client_ms = self.client.as_millis() as u64,
            "eligibility stream done"
        );
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
    let customer_id = customer.to_string();
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
            upgrade::response(customer_id.clone(), answer, None, state, query.lang)
        } else {
            basic(customer_id.clone(), answer)
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
        as_of_time: None,
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
