//! The identity behind a call.

use uuid::Uuid;

/// A permission carried by an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Read published content and follow changes.
    ContentRead,
    /// Create, edit, publish and delete any content (implies reading drafts).
    ContentWrite,
    /// Submit reader comments (the web tier's reader-facing key).
    CommentsCreate,
    /// Moderate comments.
    CommentsModerate,
    /// Everything, including tags and authors.
    Admin,
}

impl Scope {
    /// Every scope, for listings and help texts.
    pub const ALL: [Scope; 5] = [
        Scope::ContentRead,
        Scope::ContentWrite,
        Scope::CommentsCreate,
        Scope::CommentsModerate,
        Scope::Admin,
    ];

    /// The scope's name as stored and typed (`content:read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ContentRead => "content:read",
            Scope::ContentWrite => "content:write",
            Scope::CommentsCreate => "comments:create",
            Scope::CommentsModerate => "comments:moderate",
            Scope::Admin => "admin",
        }
    }

    /// Parses a scope name.
    pub fn parse(name: &str) -> Result<Self, String> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<_> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "unknown scope `{name}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// An author's role (the numbers of quire.v1.AuthorRole).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Writes own drafts.
    Contributor = 1,
    /// Also publishes own posts.
    Author = 2,
    /// Edits and publishes anyone's posts, tags, comments.
    Editor = 3,
    /// Everything.
    Admin = 4,
}

impl Role {
    /// From the stored / wire number.
    pub fn from_number(number: i32) -> Option<Self> {
        match number {
            1 => Some(Role::Contributor),
            2 => Some(Role::Author),
            3 => Some(Role::Editor),
            4 => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Caller {
    /// An internal service with an API key.
    Service {
        /// The key's id, for logs.
        key_id: Uuid,
        /// What the key may do.
        scopes: Vec<Scope>,
    },
    /// A signed-in author.
    Author {
        /// The author's id.
        id: Uuid,
        /// The author's role.
        role: Role,
        /// Digest of the session token (to end the session on sign-out).
        session_digest: Vec<u8>,
    },
}

impl Caller {
    /// Whether an API key carries `scope` (admin carries all).
    pub fn has_scope(&self, scope: Scope) -> bool {
        matches!(self, Caller::Service { scopes, .. } if scopes.contains(&scope) || scopes.contains(&Scope::Admin))
    }

    /// The author's id, for sessions.
    pub fn author_id(&self) -> Option<Uuid> {
        match self {
            Caller::Author { id, .. } => Some(*id),
            Caller::Service { .. } => None,
        }
    }

    /// The author's role, for sessions.
    pub fn role(&self) -> Option<Role> {
        match self {
            Caller::Author { role, .. } => Some(*role),
            Caller::Service { .. } => None,
        }
    }
}
