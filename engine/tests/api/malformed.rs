//! Requests that do not decode, or decode into text PostgreSQL cannot store,
//! are the client's mistake: INVALID_ARGUMENT naming the field, never
//! INTERNAL, and nothing written.

use bytes::BufMut;
use quire_proto::v1;
use tonic::Code;

use crate::harness::{TestEngine, authed, violated_fields};
use crate::raw_codec::RawCodec;

async fn create_post_raw(engine: &TestEngine, body: Vec<u8>) -> tonic::Status {
    let mut client = tonic::client::Grpc::new(engine.channel.clone());
    client.ready().await.expect("ready");
    client
        .unary(
            authed(body, &engine.admin_key),
            http::uri::PathAndQuery::from_static("/quire.v1.PostService/CreatePost"),
            RawCodec,
        )
        .await
        .expect_err("a malformed request is refused")
}

/// CreatePostRequest { post: Post { title: <bytes> } } on the wire.
fn with_title(title: &[u8]) -> Vec<u8> {
    let mut post = vec![4 << 3 | 2, title.len() as u8];
    post.extend_from_slice(title);
    let mut request = vec![1 << 3 | 2, post.len() as u8];
    request.extend_from_slice(&post);
    request
}

#[tokio::test]
async fn undecodable_requests_answer_invalid_argument_with_the_field() {
    let engine = TestEngine::start().await;
    let not_utf8 = create_post_raw(&engine, with_title(&[0xff, 0xfe, b'x'])).await;
    assert_eq!(not_utf8.code(), Code::InvalidArgument, "{not_utf8:?}");
    assert_eq!(violated_fields(&not_utf8), ["post.title"]);

    // A length that runs past the end, and a varint where a message belongs.
    for body in [vec![1 << 3 | 2, 5, 1], vec![1 << 3, 1]] {
        let status = create_post_raw(&engine, body).await;
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    }
    assert!(
        engine.drafts().await.unwrap().is_empty(),
        "nothing was written"
    );
}

#[tokio::test]
async fn a_nul_in_markdown_is_a_field_error_not_internal() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let refused = engine
        .posts()
        .create_post(authed(
            v1::CreatePostRequest {
                post: Some(v1::Post {
                    slug: "nul".into(),
                    title: "Nul".into(),
                    markdown: "a\0b".into(),
                    author_id: ada.id.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .expect_err("NUL cannot be stored");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&refused), ["post.markdown"]);
}

#[tokio::test]
async fn a_request_over_the_size_limit_answers_resource_exhausted() {
    let engine = TestEngine::start_with(
        crate::harness::fresh_database().await,
        &[("QUIRE_MAX_MESSAGE_BYTES", "65536")],
    )
    .await;
    let mut big = vec![1 << 3 | 2];
    let mut post = vec![5 << 3 | 2];
    let markdown = vec![b'a'; 100_000];
    put_varint(&mut post, markdown.len());
    post.extend_from_slice(&markdown);
    put_varint(&mut big, post.len());
    big.extend_from_slice(&post);
    let too_large = create_post_raw(&engine, big).await;
    assert_eq!(too_large.code(), Code::ResourceExhausted, "{too_large:?}");
}

fn put_varint(out: &mut Vec<u8>, mut value: usize) {
    while value >= 0x80 {
        out.put_u8((value as u8) | 0x80);
        value >>= 7;
    }
    out.put_u8(value as u8);
}

#[tokio::test]
async fn a_call_past_the_servers_deadline_answers_deadline_exceeded() {
    let engine = TestEngine::start_with(
        crate::harness::fresh_database().await,
        &[("QUIRE_REQUEST_TIMEOUT_MS", "10")],
    )
    .await;
    let slow = "```rust\nfn main() { let x = 1; }\n```\n\n".repeat(20_000);
    let status = engine
        .posts()
        .preview_post(authed(
            v1::PreviewPostRequest { markdown: slow },
            &engine.admin_key,
        ))
        .await
        .expect_err("rendering takes longer than 10 ms");
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
}
