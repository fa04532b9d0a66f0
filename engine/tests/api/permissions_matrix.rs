//! The role × RPC matrix (issue 13, the security suite): every RPC of every
//! quire.v1 service, called with every kind of credential, answers as
//! `auth::policy` and the services say, and a call that is refused writes
//! nothing.
//!
//! The whole policy is one table, [`MATRIX`]: a row per RPC (several where
//! the answer depends on the target: whose post, in which state), a column
//! per credential. The four sessions belong to the fixture's authors, so
//! "own" is readable from the row's name:
//!
//! | column      | who                                                  |
//! |-------------|------------------------------------------------------|
//! | `none`      | no `authorization` metadata                          |
//! | `unknown`   | a well-formed API key that does not exist            |
//! | `c:read` …  | an API key with that one scope                       |
//! | `carl`      | a session of carl, a contributor                     |
//! | `ada`       | a session of ada, an author                          |
//! | `eve`       | a session of eve, an editor                          |
//! | `root`      | a session of root, an admin                          |
//!
//! Each cell runs on targets of its own (made with the admin key, or in SQL,
//! just before the call), and every cell compares a digest of every table the engine
//! writes (rows and content) before and after the call: a refusal (or any
//! read) must leave them all unchanged, and an allowed write must change
//! something. Mutations carry a `request_id`, so a refusal is also seen not
//! to claim an idempotency key.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prost_types::{FieldMask, Timestamp};
use quire_proto::v1;
use tokio_stream::StreamExt;
use tonic::{Code, Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::harness::{TestEngine, authed};

/// How a cell is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Past authorization, and done.
    Allowed,
    /// Past authorization, but the target is invisible to the caller:
    /// NOT_FOUND (for the change stream: the change is left out).
    Hidden,
    /// PERMISSION_DENIED.
    Denied,
    /// UNAUTHENTICATED.
    Unauthenticated,
    /// FAILED_PRECONDITION (SignOut with an API key: there is no session).
    Precondition,
}

const OK: Outcome = Outcome::Allowed;
const HIDDEN: Outcome = Outcome::Hidden;
const DENIED: Outcome = Outcome::Denied;
const UNAUTH: Outcome = Outcome::Unauthenticated;
const PRECOND: Outcome = Outcome::Precondition;

/// A column of the matrix.
#[derive(Clone, Copy, Debug)]
enum Credential {
    Nothing,
    UnknownKey,
    Key(&'static str),
    Session(v1::AuthorRole),
}

const CREDENTIALS: [Credential; 11] = [
    Credential::Nothing,
    Credential::UnknownKey,
    Credential::Key("content:read"),
    Credential::Key("content:write"),
    Credential::Key("comments:create"),
    Credential::Key("comments:moderate"),
    Credential::Key("admin"),
    Credential::Session(v1::AuthorRole::Contributor),
    Credential::Session(v1::AuthorRole::Author),
    Credential::Session(v1::AuthorRole::Editor),
    Credential::Session(v1::AuthorRole::Admin),
];

const COLUMN_NAMES: [&str; 11] = [
    "none",
    "unknown",
    "c:read",
    "c:write",
    "cm:create",
    "cm:mod",
    "admin",
    "carl",
    "ada",
    "eve",
    "root",
];

/// A row of the matrix: an RPC on a particular target. carl is the
/// contributor, ada the author (see the module docs); dora is an author made
/// for the cell, no column's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    // PostService
    GetPublishedPost,
    GetAdasDraft,
    GetCarlsDraft,
    GetAdjacentPosts,
    GetAdjacentOfADraft,
    ListPublishedPosts,
    ListDrafts,
    SearchPosts,
    PreviewPost,
    CreateDraftForAda,
    CreateDraftForCarl,
    CreatePublishedForAda,
    CreatePublishedForCarl,
    UpdateAdasDraft,
    UpdateAdasPublished,
    UpdateCarlsDraft,
    UpdateCarlsPublished,
    SaveAndPublishCarlsDraft,
    GiveCarlsDraftToAda,
    DeleteAdasDraft,
    DeleteAdasPublished,
    DeleteCarlsDraft,
    PublishAdasDraft,
    PublishCarlsDraft,
    UnpublishAdasPublished,
    ListRevisionsOfPublished,
    ListRevisionsOfAdasDraft,
    RestoreAdasPublished,
    RestoreAdasDraft,
    // TagService
    GetTag,
    GetTagOnlyADraftUses,
    ListTags,
    CreateTag,
    UpdateTag,
    // AuthorService
    GetAuthor,
    ListAuthors,
    CreateAuthor,
    UpdateAdasBio,
    UpdateAdasRole,
    UpdateDorasRole,
    UpdateDorasPassword,
    Authenticate,
    SignOut,
    UnlockSignIn,
    // CommentService
    CreateCommentOnPublished,
    CreateCommentOnDraft,
    ListApprovedComments,
    ListCommentsOfAdasDraft,
    ListPendingComments,
    ModerateComment,
    DeleteComment,
    // MediaService
    UploadMedia,
    GetMedia,
    ListMedia,
    UpdateCarlsMedia,
    DeleteCarlsMedia,
    ReadMediaFile,
    // ChangeService
    WatchChanges,
    WatchChangesOfADraft,
}

/// The policy, at a glance. It pins what the engine does today; a row whose
/// behaviour looks doubtful says so in its comment.
#[rustfmt::skip]
const MATRIX: &[(Case, [Outcome; 11])] = &[
    //                                 none     unknown  c:read   c:write  cm:creat cm:mod   admin    carl     ada      eve      root
    // PostService: reads (published content for every credential with any scope, drafts for their editors).
    (Case::GetPublishedPost,         [UNAUTH,  UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    (Case::GetAdasDraft,             [UNAUTH,  UNAUTH,  HIDDEN,  OK,      HIDDEN,  HIDDEN,  OK,      HIDDEN,  OK,      OK,      OK     ]),
    (Case::GetCarlsDraft,            [UNAUTH,  UNAUTH,  HIDDEN,  OK,      HIDDEN,  HIDDEN,  OK,      OK,      HIDDEN,  OK,      OK     ]),
    (Case::GetAdjacentPosts,         [UNAUTH,  UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    // Neighbours are of published posts only, for every caller: a draft has none to show.
    (Case::GetAdjacentOfADraft,      [UNAUTH,  UNAUTH,  HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN ]),
    (Case::ListPublishedPosts,       [UNAUTH,  UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    // Sessions below editor list only their own drafts.
    (Case::ListDrafts,               [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK,      OK,      OK,      OK     ]),
    (Case::SearchPosts,              [UNAUTH,  UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    (Case::PreviewPost,              [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK,      OK,      OK,      OK     ]),
    // PostService: writes.
    (Case::CreateDraftForAda,        [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  OK,      OK,      OK     ]),
    (Case::CreateDraftForCarl,       [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK,      DENIED,  OK,      OK     ]),
    (Case::CreatePublishedForAda,    [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  OK,      OK,      OK     ]),
    (Case::CreatePublishedForCarl,   [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK     ]),
    (Case::UpdateAdasDraft,          [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      HIDDEN,  OK,      OK,      OK     ]),
    (Case::UpdateAdasPublished,      [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  OK,      OK,      OK     ]),
    (Case::UpdateCarlsDraft,         [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK,      HIDDEN,  OK,      OK     ]),
    // A contributor changes only drafts, even their own.
    (Case::UpdateCarlsPublished,     [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK     ]),
    // One write: carl may edit the draft but not publish it, so nothing is saved.
    (Case::SaveAndPublishCarlsDraft, [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  HIDDEN,  OK,      OK     ]),
    (Case::GiveCarlsDraftToAda,      [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  HIDDEN,  OK,      OK     ]),
    (Case::DeleteAdasDraft,          [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      HIDDEN,  OK,      OK,      OK     ]),
    (Case::DeleteAdasPublished,      [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  OK,      OK,      OK     ]),
    (Case::DeleteCarlsDraft,         [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK,      HIDDEN,  OK,      OK     ]),
    (Case::PublishAdasDraft,         [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      HIDDEN,  OK,      OK,      OK     ]),
    (Case::PublishCarlsDraft,        [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  HIDDEN,  OK,      OK     ]),
    (Case::UnpublishAdasPublished,   [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  OK,      OK,      OK     ]),
    (Case::ListRevisionsOfPublished, [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  OK,      OK,      OK     ]),
    (Case::ListRevisionsOfAdasDraft, [UNAUTH,  UNAUTH,  HIDDEN,  OK,      HIDDEN,  HIDDEN,  OK,      HIDDEN,  OK,      OK,      OK     ]),
    (Case::RestoreAdasPublished,     [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      DENIED,  OK,      OK,      OK     ]),
    (Case::RestoreAdasDraft,         [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      HIDDEN,  OK,      OK,      OK     ]),
    // TagService: managing tags needs the admin scope (content:write is not enough) or an editor.
    (Case::GetTag,                   [UNAUTH,  UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    // A tag that only a draft uses (made by the draft's save) is hidden from those who cannot write.
    (Case::GetTagOnlyADraftUses,     [UNAUTH,  UNAUTH,  HIDDEN,  OK,      HIDDEN,  HIDDEN,  OK,      OK,      OK,      OK,      OK     ]),
    (Case::ListTags,                 [UNAUTH,  UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    (Case::CreateTag,                [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK     ]),
    (Case::UpdateTag,                [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK     ]),
    // AuthorService: authors need the admin scope or an admin; profiles are their own.
    (Case::GetAuthor,                [UNAUTH,  UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    (Case::ListAuthors,              [UNAUTH,  UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    (Case::CreateAuthor,             [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      DENIED,  DENIED,  DENIED,  OK     ]),
    (Case::UpdateAdasBio,            [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      DENIED,  OK,      DENIED,  OK     ]),
    // ada may edit her profile, but not promote herself.
    (Case::UpdateAdasRole,           [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      DENIED,  DENIED,  DENIED,  OK     ]),
    (Case::UpdateDorasRole,          [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      DENIED,  DENIED,  DENIED,  OK     ]),
    (Case::UpdateDorasPassword,      [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      DENIED,  DENIED,  DENIED,  OK     ]),
    // Signing in needs no credential; whatever is sent is ignored.
    (Case::Authenticate,             [OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    (Case::SignOut,                  [UNAUTH,  UNAUTH,  PRECOND, PRECOND, PRECOND, PRECOND, PRECOND, OK,      OK,      OK,      OK     ]),
    (Case::UnlockSignIn,             [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      DENIED,  DENIED,  DENIED,  OK     ]),
    // CommentService: content:write may not comment; no one may comment on a draft.
    (Case::CreateCommentOnPublished, [UNAUTH,  UNAUTH,  DENIED,  DENIED,  OK,      DENIED,  OK,      OK,      OK,      OK,      OK     ]),
    (Case::CreateCommentOnDraft,     [UNAUTH,  UNAUTH,  DENIED,  DENIED,  HIDDEN,  DENIED,  HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN ]),
    (Case::ListApprovedComments,     [UNAUTH,  UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    (Case::ListCommentsOfAdasDraft,  [UNAUTH,  UNAUTH,  HIDDEN,  OK,      HIDDEN,  HIDDEN,  OK,      HIDDEN,  OK,      OK,      OK     ]),
    (Case::ListPendingComments,      [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  OK,      OK,      DENIED,  DENIED,  OK,      OK     ]),
    (Case::ModerateComment,          [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  OK,      OK,      DENIED,  DENIED,  OK,      OK     ]),
    (Case::DeleteComment,            [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  OK,      OK,      DENIED,  DENIED,  OK,      OK     ]),
    // MediaService: the library is for those who write; files are read as published content.
    (Case::UploadMedia,              [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK,      OK,      OK,      OK     ]),
    (Case::GetMedia,                 [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK,      OK,      OK,      OK     ]),
    (Case::ListMedia,                [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK,      OK,      OK,      OK     ]),
    // Authors change only their own uploads; editors and admins any.
    (Case::UpdateCarlsMedia,         [UNAUTH,  UNAUTH,  DENIED,  OK,      DENIED,  DENIED,  OK,      OK,      DENIED,  OK,      OK     ]),
    // Keys delete only with the admin scope.
    (Case::DeleteCarlsMedia,         [UNAUTH,  UNAUTH,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      OK,      DENIED,  OK,      OK     ]),
    (Case::ReadMediaFile,            [UNAUTH,  UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    // ChangeService: a draft's changes reach only those who may see every draft (not even its author).
    (Case::WatchChanges,             [UNAUTH,  UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK     ]),
    (Case::WatchChangesOfADraft,     [UNAUTH,  UNAUTH,  HIDDEN,  OK,      HIDDEN,  HIDDEN,  OK,      HIDDEN,  HIDDEN,  OK,      OK     ]),
];

impl Case {
    /// The RPC the row calls, as `Service/Method`.
    fn rpc(self) -> &'static str {
        use Case::*;
        match self {
            GetPublishedPost | GetAdasDraft | GetCarlsDraft => "PostService/GetPost",
            GetAdjacentPosts | GetAdjacentOfADraft => "PostService/GetAdjacentPosts",
            ListPublishedPosts | ListDrafts => "PostService/ListPosts",
            SearchPosts => "PostService/SearchPosts",
            PreviewPost => "PostService/PreviewPost",
            CreateDraftForAda
            | CreateDraftForCarl
            | CreatePublishedForAda
            | CreatePublishedForCarl => "PostService/CreatePost",
            UpdateAdasDraft
            | UpdateAdasPublished
            | UpdateCarlsDraft
            | UpdateCarlsPublished
            | SaveAndPublishCarlsDraft
            | GiveCarlsDraftToAda => "PostService/UpdatePost",
            DeleteAdasDraft | DeleteAdasPublished | DeleteCarlsDraft => "PostService/DeletePost",
            PublishAdasDraft | PublishCarlsDraft => "PostService/PublishPost",
            UnpublishAdasPublished => "PostService/UnpublishPost",
            ListRevisionsOfPublished | ListRevisionsOfAdasDraft => "PostService/ListPostRevisions",
            RestoreAdasPublished | RestoreAdasDraft => "PostService/RestorePostRevision",
            GetTag | GetTagOnlyADraftUses => "TagService/GetTag",
            ListTags => "TagService/ListTags",
            CreateTag => "TagService/CreateTag",
            UpdateTag => "TagService/UpdateTag",
            GetAuthor => "AuthorService/GetAuthor",
            ListAuthors => "AuthorService/ListAuthors",
            CreateAuthor => "AuthorService/CreateAuthor",
            UpdateAdasBio | UpdateAdasRole | UpdateDorasRole | UpdateDorasPassword => {
                "AuthorService/UpdateAuthor"
            }
            Authenticate => "AuthorService/Authenticate",
            SignOut => "AuthorService/SignOut",
            UnlockSignIn => "AuthorService/UnlockSignIn",
            CreateCommentOnPublished | CreateCommentOnDraft => "CommentService/CreateComment",
            ListApprovedComments | ListCommentsOfAdasDraft | ListPendingComments => {
                "CommentService/ListComments"
            }
            ModerateComment => "CommentService/ModerateComment",
            DeleteComment => "CommentService/DeleteComment",
            UploadMedia => "MediaService/UploadMedia",
            GetMedia => "MediaService/GetMedia",
            ListMedia => "MediaService/ListMedia",
            UpdateCarlsMedia => "MediaService/UpdateMedia",
            DeleteCarlsMedia => "MediaService/DeleteMedia",
            ReadMediaFile => "MediaService/ReadMediaFile",
            WatchChanges | WatchChangesOfADraft => "ChangeService/WatchChanges",
        }
    }

    /// Whether an allowed call writes (a read must never change a table).
    fn writes(self) -> bool {
        let method = self.rpc().split_once('/').map_or("", |(_, method)| method);
        !["Get", "List", "Search", "Preview", "Watch", "Read"]
            .iter()
            .any(|read| method.starts_with(read))
    }
}

/// Every table the engine writes.
const TABLES: [&str; 15] = [
    "authors",
    "sessions",
    "api_keys",
    "sign_in_failures",
    "tags",
    "posts",
    "post_tags",
    "post_slug_history",
    "post_revisions",
    "comments",
    "idempotency_keys",
    "changes",
    "media_files",
    "media_items",
    "media_variants",
];

const PASSWORD: &str = "a long enough password";

/// One table's row count and a digest of its rows.
type Snapshot = Vec<(String, i64, String)>;

/// What a call answered and which tables it changed.
struct Measured {
    answer: Result<(), Status>,
    changed: Vec<String>,
}

/// The engine with its authors, keys and the posts the read rows look at.
struct Fixture {
    engine: TestEngine,
    carl: v1::Author,
    ada: v1::Author,
    sessions: HashMap<i32, (v1::Author, String)>,
    keys: HashMap<&'static str, String>,
    adas_published: v1::Post,
    adas_draft: v1::Post,
    carls_draft: v1::Post,
    next: AtomicU64,
}

fn request<T>(message: T, bearer: Option<&str>) -> Request<T> {
    match bearer {
        Some(credential) => authed(message, credential),
        None => Request::new(message),
    }
}

fn mask(paths: &[&str]) -> Option<FieldMask> {
    Some(FieldMask {
        paths: paths.iter().map(|path| path.to_string()).collect(),
    })
}

/// An upload of an image of its own: a two-frame GIF, which is ready at
/// once (an animation gets no variants), so that no background job writes
/// while a later cell is measured.
fn matrix_upload(n: u64) -> tokio_stream::Iter<std::vec::IntoIter<v1::UploadMediaRequest>> {
    use image::{Delay, Frame, Rgba, RgbaImage};
    let frame = |shade: u8| {
        let pixels =
            RgbaImage::from_pixel(4, 4, Rgba([(n % 256) as u8, (n / 256) as u8, shade, 255]));
        Frame::from_parts(pixels, 0, 0, Delay::from_numer_denom_ms(100, 1))
    };
    let mut gif = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
        encoder
            .encode_frames([frame(0), frame(255)])
            .expect("a GIF");
    }
    tokio_stream::iter(vec![
        v1::UploadMediaRequest {
            part: Some(v1::upload_media_request::Part::Header(
                v1::UploadMediaHeader {
                    filename: format!("matrix-{n}.gif"),
                    ..Default::default()
                },
            )),
        },
        v1::UploadMediaRequest {
            part: Some(v1::upload_media_request::Part::Chunk(gif)),
        },
    ])
}

fn request_id() -> String {
    Uuid::new_v4().to_string()
}

fn by_id(id: &str) -> v1::GetPostRequest {
    v1::GetPostRequest {
        key: Some(v1::get_post_request::Key::Id(id.to_owned())),
        view: 0,
    }
}

impl Fixture {
    async fn start() -> Self {
        let engine = TestEngine::start().await;
        let mut sessions = HashMap::new();
        for (slug, role) in [
            ("carl", v1::AuthorRole::Contributor),
            ("ada", v1::AuthorRole::Author),
            ("eve", v1::AuthorRole::Editor),
            ("root", v1::AuthorRole::Admin),
        ] {
            sessions.insert(role as i32, engine.author(slug, role).await);
        }
        let mut keys = HashMap::new();
        for credential in CREDENTIALS {
            if let Credential::Key(scope) = credential {
                keys.insert(scope, engine.key(&[scope]).await);
            }
        }
        let carl = sessions[&(v1::AuthorRole::Contributor as i32)].0.clone();
        let ada = sessions[&(v1::AuthorRole::Author as i32)].0.clone();
        let adas_published = engine
            .published(
                &ada,
                "adas-published",
                "Matrix published",
                "Searchable matrix text.",
            )
            .await;
        let adas_draft = engine.draft(&ada, "adas-draft", "Draft", "").await;
        // carl saves a draft with a tag no published post has.
        let carls_session = sessions[&(v1::AuthorRole::Contributor as i32)].1.clone();
        let carls_draft = engine
            .posts()
            .create_post(authed(
                v1::CreatePostRequest {
                    post: Some(v1::Post {
                        slug: "carls-draft".into(),
                        title: "Carl's draft".into(),
                        tags: vec![v1::TagRef {
                            name: "Embargoed".into(),
                            slug: String::new(),
                        }],
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                &carls_session,
            ))
            .await
            .expect("carl writes a draft")
            .into_inner()
            .post
            .expect("post");
        Self {
            engine,
            carl,
            ada,
            sessions,
            keys,
            adas_published,
            adas_draft,
            carls_draft,
            next: AtomicU64::new(0),
        }
    }

    fn unique(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    fn admin(&self) -> &str {
        &self.engine.admin_key
    }

    fn author_of(&self, role: v1::AuthorRole) -> &v1::Author {
        &self.sessions[&(role as i32)].0
    }

    fn bearer(&self, credential: Credential) -> Option<String> {
        match credential {
            Credential::Nothing => None,
            Credential::UnknownKey => Some(format!("qk_{}", "A".repeat(43))),
            Credential::Key(scope) => Some(self.keys[scope].clone()),
            Credential::Session(role) => Some(self.sessions[&(role as i32)].1.clone()),
        }
    }

    async fn sign_in(&self, author: &v1::Author) -> String {
        self.engine
            .authors()
            .authenticate(v1::AuthenticateRequest {
                email: author.email.clone(),
                password: PASSWORD.into(),
                ..Default::default()
            })
            .await
            .expect("sign in")
            .into_inner()
            .session_token
    }

    async fn snapshot(&self) -> Snapshot {
        let query = TABLES
            .iter()
            .map(|table| {
                format!(
                    "SELECT '{table}'::text, count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        sqlx::query_as(&query)
            .fetch_all(self.engine.store.pool())
            .await
            .expect("snapshot")
    }

    /// Runs `call` between two snapshots.
    async fn measure<T>(
        &self,
        call: impl Future<Output = Result<Response<T>, Status>>,
    ) -> Measured {
        let before = self.snapshot().await;
        let answer = call.await.map(drop);
        let after = self.snapshot().await;
        let changed = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| b != a)
            .map(|((table, rows_before, _), (_, rows_after, _))| {
                format!("{table} ({rows_before} → {rows_after} rows)")
            })
            .collect();
        Measured { answer, changed }
    }

    async fn draft_by(&self, author: &v1::Author) -> v1::Post {
        let n = self.unique();
        self.engine
            .draft(author, &format!("draft-{n}"), &format!("Draft {n}"), "Body")
            .await
    }

    async fn published_by(&self, author: &v1::Author) -> v1::Post {
        let n = self.unique();
        self.engine
            .published(author, &format!("post-{n}"), &format!("Post {n}"), "Body")
            .await
    }

    /// An author no column is, straight into the table (no password hash to
    /// compute).
    async fn dora(&self) -> Uuid {
        let id = Uuid::new_v4();
        let slug = format!("dora-{}", self.unique());
        sqlx::query(
            "INSERT INTO authors (id, slug, display_name, email, password_hash, role) VALUES ($1, $2, $2, $2 || '@example.com', 'not a hash', 2)",
        )
        .bind(id)
        .bind(&slug)
        .execute(self.engine.store.pool())
        .await
        .expect("insert dora");
        id
    }

    async fn pending_comment(&self) -> String {
        self.engine
            .comments()
            .create_comment(authed(
                v1::CreateCommentRequest {
                    comment: Some(v1::Comment {
                        post_id: self.adas_published.id.clone(),
                        author_name: "Reader".into(),
                        body: "Pending".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                self.admin(),
            ))
            .await
            .expect("comment")
            .into_inner()
            .comment
            .expect("comment")
            .id
    }

    fn create_post(
        &self,
        author: &v1::Author,
        status: v1::PostStatus,
        n: u64,
    ) -> v1::CreatePostRequest {
        v1::CreatePostRequest {
            post: Some(v1::Post {
                slug: format!("created-{n}"),
                title: format!("Created {n}"),
                author_id: author.id.clone(),
                ..Default::default()
            }),
            request_id: request_id(),
            status: status as i32,
            ..Default::default()
        }
    }

    fn retitle(post: &v1::Post, n: u64) -> v1::UpdatePostRequest {
        v1::UpdatePostRequest {
            post: Some(v1::Post {
                id: post.id.clone(),
                title: format!("Retitled {n}"),
                ..Default::default()
            }),
            update_mask: mask(&["title"]),
            request_id: request_id(),
            ..Default::default()
        }
    }

    /// One cell: its targets, then the call, measured.
    async fn run(&self, case: Case, credential: Credential) -> Measured {
        let bearer = self.bearer(credential);
        let bearer = bearer.as_deref();
        let n = self.unique();
        let (ada, carl) = (&self.ada, &self.carl);
        let posts = || self.engine.posts();
        let tags = || self.engine.tags();
        let authors = || self.engine.authors();
        let comments = || self.engine.comments();
        let media = || self.engine.media();
        match case {
            Case::GetPublishedPost => {
                let req = by_id(&self.adas_published.id);
                self.measure(posts().get_post(request(req, bearer))).await
            }
            Case::GetAdasDraft => {
                let req = by_id(&self.adas_draft.id);
                self.measure(posts().get_post(request(req, bearer))).await
            }
            Case::GetCarlsDraft => {
                let req = by_id(&self.carls_draft.id);
                self.measure(posts().get_post(request(req, bearer))).await
            }
            Case::GetAdjacentPosts => {
                let req = v1::GetAdjacentPostsRequest {
                    slug: self.adas_published.slug.clone(),
                };
                self.measure(posts().get_adjacent_posts(request(req, bearer)))
                    .await
            }
            Case::GetAdjacentOfADraft => {
                let req = v1::GetAdjacentPostsRequest {
                    slug: self.adas_draft.slug.clone(),
                };
                self.measure(posts().get_adjacent_posts(request(req, bearer)))
                    .await
            }
            Case::ListPublishedPosts => {
                let req = v1::ListPostsRequest::default();
                self.measure(posts().list_posts(request(req, bearer))).await
            }
            Case::ListDrafts => {
                let req = v1::ListPostsRequest {
                    statuses: vec![v1::PostStatus::Draft as i32],
                    ..Default::default()
                };
                self.measure(posts().list_posts(request(req, bearer))).await
            }
            Case::SearchPosts => {
                let req = v1::SearchPostsRequest {
                    query: "matrix".into(),
                    ..Default::default()
                };
                self.measure(posts().search_posts(request(req, bearer)))
                    .await
            }
            Case::PreviewPost => {
                let req = v1::PreviewPostRequest {
                    markdown: "# Preview".into(),
                };
                self.measure(posts().preview_post(request(req, bearer)))
                    .await
            }
            Case::CreateDraftForAda
            | Case::CreateDraftForCarl
            | Case::CreatePublishedForAda
            | Case::CreatePublishedForCarl => {
                let author = match case {
                    Case::CreateDraftForAda | Case::CreatePublishedForAda => ada,
                    _ => carl,
                };
                let status = match case {
                    Case::CreateDraftForAda | Case::CreateDraftForCarl => v1::PostStatus::Draft,
                    _ => v1::PostStatus::Published,
                };
                let req = self.create_post(author, status, n);
                self.measure(posts().create_post(request(req, bearer)))
                    .await
            }
            Case::UpdateAdasDraft
            | Case::UpdateAdasPublished
            | Case::UpdateCarlsDraft
            | Case::UpdateCarlsPublished => {
                let target = match case {
                    Case::UpdateAdasDraft => self.draft_by(ada).await,
                    Case::UpdateAdasPublished => self.published_by(ada).await,
                    Case::UpdateCarlsDraft => self.draft_by(carl).await,
                    _ => self.published_by(carl).await,
                };
                let req = Self::retitle(&target, n);
                self.measure(posts().update_post(request(req, bearer)))
                    .await
            }
            Case::SaveAndPublishCarlsDraft => {
                let target = self.draft_by(carl).await;
                let req = v1::UpdatePostRequest {
                    status: v1::PostStatus::Published as i32,
                    ..Self::retitle(&target, n)
                };
                self.measure(posts().update_post(request(req, bearer)))
                    .await
            }
            Case::GiveCarlsDraftToAda => {
                let target = self.draft_by(carl).await;
                let req = v1::UpdatePostRequest {
                    post: Some(v1::Post {
                        id: target.id.clone(),
                        author_id: ada.id.clone(),
                        ..Default::default()
                    }),
                    update_mask: mask(&["author_id"]),
                    request_id: request_id(),
                    ..Default::default()
                };
                self.measure(posts().update_post(request(req, bearer)))
                    .await
            }
            Case::DeleteAdasDraft | Case::DeleteAdasPublished | Case::DeleteCarlsDraft => {
                let target = match case {
                    Case::DeleteAdasDraft => self.draft_by(ada).await,
                    Case::DeleteAdasPublished => self.published_by(ada).await,
                    _ => self.draft_by(carl).await,
                };
                let req = v1::DeletePostRequest {
                    id: target.id,
                    request_id: request_id(),
                    ..Default::default()
                };
                self.measure(posts().delete_post(request(req, bearer)))
                    .await
            }
            Case::PublishAdasDraft | Case::PublishCarlsDraft => {
                let author = if case == Case::PublishAdasDraft {
                    ada
                } else {
                    carl
                };
                let target = self.draft_by(author).await;
                let req = v1::PublishPostRequest {
                    id: target.id,
                    request_id: request_id(),
                    ..Default::default()
                };
                self.measure(posts().publish_post(request(req, bearer)))
                    .await
            }
            Case::UnpublishAdasPublished => {
                let target = self.published_by(ada).await;
                let req = v1::UnpublishPostRequest {
                    id: target.id,
                    request_id: request_id(),
                    ..Default::default()
                };
                self.measure(posts().unpublish_post(request(req, bearer)))
                    .await
            }
            Case::ListRevisionsOfPublished | Case::ListRevisionsOfAdasDraft => {
                let target = if case == Case::ListRevisionsOfPublished {
                    &self.adas_published
                } else {
                    &self.adas_draft
                };
                let req = v1::ListPostRevisionsRequest {
                    post_id: target.id.clone(),
                    ..Default::default()
                };
                self.measure(posts().list_post_revisions(request(req, bearer)))
                    .await
            }
            Case::RestoreAdasPublished | Case::RestoreAdasDraft => {
                let target = if case == Case::RestoreAdasPublished {
                    self.published_by(ada).await
                } else {
                    self.draft_by(ada).await
                };
                let req = v1::RestorePostRevisionRequest {
                    post_id: target.id,
                    revision: 1,
                    request_id: request_id(),
                    ..Default::default()
                };
                self.measure(posts().restore_post_revision(request(req, bearer)))
                    .await
            }
            Case::GetTag | Case::GetTagOnlyADraftUses => {
                let slug = if case == Case::GetTag {
                    "rust"
                } else {
                    "embargoed"
                };
                let req = v1::GetTagRequest { slug: slug.into() };
                self.measure(tags().get_tag(request(req, bearer))).await
            }
            Case::ListTags => {
                let req = v1::ListTagsRequest::default();
                self.measure(tags().list_tags(request(req, bearer))).await
            }
            Case::CreateTag => {
                let req = v1::CreateTagRequest {
                    tag: Some(v1::Tag {
                        name: format!("Matrix tag {n}"),
                        ..Default::default()
                    }),
                    request_id: request_id(),
                };
                self.measure(tags().create_tag(request(req, bearer))).await
            }
            Case::UpdateTag => {
                let req = v1::UpdateTagRequest {
                    tag: Some(v1::Tag {
                        slug: "rust".into(),
                        description: format!("Described {n}"),
                        ..Default::default()
                    }),
                    update_mask: mask(&["description"]),
                    request_id: request_id(),
                };
                self.measure(tags().update_tag(request(req, bearer))).await
            }
            Case::GetAuthor => {
                let req = v1::GetAuthorRequest {
                    key: Some(v1::get_author_request::Key::Slug("ada".into())),
                };
                self.measure(authors().get_author(request(req, bearer)))
                    .await
            }
            Case::ListAuthors => {
                let req = v1::ListAuthorsRequest::default();
                self.measure(authors().list_authors(request(req, bearer)))
                    .await
            }
            Case::CreateAuthor => {
                let req = v1::CreateAuthorRequest {
                    author: Some(v1::Author {
                        slug: format!("new-{n}"),
                        display_name: format!("New {n}"),
                        email: format!("new-{n}@example.com"),
                        role: v1::AuthorRole::Author as i32,
                        ..Default::default()
                    }),
                    password: PASSWORD.into(),
                    request_id: request_id(),
                };
                self.measure(authors().create_author(request(req, bearer)))
                    .await
            }
            Case::UpdateAdasBio => {
                let req = v1::UpdateAuthorRequest {
                    author: Some(v1::Author {
                        id: ada.id.clone(),
                        bio: format!("Bio {n}"),
                        ..Default::default()
                    }),
                    update_mask: mask(&["bio"]),
                    request_id: request_id(),
                    ..Default::default()
                };
                self.measure(authors().update_author(request(req, bearer)))
                    .await
            }
            Case::UpdateAdasRole => {
                let req = v1::UpdateAuthorRequest {
                    author: Some(v1::Author {
                        id: ada.id.clone(),
                        role: v1::AuthorRole::Admin as i32,
                        ..Default::default()
                    }),
                    update_mask: mask(&["role"]),
                    request_id: request_id(),
                    ..Default::default()
                };
                let measured = self
                    .measure(authors().update_author(request(req, bearer)))
                    .await;
                // ada stays the author column for the rows after this one.
                sqlx::query("UPDATE authors SET role = $2 WHERE id = $1")
                    .bind(Uuid::parse_str(&ada.id).expect("ada's id"))
                    .bind(v1::AuthorRole::Author as i16)
                    .execute(self.engine.store.pool())
                    .await
                    .expect("restore ada's role");
                measured
            }
            Case::UpdateDorasRole | Case::UpdateDorasPassword => {
                let dora = self.dora().await;
                let req = if case == Case::UpdateDorasRole {
                    v1::UpdateAuthorRequest {
                        author: Some(v1::Author {
                            id: dora.to_string(),
                            role: v1::AuthorRole::Editor as i32,
                            ..Default::default()
                        }),
                        update_mask: mask(&["role"]),
                        request_id: request_id(),
                        ..Default::default()
                    }
                } else {
                    v1::UpdateAuthorRequest {
                        author: Some(v1::Author {
                            id: dora.to_string(),
                            ..Default::default()
                        }),
                        new_password: "another long enough password".into(),
                        request_id: request_id(),
                        ..Default::default()
                    }
                };
                self.measure(authors().update_author(request(req, bearer)))
                    .await
            }
            Case::Authenticate => {
                let req = v1::AuthenticateRequest {
                    email: ada.email.clone(),
                    password: PASSWORD.into(),
                    ..Default::default()
                };
                self.measure(authors().authenticate(request(req, bearer)))
                    .await
            }
            Case::SignOut => {
                // A session of its own, so the fixture's sessions live on.
                let bearer = match credential {
                    Credential::Session(role) => Some(self.sign_in(self.author_of(role)).await),
                    _ => bearer.map(str::to_owned),
                };
                let req = v1::SignOutRequest {};
                self.measure(authors().sign_out(request(req, bearer.as_deref())))
                    .await
            }
            Case::UnlockSignIn => {
                sqlx::query(
                    "INSERT INTO sign_in_failures (email, client_key) VALUES (lower($1), $2)",
                )
                .bind(&ada.email)
                .bind(format!("guesser-{n}"))
                .execute(self.engine.store.pool())
                .await
                .expect("a failed sign-in");
                let req = v1::UnlockSignInRequest {
                    author_id: ada.id.clone(),
                };
                self.measure(authors().unlock_sign_in(request(req, bearer)))
                    .await
            }
            Case::CreateCommentOnPublished | Case::CreateCommentOnDraft => {
                let post = if case == Case::CreateCommentOnPublished {
                    &self.adas_published
                } else {
                    &self.adas_draft
                };
                let req = v1::CreateCommentRequest {
                    comment: Some(v1::Comment {
                        post_id: post.id.clone(),
                        author_name: format!("Reader {n}"),
                        body: "Hello".into(),
                        ..Default::default()
                    }),
                    request_id: request_id(),
                    ..Default::default()
                };
                self.measure(comments().create_comment(request(req, bearer)))
                    .await
            }
            Case::ListApprovedComments | Case::ListCommentsOfAdasDraft => {
                let post = if case == Case::ListApprovedComments {
                    &self.adas_published
                } else {
                    &self.adas_draft
                };
                let req = v1::ListCommentsRequest {
                    post_id: post.id.clone(),
                    ..Default::default()
                };
                self.measure(comments().list_comments(request(req, bearer)))
                    .await
            }
            Case::ListPendingComments => {
                let req = v1::ListCommentsRequest {
                    status: v1::CommentStatus::Pending as i32,
                    ..Default::default()
                };
                self.measure(comments().list_comments(request(req, bearer)))
                    .await
            }
            Case::ModerateComment => {
                let id = self.pending_comment().await;
                let req = v1::ModerateCommentRequest {
                    id,
                    status: v1::CommentStatus::Approved as i32,
                    request_id: request_id(),
                };
                self.measure(comments().moderate_comment(request(req, bearer)))
                    .await
            }
            Case::DeleteComment => {
                let id = self.pending_comment().await;
                let req = v1::DeleteCommentRequest {
                    id,
                    request_id: request_id(),
                };
                self.measure(comments().delete_comment(request(req, bearer)))
                    .await
            }
            Case::WatchChanges => {
                let req = v1::WatchChangesRequest { after_sequence: 0 };
                self.measure(self.engine.changes().watch_changes(request(req, bearer)))
                    .await
            }
            Case::UploadMedia => {
                let upload = matrix_upload(n);
                self.measure(media().upload_media(request(upload, bearer)))
                    .await
            }
            Case::GetMedia => {
                let item = self.carls_media().await;
                let req = v1::GetMediaRequest { id: item.id };
                self.measure(media().get_media(request(req, bearer))).await
            }
            Case::ListMedia => {
                let req = v1::ListMediaRequest::default();
                self.measure(media().list_media(request(req, bearer))).await
            }
            Case::UpdateCarlsMedia => {
                let item = self.carls_media().await;
                let req = v1::UpdateMediaRequest {
                    item: Some(v1::MediaItem {
                        id: item.id,
                        alt_text: format!("Alt {n}"),
                        ..Default::default()
                    }),
                    update_mask: mask(&["alt_text"]),
                };
                self.measure(media().update_media(request(req, bearer)))
                    .await
            }
            Case::DeleteCarlsMedia => {
                let item = self.carls_media().await;
                let req = v1::DeleteMediaRequest {
                    id: item.id,
                    etag: String::new(),
                };
                self.measure(media().delete_media(request(req, bearer)))
                    .await
            }
            Case::ReadMediaFile => {
                let item = self.carls_media().await;
                let req = v1::ReadMediaFileRequest { path: item.path };
                self.measure(async {
                    let response = media().read_media_file(request(req, bearer)).await?;
                    let mut stream = response.into_inner();
                    while stream.message().await?.is_some() {}
                    Ok(Response::new(()))
                })
                .await
            }
            Case::WatchChangesOfADraft => self.watch_a_draft(bearer, n).await,
        }
    }

    /// A media item carl uploaded just now.
    async fn carls_media(&self) -> v1::MediaItem {
        let carls_session = &self.sessions[&(v1::AuthorRole::Contributor as i32)].1;
        self.engine
            .media()
            .upload_media(authed(matrix_upload(self.unique()), carls_session))
            .await
            .expect("carl uploads")
            .into_inner()
            .item
            .expect("item")
    }

    /// A draft's whole life (created, edited, scheduled, withdrawn, deleted)
    /// while `bearer` follows the change stream live, then replayed from
    /// before it: the cell is allowed when both streams show its five
    /// changes, hidden when neither shows anything naming it (its id, slug
    /// or tag). The writes are the test's own, so nothing is measured.
    async fn watch_a_draft(&self, bearer: Option<&str>, n: u64) -> Measured {
        let start: i64 = sqlx::query_scalar("SELECT last FROM change_sequence")
            .fetch_one(self.engine.store.pool())
            .await
            .expect("head");
        let watch = || {
            let mut changes = self.engine.changes();
            let req = request(
                v1::WatchChangesRequest {
                    after_sequence: start,
                },
                bearer,
            );
            async move { changes.watch_changes(req).await.map(Response::into_inner) }
        };
        let mut live = match watch().await {
            Ok(stream) => stream,
            Err(status) => {
                return Measured {
                    answer: Err(status),
                    changed: Vec::new(),
                };
            }
        };
        let slug = format!("embargoed-draft-{n}");
        let tag = format!("Embargoed topic {n}");
        let tag_slug = format!("embargoed-topic-{n}");
        let admin = self.admin();
        let draft = self
            .engine
            .posts()
            .create_post(authed(
                v1::CreatePostRequest {
                    post: Some(v1::Post {
                        slug: slug.clone(),
                        title: "Embargoed".into(),
                        author_id: self.ada.id.clone(),
                        tags: vec![v1::TagRef {
                            name: tag,
                            slug: String::new(),
                        }],
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                admin,
            ))
            .await
            .expect("create the draft")
            .into_inner()
            .post
            .expect("post");
        self.engine
            .posts()
            .update_post(authed(Self::retitle(&draft, n), admin))
            .await
            .expect("edit the draft");
        let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
        self.engine
            .posts()
            .publish_post(authed(
                v1::PublishPostRequest {
                    id: draft.id.clone(),
                    publish_time: Some(Timestamp {
                        seconds: tomorrow.timestamp(),
                        nanos: 0,
                    }),
                    ..Default::default()
                },
                admin,
            ))
            .await
            .expect("schedule the draft");
        self.engine
            .posts()
            .unpublish_post(authed(
                v1::UnpublishPostRequest {
                    id: draft.id.clone(),
                    ..Default::default()
                },
                admin,
            ))
            .await
            .expect("withdraw the draft");
        self.engine
            .posts()
            .delete_post(authed(
                v1::DeletePostRequest {
                    id: draft.id.clone(),
                    ..Default::default()
                },
                admin,
            ))
            .await
            .expect("delete the draft");
        // Every caller sees this publication: the end of the draft's story.
        let marker = self.published_by(&self.ada).await;
        let names_the_draft = |change: &v1::Change| {
            let text = format!("{change:?}");
            [draft.id.as_str(), slug.as_str(), tag_slug.as_str()]
                .iter()
                .any(|secret| text.contains(secret))
        };
        let live_seen = until_published(&mut live, &marker.id).await;
        let mut replayed = watch()
            .await
            .expect("the replay opens as the live stream did");
        let replay_seen = until_published(&mut replayed, &marker.id).await;
        let counts = [&live_seen, &replay_seen].map(|seen| {
            seen.as_ref()
                .map(|changes| changes.iter().filter(|c| names_the_draft(c)).count())
        });
        let answer = match counts {
            [Ok(5), Ok(5)] => Ok(()),
            [Ok(0), Ok(0)] => Err(Status::not_found("every change of the draft left out")),
            other => Err(Status::unknown(format!(
                "changes naming the draft (live, replayed): {other:?}; live: {live_seen:?}"
            ))),
        };
        Measured {
            answer,
            changed: Vec::new(),
        }
    }
}

/// The changes `stream` sends up to the publication of `post_id`.
async fn until_published(
    stream: &mut Streaming<v1::WatchChangesResponse>,
    post_id: &str,
) -> Result<Vec<v1::Change>, String> {
    let mut seen = Vec::new();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .map_err(|_| format!("no publication of {post_id} within 5 s; saw {seen:?}"))?
            .ok_or("the stream ended")?
            .map_err(|status| format!("the stream failed: {status:?}"))?;
        for change in message.changes {
            let done = change.post_id == post_id && change.kind() == v1::ChangeKind::PostPublished;
            seen.push(change);
            if done {
                return Ok(seen);
            }
        }
    }
}

fn outcome_of(answer: &Result<(), Status>) -> Result<Outcome, String> {
    let Err(status) = answer else {
        return Ok(OK);
    };
    match status.code() {
        Code::NotFound => Ok(HIDDEN),
        Code::PermissionDenied => Ok(DENIED),
        Code::Unauthenticated => Ok(UNAUTH),
        Code::FailedPrecondition => Ok(PRECOND),
        code => Err(format!("{code:?}: {}", status.message())),
    }
}

fn label(outcome: &Result<Outcome, String>) -> &'static str {
    match outcome {
        Ok(Outcome::Allowed) => "OK",
        Ok(Outcome::Hidden) => "HIDDEN",
        Ok(Outcome::Denied) => "DENIED",
        Ok(Outcome::Unauthenticated) => "UNAUTH",
        Ok(Outcome::Precondition) => "PRECOND",
        Err(_) => "OTHER",
    }
}

#[tokio::test]
async fn every_rpc_answers_every_credential_as_the_policy_says_and_refusals_write_nothing() {
    let fixture = Fixture::start().await;
    let mut mismatches = Vec::new();
    let mut table = format!("{:<26}", "");
    for name in COLUMN_NAMES {
        table.push_str(&format!("{name:<10}"));
    }
    table.push('\n');
    for (case, expected) in MATRIX {
        table.push_str(&format!("{:<26}", format!("{case:?}")));
        for (column, credential) in CREDENTIALS.iter().enumerate() {
            let measured = fixture.run(*case, *credential).await;
            let actual = outcome_of(&measured.answer);
            table.push_str(&format!("{:<10}", label(&actual)));
            let cell = format!("{case:?} ({}) × {}", case.rpc(), COLUMN_NAMES[column]);
            if actual.as_ref() != Ok(&expected[column]) {
                mismatches.push(format!(
                    "{cell}: expected {:?}, got {actual:?} ({:?})",
                    expected[column],
                    measured.answer.as_ref().err().map(Status::message),
                ));
            }
            let allowed_write = case.writes() && actual == Ok(OK);
            if !allowed_write && !measured.changed.is_empty() {
                mismatches.push(format!(
                    "{cell}: answered {actual:?} but wrote {:?}",
                    measured.changed
                ));
            }
            if allowed_write && measured.changed.is_empty() {
                mismatches.push(format!("{cell}: allowed, yet wrote nothing"));
            }
        }
        table.push('\n');
    }
    assert!(
        mismatches.is_empty(),
        "{} cells differ from the policy:\n{}\n\nwhat the engine answered:\n{table}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn every_rpc_of_every_service_has_a_row() {
    let proto = concat!(env!("CARGO_MANIFEST_DIR"), "/../proto/quire/v1");
    let mut declared = BTreeSet::new();
    for entry in std::fs::read_dir(proto).expect("proto directory") {
        let path = entry.expect("entry").path();
        if !path.to_string_lossy().ends_with("_service.proto") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("proto file");
        let mut service = "";
        for line in text.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("service ") {
                service = rest.trim_end_matches('{').trim();
            } else if let Some(rest) = line.strip_prefix("rpc ") {
                let method = rest.split('(').next().unwrap_or_default().trim();
                declared.insert(format!("{service}/{method}"));
            }
        }
    }
    let covered: BTreeSet<String> = MATRIX
        .iter()
        .map(|(case, _)| case.rpc().to_owned())
        .collect();
    assert!(declared.len() >= 27, "found the RPCs: {declared:?}");
    assert_eq!(
        declared.difference(&covered).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "RPCs without a row in the matrix"
    );
    assert_eq!(
        covered.difference(&declared).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "rows naming RPCs the contract does not declare"
    );
}
