//! Big-endian helpers over 32-byte ABI words and packed storage words.

use alloy_primitives::{Address, B256, U256};

use crate::error::ExecutionError;

/// The 32-byte word starting at `offset`, or `None` when `data` is too short.
#[inline]
pub(crate) fn word_at(data: &[u8], offset: usize) -> Option<&[u8; 32]> {
    let end = offset.checked_add(32)?;
    data.get(offset..end)?.try_into().ok()
}

/// A word read as a length or offset: the value must fit in 32 bits, so that every later
/// addition stays far from `usize` overflow on a 32-bit target.
#[inline]
pub(crate) fn word_as_len(w: &[u8; 32]) -> Option<usize> {
    if w[..28].iter().any(|b| *b != 0) {
        return None;
    }
    Some(u32::from_be_bytes([w[28], w[29], w[30], w[31]]) as usize)
}

/// A word read as an address; `None` when any of the 12 high bytes is set ("dirty" address).
#[inline]
pub(crate) fn word_as_address(w: &[u8; 32]) -> Option<Address> {
    if w[..12].iter().any(|b| *b != 0) {
        return None;
    }
    Some(Address::from_slice(&w[12..]))
}

/// `n` rounded up to a multiple of 32, `None` on overflow.
#[inline]
pub(crate) fn ceil32(n: usize) -> Option<usize> {
    n.checked_add(31).map(|x| x & !31)
}

/// The first `len` bytes of `region` (an ABI `bytes` body padded to a whole number of words),
/// after checking the padding is zero. Written with checked splits, as every on-chain decoder
/// here: an index the compiler cannot prove in bounds would link a panic path and its
/// formatting code into the program that every call loads.
pub(crate) fn padded_content(region: &[u8], len: usize) -> Result<&[u8], ExecutionError> {
    let (content, padding) = region
        .split_at_checked(len)
        .ok_or(ExecutionError::LengthOutOfBounds)?;
    if padding.iter().any(|b| *b != 0) {
        return Err(ExecutionError::DirtyPadding);
    }
    Ok(content)
}

/// Reads `N` big-endian bytes at `at` of a word into a `u128` (N ≤ 16). One shared copy:
/// inlined, every field of every packed word would carry its own loop.
#[inline(never)]
pub(crate) fn be_uint(w: &B256, at: usize, n: usize) -> u128 {
    // Offsets are the layout's constants (tests run with debug assertions); a checked slice
    // instead of an index keeps the panic path out of the on-chain program.
    debug_assert!(at + n <= 32 && n <= 16);
    let mut out = 0u128;
    for b in w.get(at..at + n).unwrap_or_default() {
        out = (out << 8) | *b as u128;
    }
    out
}

/// Writes the low `n` bytes of `v` big-endian at `at` (one shared copy, as [`be_uint`]).
#[inline(never)]
pub(crate) fn put_be_uint(w: &mut B256, at: usize, n: usize, mut v: u128) {
    debug_assert!(at + n <= 32 && n <= 16);
    for b in w.get_mut(at..at + n).unwrap_or_default().iter_mut().rev() {
        *b = v as u8;
        v >>= 8;
    }
}

/// `U256` from a 32-byte big-endian word.
#[inline]
pub(crate) fn u256(w: &[u8; 32]) -> U256 {
    U256::from_be_bytes(*w)
}

/// `U256` from a `u128`, built from limbs (no generic conversion code).
#[inline]
pub fn u256_from_u128(v: u128) -> U256 {
    U256::from_limbs([v as u64, (v >> 64) as u64, 0, 0])
}

/// The low 128 bits of `v` (callers know it is below a `u128` bound); avoids ruint's
/// panicking conversion, whose message formatting costs kilobytes of WASM.
pub(crate) fn low_u128(v: &U256) -> u128 {
    let l = v.as_limbs();
    ((l[1] as u128) << 64) | l[0] as u128
}
