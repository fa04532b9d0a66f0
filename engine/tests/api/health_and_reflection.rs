use tokio_stream::StreamExt;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

use crate::harness::TestEngine;

#[tokio::test]
async fn health_check_answers_serving_once_migrated() {
    let engine = TestEngine::start().await;
    for service in ["", "quire.v1.PostService"] {
        let response = HealthClient::new(engine.channel.clone())
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .expect("health check answers")
            .into_inner();
        assert_eq!(response.status(), ServingStatus::Serving, "{service}");
    }
}

#[tokio::test]
async fn reflection_lists_every_quire_service() {
    let engine = TestEngine::start().await;
    let response = reflect(&engine, MessageRequest::ListServices(String::new())).await;
    let MessageResponse::ListServicesResponse(list) = response else {
        panic!("unexpected reflection response: {response:?}")
    };
    let names: Vec<_> = list
        .service
        .into_iter()
        .map(|service| service.name)
        .collect();
    for expected in [
        "quire.v1.PostService",
        "quire.v1.TagService",
        "quire.v1.AuthorService",
        "quire.v1.CommentService",
        "quire.v1.ChangeService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "{expected} missing from {names:?}"
        );
    }
}

/// The file descriptors reflection answers for `symbol`.
async fn files_containing(
    engine: &TestEngine,
    symbol: &str,
) -> Vec<prost_types::FileDescriptorProto> {
    use prost::Message;
    let response = reflect(
        engine,
        MessageRequest::FileContainingSymbol(symbol.to_owned()),
    )
    .await;
    let MessageResponse::FileDescriptorResponse(files) = response else {
        panic!("{symbol} is not served: {response:?}")
    };
    files
        .file_descriptor_proto
        .iter()
        .map(|bytes| {
            prost_types::FileDescriptorProto::decode(bytes.as_slice()).expect("descriptor")
        })
        .collect()
}

#[tokio::test]
async fn reflection_serves_the_error_details_and_the_documentation() {
    let engine = TestEngine::start().await;
    let details = files_containing(&engine, "google.rpc.BadRequest").await;
    assert!(
        details
            .iter()
            .any(|file| file.name() == "google/rpc/error_details.proto")
    );
    let posts = files_containing(&engine, "quire.v1.PostService").await;
    let service_file = posts
        .iter()
        .find(|file| file.name() == "quire/v1/post_service.proto")
        .expect("the service's file");
    let comments = service_file
        .source_code_info
        .as_ref()
        .map(|info| {
            info.location
                .iter()
                .filter(|l| l.leading_comments.is_some())
                .count()
        })
        .unwrap_or_default();
    assert!(
        comments > 10,
        "descriptors carry the documentation ({comments} comments)"
    );
}

/// Reflection's answer to one request.
async fn reflect(engine: &TestEngine, request: MessageRequest) -> MessageResponse {
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    };
    let mut responses = ServerReflectionClient::new(engine.channel.clone())
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection answers")
        .into_inner();
    let Some(Ok(response)) = responses.next().await else {
        panic!("no reflection response")
    };
    response.message_response.expect("a reflection answer")
}
