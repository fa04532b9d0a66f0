//! AIP-155: every mutation with a `request_id` has one effect; its retry
//! answers the first response (never ABORTED, NOT_FOUND or ALREADY_EXISTS
//! caused by its own first attempt).

use prost_types::FieldMask;
use quire_proto::v1;
use tonic::Code;
use uuid::Uuid;

use crate::harness::{TestEngine, authed, violated_fields};

fn mask(paths: &[&str]) -> Option<FieldMask> {
    Some(FieldMask {
        paths: paths.iter().map(|p| p.to_string()).collect(),
    })
}

async fn changes(engine: &TestEngine) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM changes")
        .fetch_one(engine.store.pool())
        .await
        .unwrap()
}

async fn revisions(engine: &TestEngine) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM post_revisions")
        .fetch_one(engine.store.pool())
        .await
        .unwrap()
}

/// Calls `call` twice with the same request and checks the second answer is
/// the first one and that only the first recorded changes.
macro_rules! twice {
    ($engine:expr, $client:ident . $method:ident, $request:expr) => {{
        let request = $request;
        let before = changes($engine).await;
        let first = $engine
            .$client()
            .$method(authed(request.clone(), &$engine.admin_key))
            .await
            .expect(concat!("first ", stringify!($method)))
            .into_inner();
        let after_first = changes($engine).await;
        let second = $engine
            .$client()
            .$method(authed(request, &$engine.admin_key))
            .await
            .expect(concat!("retried ", stringify!($method)))
            .into_inner();
        assert_eq!(
            first,
            second,
            "{} answered its first response",
            stringify!($method)
        );
        assert_eq!(
            changes($engine).await,
            after_first,
            "the retried {} recorded nothing",
            stringify!($method)
        );
        (first, after_first - before)
    }};
}

#[tokio::test]
async fn a_retried_update_with_an_etag_answers_the_first_result_not_aborted() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.draft(&ada, "retry", "First", "").await;
    let revisions_before = revisions(&engine).await;
    let mut edit = post.clone();
    edit.title = "Second".into();
    let (first, recorded) = twice!(
        &engine,
        posts.update_post,
        v1::UpdatePostRequest {
            post: Some(edit),
            update_mask: mask(&["title"]),
            status: v1::PostStatus::Published as i32,
            request_id: Uuid::new_v4().to_string(),
            ..Default::default()
        }
    );
    assert_eq!(recorded, 1, "save-and-publish is one change");
    let first = first.post.unwrap();
    assert_eq!(first.title, "Second");
    assert_ne!(first.etag, post.etag);
    assert_eq!(
        revisions(&engine).await,
        revisions_before + 1,
        "one new revision, not two"
    );
}

#[tokio::test]
async fn every_post_mutation_answers_its_retry_with_the_first_response() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let (created, _) = twice!(
        &engine,
        posts.create_post,
        v1::CreatePostRequest {
            post: Some(v1::Post {
                slug: "once".into(),
                title: "Once".into(),
                markdown: "# Hello\n\nText.".into(),
                author_id: ada.id.clone(),
                ..Default::default()
            }),
            request_id: Uuid::new_v4().to_string(),
            ..Default::default()
        }
    );
    let id = created.post.unwrap().id;
    twice!(
        &engine,
        posts.publish_post,
        v1::PublishPostRequest {
            id: id.clone(),
            request_id: Uuid::new_v4().to_string(),
            ..Default::default()
        }
    );
    twice!(
        &engine,
        posts.unpublish_post,
        v1::UnpublishPostRequest {
            id: id.clone(),
            archive: true,
            request_id: Uuid::new_v4().to_string(),
            ..Default::default()
        }
    );
    twice!(
        &engine,
        posts.restore_post_revision,
        v1::RestorePostRevisionRequest {
            post_id: id.clone(),
            revision: 1,
            request_id: Uuid::new_v4().to_string(),
            ..Default::default()
        }
    );
    let (deleted, recorded) = twice!(
        &engine,
        posts.delete_post,
        v1::DeletePostRequest {
            id: id.clone(),
            request_id: Uuid::new_v4().to_string(),
            ..Default::default()
        }
    );
    assert_eq!(recorded, 1);
    assert!(
        deleted.cache_tags.contains(&format!("post:{id}")),
        "the retried delete answers the first one's tags, not NOT_FOUND"
    );
}

#[tokio::test]
async fn tag_author_and_comment_mutations_answer_their_retries_too() {
    let engine = TestEngine::start().await;
    let (tag, _) = twice!(
        &engine,
        tags.create_tag,
        v1::CreateTagRequest {
            tag: Some(v1::Tag {
                name: "Databases".into(),
                ..Default::default()
            }),
            request_id: Uuid::new_v4().to_string(),
        }
    );
    let mut tag = tag.tag.unwrap();
    tag.description = "Rows and columns".into();
    twice!(
        &engine,
        tags.update_tag,
        v1::UpdateTagRequest {
            tag: Some(tag),
            update_mask: mask(&["description"]),
            request_id: Uuid::new_v4().to_string(),
        }
    );
    let (author, _) = twice!(
        &engine,
        authors.create_author,
        v1::CreateAuthorRequest {
            author: Some(v1::Author {
                slug: "bea".into(),
                display_name: "Bea".into(),
                email: "bea@example.com".into(),
                ..Default::default()
            }),
            password: "correct horse battery".into(),
            request_id: Uuid::new_v4().to_string(),
        }
    );
    let mut author = author.author.unwrap();
    author.bio = "Writes about databases.".into();
    twice!(
        &engine,
        authors.update_author,
        v1::UpdateAuthorRequest {
            author: Some(author.clone()),
            update_mask: mask(&["bio"]),
            request_id: Uuid::new_v4().to_string(),
            ..Default::default()
        }
    );

    let post = engine.published(&author, "talk", "Talk", "").await;
    let (comment, _) = twice!(
        &engine,
        comments.create_comment,
        v1::CreateCommentRequest {
            comment: Some(v1::Comment {
                post_id: post.id.clone(),
                author_name: "Reader".into(),
                body: "First!".into(),
                ..Default::default()
            }),
            request_id: Uuid::new_v4().to_string(),
            ..Default::default()
        }
    );
    let comment_id = comment.comment.unwrap().id;
    let (_, recorded) = twice!(
        &engine,
        comments.moderate_comment,
        v1::ModerateCommentRequest {
            id: comment_id.clone(),
            status: v1::CommentStatus::Approved as i32,
            request_id: Uuid::new_v4().to_string(),
        }
    );
    assert_eq!(recorded, 1, "approving shows the comment: one change");
    twice!(
        &engine,
        comments.delete_comment,
        v1::DeleteCommentRequest {
            id: comment_id,
            request_id: Uuid::new_v4().to_string(),
        }
    );
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_invalid_and_writes_nothing() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.draft(&ada, "reuse", "First", "").await;
    let request_id = Uuid::new_v4().to_string();
    let mut edit = post.clone();
    edit.title = "Second".into();
    let request = v1::UpdatePostRequest {
        post: Some(edit.clone()),
        update_mask: mask(&["title"]),
        request_id: request_id.clone(),
        ..Default::default()
    };
    engine
        .posts()
        .update_post(authed(request, &engine.admin_key))
        .await
        .expect("first update");
    let before = changes(&engine).await;
    edit.title = "Third".into();
    let error = engine
        .posts()
        .update_post(authed(
            v1::UpdatePostRequest {
                post: Some(edit),
                update_mask: mask(&["title"]),
                request_id,
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&error), ["request_id"]);
    assert_eq!(changes(&engine).await, before);

    let error = engine
        .posts()
        .delete_post(authed(
            v1::DeletePostRequest {
                id: post.id,
                request_id: "not-a-uuid".into(),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&error), ["request_id"]);
}

#[tokio::test]
async fn a_key_belongs_to_its_caller() {
    let engine = TestEngine::start().await;
    let (ada, ada_session) = engine.author("ada", v1::AuthorRole::Author).await;
    let (_, bea_session) = engine.author("bea", v1::AuthorRole::Editor).await;
    let post = engine.draft(&ada, "mine", "Mine", "").await;
    let request = v1::PublishPostRequest {
        id: post.id,
        request_id: Uuid::new_v4().to_string(),
        ..Default::default()
    };
    engine
        .posts()
        .publish_post(authed(request.clone(), &ada_session))
        .await
        .expect("ada publishes");
    // The same key from another caller is that caller's own, new request.
    let before = changes(&engine).await;
    let answer = engine
        .posts()
        .publish_post(authed(request, &bea_session))
        .await
        .expect("bea's call runs on its own")
        .into_inner();
    assert!(answer.cache_tags.is_empty(), "already published: no change");
    assert_eq!(changes(&engine).await, before);
}

#[tokio::test]
async fn concurrent_duplicates_have_one_effect_and_one_answer() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let request = v1::CreatePostRequest {
        post: Some(v1::Post {
            slug: "race".into(),
            title: "Race".into(),
            author_id: ada.id,
            ..Default::default()
        }),
        request_id: Uuid::new_v4().to_string(),
        ..Default::default()
    };
    let calls = (0..8).map(|_| {
        let mut posts = engine.posts();
        let request = authed(request.clone(), &engine.admin_key);
        async move { posts.create_post(request).await.map(|r| r.into_inner()) }
    });
    let answers = futures_util::future::join_all(calls).await;
    let first = answers[0].as_ref().expect("created").clone();
    for answer in &answers {
        assert_eq!(answer.as_ref().expect("every duplicate succeeds"), &first);
    }
    let posts: i64 = sqlx::query_scalar("SELECT count(*) FROM posts")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert_eq!(posts, 1);
}
