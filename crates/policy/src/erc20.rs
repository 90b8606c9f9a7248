//! ERC-20 calls that grant or move spend authority, and the amount each one spends.
//!
//! `approve` and `increaseAllowance` count like `transfer`: an allowance given to a spender the
//! session key controls is money out of the account (threat 2). `transferFrom` counts too: the
//! account spending an allowance someone gave it is still the session spending. Calls are read
//! only in their exact canonical form (fixed length, clean address words); anything else is
//! refused, not guessed at.

use alloy_primitives::U256;

use crate::word::{u256, word_as_address, word_at};

/// `transfer(address,uint256)`.
pub const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// `transferFrom(address,address,uint256)`.
pub const TRANSFER_FROM: [u8; 4] = [0x23, 0xb8, 0x72, 0xdd];
/// `approve(address,uint256)`.
pub const APPROVE: [u8; 4] = [0x09, 0x5e, 0xa7, 0xb3];
/// `increaseAllowance(address,uint256)`.
pub const INCREASE_ALLOWANCE: [u8; 4] = [0x39, 0x50, 0x93, 0x51];

/// A spend selector whose calldata is not exactly its canonical encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MalformedSpend;

/// The spend a call makes on its target token: `Ok(None)` for calls that spend nothing,
/// `Ok(Some(amount))` for a spend call, `Err(MalformedSpend)` for a spend selector with
/// non-canonical calldata.
pub fn spend_amount(calldata: &[u8]) -> Result<Option<U256>, MalformedSpend> {
    let Some(selector) = calldata.get(..4) else {
        return Ok(None);
    };
    let address_words = match selector {
        s if s == TRANSFER || s == APPROVE || s == INCREASE_ALLOWANCE => 1,
        s if s == TRANSFER_FROM => 2,
        _ => return Ok(None),
    };
    let words = address_words + 1;
    if calldata.len() != 4 + 32 * words {
        return Err(MalformedSpend);
    }
    for i in 0..address_words {
        let w = word_at(calldata, 4 + 32 * i).ok_or(MalformedSpend)?;
        word_as_address(w).ok_or(MalformedSpend)?;
    }
    let amount = word_at(calldata, 4 + 32 * address_words).ok_or(MalformedSpend)?;
    Ok(Some(u256(amount)))
}
