//! The gRPC surface: one file per service, mapping and status codes in their
//! own files.

pub mod admission;
mod author_fields;
pub mod author_service;
pub mod change_service;
pub mod comment_service;
mod idempotent;
pub(crate) mod mapping;
pub mod media_service;
pub(crate) mod post_fields;
mod post_queries;
mod post_search;
pub mod post_service;
pub mod status;
pub mod tag_service;
pub mod transport_status;
mod update_mask;

pub use idempotent::Writes;
/// A post record as the API shows it (what a search hit answers with).
pub use mapping::post as post_message;
pub use post_search::Search;
