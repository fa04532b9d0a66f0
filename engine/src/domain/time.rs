//! Times on the wire (`google.protobuf.Timestamp`) and back.

use chrono::{DateTime, Utc};
use prost_types::Timestamp;

/// A timestamp on the wire.
pub fn timestamp(time: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: time.timestamp(),
        nanos: time.timestamp_subsec_nanos() as i32,
    }
}

/// A wire timestamp as a time; `None` when out of range.
pub fn from_timestamp(timestamp: &Timestamp) -> Option<DateTime<Utc>> {
    u32::try_from(timestamp.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(timestamp.seconds, nanos))
}
