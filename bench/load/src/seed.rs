//! A benchmark corpus made through the API: realistic posts with headings,
//! prose, lists, a table and code blocks in several languages.

use quire_proto::v1;
use quire_proto::v1::post_service_client::PostServiceClient;
use tonic::Request;
use tonic::transport::Channel;

const WORDS: &[&str] = &[
    "cache",
    "latency",
    "throughput",
    "replica",
    "postgres",
    "index",
    "query",
    "render",
    "markdown",
    "stream",
    "change",
    "sequence",
    "budget",
    "request",
    "server",
    "client",
    "tail",
    "percentile",
    "memory",
    "allocation",
    "network",
    "protocol",
    "schema",
    "contract",
    "deploy",
    "rollback",
    "feature",
    "reader",
    "writer",
    "editor",
];
/// A word no other post has, for searches of a rare word: in one post of
/// every [`RARE_EVERY`] (`post-0`, `post-100`, …), so in 1% of a corpus.
pub const RARE_WORD: &str = "backpressure";

/// One post in this many has [`RARE_WORD`].
const RARE_EVERY: usize = 100;

const TAGS: &[&str] = &[
    "Rust",
    "Databases",
    "Performance",
    "Web",
    "Operations",
    "Testing",
    "Design",
    "Caching",
];

fn sentence(seed: usize, words: usize) -> String {
    let mut text = String::new();
    for i in 0..words {
        let word = WORDS[(seed * 7 + i * 13) % WORDS.len()];
        if i > 0 {
            text.push(' ');
        }
        text.push_str(word);
    }
    text.push('.');
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// A post of about 1,200 words with code, a table and a list.
pub fn post(author_id: &str, slug: &str) -> v1::Post {
    let seed = slug.bytes().map(usize::from).sum::<usize>();
    let mut markdown = String::new();
    for section in 0..5 {
        markdown.push_str(&format!(
            "## {}\n\n",
            sentence(seed + section, 4).trim_end_matches('.')
        ));
        for paragraph in 0..3 {
            let base = seed + section * 10 + paragraph;
            markdown.push_str(&format!(
                "{} {} {}\n\n",
                sentence(base, 18),
                sentence(base + 1, 22),
                sentence(base + 2, 15)
            ));
        }
        match section % 3 {
            0 => markdown.push_str(
                "```rust\nfn percentile(sorted: &[u64], q: f64) -> u64 {\n    let rank = (q * (sorted.len() - 1) as f64).round() as usize;\n    sorted[rank]\n}\n```\n\n",
            ),
            1 => markdown.push_str(
                "| level | hit rate | p99 |\n|---|---:|---:|\n| memory | 97% | 0.2 ms |\n| redis | 2% | 0.9 ms |\n| postgres | 1% | 3.1 ms |\n\n",
            ),
            _ => markdown.push_str(
                "- measure first\n- change one thing\n- measure again[^note]\n\n```ts\nexport async function load(slug: string) {\n  return await client.getPost({ slug });\n}\n```\n\n[^note]: On the same machine, in the same run.\n\n",
            ),
        }
    }
    let tags = (0..3).map(|i| v1::TagRef {
        name: TAGS[(seed + i * 3) % TAGS.len()].to_owned(),
        slug: String::new(),
    });
    v1::Post {
        slug: slug.to_owned(),
        title: sentence(seed, 6).trim_end_matches('.').to_owned(),
        markdown,
        author_id: author_id.to_owned(),
        tags: tags.collect(),
        ..Default::default()
    }
}

fn authed<T>(message: T, key: &str) -> Request<T> {
    let mut request = Request::new(message);
    if let Ok(value) = format!("Bearer {key}").parse() {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// Post number `n` of a seeded corpus: [`post`], and in 1% of them a
/// paragraph with [`RARE_WORD`].
fn seeded_post(author_id: &str, n: usize) -> v1::Post {
    let mut post = post(author_id, &format!("post-{n}"));
    if n.is_multiple_of(RARE_EVERY) {
        post.markdown.push_str(&format!(
            "Without {RARE_WORD}, a slow reader grows the writer's memory until the server falls over.\n\n"
        ));
    }
    post
}

/// Creates an author and `count` published posts named `post-0` …
/// `post-<count-1>`; prints the author's id.
pub async fn seed(channel: Channel, key: &str, count: usize) -> anyhow::Result<()> {
    let author = quire_proto::v1::author_service_client::AuthorServiceClient::new(channel.clone())
        .create_author(authed(
            v1::CreateAuthorRequest {
                author: Some(v1::Author {
                    slug: "bench-author".into(),
                    display_name: "Bench Author".into(),
                    email: "bench@example.com".into(),
                    role: v1::AuthorRole::Editor as i32,
                    ..Default::default()
                }),
                password: "benchmark password".into(),
                ..Default::default()
            },
            key,
        ))
        .await?
        .into_inner()
        .author
        .ok_or_else(|| anyhow::anyhow!("no author in the response"))?;
    let author_id = author.id.as_str();
    let mut client = PostServiceClient::new(channel);
    for n in 0..count {
        let created = client
            .create_post(authed(
                v1::CreatePostRequest {
                    post: Some(seeded_post(author_id, n)),
                    ..Default::default()
                },
                key,
            ))
            .await?
            .into_inner()
            .post
            .ok_or_else(|| anyhow::anyhow!("no post in the response"))?;
        client
            .publish_post(authed(
                v1::PublishPostRequest {
                    id: created.id,
                    ..Default::default()
                },
                key,
            ))
            .await?;
    }
    println!("{author_id}");
    eprintln!("seeded {count} posts");
    Ok(())
}
