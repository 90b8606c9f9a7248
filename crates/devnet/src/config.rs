//! Chain parameters.

use alloy_primitives::Address;

/// nitro-devnode's chain id.
pub const DEFAULT_CHAIN_ID: u64 = 412_346;

/// Arbitrum's block gas limit (2^50), so block limits never get in a test's way.
pub const ARBITRUM_BLOCK_GAS_LIMIT: u64 = 1 << 50;

/// Parameters of a [`crate::Devnet`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevnetConfig {
    /// `block.chainid`.
    pub chain_id: u64,
    /// `block.basefee` in wei; transactions pay exactly this gas price. 0 (the default) lets
    /// unfunded accounts send transactions.
    pub base_fee: u64,
    /// `block.gaslimit`.
    pub block_gas_limit: u64,
    /// `block.coinbase`.
    pub coinbase: Address,
    /// Initial `block.number`.
    pub block_number: u64,
    /// Initial `block.timestamp`.
    pub timestamp: u64,
    /// The ArbOS version whose Stylus pricing applies. From [`ARBOS_RECENT_PROGRAMS`] a call to
    /// a program among the 32 most recently called in the same block pays the cached entry
    /// cost. Programs are otherwise uncached until [`crate::Devnet::cache_program`] places them
    /// in the cache (ArbWasmCache's stand-in).
    pub arbos_version: u64,
}

/// The first ArbOS version in which a block's recently called programs count as cached (nitro
/// 24731b57 "Enable fixed RecentWasms behind Arbos60"; before it the list never hit).
pub const ARBOS_RECENT_PROGRAMS: u64 = 60;
/// Programs a block remembers as recently called (`BlockCacheSize`, `arbos/programs/params.go`).
pub const RECENT_PROGRAMS: usize = 32;

impl Default for DevnetConfig {
    fn default() -> Self {
        Self {
            chain_id: DEFAULT_CHAIN_ID,
            base_fee: 0,
            block_gas_limit: ARBITRUM_BLOCK_GAS_LIMIT,
            coinbase: Address::ZERO,
            block_number: 1,
            timestamp: 1_700_000_000,
            arbos_version: ARBOS_RECENT_PROGRAMS,
        }
    }
}
