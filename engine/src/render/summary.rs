//! What a post's summary is: the excerpt shown in lists and feeds, the word
//! count, and the reading time.

/// Longest excerpt, in characters (Unicode scalar values), "…" included.
pub(super) const EXCERPT_MAX_CHARS: usize = 300;

/// Words an adult reads per minute, the usual figure for screen reading.
const WORDS_PER_MINUTE: i32 = 230;

const ELLIPSIS: char = '…';

/// Collects excerpt text as the AST is walked, collapsing whitespace on the
/// way in and ignoring everything once it has enough, so a long post costs no
/// more than a short one.
#[derive(Debug, Default)]
pub(super) struct ExcerptBuilder {
    text: String,
    chars: usize,
    /// Whitespace seen since the last word; written only before the next word,
    /// so the text never starts or ends with a space.
    pending_space: bool,
    /// The writer ended the excerpt (`<!--more-->`): nothing more is taken.
    ended: bool,
}

impl ExcerptBuilder {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// Appends text, collapsing runs of whitespace into one space.
    pub(super) fn push_str(&mut self, text: &str) {
        for c in text.chars() {
            // One character beyond the limit is kept: it tells `finish` whether
            // the cut falls between words or inside one.
            if self.chars > EXCERPT_MAX_CHARS || self.ended {
                return;
            }
            if c.is_whitespace() {
                self.pending_space = !self.text.is_empty();
                continue;
            }
            if self.pending_space {
                self.text.push(' ');
                self.chars += 1;
                self.pending_space = false;
            }
            self.text.push(c);
            self.chars += 1;
        }
    }

    /// Ends the excerpt here: the text so far is the writer's teaser.
    pub(super) fn end_at_more(&mut self) {
        self.ended = true;
    }

    /// Separates one paragraph from the next, as a space.
    pub(super) fn end_paragraph(&mut self) {
        self.push_str(" ");
    }

    /// The excerpt: the whole text when it fits, otherwise as many whole words
    /// as fit with "…" after them.
    pub(super) fn finish(self) -> String {
        if self.chars <= EXCERPT_MAX_CHARS {
            return self.text;
        }
        // Room for the ellipsis, which is one character.
        let budget = EXCERPT_MAX_CHARS - 1;
        // Byte offset of the first character that does not fit; it exists
        // because more than EXCERPT_MAX_CHARS characters were kept.
        let cut = self
            .text
            .char_indices()
            .nth(budget)
            .map_or(self.text.len(), |(offset, _)| offset);
        let (head, rest) = self.text.split_at(cut);
        let ends_between_words = rest.starts_with(' ') || head.ends_with(' ');
        let kept = match head.rfind(' ') {
            Some(space) if !ends_between_words => &head[..space],
            // A single word longer than the excerpt is cut mid-word: better
            // than an excerpt of nothing.
            _ => head,
        };
        let kept =
            kept.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':'));
        let mut excerpt = String::with_capacity(kept.len() + ELLIPSIS.len_utf8());
        excerpt.push_str(kept);
        excerpt.push(ELLIPSIS);
        excerpt
    }
}

/// Counts the words in plain text: whitespace-separated runs with at least one
/// letter or digit, so punctuation standing alone (`—`, `|`, `{`) is not a
/// word but code tokens like `x`, `42` and `fn` are.
///
/// Scripts written without spaces (Chinese, Japanese) count one word per run,
/// an undercount accepted for now.
pub(super) fn word_count(plain_text: &str) -> i32 {
    let words = plain_text
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .count();
    i32::try_from(words).unwrap_or(i32::MAX)
}

/// Minutes to read `word_count` words, rounded up.
///
/// A body with no words takes 0 minutes rather than the usual minimum of 1:
/// "1 min read" on an empty draft would be a claim about text that is not there.
pub(super) fn reading_time_minutes(word_count: i32) -> i32 {
    if word_count <= 0 {
        return 0;
    }
    // Ceiling division without overflow at i32::MAX.
    word_count / WORDS_PER_MINUTE + i32::from(word_count % WORDS_PER_MINUTE != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpt_of(paragraphs: &[&str]) -> String {
        let mut builder = ExcerptBuilder::new();
        for paragraph in paragraphs {
            builder.push_str(paragraph);
            builder.end_paragraph();
        }
        builder.finish()
    }

    #[test]
    fn short_text_is_the_excerpt_unchanged() {
        assert_eq!(excerpt_of(&["Hello world."]), "Hello world.");
    }

    #[test]
    fn whitespace_is_collapsed_and_trimmed() {
        assert_eq!(excerpt_of(&["  a \t\n b  ", "\n c "]), "a b c");
    }

    #[test]
    fn text_of_exactly_the_limit_is_not_cut() {
        let text = "a".repeat(EXCERPT_MAX_CHARS);
        assert_eq!(excerpt_of(&[&text]), text);
    }

    #[test]
    fn long_text_is_cut_at_a_word_boundary_with_an_ellipsis() {
        let text = "word ".repeat(100);
        let excerpt = excerpt_of(&[&text]);
        assert!(excerpt.chars().count() <= EXCERPT_MAX_CHARS);
        assert!(excerpt.ends_with("word…"), "{excerpt}");
        assert!(
            excerpt
                .trim_end_matches('…')
                .split(' ')
                .all(|w| w == "word"),
            "{excerpt}"
        );
    }

    #[test]
    fn a_cut_that_lands_between_words_keeps_the_last_word() {
        // 299 characters of text, then a space, then more: the budget ends
        // exactly at a word's end.
        let first = "x".repeat(EXCERPT_MAX_CHARS - 1);
        let excerpt = excerpt_of(&[&first, "more words"]);
        assert_eq!(excerpt, format!("{first}…"));
    }

    #[test]
    fn trailing_punctuation_is_dropped_before_the_ellipsis() {
        let text = format!("{}, then more", "y".repeat(EXCERPT_MAX_CHARS - 2));
        let excerpt = excerpt_of(&[&text]);
        assert_eq!(excerpt, format!("{}…", "y".repeat(EXCERPT_MAX_CHARS - 2)));
    }

    #[test]
    fn a_single_overlong_word_is_cut_mid_word() {
        let text = "z".repeat(1_000);
        let excerpt = excerpt_of(&[&text]);
        assert_eq!(excerpt.chars().count(), EXCERPT_MAX_CHARS);
        assert!(excerpt.ends_with('…'));
    }

    #[test]
    fn multibyte_text_is_cut_on_character_boundaries() {
        let text = "日本語 ".repeat(200);
        let excerpt = excerpt_of(&[&text]);
        assert!(excerpt.chars().count() <= EXCERPT_MAX_CHARS);
        assert!(excerpt.ends_with("日本語…"), "{excerpt}");
    }

    #[test]
    fn words_need_a_letter_or_digit() {
        assert_eq!(word_count("Hello, world — { x = 42 } |"), 4);
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count(" \n\t "), 0);
    }

    #[test]
    fn reading_time_rounds_up() {
        assert_eq!(reading_time_minutes(1), 1);
        assert_eq!(reading_time_minutes(230), 1);
        assert_eq!(reading_time_minutes(231), 2);
        assert_eq!(reading_time_minutes(460), 2);
    }

    #[test]
    fn reading_time_of_no_words_is_zero() {
        assert_eq!(reading_time_minutes(0), 0);
    }

    #[test]
    fn reading_time_does_not_overflow() {
        assert_eq!(reading_time_minutes(i32::MAX), i32::MAX / 230 + 1);
    }
}
