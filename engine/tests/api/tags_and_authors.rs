use prost_types::FieldMask;
use quire_proto::v1;
use tonic::Code;

use crate::harness::{TestEngine, authed};

#[tokio::test]
async fn tags_list_with_their_published_post_counts() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    engine.published(&ada, "one", "One", "").await;
    engine.draft(&ada, "two", "Two", "").await;
    let tags = engine
        .tags()
        .list_tags(authed(v1::ListTagsRequest::default(), &engine.admin_key))
        .await
        .unwrap();
    let tags = tags.into_inner().tags;
    assert_eq!(tags.len(), 1);
    assert_eq!((tags[0].slug.as_str(), tags[0].post_count), ("rust", 1));
    let error = engine
        .tags()
        .create_tag(authed(
            v1::CreateTagRequest {
                tag: Some(v1::Tag {
                    name: "Rust".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::AlreadyExists);
    let updated = engine
        .tags()
        .update_tag(authed(
            v1::UpdateTagRequest {
                tag: Some(v1::Tag {
                    slug: "rust".into(),
                    description: "Systems programming".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["description".into()],
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner()
        .tag
        .unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.description.as_str()),
        ("Rust", "Systems programming")
    );
}

#[tokio::test]
async fn authors_get_by_slug_hides_email_from_readers() {
    let engine = TestEngine::start().await;
    engine.author("ada", v1::AuthorRole::Author).await;
    let reader = engine.key(&["content:read"]).await;
    let author = engine
        .authors()
        .get_author(authed(
            v1::GetAuthorRequest {
                key: Some(v1::get_author_request::Key::Slug("ada".into())),
            },
            &reader,
        ))
        .await
        .unwrap()
        .into_inner()
        .author
        .unwrap();
    assert_eq!(author.display_name, "ada");
    assert!(author.email.is_empty());
}

#[tokio::test]
async fn a_wrong_password_answers_unauthenticated_and_repeated_failures_are_throttled() {
    let engine = TestEngine::start().await;
    engine.author("ada", v1::AuthorRole::Author).await;
    let mut codes = Vec::new();
    for _ in 0..11 {
        let result = engine
            .authors()
            .authenticate(v1::AuthenticateRequest {
                email: "ada@example.com".into(),
                password: "wrong password!".into(),
                ..Default::default()
            })
            .await;
        codes.push(result.unwrap_err().code());
    }
    assert_eq!(codes[..10], [Code::Unauthenticated; 10]);
    assert_eq!(codes[10], Code::ResourceExhausted);
}

#[tokio::test]
async fn signing_out_ends_the_session_at_once() {
    let engine = TestEngine::start().await;
    let (_, session) = engine.author("ada", v1::AuthorRole::Author).await;
    engine
        .authors()
        .sign_out(authed(v1::SignOutRequest {}, &session))
        .await
        .unwrap();
    let error = engine
        .posts()
        .list_posts(authed(v1::ListPostsRequest::default(), &session))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn a_duplicate_author_email_answers_already_exists_with_the_field() {
    let engine = TestEngine::start().await;
    engine.author("ada", v1::AuthorRole::Author).await;
    let error = engine
        .authors()
        .create_author(authed(
            v1::CreateAuthorRequest {
                author: Some(v1::Author {
                    slug: "ada-two".into(),
                    display_name: "Ada Two".into(),
                    email: "ADA@example.com".into(),
                    ..Default::default()
                }),
                password: "a long enough password".into(),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::AlreadyExists);
    assert!(
        error.message().contains("author.email"),
        "{}",
        error.message()
    );
}

async fn sign_in_from(engine: &TestEngine, password: &str, client: &str) -> Code {
    match engine
        .authors()
        .authenticate(v1::AuthenticateRequest {
            email: "ada@example.com".into(),
            password: password.into(),
            client_key: client.into(),
        })
        .await
    {
        Ok(_) => Code::Ok,
        Err(status) => status.code(),
    }
}

#[tokio::test]
async fn a_strangers_failed_sign_ins_do_not_lock_the_author_out_and_an_admin_can_unlock() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    for _ in 0..10 {
        assert_eq!(
            sign_in_from(&engine, "a guess!!", "stranger").await,
            Code::Unauthenticated
        );
    }
    assert_eq!(
        sign_in_from(&engine, "a guess!!", "stranger").await,
        Code::ResourceExhausted,
        "the guessing client is locked out of the account"
    );
    assert_eq!(
        sign_in_from(&engine, "a long enough password", "ada-laptop").await,
        Code::Ok,
        "the author signs in from her own client"
    );
    engine
        .authors()
        .unlock_sign_in(authed(
            v1::UnlockSignInRequest { author_id: ada.id },
            &engine.admin_key,
        ))
        .await
        .expect("an admin unlocks the account");
    assert_eq!(
        sign_in_from(&engine, "a guess!!", "stranger").await,
        Code::Unauthenticated,
        "unlocked: the next attempt is checked again"
    );
}

#[tokio::test]
async fn readers_see_neither_an_authors_email_nor_role() {
    let engine = TestEngine::start().await;
    let (root, root_session) = engine.author("root", v1::AuthorRole::Admin).await;
    let reader = engine.key(&["content:read"]).await;
    let request = v1::GetAuthorRequest {
        key: Some(v1::get_author_request::Key::Id(root.id.clone())),
    };
    let seen = engine
        .authors()
        .get_author(authed(request.clone(), &reader))
        .await
        .unwrap()
        .into_inner()
        .author
        .unwrap();
    assert_eq!(seen.email, "");
    assert_eq!(
        seen.role,
        v1::AuthorRole::Unspecified as i32,
        "who the admins are"
    );
    let own = engine
        .authors()
        .get_author(authed(request, &root_session))
        .await
        .unwrap()
        .into_inner()
        .author
        .unwrap();
    assert_eq!(
        own.role,
        v1::AuthorRole::Admin as i32,
        "the author themself sees it"
    );
}

/// Creates a draft by `author` tagged `names`, answering its tags as stored.
async fn tagged(
    engine: &TestEngine,
    author: &v1::Author,
    slug: &str,
    names: &[&str],
) -> Vec<v1::TagRef> {
    engine
        .posts()
        .create_post(authed(
            v1::CreatePostRequest {
                post: Some(v1::Post {
                    slug: slug.into(),
                    title: slug.into(),
                    author_id: author.id.clone(),
                    tags: names
                        .iter()
                        .map(|name| v1::TagRef {
                            name: (*name).into(),
                            slug: String::new(),
                        })
                        .collect(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner()
        .post
        .unwrap()
        .tags
}

fn pairs(tags: &[v1::TagRef]) -> Vec<(&str, &str)> {
    tags.iter()
        .map(|t| (t.slug.as_str(), t.name.as_str()))
        .collect()
}

#[tokio::test]
async fn tags_in_any_script_get_readable_slugs_and_different_names_never_share_one() {
    // Under the C collation PostgreSQL's lower() leaves "ПРИВЕТ" as it is:
    // a tag's identity must not depend on the database's collation.
    let database = crate::harness::fresh_database_with(
        "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
    )
    .await;
    let engine = TestEngine::start_on(database).await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let first = tagged(
        &engine,
        &ada,
        "one",
        &[
            "日本語",
            "Привет",
            "Ελληνικά",
            "Größe",
            "a日本",
            "A中国",
            "C++",
            "C#",
            "c++",
        ],
    )
    .await;
    assert_eq!(
        pairs(&first),
        [
            ("ri-ben-yu", "日本語"),
            ("privet", "Привет"),
            ("ellenika", "Ελληνικά"),
            ("grosse", "Größe"),
            ("a-ri-ben", "a日本"),
            ("a-zhong-guo", "A中国"),
            ("c", "C++"),
            ("c-2", "C#"),
        ]
    );
    // The name is the tag, in any case; a new name that derives a held slug
    // is numbered after the ones taken.
    let second = tagged(&engine, &ada, "two", &["c#", "ПРИВЕТ", "C", "PRIVET"]).await;
    assert_eq!(
        pairs(&second),
        [
            ("c-2", "C#"),
            ("privet", "Привет"),
            ("c-3", "C"),
            // Latin letters: another name than the Cyrillic one.
            ("privet-2", "PRIVET"),
        ]
    );

    let created = engine
        .tags()
        .create_tag(authed(
            v1::CreateTagRequest {
                tag: Some(v1::Tag {
                    name: "c!".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner()
        .tag
        .unwrap();
    assert_eq!(
        (created.slug.as_str(), created.name.as_str()),
        ("c-4", "c!")
    );

    // Renaming a tag to another tag's name is refused by the field.
    let error = engine
        .tags()
        .update_tag(authed(
            v1::UpdateTagRequest {
                tag: Some(v1::Tag {
                    slug: "c-4".into(),
                    name: "größe".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["name".into()],
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::AlreadyExists);
    assert!(error.message().contains("tag.name"), "{}", error.message());
}
