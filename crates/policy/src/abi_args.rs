//! Strict decoding of the validator's own function arguments (the shapes its entry points take:
//! static words and one `bytes`). Like [`crate::execution`], only the canonical encoding is
//! accepted: clean address words, the one offset Solidity writes, zero padding, nothing after.
//! The contract's hand-written router uses these instead of the generic decoder (~10 KB of WASM
//! less); `tests/abi_args_differential.rs` proves them equal to alloy-sol-types on valid input.

use alloy_primitives::{Address, B256, U256};

use crate::error::ExecutionError;
use crate::word::{ceil32, padded_content, word_as_address, word_as_len, word_at};

/// Exactly `N` static words.
pub fn static_words<const N: usize>(args: &[u8]) -> Result<[B256; N], ExecutionError> {
    check_len(args, N)?;
    let mut out = [B256::ZERO; N];
    let mut rest = args;
    for word in &mut out {
        let (w, tail) = rest
            .split_first_chunk::<32>()
            .ok_or(ExecutionError::TooShort)?;
        *word = B256::new(*w);
        rest = tail;
    }
    Ok(out)
}

/// `args` is exactly `n` words long.
#[inline(never)]
fn check_len(args: &[u8], n: usize) -> Result<(), ExecutionError> {
    if args.len() < 32 * n {
        return Err(ExecutionError::TooShort);
    }
    if args.len() > 32 * n {
        return Err(ExecutionError::TrailingBytes);
    }
    Ok(())
}

/// A word as a `uint256`.
pub fn uint(w: &B256) -> U256 {
    U256::from_be_bytes(w.0)
}

/// Exactly `N` clean address words.
pub fn addresses<const N: usize>(args: &[u8]) -> Result<[Address; N], ExecutionError> {
    let mut out = [Address::ZERO; N];
    fill_addresses(args, &mut out)?;
    Ok(out)
}

/// Exactly `out.len()` clean address words, into `out` (one copy for every `N`).
#[inline(never)]
fn fill_addresses(args: &[u8], out: &mut [Address]) -> Result<(), ExecutionError> {
    check_len(args, out.len())?;
    for (o, w) in out.iter_mut().zip(args.chunks_exact(32)) {
        let w: &[u8; 32] = w.try_into().map_err(|_| ExecutionError::TooShort)?;
        *o = word_as_address(w).ok_or(ExecutionError::DirtyAddress)?;
    }
    Ok(())
}

/// A lone `bytes` argument: offset word `0x20`, length, zero-padded content, nothing after.
pub fn single_bytes(args: &[u8]) -> Result<&[u8], ExecutionError> {
    bytes_after(args, 0)
}

/// `(address, bytes32, bytes)`, as `isValidSignatureWithSender` takes: a clean address word,
/// a word, then the `bytes` at offset `0x60`, zero-padded, nothing after.
pub fn address_word_bytes(args: &[u8]) -> Result<(Address, B256, &[u8]), ExecutionError> {
    let bytes = bytes_after(args, 2)?;
    let [address] = addresses::<1>(args.get(..32).ok_or(ExecutionError::TooShort)?)?;
    let word = word_at(args, 32).ok_or(ExecutionError::TooShort)?;
    Ok((address, B256::new(*word), bytes))
}

/// The `bytes` argument after `head` static words, last in the arguments: its offset word is
/// exactly the end of the head, then length, zero-padded content, nothing after.
#[inline(never)]
fn bytes_after(args: &[u8], head: usize) -> Result<&[u8], ExecutionError> {
    let at = 32 * head;
    let offset = word_at(args, at).ok_or(ExecutionError::TooShort)?;
    if word_as_len(offset) != Some(at + 32) {
        return Err(ExecutionError::NonCanonicalOffset);
    }
    let len = word_at(args, at + 32)
        .and_then(word_as_len)
        .ok_or(ExecutionError::LengthOutOfBounds)?;
    let padded = ceil32(len).ok_or(ExecutionError::LengthOutOfBounds)?;
    let start = at + 64;
    let region = args
        .get(start..start + padded)
        .ok_or(ExecutionError::LengthOutOfBounds)?;
    let content = padded_content(region, len)?;
    if start + padded != args.len() {
        return Err(ExecutionError::TrailingBytes);
    }
    Ok(content)
}
