//! The gRPC API: one file per `csp.v1` service. A handler reads the request,
//! validates it, takes the caller from the request extensions, checks the
//! permission of SPEC §3, calls storage and the domain, and converts back.

mod batch;
mod codec;
pub mod convert;
pub mod customer;
pub mod data;
pub mod eligibility_stream;
pub mod error;
mod error_text;
pub mod lang;
pub mod offer;
mod order_convert;
mod orders;
pub mod partner_role;
mod reason_convert;
mod resumable;
mod role_convert;
mod schedule_convert;
mod split_convert;
mod stream_batches;
mod subscription_list;
pub mod upgrade;
mod validate;

/// The generated `csp.v1` messages, clients and servers.
pub mod pb {
    tonic::include_proto!("csp.v1");

    /// The encoded descriptor set of every `csp.v1` file and the
    /// `google.protobuf` files they import.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/csp_descriptor.bin"));

    /// What reflection serves: the API, the `google.rpc` error details its
    /// errors carry (with the `google.protobuf` files they import), and
    /// health. With these a client such as grpcurl decodes every message
    /// and every error detail without a local copy of the protos.
    pub const REFLECTED_DESCRIPTOR_SETS: [&[u8]; 3] = [
        FILE_DESCRIPTOR_SET,
        tonic_types::pb::FILE_DESCRIPTOR_SET,
        tonic_health::pb::FILE_DESCRIPTOR_SET,
    ];
}

use crate::domain::roles::{Caller, Permission};
use error::ApiError;

/// Refuses the call unless the caller's roles grant `permission`.
pub fn require(caller: &Caller, permission: Permission) -> Result<(), ApiError> {
    if caller.can(permission) {
        Ok(())
    } else {
        Err(ApiError::PermissionDenied(permission))
    }
}

impl From<crate::storage::StorageError> for tonic::Status {
    fn from(e: crate::storage::StorageError) -> Self {
        ApiError::from(e).into()
    }
}
