//! Checks for free-text fields, URLs, emails and ids.

/// How names compare when case does not matter (a tag is its name in any
/// case): Unicode lower case, the same on every database whatever its
/// collation.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Checks a text's length in characters; `required` also rejects blank text.
pub fn check_text(value: &str, required: bool, max: usize) -> Result<(), String> {
    if required && value.trim().is_empty() {
        return Err("is required".to_owned());
    }
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("must not contain control characters".to_owned());
    }
    Ok(())
}

/// Checks an optional absolute http(s) URL.
pub fn check_optional_url(value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| "must be an absolute http:// or https:// URL".to_owned())?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
    {
        return Err("must be an absolute http:// or https:// URL".to_owned());
    }
    Ok(())
}

/// Checks an email address's shape (something@domain.tld); deliverability is
/// not our business.
pub fn check_email(value: &str, required: bool, max: usize) -> Result<(), String> {
    if value.is_empty() {
        return if required {
            Err("is required".to_owned())
        } else {
            Ok(())
        };
    }
    if value.len() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let valid = match value.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err("must be an email address like name@example.com".to_owned())
    }
}

/// Parses a resource id (a UUID).
pub fn parse_uuid(value: &str) -> Result<uuid::Uuid, String> {
    if value.is_empty() {
        return Err("is required".to_owned());
    }
    uuid::Uuid::parse_str(value).map_err(|_| "must be a UUID".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_required_text_is_rejected() {
        assert!(check_text("   ", true, 10).is_err());
        assert!(check_text("", false, 10).is_ok());
    }

    #[test]
    fn text_length_counts_characters_not_bytes() {
        assert!(check_text("ééééé", true, 5).is_ok());
        assert!(check_text("éééééé", true, 5).is_err());
    }

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(check_optional_url("https://example.com/a.png", 100).is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://x",
            "https://",
            "//example.com",
            "https://a b",
        ] {
            assert!(check_optional_url(bad, 100).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_domain() {
        assert!(check_email("a@example.com", true, 254).is_ok());
        assert!(check_email("nope", true, 254).is_err());
        assert!(check_email("", false, 254).is_ok());
    }
}
