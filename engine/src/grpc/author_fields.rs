//! Reading the writable fields of an `Author` message (for create, and for
//! update through a field mask) into a stored profile, with every violation
//! collected against its request path.

use quire_proto::v1;

use super::update_mask::UpdateMask;
use crate::auth::Role;
use crate::domain::{
    BIO_MAX, DISPLAY_NAME_MAX, EMAIL_MAX, FieldViolations, PASSWORD_MAX, PASSWORD_MIN, Slug,
    URL_MAX, check_email, check_optional_url, check_text,
};
use crate::store::authors::{AuthorProfile, AuthorRecord};

/// The paths an update mask may name.
pub const PROFILE_PATHS: [&str; 7] = [
    "slug",
    "display_name",
    "email",
    "bio",
    "avatar_url",
    "website_url",
    "role",
];

pub fn check_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&length) {
        return Err(format!(
            "must be {PASSWORD_MIN} to {PASSWORD_MAX} characters"
        ));
    }
    Ok(())
}

pub fn profile_of(record: &AuthorRecord) -> AuthorProfile {
    AuthorProfile {
        slug: record.slug.clone(),
        display_name: record.display_name.clone(),
        email: record.email.clone(),
        bio: record.bio.clone(),
        avatar_url: record.avatar_url.clone(),
        website_url: record.website_url.clone(),
        role: record.role,
    }
}

pub fn public_profile_changed(before: &AuthorRecord, after: &AuthorRecord) -> bool {
    before.slug != after.slug
        || before.display_name != after.display_name
        || before.bio != after.bio
        || before.avatar_url != after.avatar_url
        || before.website_url != after.website_url
}

pub fn apply_profile(
    author: &v1::Author,
    paths: &UpdateMask<'_>,
    profile: &mut AuthorProfile,
    violations: &mut FieldViolations,
) {
    let has = |path: &str| paths.has(path);
    if has("slug")
        && let Some(slug) = violations.check("author.slug", Slug::parse(&author.slug))
    {
        profile.slug = slug.into_string();
    }
    if has("display_name")
        && violations
            .check(
                "author.display_name",
                check_text(author.display_name.trim(), true, DISPLAY_NAME_MAX),
            )
            .is_some()
    {
        profile.display_name = author.display_name.trim().to_owned();
    }
    if has("email")
        && violations
            .check(
                "author.email",
                check_email(author.email.trim(), true, EMAIL_MAX),
            )
            .is_some()
    {
        profile.email = author.email.trim().to_owned();
    }
    if has("bio")
        && violations
            .check("author.bio", check_text(&author.bio, false, BIO_MAX))
            .is_some()
    {
        profile.bio = author.bio.clone();
    }
    if has("avatar_url")
        && violations
            .check(
                "author.avatar_url",
                check_optional_url(&author.avatar_url, URL_MAX),
            )
            .is_some()
    {
        profile.avatar_url = author.avatar_url.clone();
    }
    if has("website_url")
        && violations
            .check(
                "author.website_url",
                check_optional_url(&author.website_url, URL_MAX),
            )
            .is_some()
    {
        profile.website_url = author.website_url.clone();
    }
    if has("role") {
        match author.role {
            0 => {}
            number => match Role::from_number(number) {
                Some(role) => profile.role = role as i16,
                None => violations.add("author.role", "is not a known AuthorRole"),
            },
        }
    }
}
