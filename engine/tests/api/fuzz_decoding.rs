//! Bounded fuzzing of request decoding (issue 13).
//!
//! Valid requests to the RPCs a client reaches first, encoded and then
//! mutated (bit flips, truncations, wrong wire types, invalid UTF-8 and NULs
//! in strings, huge varints, unknown fields, nested groups, garbage), are
//! sent as raw bodies. Every answer must be one a client can act on, never
//! INTERNAL or UNKNOWN, and the engine must keep answering.
//!
//! Deterministic: a fixed seed and case count, no failure persistence. A
//! failure is shrunk by proptest to a minimal body before it is reported.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::BufMut;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestRunner};
use prost::Message;
use quire_proto::v1;
use tonic::Code;

use crate::harness::{TestEngine, authed};
use crate::raw_codec::RawCodec;

/// The seed every CI run uses.
const SEED: u64 = 0x5155_4952_4514;

/// Mutated requests sent in one run.
const CASES: u32 = 400;

/// How long one answer may take before the engine counts as not answering.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Text placed in the string fields of the valid requests, for mutations to
/// replace with invalid UTF-8 (or a NUL) of the same length, so every length
/// prefix stays right and only the string is wrong.
const MARK: &[u8; 6] = b"~MARK~";

/// Same-length replacements for [`MARK`]: each invalid UTF-8 in its own way,
/// and one valid but with a NUL PostgreSQL cannot store.
const NOT_TEXT: &[[u8; 6]] = &[
    [0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa],
    [b'a', 0xc3, b'(', b'b', b'c', b'd'],
    [0xed, 0xa0, 0x80, b'x', b'y', b'z'],
    [0xc0, 0x80, b'a', b'b', b'c', b'd'],
    [0xf4, 0x90, 0x80, 0x80, b'a', b'b'],
    [b'a', b'b', b'c', b'd', 0xe2, 0x82],
    [b'a', 0x80, b'b', 0xbf, b'c', b'd'],
    [b'a', 0, b'b', b'c', 0, b'd'],
];

/// The RPCs fuzzed, with the answers each may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rpc {
    CreatePost,
    UpdatePost,
    PublishPost,
    GetPost,
    ListPosts,
    SearchPosts,
    PreviewPost,
    ListPostRevisions,
    CreateComment,
    ListComments,
}

impl Rpc {
    fn path(self) -> &'static str {
        match self {
            Self::CreatePost => "/quire.v1.PostService/CreatePost",
            Self::UpdatePost => "/quire.v1.PostService/UpdatePost",
            Self::PublishPost => "/quire.v1.PostService/PublishPost",
            Self::GetPost => "/quire.v1.PostService/GetPost",
            Self::ListPosts => "/quire.v1.PostService/ListPosts",
            Self::SearchPosts => "/quire.v1.PostService/SearchPosts",
            Self::PreviewPost => "/quire.v1.PostService/PreviewPost",
            Self::ListPostRevisions => "/quire.v1.PostService/ListPostRevisions",
            Self::CreateComment => "/quire.v1.CommentService/CreateComment",
            Self::ListComments => "/quire.v1.CommentService/ListComments",
        }
    }

    /// Whether `code` is an answer a client can act on for this RPC.
    fn allows(self, code: Code) -> bool {
        match code {
            Code::Ok
            | Code::InvalidArgument
            | Code::NotFound
            | Code::AlreadyExists
            | Code::PermissionDenied
            | Code::FailedPrecondition
            | Code::ResourceExhausted => true,
            // A stale etag (AIP-154): a mutation may turn the seed's etag
            // into another well-formed one, and an earlier case's successful
            // write makes the seed's own etag stale.
            Code::Aborted => matches!(self, Self::UpdatePost | Self::PublishPost),
            _ => false,
        }
    }
}

/// One request sent as it is.
#[derive(Clone)]
struct Case {
    rpc: Rpc,
    body: Vec<u8>,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex: String = self.body.iter().map(|b| format!("{b:02x}")).collect();
        write!(
            f,
            "{:?} with body ({} bytes) {hex}",
            self.rpc,
            self.body.len()
        )
    }
}

/// One change to an encoded request.
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Truncate(Index),
    Delete(Index, usize),
    Insert(Index, Vec<u8>),
    /// The low three bits of a byte (the wire type, where it is a key).
    WireType(Index, u8),
    /// A varint of ten or more bytes: the largest a u64 holds, or longer.
    HugeVarint(Index, usize),
    /// Every [`MARK`] replaced by one of [`NOT_TEXT`].
    NotText(Index),
    /// A field the schema does not have, of any wire type.
    UnknownField(u32, u8, Vec<u8>),
    /// Unknown groups nested `n` deep (prost skips them recursively).
    NestedGroups(usize),
    /// The whole body replaced by random bytes.
    Garbage(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 0..8u8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte(at, byte)),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 1..8usize).prop_map(|(at, len)| Mutation::Delete(at, len)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        2 => (any::<Index>(), 0..8u8).prop_map(|(at, wire)| Mutation::WireType(at, wire)),
        2 => (any::<Index>(), 0..3usize).prop_map(|(at, kind)| Mutation::HugeVarint(at, kind)),
        3 => any::<Index>().prop_map(Mutation::NotText),
        1 => (1..(1u32 << 29), 0..8u8, prop::collection::vec(any::<u8>(), 0..24))
            .prop_map(|(field, wire, payload)| Mutation::UnknownField(field, wire, payload)),
        1 => (1..200usize).prop_map(Mutation::NestedGroups),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Mutation::Garbage),
    ]
}

impl Mutation {
    fn apply(&self, body: &mut Vec<u8>) {
        let at = |index: &Index, len: usize| if len == 0 { 0 } else { index.index(len) };
        match self {
            Self::FlipBit(index, bit) if !body.is_empty() => {
                let i = at(index, body.len());
                body[i] ^= 1 << bit;
            }
            Self::SetByte(index, byte) if !body.is_empty() => {
                let i = at(index, body.len());
                body[i] = *byte;
            }
            Self::WireType(index, wire) if !body.is_empty() => {
                let i = at(index, body.len());
                body[i] = (body[i] & !0b111) | wire;
            }
            Self::FlipBit(..) | Self::SetByte(..) | Self::WireType(..) => {}
            Self::Truncate(index) => body.truncate(at(index, body.len())),
            Self::Delete(index, len) => {
                let i = at(index, body.len());
                body.drain(i..(i + len).min(body.len()));
            }
            Self::Insert(index, bytes) => {
                let i = at(index, body.len() + 1);
                body.splice(i..i, bytes.iter().copied());
            }
            Self::HugeVarint(index, kind) => {
                let varint: Vec<u8> = match kind {
                    0 => [[0xff; 9].as_slice(), &[0x01]].concat(),
                    1 => vec![0xff; 11],
                    _ => [[0x80; 10].as_slice(), &[0x00]].concat(),
                };
                let i = at(index, body.len() + 1);
                body.splice(i..i, varint);
            }
            Self::NotText(index) => {
                let replacement = NOT_TEXT[index.index(NOT_TEXT.len())];
                let mut i = 0;
                while let Some(offset) = body[i..].windows(MARK.len()).position(|w| w == MARK) {
                    let start = i + offset;
                    body[start..start + MARK.len()].copy_from_slice(&replacement);
                    i = start + MARK.len();
                }
            }
            Self::UnknownField(field, wire, payload) => {
                put_varint(body, (u64::from(*field) << 3) | u64::from(*wire));
                if *wire == 2 {
                    put_varint(body, payload.len() as u64);
                }
                body.extend_from_slice(payload);
            }
            Self::NestedGroups(depth) => {
                let field = 99u64;
                for _ in 0..*depth {
                    put_varint(body, (field << 3) | 3);
                }
                for _ in 0..*depth {
                    put_varint(body, (field << 3) | 4);
                }
            }
            Self::Garbage(bytes) => *body = bytes.clone(),
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.put_u8((value as u8) | 0x80);
        value >>= 7;
    }
    out.put_u8(value as u8);
}

/// Valid requests to every fuzzed RPC, about the posts the test made, with
/// [`MARK`] in their free-text fields.
fn seeds(author_id: &str, published: &v1::Post, draft: &v1::Post) -> Vec<Case> {
    let mark = std::str::from_utf8(MARK).expect("ASCII");
    let time = prost_types::Timestamp {
        seconds: 4_102_444_800,
        nanos: 5,
    };
    let post = v1::Post {
        slug: "fuzzed".into(),
        title: format!("Title {mark}"),
        markdown: format!("# Heading {mark}\n\n*Body* <b>bold</b> {mark}"),
        author_id: author_id.to_owned(),
        tags: vec![v1::TagRef {
            name: format!("Rust {mark}"),
            slug: String::new(),
        }],
        seo: Some(v1::PostSeo {
            meta_title: format!("Meta {mark}"),
            meta_description: format!("Description {mark}"),
            canonical_url: "https://example.com/fuzzed".into(),
        }),
        cover_image_alt: format!("Alt {mark}"),
        ..Default::default()
    };
    vec![
        case(
            Rpc::CreatePost,
            v1::CreatePostRequest {
                post: Some(post.clone()),
                request_id: String::new(),
                status: v1::PostStatus::Draft as i32,
                publish_time: None,
            },
        ),
        case(
            Rpc::CreatePost,
            v1::CreatePostRequest {
                post: Some(v1::Post {
                    slug: "fuzzed-scheduled".into(),
                    ..post.clone()
                }),
                request_id: "5d9d4cbe-7a5f-4a3e-9a4e-2a8f8d3f0c11".into(),
                status: v1::PostStatus::Scheduled as i32,
                publish_time: Some(time),
            },
        ),
        case(
            Rpc::UpdatePost,
            v1::UpdatePostRequest {
                post: Some(v1::Post {
                    id: draft.id.clone(),
                    title: format!("Updated {mark}"),
                    markdown: format!("Updated *body* {mark}"),
                    etag: draft.etag.clone(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["title".into(), "markdown".into()],
                }),
                ..Default::default()
            },
        ),
        case(
            Rpc::UpdatePost,
            v1::UpdatePostRequest {
                post: Some(v1::Post {
                    id: draft.id.clone(),
                    seo: post.seo.clone(),
                    tags: post.tags.clone(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["seo".into(), "tags".into()],
                }),
                status: v1::PostStatus::Draft as i32,
                publish_time: None,
                request_id: String::new(),
            },
        ),
        case(
            Rpc::PublishPost,
            v1::PublishPostRequest {
                id: draft.id.clone(),
                etag: String::new(),
                publish_time: Some(time),
                request_id: String::new(),
            },
        ),
        case(
            Rpc::GetPost,
            v1::GetPostRequest {
                key: Some(v1::get_post_request::Key::Id(published.id.clone())),
                view: v1::PostView::Full as i32,
            },
        ),
        case(
            Rpc::GetPost,
            v1::GetPostRequest {
                key: Some(v1::get_post_request::Key::Slug("first".into())),
                view: v1::PostView::Basic as i32,
            },
        ),
        case(
            Rpc::ListPosts,
            v1::ListPostsRequest {
                page_size: 5,
                page_token: String::new(),
                tag_slug: "rust".into(),
                author_slug: "ada".into(),
                statuses: vec![
                    v1::PostStatus::Draft as i32,
                    v1::PostStatus::Published as i32,
                ],
                kind: v1::PostKind::Post as i32,
                view: v1::PostView::Full as i32,
                skip: 3,
            },
        ),
        case(
            Rpc::ListPosts,
            v1::ListPostsRequest {
                page_size: 5,
                page_token: mark.to_owned(),
                tag_slug: "rust".into(),
                author_slug: "ada".into(),
                statuses: vec![
                    v1::PostStatus::Draft as i32,
                    v1::PostStatus::Published as i32,
                ],
                kind: v1::PostKind::Post as i32,
                view: v1::PostView::Full as i32,
                skip: 3,
            },
        ),
        case(
            Rpc::SearchPosts,
            v1::SearchPostsRequest {
                query: format!("hello {mark}"),
                page_size: 3,
                ..Default::default()
            },
        ),
        case(
            Rpc::PreviewPost,
            v1::PreviewPostRequest {
                markdown: format!(
                    "## Preview {mark}\n\n| a | b |\n|---|---|\n| {mark} | [^1] |\n\n[^1]: note"
                ),
            },
        ),
        case(
            Rpc::ListPostRevisions,
            v1::ListPostRevisionsRequest {
                post_id: draft.id.clone(),
                page_size: 2,
                page_token: String::new(),
            },
        ),
        case(
            Rpc::CreateComment,
            v1::CreateCommentRequest {
                comment: Some(v1::Comment {
                    post_id: published.id.clone(),
                    author_name: format!("Reader {mark}"),
                    author_email: "reader@example.com".into(),
                    body: format!("Nice post {mark}"),
                    ..Default::default()
                }),
                request_id: String::new(),
                client_key: format!("fuzz {mark}"),
            },
        ),
        case(
            Rpc::ListComments,
            v1::ListCommentsRequest {
                post_id: published.id.clone(),
                status: v1::CommentStatus::Pending as i32,
                page_size: 10,
                page_token: String::new(),
            },
        ),
    ]
}

fn case(rpc: Rpc, message: impl Message) -> Case {
    Case {
        rpc,
        body: message.encode_to_vec(),
    }
}

/// A seed with one to four mutations applied.
fn mutated(seeds: Arc<Vec<Case>>) -> impl Strategy<Value = Case> {
    (0..seeds.len(), prop::collection::vec(mutation(), 1..5)).prop_map(move |(seed, mutations)| {
        let mut case = seeds[seed].clone();
        for mutation in &mutations {
            mutation.apply(&mut case.body);
        }
        case
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_requests_answer_a_client_error_never_internal() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let published = engine.published(&ada, "first", "First", "Hello").await;
    let draft = engine.draft(&ada, "second", "Second", "Draft").await;
    let seeds = Arc::new(seeds(&ada.id, &published, &draft));

    // Every seed is itself a request the engine accepts or refuses cleanly.
    for seed in seeds.iter() {
        if let Err(failure) = answer(&engine, seed).await {
            panic!("{failure} (unmutated seed {seed:?})");
        }
    }

    let config = Config {
        cases: CASES,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(SEED),
        max_shrink_time: 30_000,
        max_shrink_iters: 1024,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let handle = tokio::runtime::Handle::current();
    // proptest's runner is synchronous: it runs on this worker thread while
    // the engine's tasks run on the other.
    let result = tokio::task::block_in_place(|| {
        runner.run(&mutated(seeds), |case| {
            handle.block_on(answer(&engine, &case))
        })
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }

    // The engine still answers ordinary calls.
    let got = engine
        .posts()
        .get_post(authed(
            v1::GetPostRequest {
                key: Some(v1::get_post_request::Key::Id(published.id.clone())),
                view: v1::PostView::Full as i32,
            },
            &engine.admin_key,
        ))
        .await
        .expect("an ordinary GetPost after the fuzzing succeeds")
        .into_inner()
        .post
        .expect("post");
    assert_eq!(got.id, published.id);
    let preview = engine
        .posts()
        .preview_post(authed(
            v1::PreviewPostRequest {
                markdown: "*still* here".into(),
            },
            &engine.admin_key,
        ))
        .await
        .expect("an ordinary PreviewPost after the fuzzing succeeds")
        .into_inner();
    assert_eq!(preview.html.trim(), "<p><em>still</em> here</p>");
}

/// Sends `case` and checks the answer's code.
async fn answer(engine: &TestEngine, case: &Case) -> Result<(), TestCaseError> {
    let mut client = tonic::client::Grpc::new(engine.channel.clone());
    client
        .ready()
        .await
        .map_err(|error| TestCaseError::fail(format!("the channel is not ready: {error}")))?;
    let call = client.unary(
        authed(case.body.clone(), &engine.admin_key),
        http::uri::PathAndQuery::from_static(case.rpc.path()),
        RawCodec,
    );
    let (code, message) = match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Err(_) => {
            return Err(TestCaseError::fail(format!(
                "no answer within {CALL_TIMEOUT:?}"
            )));
        }
        Ok(Ok(_)) => (Code::Ok, String::new()),
        Ok(Err(status)) => (status.code(), status.message().to_owned()),
    };
    prop_assert!(
        case.rpc.allows(code),
        "{:?} answered {code:?}: {message}",
        case.rpc
    );
    Ok(())
}
