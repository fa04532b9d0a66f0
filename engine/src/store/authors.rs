//! SQL for authors.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::{StoreError, taken_if_unique};

/// An author with their count of published posts.
#[derive(Debug, Clone, FromRow)]
pub struct AuthorRecord {
    pub id: Uuid,
    pub slug: String,
    pub display_name: String,
    pub email: String,
    pub bio: String,
    pub avatar_url: String,
    pub website_url: String,
    pub role: i16,
    pub post_count: i64,
    pub version: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

/// The writable fields of an author.
#[derive(Debug, Clone)]
pub struct AuthorProfile {
    pub slug: String,
    pub display_name: String,
    pub email: String,
    pub bio: String,
    pub avatar_url: String,
    pub website_url: String,
    pub role: i16,
}

const SELECT: &str = "SELECT a.id, a.slug, a.display_name, a.email, a.bio, a.avatar_url, a.website_url, a.role,
        a.version, a.create_time, a.update_time,
        (SELECT count(*) FROM posts p WHERE p.author_id = a.id AND p.status = 3 AND p.kind = 1) AS post_count
    FROM authors a ";

/// Reads an author by id.
#[tracing::instrument(name = "db.authors.get_by_id", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn get_by_id(conn: &mut PgConnection, id: Uuid) -> Result<AuthorRecord, StoreError> {
    let sql = format!("{SELECT} WHERE a.id = $1");
    Ok(sqlx::query_as::<_, AuthorRecord>(&sql)
        .bind(id)
        .fetch_one(conn)
        .await?)
}

/// Reads an author by slug.
#[tracing::instrument(name = "db.authors.get_by_slug", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn get_by_slug(conn: &mut PgConnection, slug: &str) -> Result<AuthorRecord, StoreError> {
    let sql = format!("{SELECT} WHERE a.slug = $1");
    Ok(sqlx::query_as::<_, AuthorRecord>(&sql)
        .bind(slug)
        .fetch_one(conn)
        .await?)
}

/// Lists authors by display name after the keyset position (lower-case name, id).
#[tracing::instrument(name = "db.authors.list", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn list(
    conn: &mut PgConnection,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> Result<Vec<AuthorRecord>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE ($1::text IS NULL OR (lower(a.display_name), a.id) > ($1, $2))
         ORDER BY lower(a.display_name), a.id LIMIT $3"
    );
    Ok(sqlx::query_as::<_, AuthorRecord>(&sql)
        .bind(after.as_ref().map(|(name, _)| name.as_str()))
        .bind(after.as_ref().map(|(_, id)| *id))
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

fn taken(error: sqlx::Error) -> StoreError {
    match taken_if_unique(error, "authors_slug_key", "author.slug") {
        StoreError::Database(error) => taken_if_unique(error, "authors_email_key", "author.email"),
        other => other,
    }
}

/// Inserts an author.
#[tracing::instrument(name = "db.authors.insert", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    profile: &AuthorProfile,
    password_hash: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO authors (id, slug, display_name, email, password_hash, bio, avatar_url, website_url, role)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(&profile.slug)
    .bind(&profile.display_name)
    .bind(&profile.email)
    .bind(password_hash)
    .bind(&profile.bio)
    .bind(&profile.avatar_url)
    .bind(&profile.website_url)
    .bind(profile.role)
    .execute(conn)
    .await
    .map_err(taken)?;
    Ok(())
}

/// Locks an author and reads them.
#[tracing::instrument(name = "db.authors.lock", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<AuthorRecord, StoreError> {
    sqlx::query("SELECT 1 FROM authors WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    get_by_id(conn, id).await
}

/// Writes a locked author's profile, and their password when given.
#[tracing::instrument(name = "db.authors.update", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    profile: &AuthorProfile,
    password_hash: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE authors SET slug = $2, display_name = $3, email = $4, bio = $5, avatar_url = $6, website_url = $7,
             role = $8, password_hash = COALESCE($9, password_hash), version = version + 1, update_time = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(&profile.slug)
    .bind(&profile.display_name)
    .bind(&profile.email)
    .bind(&profile.bio)
    .bind(&profile.avatar_url)
    .bind(&profile.website_url)
    .bind(profile.role)
    .bind(password_hash)
    .execute(conn)
    .await
    .map_err(taken)?;
    Ok(())
}

/// The id, role and password hash of the author with `email`, for signing in.
#[tracing::instrument(name = "db.authors.credentials_by_email", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn credentials_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> Result<Option<(Uuid, i16, String)>, StoreError> {
    Ok(
        sqlx::query_as(
            "SELECT id, role, password_hash FROM authors WHERE lower(email) = lower($1)",
        )
        .bind(email)
        .fetch_optional(conn)
        .await?,
    )
}

/// Whether any author exists (first-start bootstrap).
#[tracing::instrument(name = "db.authors.any_exist", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn any_exist(conn: &mut PgConnection) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM authors)")
        .fetch_one(conn)
        .await?)
}
