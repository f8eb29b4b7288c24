//! A gRPC call with a body of any bytes, framed or not: the request a fuzzer
//! or a broken client sends, over the harness's HTTP/2 channel.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use tonic::Status;
use tonic::transport::Channel;
use tower::{Service as _, ServiceExt as _};

/// One gRPC frame: flag 0 (not compressed), length, message.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut out = vec![0];
    out.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    out.extend_from_slice(message);
    out
}

/// POSTs `body` as-is to `path` (`/csp.v1.X/Method`) with a bearer token;
/// the answer's status, from the headers of a trailers-only answer or from
/// the trailers.
pub async fn call(channel: &Channel, token: &str, path: &str, body: Vec<u8>) -> Status {
    let request = http::Request::builder()
        .method(http::Method::POST)
        .uri(format!("http://127.0.0.1{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("authorization", format!("Bearer {token}"))
        .body(tonic::body::Body::new(Full::new(Bytes::from(body))))
        .unwrap();
    let mut channel = channel.clone();
    let response = channel
        .ready()
        .await
        .expect("channel ready")
        .call(request)
        .await
        .expect("an HTTP answer");
    if let Some(status) = Status::from_header_map(response.headers()) {
        return status;
    }
    let collected = response
        .into_body()
        .collect()
        .await
        .expect("the answer's body");
    let trailers = collected.trailers().cloned().unwrap_or_default();
    Status::from_header_map(&trailers)
        .unwrap_or_else(|| Status::unknown("the answer has no grpc-status"))
}
