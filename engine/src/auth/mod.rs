//! Who is calling, and what they may do.
//!
//! Internal services call with API keys that carry [`Scope`]s; authors call
//! with session tokens from `Authenticate` and act within their role. Every
//! handler resolves its [`Caller`] first, then asks [`policy`] before acting.

mod authenticator;
mod caller;
mod error;
mod password;
pub mod policy;
mod secrets;
mod sign_in;

pub use authenticator::Authenticator;
pub use caller::{Caller, Role, Scope};
pub use error::{AuthError, AuthResult};
pub use password::{NO_PASSWORD, hash_password, verify_password};
pub use secrets::{Secret, SecretKind, digest};
pub use sign_in::{SignedIn, hash_in_background, sign_in, unlock};
