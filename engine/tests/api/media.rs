//! The media library: what an upload may be, what is kept of it, its
//! variants, and the rules of deleting.

use std::io::Cursor;
use std::time::Duration;

use image::{ImageFormat, RgbImage};
use quire_proto::v1;
use quire_proto::v1::upload_media_request::Part;
use tonic::{Code, Status};

use crate::harness::{TestEngine, authed, violated_fields};

/// A photo-like image: smooth gradients with some texture.
fn photo(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let texture = ((x * 7 + y * 13) % 17) as u8;
        image::Rgb([
            (x * 255 / width) as u8 ^ texture,
            (y * 255 / height) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

fn encoded(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

/// A JPEG with an EXIF block: orientation 6 (rotate 90° clockwise to view)
/// and a GPS latitude, as a phone writes them.
fn phone_jpeg(width: u32, height: u32) -> Vec<u8> {
    let jpeg = encoded(&photo(width, height), ImageFormat::Jpeg);
    // TIFF, little-endian: IFD0 at 8 with Orientation and a GPS IFD pointer.
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]); // Orientation = 6
    tiff.extend([0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]); // GPS IFD at 38
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend([1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]); // GPSLatitudeRef "N"
    tiff.extend(0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

fn header(filename: &str, alt_text: &str) -> v1::UploadMediaRequest {
    v1::UploadMediaRequest {
        part: Some(Part::Header(v1::UploadMediaHeader {
            filename: filename.to_owned(),
            alt_text: alt_text.to_owned(),
            caption: String::new(),
        })),
    }
}

fn chunks(bytes: &[u8], size: usize) -> Vec<v1::UploadMediaRequest> {
    bytes
        .chunks(size)
        .map(|chunk| v1::UploadMediaRequest {
            part: Some(Part::Chunk(chunk.to_vec())),
        })
        .collect()
}

async fn upload_messages(
    engine: &TestEngine,
    credential: &str,
    messages: Vec<v1::UploadMediaRequest>,
) -> Result<v1::UploadMediaResponse, Status> {
    engine
        .media()
        .upload_media(authed(tokio_stream::iter(messages), credential))
        .await
        .map(tonic::Response::into_inner)
}

async fn upload(
    engine: &TestEngine,
    credential: &str,
    filename: &str,
    bytes: &[u8],
) -> Result<v1::UploadMediaResponse, Status> {
    let mut messages = vec![header(filename, "A test image")];
    messages.extend(chunks(bytes, 256 * 1024));
    upload_messages(engine, credential, messages).await
}

async fn read_file(
    engine: &TestEngine,
    credential: &str,
    path: &str,
) -> Result<(String, Vec<u8>), Status> {
    let mut stream = engine
        .media()
        .read_media_file(authed(
            v1::ReadMediaFileRequest {
                path: path.to_owned(),
            },
            credential,
        ))
        .await?
        .into_inner();
    let mut content_type = String::new();
    let mut bytes = Vec::new();
    while let Some(message) = stream.message().await? {
        if let Some(info) = message.info {
            content_type = info.content_type;
        }
        bytes.extend_from_slice(&message.chunk);
    }
    Ok((content_type, bytes))
}

async fn delete_item(engine: &TestEngine, id: &str, credential: &str) -> Result<(), Status> {
    engine
        .media()
        .delete_media(authed(
            v1::DeleteMediaRequest {
                id: id.to_owned(),
                etag: String::new(),
            },
            credential,
        ))
        .await
        .map(drop)
}

/// The item once its variants exist (or it failed), within `limit`.
async fn settled(engine: &TestEngine, id: &str, limit: Duration) -> v1::MediaItem {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let item = engine
            .media()
            .get_media(authed(
                v1::GetMediaRequest { id: id.to_owned() },
                &engine.admin_key,
            ))
            .await
            .unwrap()
            .into_inner()
            .item
            .unwrap();
        if item.state != v1::MediaState::Processing as i32 {
            return item;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "variants not made in {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_phone_photo_is_kept_upright_without_its_metadata_and_gets_every_variant() {
    let engine = TestEngine::start().await;
    let reader = engine.key(&["content:read"]).await;
    let photo = phone_jpeg(900, 600);
    let uploaded = upload(&engine, &engine.admin_key, "IMG_0001.jpg", &photo)
        .await
        .unwrap();
    assert!(!uploaded.existed);
    let item = uploaded.item.unwrap();
    // Orientation 6: the sensor's 900 × 600 is a portrait 600 × 900.
    assert_eq!((item.width, item.height), (600, 900));
    assert_eq!(item.content_type, "image/jpeg");
    assert_eq!(item.state, v1::MediaState::Processing as i32);
    assert!(
        item.path
            .starts_with(&format!("/media/{}/original.jpg", item.sha256))
    );

    // The original is served until the variants exist, and holds no EXIF.
    let (content_type, original) = read_file(&engine, &reader, &item.path).await.unwrap();
    assert_eq!(content_type, "image/jpeg");
    assert!(original.windows(4).all(|w| w != b"Exif"), "EXIF kept");
    let decoded = image::load_from_memory(&original).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (600, 900));

    let ready = settled(&engine, &item.id, Duration::from_secs(120)).await;
    assert_eq!(ready.state, v1::MediaState::Ready as i32);
    let mut seen: Vec<(String, i32)> = ready
        .variants
        .iter()
        .map(|variant| (variant.content_type.clone(), variant.width))
        .collect();
    seen.sort();
    let mut expected = Vec::new();
    for content_type in ["image/avif", "image/jpeg", "image/webp"] {
        for width in [320, 600] {
            expected.push((content_type.to_owned(), width));
        }
    }
    assert_eq!(seen, expected, "never wider than the original");
    for variant in &ready.variants {
        assert_eq!(variant.height, variant.width * 3 / 2, "{variant:?}");
        let (content_type, bytes) = read_file(&engine, &reader, &variant.path).await.unwrap();
        assert_eq!(content_type, variant.content_type);
        assert_eq!(bytes.len() as i64, variant.byte_size);
        let sniffed = image::guess_format(&bytes).unwrap();
        assert_eq!(
            sniffed.to_mime_type(),
            variant.content_type,
            "{}",
            variant.path
        );
        if sniffed != ImageFormat::Avif {
            let decoded = image::load_from_memory(&bytes).unwrap();
            assert_eq!(
                (decoded.width() as i32, decoded.height() as i32),
                (variant.width, variant.height)
            );
        }
    }
    // The same file again is the same item, stored once.
    let again = upload(&engine, &engine.admin_key, "copy.jpg", &photo)
        .await
        .unwrap();
    assert!(again.existed);
    assert_eq!(again.item.unwrap().id, item.id);
    let files: i64 = sqlx::query_scalar("SELECT count(*) FROM media_files")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert_eq!(files, 1 + 6);
}

#[tokio::test]
async fn uploads_are_judged_by_their_bytes_and_bounded() {
    let engine = TestEngine::start().await;
    let key = &engine.admin_key;
    let refused = |result: Result<v1::UploadMediaResponse, Status>| {
        let status = result.expect_err("refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        status
    };

    // A PNG named .jpg is a PNG.
    let png = encoded(&photo(300, 200), ImageFormat::Png);
    let item = upload(&engine, key, "misnamed.jpg", &png)
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item.content_type, "image/png");
    assert!(item.path.ends_with("/original.png"));

    // SVG, HTML and an empty file are refused.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let status = refused(upload(&engine, key, "logo.svg", svg).await);
    assert!(status.message().contains("SVG") || violated_fields(&status) == ["chunk"]);
    refused(upload(&engine, key, "page.png", b"<html><script>alert(1)</script>").await);
    refused(upload_messages(&engine, key, vec![header("empty.png", "")]).await);

    // A truncated JPEG is refused, not half-stored.
    let jpeg = encoded(&photo(600, 400), ImageFormat::Jpeg);
    let status = refused(upload(&engine, key, "cut.jpg", &jpeg[..jpeg.len() / 2]).await);
    assert!(status.message().contains("truncated"), "{status:?}");

    // A pixel bomb: a tiny PNG whose header claims 30,000 × 30,000 pixels,
    // refused from its header before anything is decoded.
    let mut bomb = encoded(&photo(1, 1), ImageFormat::Png);
    bomb[16..20].copy_from_slice(&30_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&30_000u32.to_be_bytes());
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    refused(upload(&engine, key, "bomb.png", &bomb).await);

    // A polyglot: a JPEG with HTML after its end. What is kept is the
    // picture alone.
    let mut polyglot = jpeg.clone();
    polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let item = upload(&engine, key, "poly.jpg", &polyglot)
        .await
        .unwrap()
        .item
        .unwrap();
    let (_, kept) = read_file(&engine, key, &item.path).await.unwrap();
    assert!(
        kept.windows(7).all(|w| w != b"<script"),
        "the polyglot's payload was kept"
    );

    // A chunk over 1 MiB, a file over 25 MiB, a missing or repeated header.
    let mut messages = vec![header("big.png", "")];
    messages.extend(chunks(&vec![0; 1024 * 1024 + 1], 1024 * 1024 + 1));
    assert_eq!(
        violated_fields(&refused(upload_messages(&engine, key, messages).await)),
        ["chunk"]
    );
    let mut messages = vec![header("huge.png", "")];
    messages.extend(chunks(&vec![0; 26 * 1024 * 1024], 1024 * 1024));
    assert_eq!(
        violated_fields(&refused(upload_messages(&engine, key, messages).await)),
        ["chunk"]
    );
    assert_eq!(
        violated_fields(&refused(
            upload_messages(&engine, key, chunks(&png, 1024)).await
        )),
        ["header"]
    );
    let mut messages = vec![header("a.png", ""), header("b.png", "")];
    messages.extend(chunks(&png, 1024));
    assert_eq!(
        violated_fields(&refused(upload_messages(&engine, key, messages).await)),
        ["header"]
    );

    // Nothing refused was stored: the PNG and the polyglot only.
    let items: i64 = sqlx::query_scalar("SELECT count(*) FROM media_items")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert_eq!(items, 2);
    // A reader's key may not upload.
    let reader = engine.key(&["content:read"]).await;
    let status = upload(&engine, &reader, "x.png", &png).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn an_item_a_post_uses_is_not_deleted() {
    let engine = TestEngine::start().await;
    let (ada, ada_session) = engine.author("ada", v1::AuthorRole::Contributor).await;
    let (_, bob_session) = engine.author("bob", v1::AuthorRole::Author).await;
    let png = encoded(&photo(200, 100), ImageFormat::Png);
    let item = upload(&engine, &ada_session, "chart.png", &png)
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item.uploader_id, ada.id);
    let markdown = format!("Here:\n\n![A chart]({})\n", item.path);
    let post = engine
        .draft(&ada, "with-chart", "With a chart", &markdown)
        .await;

    // Another author may neither describe nor delete Ada's upload.
    let status = delete_item(&engine, &item.id, &bob_session)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let status = delete_item(&engine, &item.id, &ada_session)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("with-chart"), "{status:?}");

    // Described with a stale etag: ABORTED; then with the right one.
    let update = |etag: &str, alt: &str| v1::UpdateMediaRequest {
        item: Some(v1::MediaItem {
            id: item.id.clone(),
            alt_text: alt.to_owned(),
            etag: etag.to_owned(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["alt_text".into()],
        }),
    };
    let described = engine
        .media()
        .update_media(authed(
            update(&item.etag, "A bar chart of throughput"),
            &ada_session,
        ))
        .await
        .unwrap()
        .into_inner()
        .item
        .unwrap();
    assert_eq!(described.alt_text, "A bar chart of throughput");
    let status = engine
        .media()
        .update_media(authed(update(&item.etag, "stale"), &ada_session))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Aborted);

    // Once no post names it, it goes, files and all.
    engine
        .posts()
        .delete_post(authed(
            v1::DeletePostRequest {
                id: post.id.clone(),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap();
    settled(&engine, &item.id, Duration::from_secs(120)).await;
    delete_item(&engine, &item.id, &ada_session).await.unwrap();
    let files: i64 = sqlx::query_scalar("SELECT count(*) FROM media_files")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert_eq!(files, 0);
    let status = read_file(&engine, &engine.admin_key, &item.path)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

/// The post `slug` as readers get it (through the engine's read cache).
async fn read_post(engine: &TestEngine, slug: &str) -> v1::Post {
    engine
        .posts()
        .get_post(authed(
            v1::GetPostRequest {
                key: Some(v1::get_post_request::Key::Slug(slug.to_owned())),
                view: v1::PostView::Full as i32,
            },
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner()
        .post
        .unwrap()
}

async fn post_html(engine: &TestEngine, slug: &str) -> String {
    read_post(engine, slug).await.html
}

/// The post `slug` once `done` holds of it, or as it is after `limit`.
async fn post_until(
    engine: &TestEngine,
    slug: &str,
    limit: Duration,
    done: impl Fn(&v1::Post) -> bool,
) -> v1::Post {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let post = read_post(engine, slug).await;
        if done(&post) || tokio::time::Instant::now() > deadline {
            return post;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_library_image_renders_as_a_picture_and_needs_alt_text_to_publish() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let jpeg = encoded(&photo(700, 450), ImageFormat::Jpeg);
    let mut messages = vec![header("harbour.jpg", "")];
    messages.extend(chunks(&jpeg, 256 * 1024));
    let item = upload_messages(&engine, &engine.admin_key, messages)
        .await
        .unwrap()
        .item
        .unwrap();
    let markdown = format!("Intro.\n\n![]({})\n", item.path);
    let post = engine.draft(&ada, "harbour", "Harbour", &markdown).await;
    // Until the variants exist, the original, sized so nothing shifts.
    assert!(
        post.html.contains(r#"width="700" height="450""#),
        "{}",
        post.html
    );

    // Neither the Markdown nor the library describes the image: not published.
    // With the draft's etag: re-rendering it is not an edit, so it stays good.
    let publish = v1::PublishPostRequest {
        id: post.id.clone(),
        etag: post.etag.clone(),
        ..Default::default()
    };
    let status = engine
        .posts()
        .publish_post(authed(publish.clone(), &engine.admin_key))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(violated_fields(&status), vec!["post.markdown"]);
    assert!(
        format!("{status:?}").contains("has no alt text"),
        "{status:?}"
    );

    // Once the variants exist the post, already cached, shows them; the
    // library's alt text reaches it too, and it publishes.
    let ready = settled(&engine, &item.id, Duration::from_secs(120)).await;
    assert_eq!(ready.state, v1::MediaState::Ready as i32);
    assert!(post_html(&engine, "harbour").await.contains("<img"));
    engine
        .media()
        .update_media(authed(
            v1::UpdateMediaRequest {
                item: Some(v1::MediaItem {
                    id: item.id.clone(),
                    alt_text: "A harbour at dusk".into(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["alt_text".into()],
                }),
            },
            &engine.admin_key,
        ))
        .await
        .unwrap();
    let html = post_until(&engine, "harbour", Duration::from_secs(10), |post| {
        post.html.contains("<picture>") && post.html.contains("A harbour at dusk")
    })
    .await
    .html;
    let hash = &item.sha256;
    for expected in [
        format!(r#"<source type="image/avif" srcset="/media/{hash}/320.avif 320w"#),
        format!("/media/{hash}/700.webp 700w"),
        format!(r#"src="/media/{hash}/700.jpg""#),
        r#"alt="A harbour at dusk" width="700" height="450" loading="eager""#.to_owned(),
    ] {
        assert!(html.contains(&expected), "{expected} in {html}");
    }
    // Every file the picture names is served, as its type.
    for variant in &ready.variants {
        assert!(html.contains(&variant.path), "{} in {html}", variant.path);
        let (content_type, bytes) = read_file(&engine, &engine.admin_key, &variant.path)
            .await
            .unwrap();
        assert_eq!(content_type, variant.content_type);
        assert_eq!(bytes.len() as i64, variant.byte_size);
    }
    let published = engine
        .posts()
        .publish_post(authed(publish, &engine.admin_key))
        .await
        .unwrap()
        .into_inner()
        .post
        .unwrap();
    assert_eq!(published.status, v1::PostStatus::Published as i32);
    assert!(published.html.contains("<picture>"));
}

/// Sets `post`'s cover to `url` (with `alt`), as its author's editor would.
async fn set_cover(
    engine: &TestEngine,
    post: &v1::Post,
    url: &str,
    alt: &str,
) -> Result<v1::Post, Status> {
    let update = v1::UpdatePostRequest {
        post: Some(v1::Post {
            id: post.id.clone(),
            cover_image_url: url.to_owned(),
            cover_image_alt: alt.to_owned(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["cover_image_url".into(), "cover_image_alt".into()],
        }),
        ..Default::default()
    };
    let response = engine
        .posts()
        .update_post(authed(update, &engine.admin_key))
        .await?;
    Ok(response.into_inner().post.unwrap())
}

#[tokio::test]
async fn a_library_cover_renders_as_a_picture_fetched_first() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let jpeg = encoded(&photo(800, 450), ImageFormat::Jpeg);
    let item = upload(&engine, &engine.admin_key, "cover.jpg", &jpeg)
        .await
        .unwrap()
        .item
        .unwrap();
    let post = engine.draft(&ada, "covered", "Covered", "Body.").await;

    // Only a library original or an absolute URL is a cover; nothing is written otherwise.
    let hash = &item.sha256;
    for bad in [
        "/media/abcd/original.jpg".to_owned(),
        format!("/media/{hash}/640.webp"),
        format!("/media/{}/original.jpg", hash.to_uppercase()),
        "cover.jpg".to_owned(),
    ] {
        let status = set_cover(&engine, &post, &bad, "A cover")
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{bad}: {status:?}");
        assert_eq!(
            violated_fields(&status),
            vec!["post.cover_image_url"],
            "{bad}"
        );
    }
    let external = set_cover(&engine, &post, "https://cdn.example.com/c.jpg", "A cover")
        .await
        .unwrap();
    assert_eq!(
        external.cover_image_html, "",
        "a cover elsewhere is the web's to show"
    );
    assert_eq!(external.revision, 2, "the refused covers wrote nothing");

    let covered = set_cover(&engine, &post, &item.path, "Boats in a harbour")
        .await
        .unwrap();
    assert!(
        covered
            .cover_image_html
            .contains(r#"width="800" height="450""#),
        "{}",
        covered.cover_image_html
    );
    // Once the sizes exist the cover is a picture of them, without another edit.
    settled(&engine, &item.id, Duration::from_secs(120)).await;
    let cover = post_until(&engine, "covered", Duration::from_secs(10), |post| {
        post.cover_image_html.contains("<picture>")
    })
    .await
    .cover_image_html;
    for expected in [
        format!(r#"<source type="image/avif" srcset="/media/{hash}/320.avif 320w"#),
        format!(r#"src="/media/{hash}/800.jpg""#),
        r#"alt="Boats in a harbour" width="800" height="450" loading="eager" fetchpriority="high""#
            .to_owned(),
    ] {
        assert!(cover.contains(&expected), "{expected} in {cover}");
    }
    // The cover holds the item: it is not deleted under the post.
    let status = delete_item(&engine, &item.id, &engine.admin_key)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
}

#[tokio::test]
async fn variants_an_engine_stopped_making_are_made_by_the_next() {
    let mut first = TestEngine::start().await;
    let jpeg = encoded(&photo(700, 500), ImageFormat::Jpeg);
    let item = upload(&first, &first.admin_key, "wide.jpg", &jpeg)
        .await
        .unwrap()
        .item
        .unwrap();
    // Stop the engine while it holds the job's claim.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let claimed: Option<i32> = sqlx::query_scalar(
            "SELECT attempts FROM media_items WHERE id = $1::uuid AND lease_until > now() AND state = 1",
        )
        .bind(&item.id)
        .fetch_optional(first.store.pool())
        .await
        .unwrap();
        if claimed == Some(1) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job was never claimed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.shut_down();
    let second = TestEngine::start_on(first.database_url.clone()).await;
    let ready = settled(&second, &item.id, Duration::from_secs(180)).await;
    assert_eq!(ready.state, v1::MediaState::Ready as i32);
    assert_eq!(ready.variants.len(), 3 * 3, "320, 640 and 700 wide");
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM media_items WHERE id = $1::uuid")
        .bind(&item.id)
        .fetch_one(second.store.pool())
        .await
        .unwrap();
    assert!(attempts >= 2, "attempts {attempts}");
}

/// CRC-32 (PNG's), for editing a chunk.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
