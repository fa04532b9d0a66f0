//! Update masks (AIP-134): which fields of a resource an Update call sets.

use prost_types::FieldMask;

use crate::domain::FieldViolations;

/// The resolved paths of an update mask.
pub struct UpdateMask<'a>(Vec<&'a str>);

impl<'a> UpdateMask<'a> {
    /// Every updatable path (a create, or a `*` mask).
    pub fn all(updatable: &[&'a str]) -> Self {
        Self(updatable.to_vec())
    }

    /// Resolves `mask` against the `updatable` paths: `*` names them all, an
    /// unknown path is a violation of `update_mask.paths`, and an empty mask
    /// one of `update_mask` when `required`.
    pub fn parse(
        mask: Option<&'a FieldMask>,
        updatable: &[&'a str],
        required: bool,
        violations: &mut FieldViolations,
    ) -> Self {
        let paths = mask.map(|mask| mask.paths.as_slice()).unwrap_or_default();
        if paths.is_empty() {
            if required {
                violations.add(
                    "update_mask",
                    format!(
                        "is required: name the fields to update ({}), or `*` for all",
                        updatable.join(", ")
                    ),
                );
            }
            return Self(Vec::new());
        }
        if paths.iter().any(|path| path == "*") {
            return Self::all(updatable);
        }
        let mut known = Vec::new();
        for path in paths {
            match updatable.iter().find(|candidate| **candidate == path) {
                Some(candidate) => known.push(*candidate),
                None => violations.add(
                    "update_mask.paths",
                    format!(
                        "`{path}` cannot be updated; updatable fields: {}",
                        updatable.join(", ")
                    ),
                ),
            }
        }
        Self(known)
    }

    /// Whether the mask sets `path`, itself or through its parent (`seo`
    /// sets `seo.meta_title`).
    pub fn has(&self, path: &str) -> bool {
        self.0.iter().any(|named| {
            *named == path
                || path
                    .strip_prefix(named)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATHS: [&str; 3] = ["title", "seo", "seo.meta_title"];

    fn mask(paths: &[&str]) -> FieldMask {
        FieldMask {
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn a_parent_path_sets_its_children() {
        let given = mask(&["seo"]);
        let mut violations = FieldViolations::new();
        let resolved = UpdateMask::parse(Some(&given), &PATHS, true, &mut violations);
        assert!(resolved.has("seo.meta_title"));
        assert!(!resolved.has("title"));
        assert!(violations.into_result().is_ok());
    }

    #[test]
    fn unknown_and_missing_paths_are_violations() {
        let given = mask(&["title", "body"]);
        let mut violations = FieldViolations::new();
        let resolved = UpdateMask::parse(Some(&given), &PATHS, true, &mut violations);
        assert!(resolved.has("title"));
        assert!(violations.into_result().is_err());
        let mut violations = FieldViolations::new();
        assert!(!UpdateMask::parse(None, &PATHS, true, &mut violations).has("title"));
        assert!(violations.into_result().is_err());
        let mut violations = FieldViolations::new();
        let _ = UpdateMask::parse(None, &PATHS, false, &mut violations);
        assert!(violations.into_result().is_ok());
    }

    #[test]
    fn a_star_sets_everything() {
        let given = mask(&["*"]);
        let mut violations = FieldViolations::new();
        let resolved = UpdateMask::parse(Some(&given), &PATHS, true, &mut violations);
        assert!(PATHS.iter().all(|path| resolved.has(path)));
    }
}
