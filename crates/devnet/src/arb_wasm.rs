//! `ArbWasm.activateProgram(address) payable returns (uint16 version, uint256 dataFee)` at
//! `0x71`: the one ArbOS precompile method the devnet serves, so deployment tools activate a
//! program with the same transaction they send to Nitro (nitro `precompiles/ArbWasm.go`,
//! `arbos/programs/programs.go`).
//!
//! What follows Nitro: the activation itself ([`crate::Devnet::activate`]'s rules, keyed by
//! code hash), the Solidity errors `ProgramNotWasm()`, `ProgramUpToDate()` and
//! `ProgramInsufficientValue(uint256,uint256)` with their selectors, the fixed 1,659,168 gas
//! Nitro burns before activating, all gas taken when the code fails activation, and the value:
//! the data fee is kept and the excess refunded to the caller. What does not: the data fee is
//! always **0** (Nitro prices the compiled size with its `dataPricer` model, which the devnet
//! does not run), so all value sent is refunded; there is no `ProgramActivated` event, and a
//! version upgrade or expiry never re-activates (a program is up to date once activated).

use alloy_primitives::{keccak256, Address, Bytes, U256};
use revm::context_interface::JournalTr;
use revm::interpreter::{CallInputs, Gas, InstructionResult, InterpreterResult};

use crate::activation::activate_code;
use crate::evm_bridge::DevContext;

/// ArbWasm's address.
pub const ARB_WASM: Address = Address::new([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x71,
]);

/// Gas Nitro's `ActivateProgram` burns up front, before any work (`c.Burn(…, 1659168)`).
pub const ACTIVATION_FIXED_GAS: u64 = 1_659_168;

/// The first ArbOS version with Stylus version 2 (ArbOS 31 upgrades the params from 1).
const ARBOS_STYLUS_V2: u64 = 31;

/// The Stylus version activation compiles for at `arbos_version` (Nitro's `params.Version`).
pub fn stylus_version(arbos_version: u64) -> u16 {
    if arbos_version >= ARBOS_STYLUS_V2 {
        2
    } else {
        1
    }
}

fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

fn revert(data: Vec<u8>, gas: Gas) -> InterpreterResult {
    InterpreterResult::new(InstructionResult::Revert, data.into(), gas)
}

/// A Solidity error without arguments.
fn error(signature: &str, gas: Gas) -> InterpreterResult {
    revert(selector(signature).to_vec(), gas)
}

/// Runs a call to `0x71`.
pub(crate) fn call(ctx: &mut DevContext, inputs: &CallInputs) -> InterpreterResult {
    let mut gas = Gas::new(inputs.gas_limit);
    let input = inputs.input.as_bytes(ctx).to_vec();
    // Nitro reverts with empty data for a method it does not know or a malformed argument;
    // activation writes state, so a static call (or a delegate call, which would act for
    // another address) cannot run it either.
    let program = match input.get(..4) {
        Some(s) if s == selector("activateProgram(address)") && input.len() == 36 => {
            let word = &input[4..36];
            if word[..12].iter().any(|b| *b != 0) {
                return revert(Vec::new(), gas);
            }
            Address::from_slice(&word[12..])
        }
        _ => return revert(Vec::new(), gas),
    };
    if inputs.is_static || inputs.target_address != ARB_WASM {
        return revert(Vec::new(), gas);
    }
    if !gas.record_regular_cost(ACTIVATION_FIXED_GAS) {
        gas.spend_all();
        return InterpreterResult::new(InstructionResult::OutOfGas, Bytes::new(), gas);
    }

    let Ok(account) = ctx.journaled_state.load_account_with_code(program);
    let code = crate::tracer::original_code(&account.info);
    if !stylus_check::is_stylus_code(&code) {
        return error("ProgramNotWasm()", gas);
    }
    let code_hash = keccak256(&code);
    if ctx.chain.programs.contains_key(&code_hash) {
        return error("ProgramUpToDate()", gas);
    }
    let Ok(activated) = activate_code(program, &code) else {
        // Nitro's `takeAllGas`: a program that fails activation costs the caller all its gas.
        gas.spend_all();
        return revert(Vec::new(), gas);
    };

    let data_fee = U256::ZERO;
    let value = inputs.value.get();
    if value < data_fee {
        let mut data = selector("ProgramInsufficientValue(uint256,uint256)").to_vec();
        data.extend_from_slice(&value.to_be_bytes::<32>());
        data.extend_from_slice(&data_fee.to_be_bytes::<32>());
        return revert(data, gas);
    }
    // revm moved the value to 0x71 before this frame; the fee would go to the network fee
    // account, the rest back to the caller (`payActivationDataFee`). The transfer is journaled
    // with the frame, so a revert further up undoes it.
    let refund = value - data_fee;
    if !refund.is_zero() {
        let Ok(failed) = ctx
            .journaled_state
            .transfer(ARB_WASM, inputs.caller, refund);
        if failed.is_some() {
            // Unreachable in practice (0x71 holds the value just moved there); fail closed.
            gas.spend_all();
            return revert(Vec::new(), gas);
        }
    }
    ctx.chain
        .programs
        .insert(code_hash, std::sync::Arc::new(activated));

    let mut output = vec![0u8; 64];
    let version = stylus_version(ctx.chain.arbos_version);
    output[30..32].copy_from_slice(&version.to_be_bytes());
    output[32..].copy_from_slice(&data_fee.to_be_bytes::<32>());
    InterpreterResult::new(InstructionResult::Return, output.into(), gas)
}
