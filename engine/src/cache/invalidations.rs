//! The newest change applied to each cache tag, for judging whether a
//! cached value may still be served.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use super::envelope::Cached;
use crate::changes::cache_tags::ALL;

/// Cache tag → newest change sequence that listed it.
///
/// Entries live a little longer than a Redis entry can, so any change that
/// could make a stored value stale is still remembered while that value
/// exists.
#[derive(Clone)]
pub struct InvalidationLog {
    tags: moka::sync::Cache<String, i64>,
    all: Arc<AtomicI64>,
}

impl InvalidationLog {
    /// A log that remembers changes for `retention`.
    pub fn new(retention: Duration) -> Self {
        Self {
            tags: moka::sync::Cache::builder().time_to_live(retention).build(),
            all: Arc::new(AtomicI64::new(0)),
        }
    }

    /// Records that change `sequence` listed `tag`.
    pub fn record(&self, tag: &str, sequence: i64) {
        if tag == ALL {
            self.all.fetch_max(sequence, Ordering::AcqRel);
            return;
        }
        let newest = self
            .tags
            .get(tag)
            .map_or(sequence, |known| known.max(sequence));
        self.tags.insert(tag.to_owned(), newest);
    }

    /// Whether no applied change is newer than the value in `cached`.
    pub fn is_fresh(&self, cached: &Cached) -> bool {
        if self.all.load(Ordering::Acquire) > cached.fill_seq {
            return false;
        }
        cached.tags.iter().all(|tag| {
            self.tags
                .get(tag)
                .is_none_or(|changed| changed <= cached.fill_seq)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fill_seq: i64) -> Cached {
        Cached {
            fill_seq,
            tags: vec!["post:1".into(), "slug:a".into()],
            payload: None,
        }
    }

    #[test]
    fn an_entry_filled_after_the_last_change_is_fresh() {
        let log = InvalidationLog::new(Duration::from_secs(60));
        log.record("post:1", 5);
        assert!(log.is_fresh(&entry(5)));
        assert!(log.is_fresh(&entry(9)));
    }

    #[test]
    fn a_change_to_any_tag_of_the_entry_makes_it_stale() {
        let log = InvalidationLog::new(Duration::from_secs(60));
        log.record("slug:a", 7);
        assert!(!log.is_fresh(&entry(6)));
        log.record("post:2", 9);
        assert!(log.is_fresh(&entry(7)));
    }

    #[test]
    fn an_all_tag_change_makes_every_older_entry_stale() {
        let log = InvalidationLog::new(Duration::from_secs(60));
        log.record(ALL, 4);
        assert!(!log.is_fresh(&entry(3)));
        assert!(log.is_fresh(&entry(4)));
    }
}
