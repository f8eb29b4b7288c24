//! The gRPC methods this server answers, read from the descriptor sets it
//! serves. Metric labels and span names come from here, so a client cannot
//! mint new label values (and new time series) by calling made-up paths.

use std::collections::HashMap;
use std::sync::OnceLock;

use prost::Message as _;

/// Service and method of a call, as metric labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub service: &'static str,
    pub method: &'static str,
    /// A `csp.v1` call (rather than health or reflection): logged at `info`.
    pub product: bool,
}

/// Any path that is not a method of this server.
pub const UNKNOWN: Route = Route {
    service: "unknown",
    method: "unknown",
    product: false,
};

/// The route of a request path (`/csp.v1.CustomerService/ListCustomers`).
pub fn route(path: &str) -> Route {
    known().get(path).copied().unwrap_or(UNKNOWN)
}

fn known() -> &'static HashMap<String, Route> {
    static KNOWN: OnceLock<HashMap<String, Route>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let sets = [
            crate::grpc::pb::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
        ];
        let mut routes = HashMap::new();
        for set in sets {
            let set = prost_types::FileDescriptorSet::decode(set)
                .expect("descriptor sets built into the binary decode");
            for file in set.file {
                let package = file.package();
                for service in &file.service {
                    let service_name: &'static str =
                        leak(format!("{package}.{}", service.name()).trim_start_matches('.'));
                    for method in &service.method {
                        let method_name: &'static str = leak(method.name());
                        routes.insert(
                            format!("/{service_name}/{method_name}"),
                            Route {
                                service: service_name,
                                method: method_name,
                                product: service_name.starts_with("csp."),
                            },
                        );
                    }
                }
            }
        }
        routes
    })
}

/// Built once per process from constant descriptor sets: a few dozen short
/// strings that live as long as the process anyway.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_paths_name_service_and_method() {
        assert_eq!(
            route("/csp.v1.CustomerService/ListSubscriptions"),
            Route {
                service: "csp.v1.CustomerService",
                method: "ListSubscriptions",
                product: true,
            }
        );
        let health = route("/grpc.health.v1.Health/Check");
        assert_eq!(
            (health.service, health.method, health.product),
            ("grpc.health.v1.Health", "Check", false)
        );
        assert_eq!(
            route("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo").method,
            "ServerReflectionInfo"
        );
    }

    #[test]
    fn made_up_paths_share_one_label() {
        assert_eq!(route("/csp.v1.CustomerService/DropTables"), UNKNOWN);
        assert_eq!(route("/favicon.ico"), UNKNOWN);
        assert_eq!(route(""), UNKNOWN);
    }
}
