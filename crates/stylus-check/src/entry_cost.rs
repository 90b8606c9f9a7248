//! What every call into a program pays on entry, as Nitro predicts it at activation.
//!
//! Source: OffchainLabs/nitro 6dce8d13, `crates/prover/src/binary.rs` (`WasmBinary::instrument`,
//! Stylus v2) for the two per-program numbers, `arbos/programs/programs.go` (`CallProgram`,
//! `initGas` / `cachedGas`) and `arbos/programs/params.go` (defaults: `MinInitGas` 69 × 128,
//! `MinCachedInitGas` 11 × 32, both cost scalars 100 %) for what a call pays. Every product is
//! divided on its own with integer division, as Nitro does, and the results are summed.

/// Globals Nitro's instrumentation adds to every program (ink left, ink status, stack left,
/// scratch).
pub const INSTRUMENTATION_GLOBALS: u64 = 4;
/// Fixed part of the entry cost of a cached program (`MinCachedInitGas` 11 × 32).
pub const MIN_CACHED_INIT_GAS: u64 = 11 * 32;
/// Fixed part added when the program is not cached (`MinInitGas` 69 × 128, Stylus v2).
pub const MIN_INIT_GAS: u64 = 69 * 128;

/// The module facts the prediction reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EntryInputs {
    /// Functions the module defines (imports excluded).
    pub functions: u64,
    /// Σ (parameters + results) over the defined functions' types.
    pub type_len: u64,
    /// Bytes of the WASM given to activation (decompressed).
    pub wasm_len: u64,
    /// Globals after instrumentation: the module's own plus [`INSTRUMENTATION_GLOBALS`].
    pub globals: u64,
    /// Bytes of every data and element segment entry, encoded whole (flags, index, offset
    /// expression, length and payload).
    pub data_len: u64,
    /// Initial memory pages.
    pub pages: u64,
}

/// A program's entry costs, in gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryCost {
    /// What the prediction was computed from.
    pub inputs: EntryInputs,
    /// `cachedCost`: paid by every call, cached or not.
    pub cached_cost: u16,
    /// `initCost`: paid, with [`MIN_INIT_GAS`], by a call to a program that is not cached.
    pub init_cost: u16,
}

impl EntryCost {
    /// Nitro's prediction (Stylus v2); `None` when a cost does not fit Nitro's 16 bits, which
    /// activation refuses ("init cost too high").
    pub fn predict(inputs: EntryInputs) -> Option<Self> {
        let EntryInputs {
            functions,
            type_len,
            wasm_len,
            globals,
            data_len,
            pages,
        } = inputs;
        let mul = u64::saturating_mul;
        let cached = [
            mul(functions, 13_420) / 100_000,
            mul(type_len, 89) / 100_000,
            mul(wasm_len, 122) / 100_000,
            mul(globals, 1_628) / 1_000,
            mul(data_len, 75_244) / 100_000,
            mul(pages, 5),
        ]
        .into_iter()
        .fold(0u64, u64::saturating_add);
        let init = [
            mul(functions, 8_252) / 1_000,
            mul(type_len, 1_059) / 1_000,
            mul(wasm_len, 1_286) / 10_000,
        ]
        .into_iter()
        .fold(0u64, u64::saturating_add);
        Some(Self {
            inputs,
            cached_cost: u16::try_from(cached).ok()?,
            init_cost: u16::try_from(init).ok()?,
        })
    }

    /// Gas a call pays on entry, memory excluded: `352 + cachedCost`, plus `8,832 + initCost`
    /// when the program is not cached.
    pub fn call_gas(&self, cached: bool) -> u64 {
        let always = MIN_CACHED_INIT_GAS + u64::from(self.cached_cost);
        if cached {
            always
        } else {
            always + MIN_INIT_GAS + u64::from(self.init_cost)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_as_the_gas_issue_measured_it() {
        // 46,253 B, 99 functions, Σ params+results 296, 2,123 B of segments, 1 page, 0 own
        // globals beyond the stack pointer: ≈ 2,034 gas cached, ≈ 17,943 uncached.
        let cost = EntryCost::predict(EntryInputs {
            functions: 99,
            type_len: 296,
            wasm_len: 46_253,
            globals: 1 + INSTRUMENTATION_GLOBALS,
            data_len: 2_123,
            pages: 1,
        })
        .unwrap();
        // 13 + 0 + 56 + 8 + 1,597 + 5 = 1,679; 816 + 313 + 5,948 = 7,077.
        assert_eq!((cost.cached_cost, cost.init_cost), (1_679, 7_077));
        assert_eq!(cost.call_gas(true), 2_031);
        assert_eq!(cost.call_gas(false), 2_031 + 8_832 + 7_077);
    }

    #[test]
    fn costs_beyond_sixteen_bits_are_refused() {
        let inputs = EntryInputs {
            wasm_len: 10_000_000,
            ..EntryInputs::default()
        };
        assert_eq!(EntryCost::predict(inputs), None);
    }
}
