//! The stored form of a cache entry (the same bytes in memory and in Redis).

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// A cached value with what it takes to judge its freshness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    /// The change sequence applied on the filling replica before the value
    /// was read from PostgreSQL.
    pub fill_seq: i64,
    /// Cache tags the value depends on.
    pub tags: Vec<String>,
    /// The encoded message, or `None` for "not found".
    pub payload: Option<Bytes>,
}

/// 2: tags in the grammar of `changes::cache_tags` (1 held the older scope
/// names, which no change lists any more: such entries are misses).
const VERSION: u8 = 2;

impl Cached {
    /// Bytes for Redis: version, fill_seq, tag count, tags, presence flag, payload.
    pub fn encode(&self) -> Bytes {
        let payload_len = self.payload.as_ref().map_or(0, Bytes::len);
        let mut out = BytesMut::with_capacity(
            16 + payload_len + self.tags.iter().map(|s| s.len() + 2).sum::<usize>(),
        );
        out.put_u8(VERSION);
        out.put_i64(self.fill_seq);
        out.put_u16(self.tags.len() as u16);
        for tag in &self.tags {
            out.put_u16(tag.len() as u16);
            out.put_slice(tag.as_bytes());
        }
        match &self.payload {
            Some(payload) => {
                out.put_u8(1);
                out.put_slice(payload);
            }
            None => out.put_u8(0),
        }
        out.freeze()
    }

    /// Parses bytes written by [`Cached::encode`]; `None` for anything else.
    pub fn decode(mut bytes: Bytes) -> Option<Self> {
        if bytes.remaining() < 11 || bytes.get_u8() != VERSION {
            return None;
        }
        let fill_seq = bytes.get_i64();
        let count = bytes.get_u16() as usize;
        let mut tags = Vec::with_capacity(count);
        for _ in 0..count {
            if bytes.remaining() < 2 {
                return None;
            }
            let len = bytes.get_u16() as usize;
            if bytes.remaining() < len {
                return None;
            }
            tags.push(String::from_utf8(bytes.split_to(len).to_vec()).ok()?);
        }
        if bytes.remaining() < 1 {
            return None;
        }
        let payload = match bytes.get_u8() {
            1 => Some(bytes),
            0 => None,
            _ => return None,
        };
        Some(Self {
            fill_seq,
            tags,
            payload,
        })
    }

    /// Approximate memory size, for the in-process cache's byte bound.
    pub fn weight(&self) -> u32 {
        let size = 64
            + self.payload.as_ref().map_or(0, Bytes::len)
            + self.tags.iter().map(|s| s.len() + 24).sum::<usize>();
        u32::try_from(size).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_round_trips() {
        for payload in [Some(Bytes::from_static(b"\x0a\x03abc")), None] {
            let cached = Cached {
                fill_seq: 42,
                tags: vec!["post:1".into(), "slug:a".into()],
                payload,
            };
            assert_eq!(Cached::decode(cached.encode()), Some(cached));
        }
    }

    #[test]
    fn foreign_bytes_are_rejected() {
        assert_eq!(
            Cached::decode(Bytes::from_static(b"hello world, not ours")),
            None
        );
        assert_eq!(Cached::decode(Bytes::new()), None);
    }
}
