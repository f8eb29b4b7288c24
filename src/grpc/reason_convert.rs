//! Eligibility reasons from domain to proto: the code, the remedy and the
//! typed facts (`Reason.details`, one oneof case per kind of fact).

use super::convert::{self, by_name};
use super::pb;
use super::pb::reason::Details as Pb;
use crate::domain::eligibility::{
    Details, LevelChange, Reason, ReasonCode, Remedy, SubscriptionRef,
};
use crate::i18n::Lang;

/// Subscriptions (and per-subscription conflicts) one reason lists at most;
/// `subscriptions_total` says how many there were. An answer stays small
/// whatever the customer holds (a check repeats the source's reasons in
/// every target).
pub const MAX_LISTED_SUBSCRIPTIONS: usize = 20;

pub fn code(c: ReasonCode) -> i32 {
    by_name!(pb::ReasonCode, "REASON_CODE_", c)
}

pub fn remedy(r: Remedy) -> i32 {
    by_name!(pb::Remedy, "REMEDY_", r)
}

/// The `ErrorInfo` reason that carries an eligibility reason code: the
/// same name without the `REASON_CODE_` prefix.
pub fn error_reason(c: ReasonCode) -> pb::ErrorReason {
    pb::ErrorReason::from_str_name(c.as_str()).unwrap_or(pb::ErrorReason::Unspecified)
}

pub fn subscription(s: &SubscriptionRef) -> pb::SubscriptionSummary {
    let SubscriptionRef {
        id,
        offer_id,
        channel,
        status,
    } = s;
    pb::SubscriptionSummary {
        subscription_id: id.to_string(),
        offer_id: offer_id.to_string(),
        channel: convert::channel(*channel),
        status: convert::status(*status),
    }
}

/// One reason, its texts said in `lang`.
pub fn reason(r: &Reason, lang: Lang) -> pb::Reason {
    let Reason {
        code: c,
        message,
        details,
        subscriptions,
        remedy: re,
    } = r;
    pb::Reason {
        code: code(*c),
        message: lang.render(message),
        remedy_description: lang.render(&re.description()),
        subscriptions: subscriptions
            .iter()
            .take(MAX_LISTED_SUBSCRIPTIONS)
            .map(subscription)
            .collect(),
        subscriptions_total: u32::try_from(subscriptions.len()).unwrap_or(u32::MAX),
        remedy: remedy(*re),
        details: typed(details),
    }
}

fn ids<T: ToString>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

fn level_change(c: &LevelChange) -> pb::ServiceLevelChange {
    let (to_level, to_level_name) =
        c.to.as_ref()
            .map_or((0, String::new()), |(l, n)| (u32::from(*l), n.clone()));
    pb::ServiceLevelChange {
        service_id: c.service_id.clone(),
        from_level: u32::from(c.from_level),
        from_level_name: c.from_name.clone(),
        to_level,
        to_level_name,
    }
}

fn typed(d: &Details) -> Option<Pb> {
    Some(match d {
        Details::None => return None,
        Details::Status(s) => Pb::Status(pb::StatusDetails {
            status: convert::status(*s),
        }),
        Details::ServiceIncident(services) => Pb::ServiceIncident(pb::ServiceIncidentDetails {
            service_ids: services.clone(),
        }),
        Details::DelegatedAdmin {
            status,
            roles,
            user_context,
        } => Pb::DelegatedAdmin(pb::DelegatedAdminDetails {
            relationship_status: convert::relationship(*status),
            roles: roles.iter().map(|r| convert::delegated_role(*r)).collect(),
            app_caller: !user_context,
        }),
        Details::LicenseConflict {
            quantity,
            assigned_seats,
        } => Pb::Seats(pb::SeatDetails {
            quantity: *quantity,
            assigned_seats: *assigned_seats,
            ..Default::default()
        }),
        Details::SeatLimit {
            needed,
            target_max_seats,
            path_max_users,
        } => Pb::Seats(pb::SeatDetails {
            needed_seats: *needed,
            target_max_seats: *target_max_seats,
            path_max_users: path_max_users.unwrap_or(0),
            ..Default::default()
        }),
        Details::OpenOrders(orders) => Pb::OpenOrders(pb::OpenOrderDetails {
            order_ids: ids(orders),
        }),
        Details::PaymentMethod(m) => Pb::Payment(pb::PaymentDetails {
            payment_method: convert::payment_method(*m),
        }),
        Details::Segment(s) => Pb::Segment(pb::SegmentDetails {
            offer_segment: convert::segment(*s),
        }),
        Details::Market {
            source,
            target,
            customer_country,
        } => Pb::Market(pb::MarketDetails {
            source_market: source.clone(),
            target_market: target.clone(),
            customer_country: customer_country.clone(),
        }),
        Details::ServiceConflict {
            services,
            holders,
            channels,
            target_owned,
        } => Pb::ServiceConflict(pb::ServiceConflictDetails {
            service_ids: services.clone(),
            conflicts: holders
                .iter()
                .take(MAX_LISTED_SUBSCRIPTIONS)
                .map(|(id, services)| pb::ServiceConflict {
                    subscription_id: id.to_string(),
                    service_ids: services.clone(),
                })
                .collect(),
            channels: channels.iter().map(|c| convert::channel(*c)).collect(),
            target_owned: *target_owned,
        }),
        Details::Channel(c) => Pb::Channel(pb::ChannelDetails {
            channel: convert::channel(*c),
        }),
        Details::DataServices(changes) => Pb::DataServices(pb::DataServiceDetails {
            changes: changes.iter().map(level_change).collect(),
        }),
        Details::BillingCycle { cycle, offered } => Pb::BillingCycle(pb::BillingCycleDetails {
            billing_cycle: convert::billing_cycle(*cycle),
            offered_billing_cycles: offered.iter().map(|c| convert::billing_cycle(*c)).collect(),
        }),
        Details::Availability {
            available,
            trial,
            target_segment,
            customer_segment,
        } => Pb::Availability(pb::AvailabilityDetails {
            available: *available,
            trial: *trial,
            target_segment: convert::segment(*target_segment),
            customer_segment: convert::segment(*customer_segment),
        }),
        Details::AddOns(offers) => Pb::AddOns(pb::AddOnDetails {
            add_on_offer_ids: ids(offers),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 24 codes of SPEC §4 have the same names and numbers in the domain,
    /// in `ReasonCode` (with its prefix) and in `ErrorReason` (without).
    #[test]
    fn reason_codes_match_the_contract() {
        assert_eq!(ReasonCode::ALL.len(), 24);
        for (i, c) in ReasonCode::ALL.iter().enumerate() {
            assert_eq!(code(*c), i as i32 + 1, "{c}");
            assert_eq!(error_reason(*c) as i32, i as i32 + 1, "{c}");
        }
    }

    #[test]
    fn long_lists_in_an_answer_are_cut_with_their_count() {
        use crate::domain::ids::{OfferId, SubscriptionId};
        use crate::domain::model::{Channel, SubscriptionStatus};
        let ids: Vec<SubscriptionId> = (0..25_000u128)
            .map(|i| SubscriptionId(uuid::Uuid::from_u128(i)))
            .collect();
        let r = Reason {
            code: ReasonCode::MultichannelConflict,
            message: crate::domain::text::Text::new("m"),
            details: Details::ServiceConflict {
                services: vec!["exchange".into()],
                holders: ids
                    .iter()
                    .map(|id| (*id, vec!["exchange".into()]))
                    .collect(),
                channels: vec![Channel::OtherPartner],
                target_owned: false,
            },
            subscriptions: ids
                .iter()
                .map(|id| SubscriptionRef {
                    id: *id,
                    offer_id: OfferId::parse("o365-e3").unwrap(),
                    channel: Channel::OtherPartner,
                    status: SubscriptionStatus::Active,
                })
                .collect(),
            remedy: Remedy::CancelInOtherChannel,
        };
        let r = reason(&r, Lang::En);
        assert_eq!(r.subscriptions.len(), MAX_LISTED_SUBSCRIPTIONS);
        assert_eq!(r.subscriptions_total, 25_000);
        let Some(Pb::ServiceConflict(c)) = r.details else {
            panic!("{:?}", r.details);
        };
        assert_eq!(c.conflicts.len(), MAX_LISTED_SUBSCRIPTIONS);
    }

    #[test]
    fn every_remedy_has_a_proto_value() {
        let mut seen = std::collections::BTreeSet::new();
        for r in Remedy::ALL {
            assert!(seen.insert(remedy(*r)), "{r}");
            assert_ne!(remedy(*r), 0, "{r}");
        }
    }
}
