//! Strict decoding of the account's ERC-7579 `execute(bytes32 mode, bytes executionCalldata)`.
//!
//! ERC-7579: mode byte 0 is the call type (0x00 single, 0x01 batch, 0xFE static, 0xFF delegate),
//! byte 1 the exec type (0x00 revert, 0x01 try), bytes 2–5 unused, 6–9 mode selector, 10–31
//! mode payload. Single: `target(20) ‖ value(32) ‖ callData` packed. Batch:
//! `abi.encode(Execution[])`, `Execution { address target; uint256 value; bytes callData; }`.
//!
//! Only the one encoding Solidity's `abi.encode` produces is accepted: every offset must be the
//! canonical one, lengths in bounds, padding zero, address words clean and nothing trailing.
//! A lenient decoder would let the module check one call while the account runs another
//! (threat 4); this one leaves no second reading. `tests/execution_differential.rs` proves it
//! agrees with alloy-sol-types on every valid input.

use alloc::vec::Vec;
use alloy_primitives::{Address, U256};

use crate::error::ExecutionError;
use crate::word::{ceil32, padded_content, u256, word_as_address, word_as_len, word_at};

/// `execute(bytes32,bytes)`.
pub const EXECUTE_SELECTOR: [u8; 4] = [0xe9, 0xae, 0x5c, 0x53];
/// `executeUserOp(PackedUserOperation,bytes32)` (EntryPoint v0.7's wrapper).
pub const EXECUTE_USER_OP_SELECTOR: [u8; 4] = [0x8d, 0xd7, 0x71, 0x2f];
/// Most calls one batch may carry (bounds validation gas).
pub const MAX_BATCH: usize = 16;

/// ERC-7579 call types this module accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallType {
    /// 0x00.
    Single,
    /// 0x01.
    Batch,
}

/// One call the account will make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Execution<'a> {
    /// Callee.
    pub target: Address,
    /// Native value sent.
    pub value: U256,
    /// Calldata (selector first, or empty).
    pub calldata: &'a [u8],
}

/// Decodes `execute` calldata into the calls it makes, in order.
pub fn decode_execute(calldata: &[u8]) -> Result<(CallType, Vec<Execution<'_>>), ExecutionError> {
    let selector: [u8; 4] = calldata
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .ok_or(ExecutionError::TooShort)?;
    if selector == EXECUTE_USER_OP_SELECTOR {
        return Err(ExecutionError::ExecuteUserOpUnsupported);
    }
    if selector != EXECUTE_SELECTOR {
        return Err(ExecutionError::UnknownSelector(selector));
    }
    let args = &calldata[4..];
    let mode = word_at(args, 0).ok_or(ExecutionError::TooShort)?;
    let call_type = match mode[0] {
        0x00 => CallType::Single,
        0x01 => CallType::Batch,
        other => return Err(ExecutionError::UnsupportedCallType(other)),
    };
    if mode[1] != 0x00 {
        return Err(ExecutionError::UnsupportedExecType(mode[1]));
    }
    if mode[2..].iter().any(|b| *b != 0) {
        return Err(ExecutionError::NonDefaultMode);
    }
    let offset = word_at(args, 32).ok_or(ExecutionError::TooShort)?;
    if word_as_len(offset) != Some(64) {
        return Err(ExecutionError::NonCanonicalOffset);
    }
    let data = bytes_at(args, 64)?;
    let calls = match call_type {
        CallType::Single => alloc::vec![decode_single(data)?],
        CallType::Batch => decode_batch(data)?,
    };
    Ok((call_type, calls))
}

/// `target(20) ‖ value(32) ‖ callData`.
fn decode_single(data: &[u8]) -> Result<Execution<'_>, ExecutionError> {
    if data.len() < 52 {
        return Err(ExecutionError::SingleTooShort);
    }
    Ok(Execution {
        target: Address::from_slice(&data[..20]),
        value: U256::from_be_slice(&data[20..52]),
        calldata: &data[52..],
    })
}

/// `abi.encode(Execution[])`, canonical only.
fn decode_batch(data: &[u8]) -> Result<Vec<Execution<'_>>, ExecutionError> {
    let head = word_at(data, 0).ok_or(ExecutionError::TooShort)?;
    if word_as_len(head) != Some(32) {
        return Err(ExecutionError::NonCanonicalOffset);
    }
    let n = word_at(data, 32)
        .and_then(word_as_len)
        .ok_or(ExecutionError::LengthOutOfBounds)?;
    if n == 0 {
        return Err(ExecutionError::EmptyBatch);
    }
    if n > MAX_BATCH {
        return Err(ExecutionError::BatchTooLarge(n));
    }
    // Element offsets are relative to the start of the array's content (after its length).
    let base = 64;
    let mut expected = 32 * n;
    let mut calls = Vec::with_capacity(n);
    for i in 0..n {
        let off = word_at(data, base + 32 * i)
            .and_then(word_as_len)
            .ok_or(ExecutionError::LengthOutOfBounds)?;
        if off != expected {
            return Err(ExecutionError::NonCanonicalOffset);
        }
        let at = base + off;
        let target = word_at(data, at).ok_or(ExecutionError::LengthOutOfBounds)?;
        let target = word_as_address(target).ok_or(ExecutionError::DirtyAddress)?;
        let value = u256(word_at(data, at + 32).ok_or(ExecutionError::LengthOutOfBounds)?);
        let inner = word_at(data, at + 64).ok_or(ExecutionError::LengthOutOfBounds)?;
        if word_as_len(inner) != Some(96) {
            return Err(ExecutionError::NonCanonicalOffset);
        }
        let (calldata, size) = bytes_span(data, at + 96)?;
        calls.push(Execution {
            target,
            value,
            calldata,
        });
        expected = off + 96 + size;
    }
    if base + expected != data.len() {
        return Err(ExecutionError::TrailingBytes);
    }
    Ok(calls)
}

/// A `bytes` value whose length word is at `at` and which must be the last thing in `data`.
fn bytes_at(data: &[u8], at: usize) -> Result<&[u8], ExecutionError> {
    let (bytes, size) = bytes_span(data, at)?;
    if at + size != data.len() {
        return Err(ExecutionError::TrailingBytes);
    }
    Ok(bytes)
}

/// A `bytes` value whose length word is at `at`: its content and the bytes the encoding takes
/// (length word + padded content). Padding must be zero.
fn bytes_span(data: &[u8], at: usize) -> Result<(&[u8], usize), ExecutionError> {
    let len = word_at(data, at)
        .and_then(word_as_len)
        .ok_or(ExecutionError::LengthOutOfBounds)?;
    let padded = ceil32(len).ok_or(ExecutionError::LengthOutOfBounds)?;
    let start = at + 32;
    let region = data
        .get(start..start + padded)
        .ok_or(ExecutionError::LengthOutOfBounds)?;
    Ok((padded_content(region, len)?, 32 + padded))
}
