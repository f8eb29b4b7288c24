//! Calls any `csp.v1` RPC by name, from the descriptor set the server serves
//! (`pb::FILE_DESCRIPTOR_SET`), so a test that walks every RPC covers a new
//! one without being edited. Unary and server-streaming calls go through
//! `tonic::client::Grpc` with a codec for `prost_reflect::DynamicMessage`.

use std::time::Duration;

use csp_upgrades::grpc::pb;
use prost::Message;
use prost_reflect::{
    DescriptorPool, DynamicMessage, Kind, MessageDescriptor, MethodDescriptor, Value,
};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;
use tonic::{Code, Status};

/// Every method of every `csp.v1` service, in file order.
pub fn methods() -> Vec<MethodDescriptor> {
    let pool = DescriptorPool::decode(pb::FILE_DESCRIPTOR_SET).expect("descriptor set decodes");
    let methods: Vec<MethodDescriptor> = pool
        .services()
        .filter(|s| s.package_name() == "csp.v1")
        .flat_map(|s| s.methods().collect::<Vec<_>>())
        .collect();
    assert!(methods.len() >= 10, "the descriptor set lists the API");
    for m in &methods {
        assert!(
            !m.is_client_streaming(),
            "{}: client streaming is not handled by these tests",
            full_name(m)
        );
    }
    methods
}

/// `csp.v1.CustomerService/ListCustomers`.
pub fn full_name(m: &MethodDescriptor) -> String {
    format!("{}/{}", m.parent_service().full_name(), m.name())
}

/// The values a request's fields get, by field name.
#[derive(Debug, Clone)]
pub struct Fill {
    pub customer_id: String,
    pub subscription_id: String,
    pub user_id: String,
    pub order_id: String,
    pub target_offer_id: String,
    /// `PartnerRole` fields (`role`), by enum value name.
    pub role: &'static str,
}

/// A request for `method` whose fields are filled from `fill`: the ids by
/// name, `request_id` a fresh UUID, `quantity` 10, `page_size` 10, enums a
/// valid value; messages (timestamps) and repeated fields stay empty. A
/// string field ending in `_id` that this does not know fails the test, so a
/// new kind of id cannot slip past the isolation test unfilled.
pub fn request(method: &MethodDescriptor, fill: &Fill) -> DynamicMessage {
    let input = method.input();
    let mut msg = DynamicMessage::new(input.clone());
    for field in input.fields() {
        if field.is_list() || field.is_map() {
            continue;
        }
        let name = field.name();
        let value = match field.kind() {
            Kind::String => {
                let text = match name {
                    "customer_id" => fill.customer_id.clone(),
                    "subscription_id" => fill.subscription_id.clone(),
                    "user_id" => fill.user_id.clone(),
                    "order_id" => fill.order_id.clone(),
                    // Offers are the catalog's, shared by every partner.
                    "target_offer_id" | "offer_id" => fill.target_offer_id.clone(),
                    "request_id" => uuid::Uuid::new_v4().to_string(),
                    "page_token" => String::new(),
                    "note" => "checked by the test suite".into(),
                    other if other.ends_with("_id") => panic!(
                        "{}: field {other} is an id this test does not know; \
                         teach tests/common/dynamic.rs which id to send",
                        full_name(method)
                    ),
                    _ => String::new(),
                };
                Value::String(text)
            }
            Kind::Int64 if name == "quantity" => Value::I64(10),
            Kind::Int32 if name == "quantity" => Value::I32(10),
            Kind::Uint32 if name == "page_size" => Value::U32(10),
            Kind::Enum(e) => {
                let wanted = match e.name() {
                    "PartnerRole" => Some(fill.role),
                    "UpgradeType" => Some("UPGRADE_TYPE_UPGRADE_ONLY"),
                    _ => None,
                };
                let value = match wanted {
                    Some(n) => e.get_value_by_name(n).expect("enum value exists"),
                    None => e
                        .values()
                        .find(|v| v.number() != 0)
                        .expect("an enum with a value besides _UNSPECIFIED"),
                };
                Value::EnumNumber(value.number())
            }
            _ => continue,
        };
        msg.set_field(&field, value);
    }
    msg
}

/// What a call answered: the status, and the messages of an OK answer (one
/// for unary, those that arrived for streaming).
#[derive(Debug)]
pub struct Answer {
    pub status: Result<(), Status>,
    pub messages: Vec<DynamicMessage>,
}

impl Answer {
    pub fn code(&self) -> Code {
        match &self.status {
            Ok(()) => Code::Ok,
            Err(s) => s.code(),
        }
    }

    /// The encoded bytes and debug text of every message: to search for
    /// strings that must not be there.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for m in &self.messages {
            out.push_str(&String::from_utf8_lossy(&m.encode_to_vec()));
            out.push('\n');
            out.push_str(&format!("{m:?}"));
            out.push('\n');
        }
        out
    }
}

/// How long a stream may stay quiet before the messages so far are taken
/// as its answer (a watch of an order still in progress never ends).
const STREAM_QUIET: Duration = Duration::from_millis(500);
/// At most this many streamed messages are read.
const STREAM_MAX: usize = 20;

/// Calls `method` with `request`, as the holder of `token`.
pub async fn call(
    channel: &Channel,
    token: Option<&str>,
    method: &MethodDescriptor,
    request: DynamicMessage,
) -> Answer {
    let mut grpc = tonic::client::Grpc::new(channel.clone());
    grpc.ready().await.expect("channel ready");
    let path: http::uri::PathAndQuery = format!("/{}", full_name(method)).parse().unwrap();
    let mut req = tonic::Request::new(request);
    if let Some(t) = token {
        req.metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    let codec = DynamicCodec(method.output());
    if !method.is_server_streaming() {
        return match grpc.unary(req, path, codec).await {
            Ok(r) => Answer {
                status: Ok(()),
                messages: vec![r.into_inner()],
            },
            Err(s) => Answer {
                status: Err(s),
                messages: Vec::new(),
            },
        };
    }
    let mut stream = match grpc.server_streaming(req, path, codec).await {
        Ok(r) => r.into_inner(),
        Err(s) => {
            return Answer {
                status: Err(s),
                messages: Vec::new(),
            };
        }
    };
    let mut messages = Vec::new();
    while messages.len() < STREAM_MAX {
        match tokio::time::timeout(STREAM_QUIET, stream.message()).await {
            Ok(Ok(Some(m))) => messages.push(m),
            Ok(Ok(None)) | Err(_) => break,
            // An error before any message is the call's answer.
            Ok(Err(s)) if messages.is_empty() => {
                return Answer {
                    status: Err(s),
                    messages,
                };
            }
            Ok(Err(_)) => break,
        }
    }
    Answer {
        status: Ok(()),
        messages,
    }
}

/// Encodes and decodes `DynamicMessage`s; decodes as the method's output.
#[derive(Clone)]
struct DynamicCodec(MessageDescriptor);

impl Codec for DynamicCodec {
    type Encode = DynamicMessage;
    type Decode = DynamicMessage;
    type Encoder = DynamicCodec;
    type Decoder = DynamicCodec;

    fn encoder(&mut self) -> Self::Encoder {
        self.clone()
    }

    fn decoder(&mut self) -> Self::Decoder {
        self.clone()
    }
}

impl Encoder for DynamicCodec {
    type Item = DynamicMessage;
    type Error = Status;

    fn encode(&mut self, item: Self::Item, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(dst)
            .map_err(|e| Status::internal(format!("encode: {e}")))
    }
}

impl Decoder for DynamicCodec {
    type Item = DynamicMessage;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Status> {
        DynamicMessage::decode(self.0.clone(), src)
            .map(Some)
            .map_err(|e| Status::internal(format!("decode: {e}")))
    }
}
