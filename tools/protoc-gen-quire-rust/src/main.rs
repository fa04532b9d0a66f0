//! A protoc plugin that `buf generate` runs to produce the Rust side of the
//! contract. It hands the descriptors buf compiled to `tonic-prost-build`, so
//! no system `protoc` is needed and the Rust code comes from the same
//! compilation as the TypeScript code.

use std::collections::HashSet;
use std::io::{Read, Write};

use anyhow::Context;
use prost::Message;
use prost_types::FileDescriptorSet;
use prost_types::compiler::code_generator_response::{Feature, File};
use prost_types::compiler::{CodeGeneratorRequest, CodeGeneratorResponse};

/// Only our own packages get Rust code: the well-known types come from
/// `prost-types`, and the google.rpc error details from `tonic-types`.
const OWN_PACKAGE_PREFIX: &str = "quire.";

fn main() -> anyhow::Result<()> {
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).context("reading the CodeGeneratorRequest")?;
    let request = CodeGeneratorRequest::decode(input.as_slice()).context("decoding the CodeGeneratorRequest")?;

    let response = match generate(request) {
        Ok(file) => CodeGeneratorResponse {
            file,
            supported_features: Some(Feature::Proto3Optional as u64),
            ..Default::default()
        },
        Err(error) => CodeGeneratorResponse { error: Some(format!("{error:#}")), ..Default::default() },
    };
    std::io::stdout().write_all(&response.encode_to_vec()).context("writing the CodeGeneratorResponse")?;
    Ok(())
}

fn generate(request: CodeGeneratorRequest) -> anyhow::Result<Vec<File>> {
    let wanted: HashSet<&str> = request.file_to_generate.iter().map(String::as_str).collect();
    let files = request
        .proto_file
        .iter()
        .filter(|file| {
            let package = file.package();
            package.starts_with(OWN_PACKAGE_PREFIX) || package == "google.protobuf"
        })
        .filter(|file| wanted.contains(file.name()) || file.package() == "google.protobuf")
        .cloned()
        .collect();

    let out_dir = tempfile::tempdir().context("creating a scratch directory")?;
    tonic_prost_build::configure()
        .out_dir(out_dir.path())
        .emit_rerun_if_changed(false)
        .build_client(true)
        .build_server(true)
        .compile_fds(FileDescriptorSet { file: files })
        .context("generating Rust code with tonic-prost-build")?;

    let mut generated = Vec::new();
    for entry in std::fs::read_dir(out_dir.path())? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).context("non UTF-8 file name")?.to_owned();
        let content = std::fs::read_to_string(&path).with_context(|| format!("reading {name}"))?;
        generated.push(File { name: Some(name), content: Some(content), ..Default::default() });
    }
    generated.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(generated)
}
