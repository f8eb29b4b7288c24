//! `csp.v1.DataService`: syncing the partner's fresh export (SPEC §11)
//! through the same use case as `csp-upgrades sync` (`crate::app::sync`).
//!
//! The file arrives in chunks (each message is bounded like every request)
//! and is gathered up to [`MAX_FILE_BYTES`]; the partner is the caller's.

use tonic::{Request, Response, Status, Streaming};

use super::error::ApiError;
use super::pb;
use super::pb::data_service_server::DataService;
use crate::app::{SyncOutcome, SyncRequest};
use crate::auth;
use crate::domain::audit::Actor;
use crate::domain::dataset::{Dataset, DatasetError};
use crate::domain::roles::Permission;
use crate::domain::sync::{self, KindCounts, Report};
use crate::state::AppState;

/// The largest dataset file a call may send: a 250,000-subscription
/// partner's export is about 150 MB.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// Records listed in an answer; the counts are always complete.
const MAX_LISTED: usize = 10_000;

/// Dataset errors quoted in one answer.
const MAX_QUOTED_ERRORS: usize = 10;

pub struct DataApi {
    state: AppState,
}

impl DataApi {
    pub fn new(state: AppState) -> Self {
        DataApi { state }
    }
}

#[tonic::async_trait]
impl DataService for DataApi {
    async fn sync_partner_data(
        &self,
        request: Request<Streaming<pb::SyncPartnerDataRequest>>,
    ) -> Result<Response<pb::SyncPartnerDataResponse>, Status> {
        let caller = auth::caller(&request)?;
        if !caller.may_sync(self.state.sync_apps()) {
            return Err(ApiError::PermissionDenied(Permission::SyncPartnerData).into());
        }
        let mut chunks = request.into_inner();
        let (mut file, mut dry_run) = (Vec::new(), None);
        while let Some(message) = chunks.message().await? {
            let pb::SyncPartnerDataRequest {
                chunk,
                dry_run: asked,
            } = message;
            dry_run.get_or_insert(asked);
            if file.len() + chunk.len() > MAX_FILE_BYTES {
                let description = format!(
                    "the dataset file is larger than {MAX_FILE_BYTES} bytes; \
                     sync it with `csp-upgrades sync` instead"
                );
                return Err(ApiError::invalid("chunk", description).into());
            }
            file.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(file)
            .map_err(|_| ApiError::invalid("chunk", "the dataset file is not UTF-8 text"))?;
        let valid = Dataset::from_json(&text)
            .map_err(|e| vec![e])
            .and_then(|d| d.validate(self.state.catalog()))
            .map_err(|errors| refused(&errors))?;
        drop(text);
        // Another partner's file answers as data that does not exist.
        if !valid.partners.iter().any(|p| p.id == caller.partner_id)
            && let Some(other) = valid.partners.first()
        {
            return Err(ApiError::not_found("partner", other.id).into());
        }
        let wanted = sync::select(valid, Some(caller.partner_id)).map_err(|e| refused(&[e]))?;
        let request = SyncRequest {
            actor: Actor::of(&caller),
            wanted,
            source: "DataService.SyncPartnerData".to_owned(),
            dry_run: dry_run.unwrap_or(false),
        };
        match self.state.app()?.sync(request).await? {
            SyncOutcome::Synced(report) => Ok(Response::new(response(&report))),
            SyncOutcome::PartnerNotFound => {
                Err(ApiError::not_found("partner", caller.partner_id).into())
            }
            SyncOutcome::Invalid(errors) => Err(refused(&errors).into()),
            SyncOutcome::OtherPartnersIds(ids) => {
                let first = ids.first().map(ToString::to_string).unwrap_or_default();
                Err(ApiError::not_found("record", first).into())
            }
        }
    }
}

/// The whole file refused: `INVALID_ARGUMENT` quoting the first errors,
/// each with its record and field.
fn refused(errors: &[DatasetError]) -> ApiError {
    let mut quoted: Vec<String> = errors
        .iter()
        .take(MAX_QUOTED_ERRORS)
        .map(ToString::to_string)
        .collect();
    if errors.len() > MAX_QUOTED_ERRORS {
        quoted.push(format!("and {} more", errors.len() - MAX_QUOTED_ERRORS));
    }
    ApiError::invalid(
        "chunk",
        format!(
            "the dataset file has {} error(s); nothing was synced: {}",
            errors.len(),
            quoted.join("; ")
        ),
    )
}

fn counts(k: KindCounts) -> Option<pb::SyncCounts> {
    let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    Some(pb::SyncCounts {
        inserted: n(k.inserted),
        updated: n(k.updated),
        deleted: n(k.deleted),
    })
}

fn response(report: &Report) -> pb::SyncPartnerDataResponse {
    let records = report
        .records
        .iter()
        .take(MAX_LISTED)
        .map(|r| pb::SyncedRecord {
            kind: match r.kind {
                "customer" => pb::SyncedRecordKind::Customer,
                "subscription" => pb::SyncedRecordKind::Subscription,
                "customer_user" => pb::SyncedRecordKind::CustomerUser,
                _ => pb::SyncedRecordKind::Unspecified,
            } as i32,
            action: match r.action {
                "INSERT" => pb::SyncAction::Insert,
                "UPDATE" => pb::SyncAction::Update,
                "DELETE" => pb::SyncAction::Delete,
                _ => pb::SyncAction::Unspecified,
            } as i32,
            id: r.id.clone(),
            fields: r.fields.iter().map(|f| (*f).to_owned()).collect(),
        })
        .collect();
    pb::SyncPartnerDataResponse {
        partner_id: report.partner_id.clone(),
        dry_run: report.dry_run,
        changed: report.changed,
        customers: counts(report.counts.customers),
        subscriptions: counts(report.counts.subscriptions),
        customer_users: counts(report.counts.customer_users),
        records,
        records_omitted: i64::try_from(report.records.len().saturating_sub(MAX_LISTED))
            .unwrap_or(i64::MAX),
    }
}
