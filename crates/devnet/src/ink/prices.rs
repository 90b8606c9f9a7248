//! Ink prices of WASM opcodes and host functions.
//!
//! Opcode prices are the table of the Arbitrum docs page "Gas and ink costs"
//! (<https://docs.arbitrum.io/stylus/reference/opcode-hostio-pricing>, Stylus reference,
//! `docs/stylus/reference/opcode-hostio-pricing.mdx` in OffchainLabs/arbitrum-docs). Operators
//! the page does not price are charged [`UNPRICED_OPCODE_INK`], a deliberately high default.
//!
//! Host-function prices decompose Nitro's published totals into their parts: every host call
//! pays [`HOSTIO_INK`]; each 32-byte pointer argument or result copied across the boundary pays
//! [`PTR_INK`] (so `msg_sender` = 8,400 + 5,040 = 13,440 as the docs list); each call into the
//! EVM state pays [`EVM_API_INK`] (so `call_contract` = 8,400 + 3·5,040 + 59,673 = 83,193 and
//! `storage_flush_cache` = 8,400 + 59,673 = 68,073, the figures Nitro charges).

use wasmparser::Operator;

/// Cost of entering a host function.
pub const HOSTIO_INK: u64 = 8_400;
/// Cost of copying one 32-byte word (an address, key or value) between WASM memory and the host.
pub const PTR_INK: u64 = 5_040;
/// Cost of a host function that reaches into EVM state (storage flush, calls, creates).
pub const EVM_API_INK: u64 = 59_673;
/// Extra ink per 32-byte word beyond the first that `read_args` (and every host function that
/// writes a variable-length buffer into WASM memory) copies. The docs write it `5040b`.
pub const WRITE_WORD_INK: u64 = 5_040;
/// Extra ink per 32-byte word beyond the first that `write_result` (and every host function that
/// reads a variable-length buffer out of WASM memory) copies. The docs write it `16381b`.
pub const READ_WORD_INK: u64 = 16_381;
/// Base price of `native_keccak256`.
pub const KECCAK_BASE_INK: u64 = 121_800;
/// Price per 32-byte word hashed by `native_keccak256`.
pub const KECCAK_WORD_INK: u64 = 21_000;
/// Ink per byte a `memory.copy` / `memory.fill` moves, charged at run time.
pub const MEMORY_BYTE_INK: u64 = 100;
/// Fixed ink charged at the start of every basic block for the meter's own instructions.
pub const BLOCK_HEADER_INK: u64 = 2_450;
/// Price of an operator the docs do not list (bulk `memory.init`, `data.drop`, …).
pub const UNPRICED_OPCODE_INK: u64 = 13_610;

/// Ink for copying a `len`-byte buffer from the host into WASM memory.
pub const fn write_buffer_ink(len: usize) -> u64 {
    extra_words(len).saturating_mul(WRITE_WORD_INK)
}

/// Ink for copying a `len`-byte buffer out of WASM memory into the host.
pub const fn read_buffer_ink(len: usize) -> u64 {
    extra_words(len).saturating_mul(READ_WORD_INK)
}

/// Ink of `native_keccak256` over `len` bytes.
pub const fn keccak_ink(len: usize) -> u64 {
    KECCAK_BASE_INK.saturating_add((len.div_ceil(32) as u64).saturating_mul(KECCAK_WORD_INK))
}

/// 32-byte words after the first one.
const fn extra_words(len: usize) -> u64 {
    (len.saturating_sub(32)).div_ceil(32) as u64
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
    fn buffer_prices_count_words_after_the_first() {
        assert_eq!(write_buffer_ink(0), 0);
        assert_eq!(write_buffer_ink(32), 0);
        assert_eq!(write_buffer_ink(33), WRITE_WORD_INK);
        assert_eq!(read_buffer_ink(100), 3 * READ_WORD_INK);
        assert_eq!(keccak_ink(64), KECCAK_BASE_INK + 2 * KECCAK_WORD_INK);
    }
}
