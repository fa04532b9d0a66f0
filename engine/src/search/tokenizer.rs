//! How text becomes search terms: words, and overlapping character pairs
//! for scripts written without spaces.
//!
//! Chinese and Japanese put no spaces between words, and a dictionary
//! segmenter would add tens of megabytes of dictionaries to every replica.
//! Indexing each run of such characters as overlapping pairs (bigrams, as
//! Lucene's CJK analyzer does) finds any word of two or more characters: the
//! query is split the same way, and its pairs must appear side by side.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};

/// The analyzer of every text field: words lower-cased, stop words dropped,
/// stemmed in the site's language.
pub const STEMMED: &str = "quire_stemmed";

/// Longest term kept, in bytes: longer runs are not words anyone types.
const MAX_TERM_BYTES: usize = 64;

/// The analyzer for the site's language (registered as [`STEMMED`]).
pub fn stemmed(language: Language) -> TextAnalyzer {
    let builder = TextAnalyzer::builder(WordsAndPairs)
        .filter(RemoveLongFilter::limit(MAX_TERM_BYTES))
        .filter(LowerCaser)
        .dynamic();
    let builder = match StopWordFilter::new(language) {
        Some(stop_words) => builder.filter_dynamic(stop_words),
        None => builder,
    };
    builder.filter_dynamic(Stemmer::new(language)).build()
}

/// Words as typed, lower-cased but neither stemmed nor filtered: what a
/// prefix or a typo is matched from.
pub fn raw() -> TextAnalyzer {
    TextAnalyzer::builder(WordsAndPairs)
        .filter(RemoveLongFilter::limit(MAX_TERM_BYTES))
        .filter(LowerCaser)
        .build()
}

/// Whether `c` belongs to a script written without spaces between words.
pub fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // Hiragana, Katakana
        | 0x31F0..=0x31FF   // Katakana phonetic extensions
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0xFF66..=0xFF9F   // half-width Katakana
        | 0x20000..=0x2FA1F // CJK extensions B onwards
    )
}

/// Splits text into words (runs of letters, digits and joining marks) and,
/// within runs of [`is_unspaced`] characters, overlapping pairs (a run of
/// one character is one term).
#[derive(Clone, Default)]
pub struct WordsAndPairs;

impl Tokenizer for WordsAndPairs {
    type TokenStream<'a> = Terms<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Terms<'a> {
        Terms {
            text,
            cursor: 0,
            pair_from: None,
            token: Token::default(),
        }
    }
}

/// The terms of one text, found as they are asked for (one buffer reused).
pub struct Terms<'a> {
    text: &'a str,
    /// Where scanning resumes.
    cursor: usize,
    /// Inside a run of unspaced characters: where the next pair starts.
    pair_from: Option<usize>,
    token: Token,
}

impl Terms<'_> {
    fn emit(&mut self, from: usize, to: usize) -> bool {
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }
}

impl TokenStream for Terms<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some(from) = self.pair_from {
                let mut chars = self.text[from..].char_indices();
                let first = chars.next().map_or(0, |(_, c)| c.len_utf8());
                match chars.next() {
                    Some((offset, second)) if class(second) == Class::Unspaced => {
                        self.pair_from = Some(from + offset);
                        return self.emit(from, from + offset + second.len_utf8());
                    }
                    _ => {
                        self.pair_from = None;
                        self.cursor = from + first;
                        continue;
                    }
                }
            }
            let rest = &self.text[self.cursor..];
            let Some((offset, first)) =
                rest.char_indices().find(|&(_, c)| class(c) != Class::Other)
            else {
                self.cursor = self.text.len();
                return false;
            };
            let start = self.cursor + offset;
            let run = class(first);
            let end = self.text[start..]
                .char_indices()
                .find(|&(_, c)| class(c) != run)
                .map_or(self.text.len(), |(length, _)| start + length);
            if run == Class::Unspaced && end > start + first.len_utf8() {
                self.pair_from = Some(start);
                continue;
            }
            self.cursor = end;
            return self.emit(start, end);
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Word,
    Unspaced,
    Other,
}

fn class(c: char) -> Class {
    if is_unspaced(c) {
        Class::Unspaced
    } else if c.is_alphanumeric() || is_joining_mark(c) {
        Class::Word
    } else {
        Class::Other
    }
}

/// Combining marks (Devanagari vowel signs, Hebrew points…) belong to the
/// word they are written in.
fn is_joining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x0900..=0x0DFF | 0x200C..=0x200D)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(mut analyzer: TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while let Some(token) = stream.next() {
            terms.push(token.text.clone());
        }
        terms
    }

    #[test]
    fn english_words_are_lower_cased_stemmed_and_stop_words_dropped() {
        assert_eq!(
            terms(stemmed(Language::English), "The Gardens of running Foxes"),
            ["garden", "run", "fox"]
        );
    }

    #[test]
    fn chinese_and_japanese_become_overlapping_pairs() {
        assert_eq!(terms(raw(), "数据库很快"), ["数据", "据库", "库很", "很快"]);
        assert_eq!(terms(raw(), "東京タワー"), ["東京", "京タ", "タワ", "ワー"]);
        assert_eq!(terms(raw(), "猫"), ["猫"]);
        assert_eq!(terms(raw(), "猫 と犬"), ["猫", "と犬"]);
    }

    #[test]
    fn mixed_scripts_split_at_script_boundaries() {
        assert_eq!(
            terms(raw(), "Rust与PostgreSQL, café-au-lait"),
            ["rust", "与", "postgresql", "café", "au", "lait"]
        );
    }

    #[test]
    fn positions_count_terms() {
        let mut analyzer = raw();
        let mut stream = analyzer.token_stream("a 数据库 b");
        let mut positions = Vec::new();
        while let Some(token) = stream.next() {
            positions.push(token.position);
        }
        assert_eq!(positions, [0, 1, 2, 3]);
    }

    #[test]
    fn offsets_point_at_the_original_text() {
        let text = "Ab 数据库";
        let mut analyzer = raw();
        let mut stream = analyzer.token_stream(text);
        let mut spans = Vec::new();
        while let Some(token) = stream.next() {
            spans.push(&text[token.offset_from..token.offset_to]);
        }
        assert_eq!(spans, ["Ab", "数据", "据库"]);
    }

    #[test]
    fn other_languages_use_their_own_stemmer() {
        assert_eq!(terms(stemmed(Language::German), "die Häuser"), ["haus"]);
        assert_eq!(terms(stemmed(Language::Russian), "книги"), ["книг"]);
    }
}
