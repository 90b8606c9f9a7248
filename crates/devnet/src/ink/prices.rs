//! Ink prices of WASM opcodes and host functions.
//!
//! Opcode prices are the table of the Arbitrum docs page "Gas and ink costs"
//! (<https://docs.arbitrum.io/stylus/reference/opcode-hostio-pricing>, Stylus reference,
//! `docs/stylus/reference/opcode-hostio-pricing.mdx` in OffchainLabs/arbitrum-docs). Operators
//! the page does not price are charged [`UNPRICED_OPCODE_INK`], a deliberately high default.
//!
//! Host-function prices are Nitro's (OffchainLabs/nitro 6dce8d13, `crates/arbutil/src/
//! pricing.rs` and `crates/wasm-libraries/user-host-trait/src/lib.rs`): every host call pays
//! [`HOSTIO_INK`]; each fixed 32-byte word copied across the boundary pays [`PTR_INK`]; each
//! round trip into the EVM's state pays [`EVM_API_INK`]; variable-length buffers pay
//! [`write_price`] (host → WASM) or [`read_price`] (WASM → host), and keccak [`keccak_price`].

use wasmparser::Operator;

/// Cost of entering a host function.
pub const HOSTIO_INK: u64 = 8_400;
/// Cost of copying one 32-byte word (an address, key or value) between WASM memory and the host.
pub const PTR_INK: u64 = 5_040;
/// Cost of a host function that reaches into EVM state (storage flush, calls, creates, logs,
/// transient storage, account queries).
pub const EVM_API_INK: u64 = 59_673;
/// The EVM round trip of a storage load that misses the cache, in gas (`EVM_API_INK` / 10,000,
/// ArbOS 32+).
pub const STORAGE_LOAD_API_GAS: u64 = EVM_API_INK / 10_000;
/// Ink per byte a `memory.copy` / `memory.fill` moves, charged at run time.
pub const MEMORY_BYTE_INK: u64 = 100;
/// Fixed ink charged at the start of every basic block for the meter's own instructions.
pub const BLOCK_HEADER_INK: u64 = 2_450;
/// Price of an operator the docs do not list. Activation refuses the bulk and table operators
/// Nitro cannot meter, so only operators the meter knows reach this default.
pub const UNPRICED_OPCODE_INK: u64 = 13_610;

/// Ink for copying a `len`-byte buffer from the host into WASM memory: `5,040 + 30·(len − 32)`.
pub const fn write_price(len: usize) -> u64 {
    PTR_INK.saturating_add(30u64.saturating_mul(len.saturating_sub(32) as u64))
}

/// Ink for copying a `len`-byte buffer out of WASM memory into the host: `16,381 + 55·(len − 32)`.
pub const fn read_price(len: usize) -> u64 {
    16_381u64.saturating_add(55u64.saturating_mul(len.saturating_sub(32) as u64))
}

/// Ink of `native_keccak256` over `len` bytes: 121,800 covers two words, 21,000 each beyond
/// (no separate host-call base).
pub const fn keccak_price(len: usize) -> u64 {
    let words = len.div_ceil(32) as u64;
    121_800u64.saturating_add(21_000u64.saturating_mul(words.saturating_sub(2)))
}

/// Ink of the `read_gas` Nitro adds to the `n`-th storage load of a program frame: free for
/// the first 32, 2 gas up to 128, 10 gas after.
pub const fn storage_read_gas(n: u64) -> u64 {
    match n {
        0..=32 => 0,
        33..=128 => 2,
        _ => 10,
    }
}

/// The `write_gas` Nitro adds to the `n`-th `storage_cache_bytes32` of a program frame: free
/// for the first 8, 7 gas up to 64, 10 gas after.
pub const fn storage_write_gas(n: u64) -> u64 {
    match n {
        0..=8 => 0,
        9..=64 => 7,
        _ => 10,
    }
}

/// Static ink of one operator. `param_counts[type_index]` gives the parameter count of each
/// function type (for `call_indirect`, priced per argument).
pub fn opcode_ink(op: &Operator<'_>, param_counts: &[u32]) -> u64 {
    use Operator as O;
    match op {
        O::Unreachable | O::Nop | O::Block { .. } | O::Loop { .. } | O::Else | O::End => 1,
        O::Return | O::I32Const { .. } | O::I64Const { .. } => 1,
        O::If { .. } | O::Br { .. } | O::BrIf { .. } => 765,
        O::BrTable { targets } => 2_400 + 325 * u64::from(targets.len()),
        O::Call { .. } => 3_800,
        O::CallIndirect { type_index, .. } => {
            let args = param_counts.get(*type_index as usize).copied().unwrap_or(0);
            13_610 + 650 * u64::from(args)
        }
        O::Drop => 9,
        O::Select => 1_250,
        O::LocalGet { .. } | O::LocalTee { .. } => 75,
        O::LocalSet { .. } => 210,
        O::GlobalGet { .. } => 225,
        O::GlobalSet { .. } => 575,
        O::I32Load { .. }
        | O::I32Load8S { .. }
        | O::I32Load8U { .. }
        | O::I32Load16S { .. }
        | O::I32Load16U { .. } => 670,
        O::I64Load { .. }
        | O::I64Load8S { .. }
        | O::I64Load8U { .. }
        | O::I64Load16S { .. }
        | O::I64Load16U { .. }
        | O::I64Load32S { .. }
        | O::I64Load32U { .. } => 680,
        O::I32Store { .. } | O::I32Store8 { .. } | O::I32Store16 { .. } => 825,
        O::I64Store { .. } | O::I64Store8 { .. } | O::I64Store16 { .. } | O::I64Store32 { .. } => {
            950
        }
        O::MemorySize { .. } => 3_000,
        O::MemoryGrow { .. } => 8_050,
        O::I32Eqz
        | O::I32Eq
        | O::I32Ne
        | O::I32LtS
        | O::I32LtU
        | O::I32GtS
        | O::I32GtU
        | O::I32LeS
        | O::I32LeU
        | O::I32GeS
        | O::I32GeU => 170,
        O::I64Eqz
        | O::I64Eq
        | O::I64Ne
        | O::I64LtS
        | O::I64LtU
        | O::I64GtS
        | O::I64GtU
        | O::I64LeS
        | O::I64LeU
        | O::I64GeS
        | O::I64GeU => 225,
        O::I32Clz | O::I32Ctz | O::I64Clz | O::I64Ctz => 210,
        O::I32Popcnt => 2_650,
        O::I64Popcnt => 6_000,
        O::I32Add
        | O::I32Sub
        | O::I32And
        | O::I32Or
        | O::I32Xor
        | O::I32Shl
        | O::I32ShrS
        | O::I32ShrU
        | O::I32Rotl
        | O::I32Rotr => 70,
        O::I32Mul | O::I64Mul => 160,
        O::I32DivS | O::I32DivU | O::I32RemS | O::I32RemU => 1_120,
        O::I64DivS | O::I64DivU | O::I64RemS | O::I64RemU => 1_270,
        O::I64Add
        | O::I64Sub
        | O::I64And
        | O::I64Or
        | O::I64Xor
        | O::I64Shl
        | O::I64ShrS
        | O::I64ShrU
        | O::I64Rotl
        | O::I64Rotr => 100,
        O::I32WrapI64
        | O::I64ExtendI32S
        | O::I64ExtendI32U
        | O::I32Extend8S
        | O::I32Extend16S
        | O::I64Extend8S
        | O::I64Extend16S
        | O::I64Extend32S => 100,
        O::MemoryCopy { .. } | O::MemoryFill { .. } => 950,
        _ => UNPRICED_OPCODE_INK,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_sanity_rows() {
        let cases: &[(Operator<'static>, u64)] = &[
            (Operator::Nop, 1),
            (
                Operator::If {
                    blockty: wasmparser::BlockType::Empty,
                },
                765,
            ),
            (Operator::Call { function_index: 0 }, 3_800),
            (Operator::Drop, 9),
            (Operator::Select, 1_250),
            (Operator::LocalGet { local_index: 0 }, 75),
            (Operator::LocalSet { local_index: 0 }, 210),
            (Operator::GlobalGet { global_index: 0 }, 225),
            (Operator::GlobalSet { global_index: 0 }, 575),
            (Operator::I64Popcnt, 6_000),
        ];
        for (op, ink) in cases {
            assert_eq!(opcode_ink(op, &[]), *ink, "{op:?}");
        }
        let indirect = Operator::CallIndirect {
            type_index: 1,
            table_index: 0,
        };
        assert_eq!(opcode_ink(&indirect, &[0, 3]), 13_610 + 3 * 650);
    }

    #[test]
    fn hostio_totals_match_published_figures() {
        assert_eq!(HOSTIO_INK + PTR_INK, 13_440);
        assert_eq!(HOSTIO_INK + 3 * PTR_INK + EVM_API_INK, 83_193);
        assert_eq!(HOSTIO_INK + EVM_API_INK, 68_073);
        assert_eq!(HOSTIO_INK + 2 * PTR_INK, 18_480);
    }

    #[test]
    fn buffer_and_keccak_prices_are_nitro_s() {
        assert_eq!(write_price(0), 5_040);
        assert_eq!(write_price(32), 5_040);
        assert_eq!(write_price(100), 5_040 + 30 * 68);
        assert_eq!(read_price(100), 16_381 + 55 * 68);
        assert_eq!(keccak_price(0), 121_800);
        assert_eq!(keccak_price(64), 121_800);
        assert_eq!(keccak_price(65), 121_800 + 21_000);
        assert_eq!(keccak_price(96 + 32), 121_800 + 2 * 21_000);
        assert_eq!(STORAGE_LOAD_API_GAS, 5);
        assert_eq!(
            (
                storage_read_gas(32),
                storage_read_gas(33),
                storage_read_gas(129)
            ),
            (0, 2, 10)
        );
        assert_eq!(
            (
                storage_write_gas(8),
                storage_write_gas(9),
                storage_write_gas(65)
            ),
            (0, 7, 10)
        );
    }
}
