//! Upgrade orders (SPEC §5): what a submission does, decided purely from the
//! catalog and a customer snapshot; storage writes the outcome in the same
//! transaction that read the snapshot.

pub mod credit;
pub mod order;
pub mod plan;
pub mod report;
pub mod resolve;
pub mod schedule;
pub mod split;

pub use order::{Actor, OrderEvent, Outcome, Schedule, UpgradeOrder, UpgradeRequest};
pub use plan::{Assessment, Context, Effects, NewIds, Plan, Refusal, assess, plan};
pub use resolve::{Decision, resolve};
pub use split::{LicenseMove, SeatCount};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_schedule;
#[cfg(test)]
mod tests_split;
