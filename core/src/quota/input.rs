//! What the book checks of a caller's text (ids, names, logins, emails) before any rule.

use super::partner::normalise_email;
use super::QuotaError;

/// Longest text input accepted (ids, names, logins, emails), in characters.
const MAX_TEXT: usize = 256;

pub(super) fn invalid(field: &str, reason: &str) -> QuotaError {
    QuotaError::InvalidField {
        field: field.to_string(),
        reason: reason.to_string(),
    }
}

/// Checks a text input: not empty, no surrounding spaces, no control characters, not too long.
pub(super) fn check_text(field: &str, value: &str) -> Result<(), QuotaError> {
    if value.trim().is_empty() {
        return Err(invalid(field, "is empty"));
    }
    if value.trim() != value {
        return Err(invalid(field, "has leading or trailing spaces"));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "contains control characters"));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(invalid(field, "is longer than 256 characters"));
    }
    Ok(())
}

/// Checks and normalises an email (trimmed, ASCII lower case, `local@domain`).
pub(super) fn check_email(email: &str) -> Result<String, QuotaError> {
    let norm = normalise_email(email);
    check_text("email", &norm)?;
    match norm.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            Ok(norm)
        }
        _ => Err(invalid("email", "is not of the form name@domain")),
    }
}
