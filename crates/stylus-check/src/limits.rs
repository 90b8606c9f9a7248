//! Numeric limits of Stylus activation and deployment.

/// Largest uncompressed WASM Stylus activates: 128 KiB.
pub const MAX_WASM_BYTES: usize = 128 * 1024;

/// Largest initial memory, in 64 KiB pages.
pub const MAX_INITIAL_PAGES: u64 = 128;

/// Largest contract code Arbitrum stores (EIP-170): prefix, dictionary byte and brotli stream.
pub const MAX_DEPLOYED_CODE: usize = 24_576;

/// Bytes in front of the brotli stream: `EF F0 00` and the dictionary byte.
pub const DEPLOYED_HEADER_BYTES: usize = STYLUS_PREFIX.len() + 1;

/// Largest brotli-compressed WASM that still fits in [`MAX_DEPLOYED_CODE`]; the product's
/// default for `stylus-check --max-compressed`.
pub const MAX_COMPRESSED_WASM: usize = MAX_DEPLOYED_CODE - DEPLOYED_HEADER_BYTES;

/// Magic prefix marking contract code as a Stylus program.
pub const STYLUS_PREFIX: [u8; 3] = [0xEF, 0xF0, 0x00];

/// Dictionary byte for "no dictionary".
pub const DICTIONARY_EMPTY: u8 = 0x00;

/// Brotli quality cargo-stylus compresses with.
pub const BROTLI_QUALITY: u32 = 11;

/// Brotli window (log2 of its size) cargo-stylus compresses with.
pub const BROTLI_WINDOW: u32 = 22;
