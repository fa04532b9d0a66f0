//! Session tokens and API keys: long random secrets, shown once and stored
//! only as SHA-256 digests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Which kind of secret: the prefix lets a leaked secret be recognised (and
/// lets the engine skip a lookup for text that cannot be one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// An API key (`qk_…`).
    ApiKey,
    /// A session token (`qs_…`).
    Session,
}

impl SecretKind {
    fn prefix(self) -> &'static str {
        match self {
            SecretKind::ApiKey => "qk_",
            SecretKind::Session => "qs_",
        }
    }

    /// Which kind `text` claims to be, from its prefix.
    pub fn of(text: &str) -> Option<Self> {
        [SecretKind::ApiKey, SecretKind::Session]
            .into_iter()
            .find(|kind| text.starts_with(kind.prefix()))
    }
}

/// A freshly generated secret and its digest.
pub struct Secret {
    /// The secret itself: give it to the caller once, never store it.
    pub text: String,
    /// What to store.
    pub digest: Vec<u8>,
}

impl Secret {
    /// 256 random bits from the operating system.
    pub fn generate(kind: SecretKind) -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        let text = format!("{}{}", kind.prefix(), URL_SAFE_NO_PAD.encode(bytes));
        let digest = digest(&text);
        Ok(Self { text, digest })
    }
}

/// The stored form of a secret.
pub fn digest(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_unique_and_prefixed() {
        let a = Secret::generate(SecretKind::ApiKey).unwrap();
        let b = Secret::generate(SecretKind::ApiKey).unwrap();
        assert_ne!(a.text, b.text);
        assert_eq!(SecretKind::of(&a.text), Some(SecretKind::ApiKey));
        assert_eq!(a.digest, digest(&a.text));
    }
}
