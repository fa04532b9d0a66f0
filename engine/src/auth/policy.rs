//! What each caller may do. Handlers ask here before acting; the web only
//! hides what a role cannot do, the engine enforces it.

use uuid::Uuid;

use super::caller::{Caller, Role, Scope};
use super::error::{AuthError, AuthResult};

fn denied(message: &str) -> AuthError {
    AuthError::PermissionDenied(message.to_owned())
}

/// Reading published content, tags, authors and approved comments.
pub fn read_published(caller: &Caller) -> AuthResult<()> {
    match caller {
        Caller::Author { .. } => Ok(()),
        _ if [
            Scope::ContentRead,
            Scope::ContentWrite,
            Scope::CommentsCreate,
            Scope::CommentsModerate,
        ]
        .iter()
        .any(|scope| caller.has_scope(*scope)) =>
        {
            Ok(())
        }
        _ => Err(denied(
            "this credential may not read content (needs the content:read scope)",
        )),
    }
}

/// Seeing a post that is not published: drafts, scheduled, archived.
pub fn may_see_unpublished(caller: &Caller, post_author: Uuid) -> bool {
    match caller {
        Caller::Service { .. } => caller.has_scope(Scope::ContentWrite),
        Caller::Author { id, role, .. } => *role >= Role::Editor || *id == post_author,
    }
}

/// Whether the caller may see at least some unpublished posts (so a post
/// hidden from readers is worth looking up for them).
pub fn may_see_some_unpublished(caller: &Caller) -> bool {
    match caller {
        Caller::Service { .. } => caller.has_scope(Scope::ContentWrite),
        Caller::Author { .. } => true,
    }
}

/// Listing unpublished posts: services with write access see all; authors
/// see all (editors) or their own (`Some(author)` restricts the listing).
pub fn unpublished_listing_scope(caller: &Caller) -> AuthResult<Option<Uuid>> {
    match caller {
        Caller::Service { .. } if caller.has_scope(Scope::ContentWrite) => Ok(None),
        Caller::Service { .. } => Err(denied(
            "listing unpublished posts needs the content:write scope",
        )),
        Caller::Author { role, .. } if *role >= Role::Editor => Ok(None),
        Caller::Author { id, .. } => Ok(Some(*id)),
    }
}

/// Writing content at all (previews, own drafts).
pub fn write_content(caller: &Caller) -> AuthResult<()> {
    match caller {
        Caller::Author { .. } => Ok(()),
        _ if caller.has_scope(Scope::ContentWrite) => Ok(()),
        _ => Err(denied("writing content needs the content:write scope")),
    }
}

/// Changing a media item `uploader` uploaded (its description); deleting
/// it when `deleting`.
pub fn change_media(caller: &Caller, uploader: Option<Uuid>, deleting: bool) -> AuthResult<()> {
    match caller {
        Caller::Service { .. } if deleting && caller.has_scope(Scope::Admin) => Ok(()),
        Caller::Service { .. } if deleting => Err(denied("deleting media needs the admin scope")),
        Caller::Service { .. } if caller.has_scope(Scope::ContentWrite) => Ok(()),
        Caller::Service { .. } => Err(denied("changing media needs the content:write scope")),
        Caller::Author { role, .. } if *role >= Role::Editor => Ok(()),
        Caller::Author { id, .. } if Some(*id) == uploader => Ok(()),
        Caller::Author { .. } => Err(denied("you may only change media you uploaded")),
    }
}

/// Creating a post for `author`.
pub fn create_post(caller: &Caller, author: Uuid) -> AuthResult<()> {
    match caller {
        Caller::Service { .. } if caller.has_scope(Scope::ContentWrite) => Ok(()),
        Caller::Service { .. } => Err(denied("creating posts needs the content:write scope")),
        Caller::Author { role, .. } if *role >= Role::Editor => Ok(()),
        Caller::Author { id, .. } if *id == author => Ok(()),
        Caller::Author { .. } => Err(denied(
            "only editors and admins may write posts for other authors",
        )),
    }
}

/// Editing or deleting a post by `post_author` that is in `is_draft` state.
pub fn edit_post(caller: &Caller, post_author: Uuid, is_draft: bool) -> AuthResult<()> {
    match caller {
        Caller::Service { .. } if caller.has_scope(Scope::ContentWrite) => Ok(()),
        Caller::Service { .. } => Err(denied("changing posts needs the content:write scope")),
        Caller::Author { role, .. } if *role >= Role::Editor => Ok(()),
        Caller::Author { id, .. } if *id != post_author => {
            Err(denied("you may only change your own posts"))
        }
        Caller::Author {
            role: Role::Contributor,
            ..
        } if !is_draft => Err(denied("contributors may only change their own drafts")),
        Caller::Author { .. } => Ok(()),
    }
}

/// Publishing, scheduling or withdrawing a post by `post_author`.
pub fn publish_post(caller: &Caller, post_author: Uuid) -> AuthResult<()> {
    match caller {
        Caller::Service { .. } if caller.has_scope(Scope::ContentWrite) => Ok(()),
        Caller::Service { .. } => Err(denied("publishing needs the content:write scope")),
        Caller::Author { role, .. } if *role >= Role::Editor => Ok(()),
        Caller::Author {
            role: Role::Contributor,
            ..
        } => Err(denied("contributors may not publish; ask an editor")),
        Caller::Author { id, .. } if *id == post_author => Ok(()),
        Caller::Author { .. } => Err(denied("you may only publish your own posts")),
    }
}

/// Creating and updating tags.
pub fn manage_tags(caller: &Caller) -> AuthResult<()> {
    match caller {
        Caller::Service { .. } if caller.has_scope(Scope::Admin) => Ok(()),
        Caller::Author { role, .. } if *role >= Role::Editor => Ok(()),
        _ => Err(denied(
            "managing tags needs the admin scope or an editor's session",
        )),
    }
}

/// Creating authors and changing roles.
pub fn manage_authors(caller: &Caller) -> AuthResult<()> {
    match caller {
        Caller::Service { .. } if caller.has_scope(Scope::Admin) => Ok(()),
        Caller::Author {
            role: Role::Admin, ..
        } => Ok(()),
        _ => Err(denied(
            "managing authors needs the admin scope or an admin's session",
        )),
    }
}

/// Updating `author`'s profile (not the role).
pub fn update_author_profile(caller: &Caller, author: Uuid) -> AuthResult<()> {
    if caller.author_id() == Some(author) {
        return Ok(());
    }
    manage_authors(caller)
}

/// Whether the caller may see an author's private fields: the email address
/// and the role (who the admins are is nobody else's business).
pub fn may_see_private_fields(caller: &Caller, author: Uuid) -> bool {
    caller.author_id() == Some(author) || manage_authors(caller).is_ok()
}

/// Whether the caller may see tags no published post uses (those only
/// drafts name, which may give away what is in preparation).
pub fn may_see_unused_tags(caller: &Caller) -> bool {
    write_content(caller).is_ok()
}

/// Submitting a reader comment.
pub fn create_comment(caller: &Caller) -> AuthResult<()> {
    match caller {
        Caller::Author { .. } => Ok(()),
        _ if caller.has_scope(Scope::CommentsCreate) => Ok(()),
        _ => Err(denied(
            "submitting comments needs the comments:create scope",
        )),
    }
}

/// Seeing the moderation queue and moderating.
pub fn moderate_comments(caller: &Caller) -> AuthResult<()> {
    match caller {
        Caller::Service { .. } if caller.has_scope(Scope::CommentsModerate) => Ok(()),
        Caller::Author { role, .. } if *role >= Role::Editor => Ok(()),
        _ => Err(denied(
            "moderating comments needs the comments:moderate scope or an editor's session",
        )),
    }
}

/// Following the change stream.
pub fn watch_changes(caller: &Caller) -> AuthResult<()> {
    read_published(caller)
}

/// Whether the change stream shows `caller` changes to content readers
/// cannot see (drafts, scheduled posts): only to those who may see all of
/// it, as for reads.
pub fn watch_unpublished_changes(caller: &Caller) -> bool {
    match caller {
        Caller::Service { .. } => caller.has_scope(Scope::ContentWrite),
        Caller::Author { role, .. } => *role >= Role::Editor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn author(role: Role) -> (Caller, Uuid) {
        let id = Uuid::new_v4();
        (
            Caller::Author {
                id,
                role,
                session_digest: vec![],
            },
            id,
        )
    }

    fn service(scopes: &[Scope]) -> Caller {
        Caller::Service {
            key_id: Uuid::new_v4(),
            scopes: scopes.to_vec(),
        }
    }

    #[test]
    fn a_contributor_edits_own_drafts_only() {
        let (caller, me) = author(Role::Contributor);
        assert!(edit_post(&caller, me, true).is_ok());
        assert!(edit_post(&caller, me, false).is_err());
        assert!(edit_post(&caller, Uuid::new_v4(), true).is_err());
    }

    #[test]
    fn a_contributor_cannot_publish_even_own_posts() {
        let (caller, me) = author(Role::Contributor);
        assert!(publish_post(&caller, me).is_err());
    }

    #[test]
    fn an_editor_publishes_anyones_post() {
        let (caller, _) = author(Role::Editor);
        assert!(publish_post(&caller, Uuid::new_v4()).is_ok());
    }

    #[test]
    fn a_read_only_key_cannot_write_or_moderate() {
        let caller = service(&[Scope::ContentRead]);
        assert!(read_published(&caller).is_ok());
        assert!(create_post(&caller, Uuid::new_v4()).is_err());
        assert!(moderate_comments(&caller).is_err());
        assert!(!may_see_unpublished(&caller, Uuid::new_v4()));
    }

    #[test]
    fn the_admin_scope_implies_every_other() {
        let caller = service(&[Scope::Admin]);
        assert!(create_post(&caller, Uuid::new_v4()).is_ok());
        assert!(manage_authors(&caller).is_ok());
        assert!(moderate_comments(&caller).is_ok());
    }

    #[test]
    fn a_comment_key_may_submit_but_not_moderate() {
        let caller = service(&[Scope::CommentsCreate]);
        assert!(create_comment(&caller).is_ok());
        assert!(moderate_comments(&caller).is_err());
    }
}
