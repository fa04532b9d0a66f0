//! Types that parse, so that everything past the API edge holds valid values:
//! a [`Slug`] is always URL-safe, an [`Etag`] always a version, a
//! [`PageToken`] always a position that this server issued.

mod deadline;
mod etag;
mod field_violations;
mod limits;
mod page_token;
mod slug;
mod text;
mod time;

pub use deadline::{call_deadline, parse_grpc_timeout, with_deadline};
pub use etag::Etag;
pub use field_violations::{FieldViolation, FieldViolations};
pub use limits::*;
pub use page_token::{Cursor, PageToken, page_size, skip};
pub use slug::Slug;
pub use text::{check_email, check_optional_url, check_text, name_key, parse_uuid};
pub use time::{from_timestamp, timestamp};
