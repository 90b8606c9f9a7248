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
    /// Charge Stylus calls the cached-program init cost (352 gas) rather than the uncached one
    /// (8,832 gas). Nitro caches recently activated programs, so `true` is the default.
    pub programs_cached: bool,
}

impl Default for DevnetConfig {
    fn default() -> Self {
        Self {
            chain_id: DEFAULT_CHAIN_ID,
            base_fee: 0,
            block_gas_limit: ARBITRUM_BLOCK_GAS_LIMIT,
            coinbase: Address::ZERO,
            block_number: 1,
            timestamp: 1_700_000_000,
            programs_cached: true,
        }
    }
}
