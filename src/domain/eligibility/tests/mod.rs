//! Table-driven tests of the eligibility rules.
