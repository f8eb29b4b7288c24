//! Compiles `proto/csp/v1/*.proto` with protox (pure Rust, no system `protoc`)
//! and writes the descriptor set that the reflection service serves: the
//! `csp.v1` files and the `google.protobuf` files they import, so a
//! reflection client resolves every type without a local copy.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=migrations");

    let mut protos: Vec<PathBuf> = std::fs::read_dir("proto/csp/v1")?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    protos.retain(|p| p.extension().is_some_and(|e| e == "proto"));
    protos.sort();

    let mut compiler = protox::Compiler::new(["proto"])?;
    compiler
        .include_imports(true)
        .include_source_info(true)
        .open_files(&protos)?;
    let mut fds = compiler.file_descriptor_set();
    // Reflection also serves tonic-types' google.rpc files, where Status is
    // in "status.proto": the same name here, so a reflection client sees
    // one file defining google.rpc.Status, not two that clash.
    for file in &mut fds.file {
        if file.name() == "google/rpc/status.proto" {
            file.name = Some("status.proto".into());
        }
        for dep in &mut file.dependency {
            if dep == "google/rpc/status.proto" {
                *dep = "status.proto".into();
            }
        }
    }
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("csp_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure()
        // prost's codec answers a malformed request INTERNAL; ours answers
        // INVALID_ARGUMENT (src/grpc/codec.rs).
        .codec_path("crate::grpc::codec::ProtobufCodec")
        // google.rpc.Status (SubmitUpgrades' per-item errors) is tonic-types'
        // own type, so its error-details helpers decode it.
        .extern_path(".google.rpc", "::tonic_types::pb")
        // A batch result is an order or a small error: box the order.
        .boxed(".csp.v1.SubmitUpgradeResult.result.order")
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
