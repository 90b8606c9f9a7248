//! The contract code Arbitrum stores for a Stylus program:
//! `EF F0 00` ‖ dictionary byte ‖ brotli(wasm).

use std::io::Read;

use brotli::enc::BrotliEncoderParams;

use crate::error::ActivationError;
use crate::limits::{
    BROTLI_QUALITY, BROTLI_WINDOW, DEPLOYED_HEADER_BYTES, DICTIONARY_EMPTY, MAX_WASM_BYTES,
    STYLUS_PREFIX,
};

/// Compresses `wasm` with brotli at quality 11, window 22, the settings cargo-stylus uses.
///
/// # Panics
///
/// Never in practice: the encoder reads a slice and writes a `Vec`, neither of which can fail,
/// and its own failure is only possible with invalid parameters, which are constants here.
pub fn compress_wasm(wasm: &[u8]) -> Vec<u8> {
    let params = BrotliEncoderParams {
        quality: BROTLI_QUALITY as i32,
        lgwin: BROTLI_WINDOW as i32,
        ..BrotliEncoderParams::default()
    };
    let mut input = wasm;
    let mut compressed = Vec::with_capacity(wasm.len() / 3 + 64);
    if let Err(error) = brotli::BrotliCompress(&mut input, &mut compressed, &params) {
        unreachable!("in-memory brotli compression failed: {error}");
    }
    compressed
}

/// The deployable contract code of `wasm`: `EF F0 00` ‖ `00` (empty dictionary) ‖ brotli(wasm).
///
/// Its length is `4 + compress_wasm(wasm).len()`; compare it with
/// [`crate::MAX_DEPLOYED_CODE`]. This does not run the activation check.
pub fn deployable_code(wasm: &[u8]) -> Vec<u8> {
    let compressed = compress_wasm(wasm);
    let mut code = Vec::with_capacity(DEPLOYED_HEADER_BYTES + compressed.len());
    code.extend_from_slice(&STYLUS_PREFIX);
    code.push(DICTIONARY_EMPTY);
    code.extend_from_slice(&compressed);
    code
}

/// EVM init code whose constructor returns `code` verbatim as the new contract's code:
/// `PUSH4 len DUP1 PUSH1 14 PUSH1 0 CODECOPY PUSH1 0 RETURN ‖ code`.
///
/// A CREATE with this init code stores exactly `code`, so the contract's `EXTCODEHASH` is
/// `keccak256(code)` — what a pinned code hash (the module's ERC-1271 program) is checked
/// against. cargo-stylus's own deployer re-encodes the WASM first, so its code hash differs.
pub fn returning_initcode(code: &[u8]) -> Vec<u8> {
    // Codes longer than u32::MAX cannot be deployed anyway (EIP-170 and Arbitrum's limits are
    // far below); saturating keeps this total and the CREATE then fails on the size limit.
    let len = u32::try_from(code.len()).unwrap_or(u32::MAX).to_be_bytes();
    let mut initcode = vec![
        0x63, len[0], len[1], len[2], len[3], // PUSH4 len
        0x80,   // DUP1
        0x60, 0x0e, // PUSH1 14 (this header's length)
        0x60, 0x00, // PUSH1 0
        0x39, // CODECOPY
        0x60, 0x00, // PUSH1 0
        0xf3, // RETURN
    ];
    initcode.extend_from_slice(code);
    initcode
}

/// Whether contract code carries the Stylus prefix `EF F0 00` (any dictionary byte).
pub fn is_stylus_code(code: &[u8]) -> bool {
    code.len() >= DEPLOYED_HEADER_BYTES && code.starts_with(&STYLUS_PREFIX)
}

/// Recovers the WASM from deployable code, checking the prefix and the dictionary byte and
/// refusing to inflate past [`crate::MAX_WASM_BYTES`].
pub fn decompress_deployable(code: &[u8]) -> Result<Vec<u8>, ActivationError> {
    if !is_stylus_code(code) {
        return Err(ActivationError::NotStylusCode {
            prefix: code.iter().take(DEPLOYED_HEADER_BYTES).copied().collect(),
        });
    }
    let dictionary = code[STYLUS_PREFIX.len()];
    if dictionary != DICTIONARY_EMPTY {
        return Err(ActivationError::UnsupportedDictionary { byte: dictionary });
    }
    let compressed = &code[DEPLOYED_HEADER_BYTES..];
    let cap = u64::try_from(MAX_WASM_BYTES).map_or(u64::MAX, |limit| limit + 1);
    let mut wasm = Vec::new();
    brotli::Decompressor::new(compressed, 4096)
        .take(cap)
        .read_to_end(&mut wasm)
        .map_err(|_| ActivationError::CorruptCompression {
            compressed_bytes: compressed.len(),
        })?;
    if wasm.len() > MAX_WASM_BYTES {
        return Err(ActivationError::DecompressedTooLarge {
            limit: MAX_WASM_BYTES,
        });
    }
    Ok(wasm)
}
