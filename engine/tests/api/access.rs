use prost_types::FieldMask;
use quire_proto::v1;
use tonic::{Code, Request};

use crate::harness::{TestEngine, authed};

#[tokio::test]
async fn a_call_without_credentials_answers_unauthenticated() {
    let engine = TestEngine::start().await;
    let error = engine
        .posts()
        .list_posts(Request::new(v1::ListPostsRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::Unauthenticated);
    let error = engine
        .posts()
        .list_posts(authed(v1::ListPostsRequest::default(), "qk_not-a-real-key"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn a_read_only_key_is_denied_every_mutation() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.published(&ada, "target", "Target", "").await;
    let reader = engine.key(&["content:read"]).await;
    let posts = engine.posts();
    let tags = engine.tags();
    let authors = engine.authors();
    let comments = engine.comments();
    let id = post.id.clone();
    let mask = Some(FieldMask {
        paths: vec!["title".into()],
    });
    let codes = vec![
        posts
            .clone()
            .create_post(authed(
                v1::CreatePostRequest {
                    post: Some(post.clone()),
                    request_id: String::new(),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        posts
            .clone()
            .update_post(authed(
                v1::UpdatePostRequest {
                    post: Some(post.clone()),
                    update_mask: mask.clone(),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        posts
            .clone()
            .publish_post(authed(
                v1::PublishPostRequest {
                    id: id.clone(),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        posts
            .clone()
            .unpublish_post(authed(
                v1::UnpublishPostRequest {
                    id: id.clone(),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        posts
            .clone()
            .delete_post(authed(
                v1::DeletePostRequest {
                    id: id.clone(),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        posts
            .clone()
            .restore_post_revision(authed(
                v1::RestorePostRevisionRequest {
                    post_id: id.clone(),
                    revision: 1,
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        posts
            .clone()
            .preview_post(authed(
                v1::PreviewPostRequest {
                    markdown: "x".into(),
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        tags.clone()
            .create_tag(authed(
                v1::CreateTagRequest {
                    tag: Some(v1::Tag {
                        name: "New".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        tags.clone()
            .update_tag(authed(
                v1::UpdateTagRequest {
                    tag: Some(v1::Tag {
                        slug: "rust".into(),
                        name: "R".into(),
                        ..Default::default()
                    }),
                    update_mask: Some(FieldMask {
                        paths: vec!["name".into()],
                    }),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        authors
            .clone()
            .create_author(authed(
                v1::CreateAuthorRequest {
                    author: Some(ada.clone()),
                    password: "a long enough password".into(),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        authors
            .clone()
            .update_author(authed(
                v1::UpdateAuthorRequest {
                    author: Some(ada.clone()),
                    update_mask: Some(FieldMask {
                        paths: vec!["bio".into()],
                    }),
                    new_password: String::new(),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        comments
            .clone()
            .create_comment(authed(
                v1::CreateCommentRequest {
                    comment: Some(v1::Comment {
                        post_id: id.clone(),
                        author_name: "R".into(),
                        body: "hi".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        comments
            .clone()
            .moderate_comment(authed(
                v1::ModerateCommentRequest {
                    id: uuid::Uuid::new_v4().to_string(),
                    status: v1::CommentStatus::Approved as i32,
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
        comments
            .clone()
            .delete_comment(authed(
                v1::DeleteCommentRequest {
                    id: uuid::Uuid::new_v4().to_string(),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .map(|_| ()),
    ];
    for (index, result) in codes.into_iter().enumerate() {
        let error = result.expect_err("a read-only key must not mutate");
        assert_eq!(
            error.code(),
            Code::PermissionDenied,
            "call #{index}: {error:?}"
        );
    }
    let title: String = sqlx::query_scalar("SELECT title FROM posts")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert_eq!(title, "Target");
}

#[tokio::test]
async fn a_contributor_edits_own_drafts_but_cannot_publish() {
    let engine = TestEngine::start().await;
    let (carl, session) = engine.author("carl", v1::AuthorRole::Contributor).await;
    let created = engine
        .posts()
        .create_post(authed(
            v1::CreatePostRequest {
                post: Some(v1::Post {
                    slug: "mine".into(),
                    title: "Mine".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
                ..Default::default()
            },
            &session,
        ))
        .await
        .expect("contributors write drafts")
        .into_inner()
        .post
        .unwrap();
    assert_eq!(created.author_id, carl.id);
    let error = engine
        .posts()
        .publish_post(authed(
            v1::PublishPostRequest {
                id: created.id.clone(),
                ..Default::default()
            },
            &session,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::PermissionDenied);

    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let theirs = engine.draft(&ada, "theirs", "Theirs", "").await;
    let error = engine
        .posts()
        .get_post(authed(
            v1::GetPostRequest {
                key: Some(v1::get_post_request::Key::Id(theirs.id)),
                view: 0,
            },
            &session,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        error.code(),
        Code::NotFound,
        "others' drafts are invisible to a contributor"
    );
}

#[tokio::test]
async fn an_editor_publishes_anyones_post() {
    let engine = TestEngine::start().await;
    let (_, editor_session) = engine.author("eve", v1::AuthorRole::Editor).await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.draft(&ada, "by-ada", "By Ada", "").await;
    let published = engine
        .posts()
        .publish_post(authed(
            v1::PublishPostRequest {
                id: post.id,
                ..Default::default()
            },
            &editor_session,
        ))
        .await
        .expect("editors publish")
        .into_inner()
        .post
        .unwrap();
    assert_eq!(published.status(), v1::PostStatus::Published);
}

#[tokio::test]
async fn a_draft_is_not_found_for_readers() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    engine.draft(&ada, "secret", "Secret", "").await;
    let reader = engine.key(&["content:read"]).await;
    let error = engine
        .posts()
        .get_post(authed(
            v1::GetPostRequest {
                key: Some(v1::get_post_request::Key::Slug("secret".into())),
                view: 0,
            },
            &reader,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::NotFound);
    let error = engine
        .posts()
        .list_posts(authed(
            v1::ListPostsRequest {
                statuses: vec![v1::PostStatus::Draft as i32],
                ..Default::default()
            },
            &reader,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::PermissionDenied);
}
