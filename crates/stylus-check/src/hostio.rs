//! The host functions a Stylus program may import.
//!
//! Names and signatures follow stylus-sdk 0.10.10 (`stylus_sdk::hostio`) plus the hostios Nitro
//! provides that the SDK does not declare (`transient_*`, `exit_early`). On wasm32 every pointer,
//! `usize`, `bool`, `u8`, `u16` and `u32` is an `i32`; `u64` is an `i64`.

use crate::signature::FuncSignature;
use crate::signature::ValueType::{self, F32, F64, I32, I64};

/// Import module of the Stylus host functions.
pub const VM_HOOKS_MODULE: &str = "vm_hooks";

/// Import module of the debug-only console functions (accepted only with `allow_debug`).
pub const CONSOLE_MODULE: &str = "console";

/// One host function: its import name and wasm32 signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hostio {
    /// Import name inside its module.
    pub name: &'static str,
    /// Parameter types.
    pub params: &'static [ValueType],
    /// Result types (empty or one).
    pub results: &'static [ValueType],
}

impl Hostio {
    /// The host function's wasm32 type.
    pub fn signature(&self) -> FuncSignature {
        FuncSignature::new(self.params, self.results)
    }
}

const fn hostio(
    name: &'static str,
    params: &'static [ValueType],
    results: &'static [ValueType],
) -> Hostio {
    Hostio {
        name,
        params,
        results,
    }
}

/// Every host function of module `vm_hooks` a program may import.
pub const VM_HOOKS: &[Hostio] = &[
    // Accounts.
    hostio("account_balance", &[I32, I32], &[]),
    hostio("account_code", &[I32, I32, I32, I32], &[I32]),
    hostio("account_code_size", &[I32], &[I32]),
    hostio("account_codehash", &[I32, I32], &[]),
    // Storage (persistent through the VM's cache, and transient).
    hostio("storage_load_bytes32", &[I32, I32], &[]),
    hostio("storage_cache_bytes32", &[I32, I32], &[]),
    hostio("storage_flush_cache", &[I32], &[]),
    hostio("transient_load_bytes32", &[I32, I32], &[]),
    hostio("transient_store_bytes32", &[I32, I32], &[]),
    // Block and chain.
    hostio("block_basefee", &[I32], &[]),
    hostio("chainid", &[], &[I64]),
    hostio("block_coinbase", &[I32], &[]),
    hostio("block_gas_limit", &[], &[I64]),
    hostio("block_number", &[], &[I64]),
    hostio("block_timestamp", &[], &[I64]),
    // Calls: (contract, calldata, calldata_len, [value,] gas, return_data_len) -> status.
    hostio("call_contract", &[I32, I32, I32, I32, I64, I32], &[I32]),
    hostio("delegate_call_contract", &[I32, I32, I32, I64, I32], &[I32]),
    hostio("static_call_contract", &[I32, I32, I32, I64, I32], &[I32]),
    hostio("read_return_data", &[I32, I32, I32], &[I32]),
    hostio("return_data_size", &[], &[I32]),
    // Contract creation.
    hostio("create1", &[I32, I32, I32, I32, I32], &[]),
    hostio("create2", &[I32, I32, I32, I32, I32, I32], &[]),
    // Call context.
    hostio("contract_address", &[I32], &[]),
    hostio("msg_sender", &[I32], &[]),
    hostio("msg_value", &[I32], &[]),
    hostio("msg_reentrant", &[], &[I32]),
    hostio("tx_origin", &[I32], &[]),
    hostio("tx_gas_price", &[I32], &[]),
    hostio("tx_ink_price", &[], &[I32]),
    hostio("evm_gas_left", &[], &[I64]),
    hostio("evm_ink_left", &[], &[I64]),
    // Input, output, logs, hashing, memory.
    hostio("read_args", &[I32], &[]),
    hostio("write_result", &[I32, I32], &[]),
    hostio("emit_log", &[I32, I32, I32], &[]),
    hostio("native_keccak256", &[I32, I32, I32], &[]),
    hostio("pay_for_memory_grow", &[I32], &[]),
    hostio("exit_early", &[I32], &[]),
];

/// Debug-only functions of module `console`.
///
/// `log_f32` / `log_f64` are listed for completeness, but a program importing them still fails
/// the no-floats rule because their signatures carry float types.
pub const CONSOLE_HOOKS: &[Hostio] = &[
    hostio("log_txt", &[I32, I32], &[]),
    hostio("log_i32", &[I32], &[]),
    hostio("log_i64", &[I64], &[]),
    hostio("log_f32", &[F32], &[]),
    hostio("log_f64", &[F64], &[]),
];

/// Looks up a host function of module `vm_hooks` by import name.
pub fn vm_hook(name: &str) -> Option<&'static Hostio> {
    VM_HOOKS.iter().find(|hostio| hostio.name == name)
}

/// Looks up a debug function of module `console` by import name.
pub fn console_hook(name: &str) -> Option<&'static Hostio> {
    CONSOLE_HOOKS.iter().find(|hostio| hostio.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        for table in [VM_HOOKS, CONSOLE_HOOKS] {
            for (i, a) in table.iter().enumerate() {
                assert!(
                    table[i + 1..].iter().all(|b| b.name != a.name),
                    "duplicate hostio {}",
                    a.name
                );
            }
        }
    }

    #[test]
    fn hostios_a_typical_contract_imports_are_known() {
        for name in [
            "read_args",
            "write_result",
            "storage_load_bytes32",
            "storage_cache_bytes32",
            "storage_flush_cache",
            "msg_sender",
            "msg_value",
            "msg_reentrant",
            "block_timestamp",
            "native_keccak256",
            "emit_log",
            "call_contract",
            "static_call_contract",
            "delegate_call_contract",
            "return_data_size",
            "read_return_data",
            "pay_for_memory_grow",
        ] {
            assert!(vm_hook(name).is_some(), "{name} missing");
        }
        assert!(vm_hook("log_txt").is_none());
        assert!(console_hook("log_txt").is_some());
    }
}
