//! What a reader types, and the query it becomes.
//!
//! Every word must match (in any field, by stem); `"quoted words"` must match
//! as a phrase; `-word` and `-"a phrase"` exclude; `or` between two words
//! makes either enough. The last word, while it is being typed, also matches
//! as a prefix; words of 5 letters or more also match with one typo (9 or
//! more: two), ranked below exact matches.

use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::schema::Fields;
use super::tokenizer::is_unspaced;

/// Most words (and quoted phrases' words) in one query.
pub const MAX_WORDS: usize = 16;

/// Most terms the words become (a run of Chinese becomes one per character).
const MAX_TERMS: usize = 48;

/// Shortest typed prefix matched as one: shorter ones match too many words.
const MIN_PREFIX_CHARS: usize = 3;

/// A typo's weight against an exact match of the same field.
const TYPO_WEIGHT: f32 = 0.3;

/// A prefix match's weight against an exact match of the same field.
const PREFIX_WEIGHT: f32 = 0.5;

/// How much the other fields a word matches add to the best one.
const TIE_BREAKER: f32 = 0.3;

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// A word; `typing` when it is the query's last and may be unfinished.
    Word { text: String, typing: bool },
    /// Words that must appear in this order.
    Phrase(String),
}

/// A query, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Each group must match; within a group (words joined by `or`), one is
    /// enough.
    pub groups: Vec<Vec<Clause>>,
    /// None of these may match.
    pub excluded: Vec<Clause>,
}

/// Parses `text`, or says what is wrong with it.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    let mut words = 0;
    let mut join_next = false;
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let excluded = rest.starts_with('-') && rest[1..].starts_with(|c: char| !c.is_whitespace());
        if excluded {
            rest = &rest[1..];
        }
        let (clause, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let (inside, after) = quoted.split_once('"').unwrap_or((quoted, ""));
            words += inside.split_whitespace().count();
            (Clause::Phrase(inside.trim().to_owned()), after)
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let (word, after) = rest.split_at(end);
            words += 1;
            (
                Clause::Word {
                    text: word.to_owned(),
                    typing: after.is_empty(),
                },
                after,
            )
        };
        rest = after.trim_start();
        if words > MAX_WORDS {
            return Err(format!("must have at most {MAX_WORDS} words"));
        }
        let is_or = matches!(&clause, Clause::Word { text, typing: false } if text.eq_ignore_ascii_case("or"));
        if excluded {
            parsed.excluded.push(clause);
        } else if is_or && !parsed.groups.is_empty() && !rest.is_empty() {
            join_next = true;
        } else if join_next {
            parsed
                .groups
                .last_mut()
                .expect("a group before `or`")
                .push(clause);
            join_next = false;
        } else {
            parsed.groups.push(vec![clause]);
        }
    }
    if parsed.groups.is_empty() {
        return Err(if parsed.excluded.is_empty() {
            "must not be empty".to_owned()
        } else {
            "needs a word to look for, not only words to exclude".to_owned()
        });
    }
    Ok(parsed)
}

/// The analyzers a query is read with.
pub(super) struct Analyzers {
    pub stemmed: TextAnalyzer,
    pub raw: TextAnalyzer,
}

/// A term of the query: its stem, its typed form, its position.
struct QueryTerm {
    position: usize,
    stem: String,
    typed: String,
}

impl Analyzers {
    /// The terms of `text`: stems (stop words dropped) with the typed forms
    /// they came from.
    fn terms(&mut self, text: &str) -> Vec<QueryTerm> {
        let mut raw = Vec::new();
        let mut stream = self.raw.token_stream(text);
        while let Some(token) = stream.next() {
            raw.push((token.offset_from, token.text.clone()));
        }
        let mut terms = Vec::new();
        let mut stream = self.stemmed.token_stream(text);
        while let Some(token) = stream.next() {
            let typed = raw
                .iter()
                .find(|(offset, _)| *offset == token.offset_from)
                .map_or_else(|| token.text.clone(), |(_, typed)| typed.clone());
            terms.push(QueryTerm {
                position: token.position,
                stem: token.text.clone(),
                typed,
            });
        }
        terms
    }
}

/// The query for `parsed` over `fields`, or `None` when nothing in it can
/// match (only stop words); `Err` when it has too many terms. `indexed`
/// says whether the index holds a (stemmed) word as it is.
pub(super) fn build(
    parsed: &Parsed,
    fields: &Fields,
    analyzers: &mut Analyzers,
    indexed: &dyn Fn(&str) -> bool,
) -> Result<Option<Box<dyn Query>>, String> {
    let mut budget = MAX_TERMS;
    let mut occurs: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for group in &parsed.groups {
        let mut alternatives = Vec::new();
        for clause in group {
            if let Some(query) =
                clause_query(clause, fields, analyzers, Some(indexed), &mut budget)?
            {
                alternatives.push((Occur::Should, query));
            }
        }
        match alternatives.len() {
            0 => {}
            1 => occurs.push((Occur::Must, alternatives.remove(0).1)),
            _ => occurs.push((Occur::Must, Box::new(BooleanQuery::new(alternatives)))),
        }
    }
    if occurs.is_empty() {
        return Ok(None);
    }
    for clause in &parsed.excluded {
        if let Some(query) = clause_query(clause, fields, analyzers, None, &mut budget)? {
            occurs.push((Occur::MustNot, query));
        }
    }
    Ok(Some(Box::new(BooleanQuery::new(occurs))))
}

/// The query of one clause in every weighted field; with `loose`, a word also
/// matches while typed as a prefix and, unless the index holds it as it is
/// (then it is no typo: a spell checker's rule, which spares a common word the
/// costliest part of its query), with typos.
fn clause_query(
    clause: &Clause,
    fields: &Fields,
    analyzers: &mut Analyzers,
    loose: Option<&dyn Fn(&str) -> bool>,
    budget: &mut usize,
) -> Result<Option<Box<dyn Query>>, String> {
    let (text, typing, phrase) = match clause {
        Clause::Word { text, typing } => (text.as_str(), *typing, false),
        Clause::Phrase(text) => (text.as_str(), false, true),
    };
    let terms = analyzers.terms(text);
    if terms.len() > *budget {
        return Err(format!(
            "is too long: at most {MAX_TERMS} terms (a character of Chinese or Japanese is one)"
        ));
    }
    *budget -= terms.len();
    let loose = match (loose, terms.as_slice()) {
        (Some(indexed), [term]) if !phrase => Some(Loose {
            typos: !indexed(&term.stem),
            typing,
        }),
        _ => None,
    };
    let mut disjuncts: Vec<Box<dyn Query>> = Vec::new();
    for (field, weight) in fields.weighted() {
        match terms.as_slice() {
            [] => {}
            [term] => {
                disjuncts.push(boosted(exact(field, &term.stem), weight));
                if let Some(loose) = loose {
                    loose_matches(field, weight, term, loose, &mut disjuncts);
                }
            }
            // A word the analyzer splits (`e-mail`, a run of Chinese) is a
            // phrase of its parts, as is a quoted phrase.
            many => {
                let first = many[0].position;
                let positioned = many
                    .iter()
                    .map(|term| {
                        (
                            term.position - first,
                            Term::from_field_text(field, &term.stem),
                        )
                    })
                    .collect();
                disjuncts.push(boosted(
                    Box::new(PhraseQuery::new_with_offset(positioned)),
                    weight,
                ));
            }
        }
    }
    Ok(match disjuncts.len() {
        0 => None,
        _ => Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
            disjuncts,
            TIE_BREAKER,
        ))),
    })
}

fn exact(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn boosted(query: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, weight))
}

/// Which loose matches a word gets besides its exact one.
#[derive(Clone, Copy)]
struct Loose {
    /// Matches with typos (the index does not hold the word as it is).
    typos: bool,
    /// Matches as a prefix (the word is still being typed).
    typing: bool,
}

/// Typo and prefix matches of one word.
fn loose_matches(
    field: Field,
    weight: f32,
    term: &QueryTerm,
    Loose { typos, typing }: Loose,
    disjuncts: &mut Vec<Box<dyn Query>>,
) {
    let letters = term.typed.chars().count();
    let unspaced = term.typed.chars().any(is_unspaced);
    if typos
        && !unspaced
        && let Some(distance) = typos_allowed(letters)
    {
        let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, &term.stem), distance, true);
        disjuncts.push(boosted(Box::new(fuzzy), weight * TYPO_WEIGHT));
    }
    if typing && (letters >= MIN_PREFIX_CHARS || unspaced) {
        let prefix =
            FuzzyTermQuery::new_prefix(Term::from_field_text(field, &term.typed), 0, false);
        disjuncts.push(boosted(Box::new(prefix), weight * PREFIX_WEIGHT));
    }
}

/// Edits a word of `letters` letters may be away from the one meant.
fn typos_allowed(letters: usize) -> Option<u8> {
    match letters {
        0..=4 => None,
        5..=8 => Some(1),
        _ => Some(2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, typing: bool) -> Clause {
        Clause::Word {
            text: text.to_owned(),
            typing,
        }
    }

    #[test]
    fn words_phrases_exclusions_and_or_groups() {
        let parsed = parse(r#"rust "connection pool" -java cats or dogs"#).unwrap();
        assert_eq!(
            parsed.groups,
            vec![
                vec![word("rust", false)],
                vec![Clause::Phrase("connection pool".to_owned())],
                vec![word("cats", false), word("dogs", true)],
            ]
        );
        assert_eq!(parsed.excluded, vec![word("java", false)]);
    }

    #[test]
    fn only_the_last_word_is_being_typed() {
        let parsed = parse("rust borr").unwrap();
        assert_eq!(
            parsed.groups,
            vec![vec![word("rust", false)], vec![word("borr", true)]]
        );
        let parsed = parse("rust borr ").unwrap();
        assert_eq!(parsed.groups[1], vec![word("borr", false)]);
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end() {
        let parsed = parse(r#""borrow check"#).unwrap();
        assert_eq!(
            parsed.groups,
            vec![vec![Clause::Phrase("borrow check".to_owned())]]
        );
    }

    #[test]
    fn queries_of_nothing_to_find_are_refused() {
        assert!(parse("   ").is_err());
        assert!(parse("-java -coffee").unwrap_err().contains("not only"));
        let many = "word ".repeat(MAX_WORDS + 1);
        assert!(parse(&many).unwrap_err().contains("at most"));
    }

    #[test]
    fn a_lone_dash_or_or_is_a_word() {
        assert_eq!(parse("-").unwrap().groups, vec![vec![word("-", true)]]);
        assert_eq!(
            parse("- x").unwrap().groups,
            vec![vec![word("-", false)], vec![word("x", true)]]
        );
        assert_eq!(parse("or").unwrap().groups, vec![vec![word("or", true)]]);
    }

    #[test]
    fn typos_grow_with_the_word() {
        assert_eq!(typos_allowed(4), None);
        assert_eq!(typos_allowed(5), Some(1));
        assert_eq!(typos_allowed(8), Some(1));
        assert_eq!(typos_allowed(9), Some(2));
    }
}
