//! `loadgen schedule`: submits upgrades scheduled for the renewal (SPEC §9)
//! through the API, one per customer, as many as asked, for
//! `scripts/bench-runner.sh` to run afterwards. Not a measurement.

use std::collections::BTreeMap;

use anyhow::ensure;
use futures::StreamExt;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

use super::plan::Submit;
use super::{authed, pb};

/// Submits `work` scheduled at renewal with `concurrency` calls in flight;
/// fails unless every one was scheduled.
pub async fn schedule(
    channel: Channel,
    auth: MetadataValue<Ascii>,
    work: &[Submit],
    concurrency: usize,
) -> anyhow::Result<()> {
    let calls = work.iter().map(|s| {
        let request = pb::SubmitUpgradeRequest {
            request_id: uuid::Uuid::new_v4().to_string(),
            customer_id: s.customer.to_string(),
            subscription_id: s.subscription.to_string(),
            target_offer_id: s.target.to_string(),
            quantity: s.quantity,
            upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
            schedule: pb::UpgradeSchedule::AtRenewal as i32,
            ..Default::default()
        };
        let mut client = pb::upgrade_service_client::UpgradeServiceClient::new(channel.clone());
        let request = authed(request, &auth);
        async move { client.submit_upgrade(request).await }
    });
    let mut answers = futures::stream::iter(calls).buffer_unordered(concurrency.max(1));
    let mut scheduled = 0usize;
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    while let Some(answer) = answers.next().await {
        match answer {
            Ok(order) if order.get_ref().state() == pb::OrderState::Scheduled => scheduled += 1,
            Ok(order) => {
                *errors
                    .entry(order.get_ref().state().as_str_name().into())
                    .or_default() += 1
            }
            Err(status) => *errors.entry(format!("{:?}", status.code())).or_default() += 1,
        }
    }
    println!(
        "scheduled {scheduled} of {} upgrades; other answers: {errors:?}",
        work.len()
    );
    ensure!(scheduled == work.len(), "not every upgrade was scheduled");
    Ok(())
}
