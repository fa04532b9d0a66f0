//! SQL for the media library: content-addressed files, items, variants, and
//! the variant job's claims.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::StoreError;

/// An item of the library.
#[derive(Debug, Clone, FromRow)]
pub struct MediaRecord {
    pub id: Uuid,
    pub original_sha256: Vec<u8>,
    pub content_type: String,
    pub byte_size: i64,
    pub filename: String,
    pub width: i32,
    pub height: i32,
    pub alt_text: String,
    pub caption: String,
    pub focal_x: Option<f32>,
    pub focal_y: Option<f32>,
    pub uploader_id: Option<Uuid>,
    pub state: i16,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub revision: i64,
}

/// A variant of an item.
#[derive(Debug, Clone, FromRow)]
pub struct VariantRecord {
    pub item_id: Uuid,
    pub name: String,
    pub width: i32,
    pub height: i32,
    pub content_type: String,
    pub byte_size: i64,
}

/// What an item's new row holds.
pub struct NewItem<'a> {
    pub id: Uuid,
    pub upload_sha256: &'a [u8],
    pub original_sha256: &'a [u8],
    pub filename: &'a str,
    pub width: i32,
    pub height: i32,
    pub alt_text: &'a str,
    pub caption: &'a str,
    pub uploader_id: Option<Uuid>,
    /// READY at once (an animation, which gets no variants) or PROCESSING.
    pub state: i16,
}

/// quire.v1.MediaState numbers.
pub const PROCESSING: i16 = 1;
pub const READY: i16 = 2;
pub const FAILED: i16 = 3;

const SELECT: &str = "SELECT i.id, i.original_sha256, f.content_type, f.byte_size, i.filename,
        i.width, i.height, i.alt_text, i.caption, i.focal_x, i.focal_y, i.uploader_id,
        i.state, i.create_time, i.update_time, i.revision
    FROM media_items i JOIN media_files f ON f.sha256 = i.original_sha256 ";

/// The items whose originals have these SHA-256s (a post's images), the
/// earliest of each first.
#[tracing::instrument(name = "db.media.by_originals", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn by_originals(
    conn: &mut PgConnection,
    original_sha256s: &[Vec<u8>],
) -> Result<Vec<MediaRecord>, StoreError> {
    let sql = format!("{SELECT} WHERE i.original_sha256 = ANY($1) ORDER BY i.create_time, i.id");
    Ok(sqlx::query_as::<_, MediaRecord>(&sql)
        .bind(original_sha256s)
        .fetch_all(conn)
        .await?)
}

/// Stores `bytes` under their SHA-256, unless a file with it exists.
#[tracing::instrument(name = "db.media.put_file", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn put_file(
    conn: &mut PgConnection,
    sha256: &[u8],
    content_type: &str,
    bytes: &[u8],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO media_files (sha256, content_type, byte_size, bytes) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(content_type)
    .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
    .bind(bytes)
    .execute(conn)
    .await?;
    Ok(())
}

/// The item made from the upload with this SHA-256, if there is one.
#[tracing::instrument(name = "db.media.by_upload", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn by_upload(
    conn: &mut PgConnection,
    upload_sha256: &[u8],
) -> Result<Option<MediaRecord>, StoreError> {
    let sql = format!("{SELECT} WHERE i.upload_sha256 = $1");
    Ok(sqlx::query_as::<_, MediaRecord>(&sql)
        .bind(upload_sha256)
        .fetch_optional(conn)
        .await?)
}

/// Inserts an item; `false` when one for the same upload exists already
/// (a concurrent upload of the same file won).
#[tracing::instrument(name = "db.media.insert", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn insert(conn: &mut PgConnection, item: &NewItem<'_>) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO media_items (id, upload_sha256, original_sha256, filename, width, height,
            alt_text, caption, uploader_id, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (upload_sha256) DO NOTHING",
    )
    .bind(item.id)
    .bind(item.upload_sha256)
    .bind(item.original_sha256)
    .bind(item.filename)
    .bind(item.width)
    .bind(item.height)
    .bind(item.alt_text)
    .bind(item.caption)
    .bind(item.uploader_id)
    .bind(item.state)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Reads an item.
#[tracing::instrument(name = "db.media.get", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<MediaRecord, StoreError> {
    let sql = format!("{SELECT} WHERE i.id = $1");
    Ok(sqlx::query_as::<_, MediaRecord>(&sql)
        .bind(id)
        .fetch_one(conn)
        .await?)
}

/// Lists items newest first, after the keyset position `after`.
#[tracing::instrument(name = "db.media.list", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn list(
    conn: &mut PgConnection,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<MediaRecord>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE ($1::timestamptz IS NULL OR (i.create_time, i.id) < ($1, $2))
         ORDER BY i.create_time DESC, i.id DESC LIMIT $3"
    );
    Ok(sqlx::query_as::<_, MediaRecord>(&sql)
        .bind(after.map(|(time, _)| time))
        .bind(after.map(|(_, id)| id))
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// The variants of these items, by item, format and width.
#[tracing::instrument(name = "db.media.variants", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn variants(
    conn: &mut PgConnection,
    item_ids: &[Uuid],
) -> Result<Vec<VariantRecord>, StoreError> {
    Ok(sqlx::query_as::<_, VariantRecord>(
        "SELECT v.item_id, v.name, v.width, v.height, f.content_type, f.byte_size
         FROM media_variants v JOIN media_files f ON f.sha256 = v.file_sha256
         WHERE v.item_id = ANY($1)
         ORDER BY v.item_id, f.content_type, v.width",
    )
    .bind(item_ids)
    .fetch_all(conn)
    .await?)
}

/// The new text fields of an item.
pub struct Described<'a> {
    pub alt_text: &'a str,
    pub caption: &'a str,
    pub focal: Option<(f32, f32)>,
}

/// Updates an item's description, if its revision is still `revision`.
#[tracing::instrument(name = "db.media.describe", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn describe(
    conn: &mut PgConnection,
    id: Uuid,
    revision: i64,
    described: &Described<'_>,
) -> Result<(), StoreError> {
    let updated = sqlx::query(
        "UPDATE media_items SET alt_text = $3, caption = $4, focal_x = $5, focal_y = $6,
            update_time = now(), revision = revision + 1
         WHERE id = $1 AND revision = $2",
    )
    .bind(id)
    .bind(revision)
    .bind(described.alt_text)
    .bind(described.caption)
    .bind(described.focal.map(|(x, _)| x))
    .bind(described.focal.map(|(_, y)| y))
    .execute(conn)
    .await?;
    match updated.rows_affected() {
        1 => Ok(()),
        _ => Err(StoreError::StaleEtag),
    }
}

/// The slugs of the posts whose Markdown or cover image names `path`
/// (at most `limit`).
#[tracing::instrument(name = "db.media.users", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn posts_using(
    conn: &mut PgConnection,
    path: &str,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT slug FROM posts
         WHERE strpos(markdown, $1) > 0 OR strpos(cover_image_url, $1) > 0
         ORDER BY slug LIMIT $2",
    )
    .bind(path)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Deletes an item and its variants, and every file no other item names.
#[tracing::instrument(name = "db.media.delete", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn delete(conn: &mut PgConnection, id: Uuid, revision: i64) -> Result<(), StoreError> {
    let files: Vec<Vec<u8>> = sqlx::query_scalar(
        "WITH gone AS (
            DELETE FROM media_items WHERE id = $1 AND revision = $2 RETURNING id, original_sha256
         ), variants AS (
            DELETE FROM media_variants v USING gone WHERE v.item_id = gone.id
            RETURNING v.file_sha256
         )
         SELECT original_sha256 FROM gone UNION SELECT file_sha256 FROM variants",
    )
    .bind(id)
    .bind(revision)
    .fetch_all(&mut *conn)
    .await?;
    if files.is_empty() {
        return Err(StoreError::StaleEtag);
    }
    sqlx::query(
        "DELETE FROM media_files f WHERE f.sha256 = ANY($1)
           AND NOT EXISTS (SELECT 1 FROM media_items i WHERE i.original_sha256 = f.sha256)
           AND NOT EXISTS (SELECT 1 FROM media_variants v WHERE v.file_sha256 = f.sha256)",
    )
    .bind(&files)
    .execute(conn)
    .await?;
    Ok(())
}

/// A file to serve.
#[derive(Debug, FromRow)]
pub struct FileRecord {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The file served as `name` under the item whose original has this hash:
/// `original.{ext}` or a variant's name.
#[tracing::instrument(name = "db.media.file", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn file(
    conn: &mut PgConnection,
    original_sha256: &[u8],
    name: &str,
) -> Result<FileRecord, StoreError> {
    Ok(sqlx::query_as::<_, FileRecord>(
        "SELECT f.content_type, f.bytes FROM media_files f
         WHERE f.sha256 = (
            SELECT CASE WHEN $2 LIKE 'original.%' THEN i.original_sha256 ELSE v.file_sha256 END
            FROM media_items i
            LEFT JOIN media_variants v ON v.item_id = i.id AND v.name = $2
            WHERE i.original_sha256 = $1
            ORDER BY v.file_sha256 IS NULL
            LIMIT 1)",
    )
    .bind(original_sha256)
    .bind(name)
    .fetch_one(conn)
    .await?)
}

/// A variant job: the item whose variants are to be made.
#[derive(Debug, FromRow)]
pub struct Job {
    pub id: Uuid,
    pub original_sha256: Vec<u8>,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub attempts: i32,
}

/// Claims the oldest item waiting for its variants whose claim (if any) has
/// lapsed, for `lease_seconds`: another replica takes it over only if this
/// one dies (or takes longer).
#[tracing::instrument(name = "db.media.claim", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn claim_job(
    conn: &mut PgConnection,
    lease_seconds: f64,
) -> Result<Option<Job>, StoreError> {
    Ok(sqlx::query_as::<_, Job>(
        "WITH claimed AS (
            UPDATE media_items SET lease_until = now() + make_interval(secs => $1),
                attempts = attempts + 1
            WHERE id = (
                SELECT id FROM media_items
                WHERE state = 1 AND (lease_until IS NULL OR lease_until < now())
                ORDER BY create_time LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, original_sha256, attempts
         )
         SELECT c.id, c.original_sha256, f.content_type, f.bytes, c.attempts
         FROM claimed c JOIN media_files f ON f.sha256 = c.original_sha256",
    )
    .bind(lease_seconds)
    .fetch_optional(conn)
    .await?)
}

/// Records a variant of a claimed item (its file stored already).
#[tracing::instrument(name = "db.media.add_variant", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn add_variant(
    conn: &mut PgConnection,
    item_id: Uuid,
    name: &str,
    width: i32,
    height: i32,
    file_sha256: &[u8],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO media_variants (item_id, name, width, height, file_sha256)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (item_id, name) DO UPDATE SET file_sha256 = excluded.file_sha256",
    )
    .bind(item_id)
    .bind(name)
    .bind(width)
    .bind(height)
    .bind(file_sha256)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends a claimed item's job: READY, or FAILED with the reason.
#[tracing::instrument(name = "db.media.finish", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn finish_job(
    conn: &mut PgConnection,
    item_id: Uuid,
    state: i16,
    failure: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE media_items SET state = $2, failure = $3, lease_until = NULL WHERE id = $1",
    )
    .bind(item_id)
    .bind(state)
    .bind(failure)
    .execute(conn)
    .await?;
    Ok(())
}

/// Extends this engine's claim on item `id`'s job.
#[tracing::instrument(name = "db.media.renew", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn renew_claim(
    conn: &mut PgConnection,
    item_id: Uuid,
    lease_seconds: f64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE media_items SET lease_until = now() + make_interval(secs => $2)
         WHERE id = $1 AND state = 1",
    )
    .bind(item_id)
    .bind(lease_seconds)
    .execute(conn)
    .await?;
    Ok(())
}
