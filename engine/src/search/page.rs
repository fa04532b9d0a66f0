//! Collecting one page of hits: in a total order (score, then newer, then
//! id), after the previous page's last hit, counting every match, and within
//! a time budget.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::time::Instant;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED};

/// Matches scored between two checks of the deadline.
const DOCS_PER_CHECK: u32 = 512;

/// Where a hit stands in the order; greater comes first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rank {
    pub score: Score,
    pub sort_time: i64,
    pub key: u64,
}

impl Eq for Rank {}

impl Ord for Rank {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(self.sort_time.cmp(&other.sort_time))
            .then(self.key.cmp(&other.key))
    }
}

impl PartialOrd for Rank {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A page of hits, best first, and the number of matches.
#[derive(Debug, Default)]
pub struct Page {
    pub hits: Vec<(Rank, DocAddress)>,
    pub total: u64,
}

/// Collects the `limit` best hits ranked below `after`.
pub struct PageCollector {
    pub limit: usize,
    pub after: Option<Rank>,
    pub deadline: Instant,
    /// Set when the deadline passed before every match was scored.
    pub timed_out: AtomicBool,
}

impl PageCollector {
    pub fn new(limit: usize, after: Option<Rank>, deadline: Instant) -> Self {
        Self {
            limit,
            after,
            deadline,
            timed_out: AtomicBool::new(false),
        }
    }

    pub fn timed_out(&self) -> bool {
        self.timed_out.load(AtomicOrdering::Relaxed)
    }
}

pub struct SegmentPage {
    segment: SegmentOrdinal,
    sort_time: Column<i64>,
    key: Column<u64>,
    limit: usize,
    after: Option<Rank>,
    best: BinaryHeap<Reverse<(Rank, DocId)>>,
    total: u64,
}

impl SegmentCollector for SegmentPage {
    type Fruit = Page;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        // The score alone mostly decides (ranks order by it first): the
        // fast fields are read only for a hit that may make the page.
        if self
            .after
            .is_some_and(|after| score.total_cmp(&after.score).is_gt())
        {
            return;
        }
        if self.best.len() >= self.limit
            && self
                .best
                .peek()
                .is_some_and(|Reverse((worst, _))| score.total_cmp(&worst.score).is_lt())
        {
            return;
        }
        let rank = Rank {
            score,
            sort_time: self.sort_time.first(doc).unwrap_or(i64::MIN),
            key: self.key.first(doc).unwrap_or(0),
        };
        if self.after.is_some_and(|after| rank >= after) {
            return;
        }
        if self.best.len() < self.limit {
            self.best.push(Reverse((rank, doc)));
        } else if let Some(Reverse((worst, _))) = self.best.peek()
            && rank > *worst
        {
            self.best.pop();
            self.best.push(Reverse((rank, doc)));
        }
    }

    fn harvest(self) -> Page {
        let segment = self.segment;
        Page {
            hits: self
                .best
                .into_iter()
                .map(|Reverse((rank, doc))| (rank, DocAddress::new(segment, doc)))
                .collect(),
            total: self.total,
        }
    }
}

impl Collector for PageCollector {
    type Fruit = Page;
    type Child = SegmentPage;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentPage> {
        let fast = reader.fast_fields();
        Ok(SegmentPage {
            segment,
            sort_time: fast.i64("sort_time")?,
            key: fast.u64("key")?,
            limit: self.limit,
            after: self.after,
            best: BinaryHeap::with_capacity(self.limit + 1),
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, pages: Vec<Page>) -> tantivy::Result<Page> {
        let mut merged = Page::default();
        for page in pages {
            merged.total += page.total;
            merged.hits.extend(page.hits);
        }
        merged.hits.sort_by_key(|hit| Reverse(hit.0));
        merged.hits.truncate(self.limit);
        Ok(merged)
    }

    /// Scores the segment's matches one by one, so that the deadline can
    /// stop a query that would take too long.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Page> {
        let mut page = self.for_segment(segment, reader)?;
        if self.timed_out() {
            return Ok(page.harvest());
        }
        let alive = reader.alive_bitset();
        let mut scorer = weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        let mut scored = 0u32;
        while doc != TERMINATED {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                page.collect(doc, scorer.score());
            }
            scored += 1;
            if scored.is_multiple_of(DOCS_PER_CHECK) && Instant::now() > self.deadline {
                self.timed_out.store(true, AtomicOrdering::Relaxed);
                break;
            }
            doc = scorer.advance();
        }
        Ok(page.harvest())
    }
}
