//! The rules, pure: no tonic, no sqlx, no clock or randomness read directly.

pub mod audit;
pub mod catalog;
pub mod dataset;
pub mod eligibility;
pub mod ids;
pub mod limits;
pub mod model;
pub mod orders;
pub mod roles;
pub mod sync;
pub mod text;
