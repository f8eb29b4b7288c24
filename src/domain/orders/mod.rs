//! Upgrade orders (SPEC §5): what a submission does, decided purely from the
//! catalog and a customer snapshot; storage writes the outcome.

pub mod credit;
pub mod report;
