//! Addresses as people paste them: `0x` + 40 hex digits, all lower case, all upper case, or
//! mixed case that must then be a correct EIP-55 checksum (a mistyped checksummed address is
//! refused rather than silently accepted).

use alloy_primitives::Address;

/// Why text is not an address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Not 0x + 40 hex digits.
    #[error("`{0}` is not an address (0x followed by 40 hex digits)")]
    Malformed(String),
    /// Mixed case that is not the EIP-55 checksum.
    #[error(
        "`{0}` has a wrong EIP-55 checksum (mistyped?); write it all lower case to skip the check"
    )]
    Checksum(String),
}

/// Parses an address, checking the EIP-55 checksum when the text is mixed case.
///
/// # Errors
/// [`AddressError`].
pub fn parse_address(text: &str) -> Result<Address, AddressError> {
    let t = text.trim();
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .ok_or_else(|| AddressError::Malformed(t.to_owned()))?;
    if digits.len() != 40 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AddressError::Malformed(t.to_owned()));
    }
    let address: Address = digits
        .parse()
        .map_err(|_| AddressError::Malformed(t.to_owned()))?;
    let has_lower = digits.chars().any(|c| c.is_ascii_lowercase());
    let has_upper = digits.chars().any(|c| c.is_ascii_uppercase());
    if has_lower && has_upper && address.to_checksum(None)[2..] != *digits {
        return Err(AddressError::Checksum(t.to_owned()));
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_and_checksummed_refuses_bad_checksums() {
        let good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        let a = parse_address(good).unwrap();
        assert_eq!(parse_address(&good.to_lowercase()).unwrap(), a);
        assert_eq!(
            parse_address(&format!("0x{}", good[2..].to_uppercase())).unwrap(),
            a
        );
        let bad = "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        assert_eq!(
            parse_address(bad),
            Err(AddressError::Checksum(bad.to_owned()))
        );
        for m in [
            "",
            "0x",
            "0x1234",
            "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "0xZZaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        ] {
            assert!(
                matches!(parse_address(m), Err(AddressError::Malformed(_))),
                "{m}"
            );
        }
    }
}
