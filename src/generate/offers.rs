//! The mix the generator draws from, with weights: which offers, channels,
//! statuses and countries, roughly as a CSP partner's book looks.

use rand::Rng;

use crate::domain::model::{Channel, PaymentMethod, SubscriptionStatus};

/// A weighted choice.
pub(super) fn pick<T: Copy>(rng: &mut impl Rng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|(_, w)| w).sum();
    let mut n = rng.gen_range(0..total);
    for &(choice, weight) in choices {
        if n < weight {
            return choice;
        }
        n -= weight;
    }
    unreachable!("n < total")
}

pub(super) const COUNTRIES: &[(&str, u32)] = &[
    ("US", 40),
    ("NL", 12),
    ("DE", 10),
    ("GB", 10),
    ("FR", 6),
    ("IN", 10),
    ("AU", 6),
    ("CA", 6),
];

/// The subscription every regular customer can upgrade.
pub(super) const PRIMARY: &[(&str, u32)] = &[
    ("m365-business-basic", 35),
    ("m365-business-standard", 25),
    ("m365-apps-business", 10),
    ("o365-e1", 15),
    ("o365-e3", 15),
];

pub(super) const PRIMARY_IN: &[(&str, u32)] = &[
    ("m365-business-basic-in", 60),
    ("m365-apps-business-in", 40),
];

/// Base offers a customer may hold besides, through any channel.
pub(super) const BASES: &[(&str, u32)] = &[
    ("m365-business-basic", 15),
    ("m365-business-standard", 15),
    ("m365-business-premium", 12),
    ("m365-apps-business", 8),
    ("m365-apps-enterprise", 8),
    ("o365-e1", 8),
    ("o365-e3", 12),
    ("o365-e5", 8),
    ("exchange-online-plan1", 8),
    ("exchange-online-plan2", 6),
];

/// Plans without an upgrade path, often bought next to a suite.
pub(super) const STANDALONE: &[(&str, u32)] =
    &[("exchange-online-plan1", 3), ("exchange-online-plan2", 2)];

pub(super) const ADD_ONS: &[(&str, u32)] = &[
    ("exchange-online-archiving", 4),
    ("audio-conferencing", 3),
    ("o365-extra-file-storage", 3),
    ("business-voice", 2),
];

pub(super) const TRIALS: &[(&str, u32)] = &[
    ("o365-e3-trial-only", 2),
    ("o365-e5", 1),
    ("m365-business-premium", 1),
];

/// Mostly this partner; the rest bought elsewhere.
pub(super) const OTHER_CHANNELS: &[(Channel, u32)] = &[
    (Channel::OtherPartner, 5),
    (Channel::Direct, 4),
    (Channel::EnterpriseAgreement, 1),
    (Channel::Open, 1),
];

pub(super) const OTHER_PAYMENT: &[(PaymentMethod, u32)] = &[
    (PaymentMethod::CreditCard, 5),
    (PaymentMethod::Invoice, 4),
    (PaymentMethod::Prepaid, 1),
];

pub(super) const ENDED: &[(SubscriptionStatus, u32)] = &[
    (SubscriptionStatus::Deleted, 3),
    (SubscriptionStatus::Expired, 2),
];

pub(super) const PAUSED: &[(SubscriptionStatus, u32)] = &[
    (SubscriptionStatus::Suspended, 3),
    (SubscriptionStatus::Disabled, 1),
    (SubscriptionStatus::Pending, 1),
];

/// What else a customer holds, besides its first subscription.
#[derive(Debug, Clone, Copy)]
pub(super) enum Pick {
    AddOn,
    Standalone,
    OtherChannel,
    Ended,
    Paused,
    Trial,
    OtherBase,
}

pub(super) const KINDS: &[(Pick, u32)] = &[
    (Pick::AddOn, 20),
    (Pick::Standalone, 15),
    (Pick::OtherChannel, 20),
    (Pick::Ended, 15),
    (Pick::Paused, 8),
    (Pick::Trial, 4),
    (Pick::OtherBase, 18),
];

const ADJECTIVES: &[&str] = &[
    "Northern", "Blue", "Silver", "Bright", "Coastal", "Alpine", "Urban", "Golden", "Quiet",
    "Rapid", "Green", "Iron",
];
const NOUNS: &[&str] = &[
    "Traders",
    "Logistics",
    "Bakery",
    "Dental",
    "Architects",
    "Consulting",
    "Foods",
    "Legal",
    "Clinic",
    "Studios",
    "Motors",
    "Analytics",
];
const FIRST: &[&str] = &[
    "Alex", "Sam", "Maria", "Jan", "Priya", "Chen", "Fatima", "Lukas", "Emma", "Noah", "Aisha",
    "Diego",
];
const LAST: &[&str] = &[
    "Smith", "de Vries", "Müller", "Sharma", "Wang", "García", "Jones", "Rossi", "Novak", "Kim",
    "Okafor", "Larsen",
];

fn one<'a>(rng: &mut impl Rng, list: &[&'a str]) -> &'a str {
    list[rng.gen_range(0..list.len())]
}

/// Unique by the index; the words only make lists readable.
pub(super) fn company_name(rng: &mut impl Rng, index: usize) -> String {
    format!("{} {} {index:05}", one(rng, ADJECTIVES), one(rng, NOUNS))
}

pub(super) fn person_name(rng: &mut impl Rng, index: usize) -> String {
    format!("{} {} ({index})", one(rng, FIRST), one(rng, LAST))
}
