use quire_proto::v1;
use tonic::Code;

use crate::harness::{TestEngine, authed};

fn comment(post_id: &str, email: &str, body: &str) -> v1::CreateCommentRequest {
    v1::CreateCommentRequest {
        comment: Some(v1::Comment {
            post_id: post_id.to_owned(),
            author_name: "Reader".into(),
            author_email: email.to_owned(),
            body: body.to_owned(),
            ..Default::default()
        }),
        request_id: String::new(),
        // One reader per email here: the same client whatever the email's case.
        client_key: format!("client-{}", email.trim().to_lowercase()),
    }
}

async fn approved(engine: &TestEngine, post_id: &str, key: &str) -> Vec<v1::Comment> {
    engine
        .comments()
        .list_comments(authed(
            v1::ListCommentsRequest {
                post_id: post_id.to_owned(),
                ..Default::default()
            },
            key,
        ))
        .await
        .unwrap()
        .into_inner()
        .comments
}

#[tokio::test]
async fn a_comment_waits_for_moderation_then_appears_and_later_ones_from_that_email_are_trusted() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.published(&ada, "discussed", "Discussed", "").await;
    let web = engine.key(&["content:read", "comments:create"]).await;
    let moderator = engine.key(&["comments:moderate"]).await;

    let first = engine
        .comments()
        .create_comment(authed(comment(&post.id, "r@example.com", "First!"), &web))
        .await;
    let first = first.unwrap().into_inner().comment.unwrap();
    assert_eq!(first.status(), v1::CommentStatus::Pending);
    assert!(approved(&engine, &post.id, &web).await.is_empty());

    let queue = engine
        .comments()
        .list_comments(authed(
            v1::ListCommentsRequest {
                status: v1::CommentStatus::Pending as i32,
                ..Default::default()
            },
            &moderator,
        ))
        .await
        .unwrap()
        .into_inner()
        .comments;
    assert_eq!(queue.len(), 1);
    engine
        .comments()
        .moderate_comment(authed(
            v1::ModerateCommentRequest {
                id: first.id.clone(),
                status: v1::CommentStatus::Approved as i32,
                ..Default::default()
            },
            &moderator,
        ))
        .await
        .unwrap();
    let shown = approved(&engine, &post.id, &web).await;
    assert_eq!(
        shown.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(),
        ["First!"]
    );
    assert!(
        shown[0].author_email.is_empty(),
        "emails are not shown to readers"
    );

    let second = engine
        .comments()
        .create_comment(authed(comment(&post.id, "R@example.com", "Again"), &web))
        .await;
    assert_eq!(
        second.unwrap().into_inner().comment.unwrap().status(),
        v1::CommentStatus::Approved
    );
}

#[tokio::test]
async fn too_many_comments_from_one_client_answer_resource_exhausted() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.published(&ada, "busy", "Busy", "").await;
    let web = engine.key(&["comments:create"]).await;
    let mut codes = Vec::new();
    for i in 0..7 {
        let result = engine
            .comments()
            .create_comment(authed(
                comment(&post.id, "spam@example.com", &format!("#{i}")),
                &web,
            ))
            .await;
        codes.push(
            result
                .map(|_| Code::Ok)
                .unwrap_or_else(|status| status.code()),
        );
    }
    assert_eq!(codes[..5], [Code::Ok; 5]);
    assert_eq!(codes[5..], [Code::ResourceExhausted; 2]);
}

#[tokio::test]
async fn a_comment_on_a_draft_or_with_a_blank_body_is_rejected() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let draft = engine.draft(&ada, "draft", "Draft", "").await;
    let web = engine.key(&["comments:create"]).await;
    let error = engine
        .comments()
        .create_comment(authed(comment(&draft.id, "", "hi"), &web))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::NotFound);
    let error = engine
        .comments()
        .create_comment(authed(comment(&draft.id, "not-an-email", "  "), &web))
        .await
        .unwrap_err();
    let fields = crate::harness::violated_fields(&error);
    assert!(
        fields.contains(&"comment.body".to_owned())
            && fields.contains(&"comment.author_email".to_owned())
    );
}

#[tokio::test]
async fn a_trusted_commenters_email_from_another_client_still_waits_for_moderation() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.published(&ada, "borrowed", "Borrowed", "").await;
    let web = engine.key(&["content:read", "comments:create"]).await;
    let moderator = engine.key(&["comments:moderate"]).await;
    let first = engine
        .comments()
        .create_comment(authed(comment(&post.id, "r@example.com", "Me"), &web))
        .await
        .unwrap()
        .into_inner()
        .comment
        .unwrap();
    engine
        .comments()
        .moderate_comment(authed(
            v1::ModerateCommentRequest {
                id: first.id,
                status: v1::CommentStatus::Approved as i32,
                ..Default::default()
            },
            &moderator,
        ))
        .await
        .unwrap();
    for email in ["r@example.com", " R@Example.COM"] {
        let mut borrowed = comment(&post.id, email, "Not me");
        borrowed.client_key = "client-someone-else".into();
        let created = engine
            .comments()
            .create_comment(authed(borrowed, &web))
            .await
            .unwrap()
            .into_inner()
            .comment
            .unwrap();
        assert_eq!(created.status(), v1::CommentStatus::Pending, "{email:?}");
    }
}
