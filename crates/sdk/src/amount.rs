//! Amounts as people write them: `100`, `0x64`, `100e18`, `1.5 ether`, `20 gwei`, and the explicit
//! word `unlimited` where a cap may be lifted.
//!
//! Parsing is alloy's (`DynSolType::coerce_str`), so the syntax is the one `cast` and alloy users
//! know; this module only adds the bit-width checks the record needs (caps are `u128` or below
//! 2^248), so an amount that would overflow its field is refused instead of truncated.

use alloy_dyn_abi::{DynSolType, DynSolValue};
use alloy_primitives::U256;
use sessionkey_policy::record::{Limit, TokenLimit};

/// The word that lifts a cap.
pub const UNLIMITED: &str = "unlimited";

/// Why an amount is not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Empty text.
    #[error("empty amount")]
    Empty,
    /// Not a number alloy can read.
    #[error("`{text}` is not an amount (use e.g. 100, 0x64, 100e18, 1.5 ether)")]
    Invalid {
        /// The text.
        text: String,
    },
    /// A number that does not fit the field.
    #[error("`{text}` does not fit in {bits} bits (at most {max})")]
    TooLarge {
        /// The text.
        text: String,
        /// Width of the field.
        bits: usize,
        /// Largest accepted value.
        max: U256,
    },
    /// `unlimited` where no cap can be lifted.
    #[error("`unlimited` is not accepted here")]
    UnlimitedNotAllowed,
}

/// The largest value of `bits` bits.
pub fn max_of(bits: usize) -> U256 {
    if bits >= 256 {
        U256::MAX
    } else {
        (U256::from(1) << bits) - U256::from(1)
    }
}

/// An unsigned amount that must fit in `bits` bits (1..=256).
pub fn parse_uint(text: &str, bits: usize) -> Result<U256, AmountError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AmountError::Empty);
    }
    let too_large = || AmountError::TooLarge {
        text: trimmed.to_owned(),
        bits,
        max: max_of(bits),
    };
    let value = match DynSolType::Uint(256).coerce_str(trimmed) {
        Ok(DynSolValue::Uint(v, _)) => v,
        // alloy reports 256-bit overflow as an error of its own: say it in our words.
        Err(e) if e.to_string().contains("too large") => return Err(too_large()),
        _ => {
            return Err(AmountError::Invalid {
                text: trimmed.to_owned(),
            })
        }
    };
    if value > max_of(bits) {
        return Err(too_large());
    }
    Ok(value)
}

/// An unsigned amount that must fit in a `u128`.
pub fn parse_u128(text: &str) -> Result<u128, AmountError> {
    let v = parse_uint(text, 128)?;
    Ok(v.to::<u128>())
}

/// A wei cap of the record (`u128`), or `unlimited`.
pub fn parse_limit(text: &str) -> Result<Limit, AmountError> {
    if text.trim().eq_ignore_ascii_case(UNLIMITED) {
        return Ok(Limit::Unlimited);
    }
    parse_u128(text).map(Limit::Limited)
}

/// A token cap (below 2^248), or `unlimited`.
pub fn parse_token_limit(text: &str) -> Result<TokenLimit, AmountError> {
    if text.trim().eq_ignore_ascii_case(UNLIMITED) {
        return Ok(TokenLimit::Unlimited);
    }
    parse_uint(text, 248).map(TokenLimit::Limited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_notations() {
        let e18 = U256::from(10u128.pow(18));
        for (text, want) in [
            ("100", U256::from(100)),
            ("0x64", U256::from(100)),
            ("100e18", U256::from(100) * e18),
            ("1.5 ether", U256::from(15) * e18 / U256::from(10)),
            ("20 gwei", U256::from(20_000_000_000u64)),
            (" 7 ", U256::from(7)),
        ] {
            assert_eq!(parse_uint(text, 256).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn refuses_what_does_not_fit() {
        assert!(matches!(
            parse_uint("256", 8),
            Err(AmountError::TooLarge { bits: 8, .. })
        ));
        assert!(matches!(
            parse_uint("1e80", 256),
            Err(AmountError::TooLarge { bits: 256, .. })
        ));
        assert!(matches!(
            parse_u128("340282366920938463463374607431768211456"),
            Err(AmountError::TooLarge { bits: 128, .. })
        ));
        assert!(matches!(
            parse_uint("-1", 256),
            Err(AmountError::Invalid { .. })
        ));
        assert!(matches!(
            parse_uint("ten", 256),
            Err(AmountError::Invalid { .. })
        ));
        assert_eq!(parse_uint("", 256), Err(AmountError::Empty));
    }

    #[test]
    fn unlimited_only_when_spelled_out() {
        assert_eq!(parse_limit("unlimited").unwrap(), Limit::Unlimited);
        assert_eq!(parse_limit("0").unwrap(), Limit::Limited(0));
        assert_eq!(
            parse_token_limit("UNLIMITED").unwrap(),
            TokenLimit::Unlimited
        );
        let two_pow_248 = format!("{:#x}", U256::from(1) << 248);
        assert!(matches!(
            parse_token_limit(&two_pow_248),
            Err(AmountError::TooLarge { bits: 248, .. })
        ));
        let max = format!("{:#x}", (U256::from(1) << 248) - U256::from(1));
        assert!(parse_token_limit(&max).is_ok());
    }
}
