//! The protobuf codec of every `csp.v1` service and client: prost's, except
//! that a message that does not decode is answered `INVALID_ARGUMENT`, naming
//! the field when prost knows it. tonic-prost answers `INTERNAL`, which must
//! mean a bug of ours (it pages someone), not a client's malformed request.
//! `build.rs` points the generated code here (`codec_path`).

use std::marker::PhantomData;

use prost::Message;
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder};
use tonic_prost::ProstEncoder;

use super::error::ApiError;

/// What prost's `DecodeError` prints before its field path.
const PROST_PREFIX: &str = "failed to decode Protobuf message: ";

#[derive(Debug, Clone)]
pub struct ProtobufCodec<T, U> {
    _types: PhantomData<(T, U)>,
}

impl<T, U> Default for ProtobufCodec<T, U> {
    fn default() -> Self {
        ProtobufCodec {
            _types: PhantomData,
        }
    }
}

impl<T, U> Codec for ProtobufCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = ProtobufDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProtobufDecoder { _type: PhantomData }
    }
}

#[derive(Debug, Clone)]
pub struct ProtobufDecoder<U> {
    _type: PhantomData<U>,
}

impl<U: Message + Default> Decoder for ProtobufDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        U::decode(buf).map(Some).map_err(|e| malformed(&e).into())
    }
}

/// The error of a message that does not decode. prost keeps the field path
/// private; its text is `Inner.field: Outer.field: description`, innermost
/// first, and that is read back here into `field: "outer.inner"`.
pub fn malformed(e: &prost::DecodeError) -> ApiError {
    let text = e.to_string();
    let mut rest = text.strip_prefix(PROST_PREFIX).unwrap_or(&text);
    let mut path = Vec::new();
    while let Some((head, tail)) = rest.split_once(": ") {
        match head.split_once('.') {
            Some((message, field)) if is_identifier(message) && is_identifier(field) => {
                path.push(field);
                rest = tail;
            }
            _ => break,
        }
    }
    path.reverse();
    ApiError::Malformed {
        field: (!path.is_empty()).then(|| path.join(".")),
        description: rest.to_owned(),
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::pb;

    fn decode_error<M: prost::Message + Default + std::fmt::Debug>(bytes: &[u8]) -> ApiError {
        malformed(&M::decode(bytes).expect_err("does not decode"))
    }

    #[test]
    fn a_bad_string_names_its_field() {
        // Field 1 (customer_id), length-delimited, 2 bytes of invalid UTF-8.
        let e = decode_error::<pb::GetCustomerRequest>(&[0x0a, 0x02, 0xff, 0xfe]);
        let ApiError::Malformed { field, description } = e else {
            panic!("{e:?}")
        };
        assert_eq!(field.as_deref(), Some("customer_id"));
        assert!(description.contains("UTF-8"), "{description}");
    }

    #[test]
    fn a_nested_field_is_named_by_its_path() {
        // start_time (3) holding nanos (2) with wire type 7 (invalid).
        let e = decode_error::<pb::ListAuditRecordsRequest>(&[0x1a, 0x02, 0x17, 0x00]);
        let ApiError::Malformed { ref field, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(field.as_deref(), Some("start_time"), "{e:?}");
    }

    #[test]
    fn garbage_without_a_field_is_still_invalid_argument() {
        for bytes in [&[0x0e][..], &[0x0a, 0x05, 0x61], &[0xff; 11]] {
            let e = decode_error::<pb::GetCustomerRequest>(bytes);
            assert!(matches!(e, ApiError::Malformed { .. }), "{e:?}");
            let status = tonic::Status::from(e);
            assert_eq!(status.code(), tonic::Code::InvalidArgument, "{bytes:?}");
        }
    }
}
