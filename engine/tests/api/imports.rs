//! Imports of real exports: WordPress's own Theme Unit Test file.

use std::path::PathBuf;

use quire_engine::import::{self, Options};
use quire_proto::v1;

use crate::harness::{TestEngine, authed};

/// WordPress's Theme Unit Test export, from the shared corpora (see their
/// README): `QUIRE_CORPORA` when set, else `../shared/corpora` beside the
/// repository, else `/work/shared/corpora` (where development machines keep
/// it, for clones made elsewhere).
fn theme_unit_test() -> PathBuf {
    let corpora = std::env::var_os("QUIRE_CORPORA").map_or_else(
        || {
            let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora");
            if beside.is_dir() {
                beside
            } else {
                PathBuf::from("/work/shared/corpora")
            }
        },
        PathBuf::from,
    );
    let path = corpora.join("wordpress/themeunittestdata.wordpress.xml");
    assert!(
        path.is_file(),
        "{} is missing: set QUIRE_CORPORA to the shared corpora folder",
        path.display()
    );
    path
}

async fn counts(engine: &TestEngine) -> Vec<(i16, i16, i64)> {
    sqlx::query_as("SELECT kind, status, count(*) FROM posts GROUP BY 1, 2 ORDER BY 1, 2")
        .fetch_all(engine.store.pool())
        .await
        .unwrap()
}

async fn post(engine: &TestEngine, slug: &str) -> v1::Post {
    engine
        .posts()
        .get_post(authed(
            v1::GetPostRequest {
                key: Some(v1::get_post_request::Key::Slug(slug.into())),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap_or_else(|status| panic!("{slug}: {status}"))
        .into_inner()
        .post
        .unwrap()
}

#[tokio::test]
async fn a_wordpress_export_imports_once_dry_runs_exactly_and_a_second_run_changes_nothing() {
    let engine = TestEngine::start().await;
    let file = theme_unit_test();

    let dry = import::wordpress(&engine.store, &file, Options { dry_run: true })
        .await
        .unwrap();
    assert!(counts(&engine).await.is_empty(), "a dry run wrote posts");
    let report = import::wordpress(&engine.store, &file, Options::default())
        .await
        .unwrap();
    println!("{report}");
    assert_eq!(
        dry.created, report.created,
        "the dry run reported what the run did"
    );
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let created: Vec<(&str, u64)> = report.created.iter().map(|(k, n)| (*k, *n)).collect();
    // 55 published posts, the scheduled one, the draft and the
    // password-protected one (a draft here); 21 pages; both authors; the
    // approved comments (not the pings, trackbacks or unapproved ones).
    assert_eq!(
        created,
        [
            ("authors", 2),
            ("comments", 26),
            ("pages", 21),
            ("posts", 58)
        ]
    );
    assert_eq!(
        report.left_out["attachments (images stay at their WordPress addresses)"],
        37
    );
    assert_eq!(
        report.left_out["nav_menu_item items (not posts or pages)"],
        70
    );
    assert_eq!(
        report.left_out["comments not approved, spam, pingbacks or trackbacks"],
        7
    );
    // kind 1 post / 2 page; status 1 draft, 2 scheduled, 3 published.
    assert_eq!(
        counts(&engine).await,
        [(1, 1, 2), (1, 2, 1), (1, 3, 55), (2, 3, 21)]
    );

    // Dated as on WordPress; the excerpt ends at <!--more-->.
    let more = post(&engine, "template-more-tag").await;
    assert_eq!(more.status(), v1::PostStatus::Published);
    let published = chrono::DateTime::parse_from_rfc3339("2012-03-15T21:41:11Z").unwrap();
    assert_eq!(
        more.publish_time.map(|t| t.seconds),
        Some(published.timestamp())
    );
    assert!(
        more.excerpt.ends_with("themes showing excerpts."),
        "{}",
        more.excerpt
    );
    assert!(
        !more.excerpt.contains("after the more tag"),
        "{}",
        more.excerpt
    );
    assert!(more.html.contains("after the more tag"));
    // Titles keep their characters; non-Latin slugs are transliterated.
    let special = post(&engine, "title-with-special-characters").await;
    assert_eq!(
        special.title,
        "Markup: Title With Special Characters ~`!@#$%^&*()-_=+{}[]/\\;:'\"?,.>"
    );
    assert_eq!(post(&engine, "epipedo-2").await.kind(), v1::PostKind::Page);
    // The scheduled post stays scheduled; the protected one is not public.
    let scheduled = post(&engine, "scheduled").await;
    assert_eq!(scheduled.status(), v1::PostStatus::Scheduled);
    let protected = post(&engine, "template-password-protected").await;
    assert_eq!(protected.status(), v1::PostStatus::Draft);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("password-protected"))
    );
    // Categories and tags are tags, at most the limit of them.
    assert_eq!(post(&engine, "edge-case-many-tags").await.tags.len(), 20);

    let again = import::wordpress(&engine.store, &file, Options::default())
        .await
        .unwrap();
    assert!(again.created.is_empty(), "{:?}", again.created);
    assert_eq!(again.unchanged, 79);
    assert_eq!(
        counts(&engine).await,
        [(1, 1, 2), (1, 2, 1), (1, 3, 55), (2, 3, 21)]
    );
}

#[tokio::test]
async fn a_ghost_export_imports_posts_pages_tags_authors_and_seo_fields_once() {
    let engine = TestEngine::start().await;
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ghost-5.json");
    let report = import::ghost(
        &engine.store,
        &file,
        Options::default(),
        Some("https://old.example.com/"),
    )
    .await
    .unwrap();
    println!("{report}");
    let created: Vec<(&str, u64)> = report.created.iter().map(|(k, n)| (*k, *n)).collect();
    assert_eq!(created, [("authors", 1), ("pages", 1), ("posts", 2)]);
    // The draft whose body is only in Ghost's editor format is refused, said why.
    assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
    assert!(report.refused[0].reason.contains("Lexical or Mobiledoc"));
    assert!(report.warnings.iter().any(|w| w.contains("members only")));

    let hello = post(&engine, "hello").await;
    assert_eq!(hello.title, "Hello & welcome");
    assert_eq!(hello.status(), v1::PostStatus::Published);
    let published = chrono::DateTime::parse_from_rfc3339("2021-03-01T12:00:00Z").unwrap();
    assert_eq!(
        hello.publish_time.map(|t| t.seconds),
        Some(published.timestamp())
    );
    let tags: Vec<&str> = hello.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["Getting Started", "News"], "internal tags stay out");
    let seo = hello.seo.clone().unwrap();
    assert_eq!(
        (seo.meta_title.as_str(), seo.meta_description.as_str()),
        ("Hello (SEO)", "Said for search engines")
    );
    assert_eq!(
        hello.cover_image_url,
        "https://old.example.com/content/images/cover.jpg"
    );
    assert_eq!(hello.cover_image_alt, "A cover");
    assert!(hello.html.contains("<td>cell</td>"), "{}", hello.html);
    assert!(hello.html.contains("<figcaption>A caption</figcaption>"));
    assert!(
        hello
            .html
            .contains("src=\"https://old.example.com/content/images/2021/03/photo.jpg\"")
    );
    assert!(
        hello.html.contains("line one\n\nline three"),
        "{}",
        hello.html
    );
    assert_eq!(
        hello.author.map(|a| a.display_name),
        Some("Ada Lovelace".into())
    );
    assert_eq!(post(&engine, "about").await.kind(), v1::PostKind::Page);
    assert_eq!(
        post(&engine, "members").await.status(),
        v1::PostStatus::Draft
    );

    let again = import::ghost(&engine.store, &file, Options::default(), None)
        .await
        .unwrap();
    assert!(again.created.is_empty(), "{:?}", again.created);
    assert_eq!(again.unchanged, 3);
}
