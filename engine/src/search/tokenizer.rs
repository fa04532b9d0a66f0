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
    type TokenStream<'a> = Terms;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Terms {
        Terms {
            tokens: split(text).into_iter(),
            current: Token::default(),
        }
    }
}

/// The terms of one text.
pub struct Terms {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl TokenStream for Terms {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
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

fn split(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        let run = class(c);
        let mut run_chars = Vec::new();
        let mut end = start;
        while let Some(&(offset, c)) = chars.peek() {
            if class(c) != run {
                break;
            }
            run_chars.push((offset, c));
            end = offset + c.len_utf8();
            chars.next();
        }
        match run {
            Class::Other => {}
            Class::Word => push(&mut tokens, &text[start..end], start, end),
            Class::Unspaced if run_chars.len() == 1 => {
                push(&mut tokens, &text[start..end], start, end);
            }
            Class::Unspaced => {
                for pair in run_chars.windows(2) {
                    let (from, _) = pair[0];
                    let (second, last) = pair[1];
                    let to = second + last.len_utf8();
                    push(&mut tokens, &text[from..to], from, to);
                }
            }
        }
    }
    tokens
}

fn push(tokens: &mut Vec<Token>, text: &str, offset_from: usize, offset_to: usize) {
    tokens.push(Token {
        offset_from,
        offset_to,
        position: tokens.len(),
        text: text.to_owned(),
        position_length: 1,
    });
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
    }

    #[test]
    fn mixed_scripts_split_at_script_boundaries() {
        assert_eq!(
            terms(raw(), "Rust与PostgreSQL, café-au-lait"),
            ["rust", "与", "postgresql", "café", "au", "lait"]
        );
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
