//! Ink: the unit Stylus meters WASM execution in, 10,000 ink = 1 gas.
//!
//! [`prices`] holds the opcode and host-function price tables; [`instrument`] rewrites a module
//! so that every basic block pays for itself before it runs. Host functions charge their own
//! ink (the devnet's `hostio` module).

pub mod instrument;
pub mod prices;

/// Ink per unit of EVM gas (Nitro's default ink price).
pub const INK_PER_GAS: u64 = 10_000;

/// Converts gas to ink, saturating.
pub const fn gas_to_ink(gas: u64) -> u64 {
    gas.saturating_mul(INK_PER_GAS)
}

/// Converts ink to gas, rounding down (the unspendable remainder is lost, as in Nitro).
pub const fn ink_to_gas(ink: u64) -> u64 {
    ink / INK_PER_GAS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_down_and_saturate() {
        assert_eq!(gas_to_ink(3), 30_000);
        assert_eq!(ink_to_gas(29_999), 2);
        assert_eq!(gas_to_ink(u64::MAX), u64::MAX);
    }
}
