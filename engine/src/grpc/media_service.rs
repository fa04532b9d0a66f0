//! quire.v1.MediaService.

use std::pin::Pin;
use std::sync::Arc;

use quire_proto::v1;
use quire_proto::v1::media_service_server::MediaService;
use quire_proto::v1::upload_media_request::Part;
use sha2::{Digest, Sha256};
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};

use super::mapping;
use super::status::{ApiError, ApiResult, not_found};
use super::update_mask::UpdateMask;
use crate::auth::{Authenticator, Caller, policy};
use crate::domain::{Etag, FieldViolations, PageToken, check_text, page_size, parse_uuid};
use crate::media::{self, CleanError, MAX_CHUNK_BYTES, MAX_UPLOAD_BYTES, worker::Worker};
use crate::store::media::{self as media_store, Described, NewItem};
use crate::store::{Store, StoreError};

/// Longest file name kept.
const FILENAME_MAX: usize = 200;
/// Longest alt text.
const ALT_TEXT_MAX: usize = 300;
/// Longest caption.
const CAPTION_MAX: usize = 500;
/// Bytes per ReadMediaFile message.
const READ_CHUNK_BYTES: usize = 256 * 1024;
/// Most posts a refused delete names.
const USERS_NAMED: i64 = 5;

/// The media API over the store.
pub struct MediaApi {
    store: Store,
    auth: Authenticator,
    worker: Arc<Worker>,
}

impl MediaApi {
    /// A media API; `worker` makes the variants of what is uploaded.
    pub fn new(store: Store, auth: Authenticator, worker: Arc<Worker>) -> Self {
        Self {
            store,
            auth,
            worker,
        }
    }

    async fn upload(
        &self,
        caller: Caller,
        mut stream: Streaming<v1::UploadMediaRequest>,
    ) -> ApiResult<v1::UploadMediaResponse> {
        policy::write_content(&caller)?;
        let header = match stream.message().await?.and_then(|message| message.part) {
            Some(Part::Header(header)) => header,
            _ => {
                return Err(ApiError::invalid(
                    "header",
                    "must be the first message of the stream",
                ));
            }
        };
        let mut violations = FieldViolations::new();
        let filename = header.filename.trim();
        violations.check("header.filename", check_text(filename, false, FILENAME_MAX));
        violations.check(
            "header.alt_text",
            check_text(&header.alt_text, false, ALT_TEXT_MAX),
        );
        violations.check(
            "header.caption",
            check_text(&header.caption, false, CAPTION_MAX),
        );
        violations.into_result()?;
        let mut upload = Vec::new();
        while let Some(message) = stream.message().await? {
            match message.part {
                Some(Part::Chunk(chunk)) if chunk.len() > MAX_CHUNK_BYTES => {
                    return Err(ApiError::invalid("chunk", "must be at most 1 MiB"));
                }
                Some(Part::Chunk(chunk)) if upload.len() + chunk.len() > MAX_UPLOAD_BYTES => {
                    return Err(ApiError::invalid(
                        "chunk",
                        "the file must be at most 25 MiB",
                    ));
                }
                Some(Part::Chunk(chunk)) => upload.extend_from_slice(&chunk),
                Some(Part::Header(_)) => {
                    return Err(ApiError::invalid("header", "must be sent once, first"));
                }
                None => return Err(ApiError::invalid("part", "is required")),
            }
        }
        if upload.is_empty() {
            return Err(ApiError::invalid("chunk", "the file is empty"));
        }
        let upload_sha256 = Sha256::digest(&upload).to_vec();
        {
            let mut conn = self.store.acquire().await?;
            if let Some(existing) = media_store::by_upload(&mut conn, &upload_sha256).await? {
                return self.answer(existing, true).await;
            }
        }
        let cleaned = match self
            .worker
            .run_upload(move || media::clean(&upload))
            .await
            .map_err(ApiError::internal)?
        {
            Ok(cleaned) => cleaned,
            Err(CleanError::Refused(refusal)) => {
                return Err(ApiError::invalid("chunk", format!("the file {refusal}")));
            }
            Err(error @ CleanError::Encode(_)) => return Err(ApiError::internal(error)),
        };
        let original_sha256 = Sha256::digest(&cleaned.bytes).to_vec();
        let uploader_id = match &caller {
            Caller::Author { id, .. } => Some(*id),
            Caller::Service { .. } => None,
        };
        let id = uuid::Uuid::new_v4();
        let mut tx = self.store.begin().await?;
        media_store::put_file(
            &mut tx,
            &original_sha256,
            cleaned.format.content_type(),
            &cleaned.bytes,
        )
        .await?;
        let inserted = media_store::insert(
            &mut tx,
            &NewItem {
                id,
                upload_sha256: &upload_sha256,
                original_sha256: &original_sha256,
                filename: if filename.is_empty() {
                    "image"
                } else {
                    filename
                },
                width: i32::try_from(cleaned.width).unwrap_or(i32::MAX),
                height: i32::try_from(cleaned.height).unwrap_or(i32::MAX),
                alt_text: &header.alt_text,
                caption: &header.caption,
                uploader_id,
                // An animation gets no variants (they would lose it).
                state: if cleaned.animated {
                    media_store::READY
                } else {
                    media_store::PROCESSING
                },
            },
        )
        .await?;
        let item = if inserted {
            media_store::get(&mut tx, id).await?
        } else {
            // A concurrent upload of the same file won.
            media_store::by_upload(&mut tx, &upload_sha256)
                .await?
                .ok_or(StoreError::Inconsistent("an upload's item vanished"))?
        };
        tx.commit().await.map_err(StoreError::from)?;
        if inserted {
            self.worker.wake();
        }
        self.answer(item, !inserted).await
    }

    async fn answer(
        &self,
        item: media_store::MediaRecord,
        existed: bool,
    ) -> ApiResult<v1::UploadMediaResponse> {
        let mut conn = self.store.acquire().await?;
        let variants = media_store::variants(&mut conn, &[item.id]).await?;
        Ok(v1::UploadMediaResponse {
            item: Some(mapping::media_item(item, &variants)),
            existed,
        })
    }

    async fn get(
        &self,
        caller: Caller,
        request: v1::GetMediaRequest,
    ) -> ApiResult<v1::GetMediaResponse> {
        policy::write_content(&caller)?;
        let id = parse_uuid(&request.id).map_err(|problem| ApiError::invalid("id", problem))?;
        let mut conn = self.store.acquire().await?;
        let item = media_store::get(&mut conn, id)
            .await
            .map_err(not_found("media item"))?;
        let variants = media_store::variants(&mut conn, &[id]).await?;
        Ok(v1::GetMediaResponse {
            item: Some(mapping::media_item(item, &variants)),
        })
    }

    async fn list(
        &self,
        caller: Caller,
        request: v1::ListMediaRequest,
    ) -> ApiResult<v1::ListMediaResponse> {
        policy::write_content(&caller)?;
        let mut violations = FieldViolations::new();
        let limit = violations
            .check("page_size", page_size(request.page_size, 50, 200))
            .unwrap_or(50);
        let after = violations
            .check(
                "page_token",
                PageToken::decode(&request.page_token, &[], 2).and_then(|cursor| {
                    cursor
                        .map(|cursor| {
                            let time = chrono::DateTime::parse_from_rfc3339(&cursor[0])
                                .map_err(|_| "is not a page token from a previous response")?;
                            let id = cursor[1]
                                .parse()
                                .map_err(|_| "is not a page token from a previous response")?;
                            Ok((time.to_utc(), id))
                        })
                        .transpose()
                        .map_err(|problem: &str| problem.to_owned())
                }),
            )
            .flatten();
        violations.into_result()?;
        let mut conn = self.store.acquire().await?;
        let mut rows = media_store::list(&mut conn, after, limit + 1).await?;
        let next_page_token = PageToken::next_page(&mut rows, limit, &[], |last| {
            vec![
                last.create_time
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                last.id.to_string(),
            ]
        });
        let ids: Vec<_> = rows.iter().map(|row| row.id).collect();
        let variants = media_store::variants(&mut conn, &ids).await?;
        Ok(v1::ListMediaResponse {
            items: rows
                .into_iter()
                .map(|row| mapping::media_item(row, &variants))
                .collect(),
            next_page_token,
        })
    }

    async fn update(
        &self,
        caller: Caller,
        request: v1::UpdateMediaRequest,
    ) -> ApiResult<v1::UpdateMediaResponse> {
        policy::write_content(&caller)?;
        let item = request
            .item
            .ok_or_else(|| ApiError::invalid("item", "is required"))?;
        let id = parse_uuid(&item.id).map_err(|problem| ApiError::invalid("item.id", problem))?;
        let mut violations = FieldViolations::new();
        let paths = UpdateMask::parse(
            request.update_mask.as_ref(),
            &["alt_text", "caption", "focal_point"],
            true,
            &mut violations,
        );
        if paths.has("alt_text") {
            violations.check(
                "item.alt_text",
                check_text(&item.alt_text, false, ALT_TEXT_MAX),
            );
        }
        if paths.has("caption") {
            violations.check(
                "item.caption",
                check_text(&item.caption, false, CAPTION_MAX),
            );
        }
        if paths.has("focal_point")
            && let Some(point) = &item.focal_point
        {
            for (field, value) in [
                ("item.focal_point.x", point.x),
                ("item.focal_point.y", point.y),
            ] {
                if !(0.0..=1.0).contains(&value) {
                    violations.add(field, "must be between 0 and 1");
                }
            }
        }
        let etag = violations
            .check("item.etag", Etag::parse_optional(&item.etag))
            .flatten();
        violations.into_result()?;
        let mut tx = self.store.begin().await?;
        let current = media_store::get(&mut tx, id)
            .await
            .map_err(not_found("media item"))?;
        policy::change_media(&caller, current.uploader_id, false)?;
        if etag.is_some_and(|etag| etag.version() != current.revision) {
            return Err(ApiError::StaleEtag);
        }
        let described = Described {
            alt_text: if paths.has("alt_text") {
                item.alt_text.trim()
            } else {
                &current.alt_text
            },
            caption: if paths.has("caption") {
                item.caption.trim()
            } else {
                &current.caption
            },
            focal: if paths.has("focal_point") {
                item.focal_point.as_ref().map(|point| (point.x, point.y))
            } else {
                current.focal_x.zip(current.focal_y)
            },
        };
        media_store::describe(&mut tx, id, current.revision, &described).await?;
        if described.alt_text != current.alt_text {
            // Posts showing the item without alt text of their own show this.
            let path = crate::media::path(&current.original_sha256, "");
            crate::store::posts::mark_render_stale(&mut tx, &path).await?;
        }
        let updated = media_store::get(&mut tx, id).await?;
        let variants = media_store::variants(&mut tx, &[id]).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(v1::UpdateMediaResponse {
            item: Some(mapping::media_item(updated, &variants)),
        })
    }

    async fn delete(
        &self,
        caller: Caller,
        request: v1::DeleteMediaRequest,
    ) -> ApiResult<v1::DeleteMediaResponse> {
        policy::write_content(&caller)?;
        let mut violations = FieldViolations::new();
        let id = violations.check("id", parse_uuid(&request.id));
        let etag = violations
            .check("etag", Etag::parse_optional(&request.etag))
            .flatten();
        violations.into_result()?;
        let id = id.ok_or_else(|| ApiError::invalid("id", "is required"))?;
        let mut tx = self.store.begin().await?;
        let current = media_store::get(&mut tx, id)
            .await
            .map_err(not_found("media item"))?;
        policy::change_media(&caller, current.uploader_id, true)?;
        if etag.is_some_and(|etag| etag.version() != current.revision) {
            return Err(ApiError::StaleEtag);
        }
        // Any post, draft or published: a draft naming a deleted image would
        // show a broken one once published.
        let users = media_store::posts_using(
            &mut tx,
            &crate::media::path(&current.original_sha256, ""),
            USERS_NAMED,
        )
        .await?;
        if !users.is_empty() {
            return Err(ApiError::FailedPrecondition(format!(
                "the item is used by posts ({}); remove it from them first",
                users.join(", ")
            )));
        }
        media_store::delete(&mut tx, id, current.revision).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(v1::DeleteMediaResponse {})
    }

    async fn read_file(
        &self,
        caller: Caller,
        request: v1::ReadMediaFileRequest,
    ) -> ApiResult<Vec<v1::ReadMediaFileResponse>> {
        policy::read_published(&caller)?;
        let (sha256, name) = crate::media::parse_path(&request.path).ok_or_else(|| {
            ApiError::invalid("path", "is not a media path (/media/{sha256}/{name})")
        })?;
        let mut conn = self.store.acquire().await?;
        let file = media_store::file(&mut conn, &sha256, name)
            .await
            .map_err(not_found("media file"))?;
        let byte_size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
        let mut info = Some(v1::MediaFileInfo {
            content_type: file.content_type,
            byte_size,
        });
        Ok(file
            .bytes
            .chunks(READ_CHUNK_BYTES)
            .map(|chunk| v1::ReadMediaFileResponse {
                info: info.take(),
                chunk: chunk.to_vec(),
            })
            .collect())
    }
}

/// UploadMedia's HTTP/2 path, which the server's call deadline knows.
pub const UPLOAD_PATH: &str = "/quire.v1.MediaService/UploadMedia";

type FileStream = Pin<Box<dyn Stream<Item = Result<v1::ReadMediaFileResponse, Status>> + Send>>;

#[tonic::async_trait]
impl MediaService for MediaApi {
    async fn upload_media(
        &self,
        request: Request<Streaming<v1::UploadMediaRequest>>,
    ) -> Result<Response<v1::UploadMediaResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.upload(caller, request.into_inner()).await?,
        ))
    }

    async fn get_media(
        &self,
        request: Request<v1::GetMediaRequest>,
    ) -> Result<Response<v1::GetMediaResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(self.get(caller, request.into_inner()).await?))
    }

    async fn list_media(
        &self,
        request: Request<v1::ListMediaRequest>,
    ) -> Result<Response<v1::ListMediaResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.list(caller, request.into_inner()).await?,
        ))
    }

    async fn update_media(
        &self,
        request: Request<v1::UpdateMediaRequest>,
    ) -> Result<Response<v1::UpdateMediaResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.update(caller, request.into_inner()).await?,
        ))
    }

    async fn delete_media(
        &self,
        request: Request<v1::DeleteMediaRequest>,
    ) -> Result<Response<v1::DeleteMediaResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.delete(caller, request.into_inner()).await?,
        ))
    }

    type ReadMediaFileStream = FileStream;

    async fn read_media_file(
        &self,
        request: Request<v1::ReadMediaFileRequest>,
    ) -> Result<Response<FileStream>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        let messages = self.read_file(caller, request.into_inner()).await?;
        Ok(Response::new(Box::pin(tokio_stream::iter(
            messages.into_iter().map(Ok),
        ))))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_upload_path_is_the_generated_one() {
        let service = quire_proto::v1::media_service_server::SERVICE_NAME;
        assert_eq!(super::UPLOAD_PATH, format!("/{service}/UploadMedia"));
    }
}
