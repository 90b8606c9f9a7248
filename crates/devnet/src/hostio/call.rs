//! Calls and creates from a program, and their return data.
//!
//! Gas follows the EVM with the rules Nitro applies to calls from WASM: the access cost (EIP-2929
//! warm 100 / cold 2,600), 9,000 for a value transfer (+25,000 for a new account), then
//! `min(requested, (left − base)·63/64)` is forwarded (`gas = u64::MAX` from the SDK means "all
//! allowed"), plus the 2,300 stipend when value moves. The cap is Nitro's
//! `(left − base) · 63 / 64` (`arbos/programs/api.go`), and the tracer receives the call as
//! Nitro reports it (`CaptureStylusCall`): `gas` = that cap, `cost` = base + forwarded gas — so
//! a program that forwards everything shows `cost > gas`, which JavaScript bundler tracers read
//! as out of gas. What the child does not use comes back;
//! a successful child's refunds are passed up. The child runs nested through
//! [`crate::evm_bridge::run_nested`] with its own journal checkpoint, so a reverting child
//! leaves no storage or logs behind.

use alloy_primitives::{Address, Bytes, U256};
use revm::bytecode::opcode;
use revm::context_interface::Cfg;
use revm::handler::FrameResult;
use revm::interpreter::instructions::contract::load_account_delegated;
use revm::interpreter::{
    CallInput, CallInputs, CallScheme, CallValue, CreateInputs, CreateScheme, FrameInput,
    InterpreterResult,
};

use super::{
    charge, charge_gas, escape, gas_left, ink_now, read_address, read_bytes, read_u256, read_word,
    refund_ink, trace, trace_step, write_bytes, write_usize, Ctx, Escape, HostResult,
};
use crate::evm_bridge::{run_nested, SPEC};
use crate::ink::gas_to_ink;
use crate::ink::prices::{read_price, write_price, EVM_API_INK, HOSTIO_INK, PTR_INK};

/// Host entry, three pointers and the EVM round trip: 83,193 ink.
const CALL_INK: u64 = HOSTIO_INK + 3 * PTR_INK + EVM_API_INK;
/// EIP-3860 initcode limit.
const MAX_INITCODE_BYTES: u32 = 2 * 24_576;

/// Status a call returns to the program.
const STATUS_SUCCESS: u32 = 0;
const STATUS_REVERT: u32 = 1;
const STATUS_FAILURE: u32 = 2;

#[derive(Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Call,
    Delegate,
    Static,
}

struct CallRequest {
    kind: CallKind,
    contract: u32,
    data: u32,
    len: u32,
    value: Option<u32>,
    gas: u64,
    return_len: u32,
}

/// `call_contract(contract, data, len, value, gas, return_data_len) -> status`.
pub(super) fn call_contract(
    caller: Ctx<'_, '_>,
    contract: u32,
    data: u32,
    len: u32,
    value: u32,
    gas: u64,
    return_len: u32,
) -> HostResult<u32> {
    let request = CallRequest {
        kind: CallKind::Call,
        contract,
        data,
        len,
        value: Some(value),
        gas,
        return_len,
    };
    do_call(caller, request)
}

/// `delegate_call_contract(contract, data, len, gas, return_data_len) -> status`.
pub(super) fn delegate_call_contract(
    caller: Ctx<'_, '_>,
    contract: u32,
    data: u32,
    len: u32,
    gas: u64,
    return_len: u32,
) -> HostResult<u32> {
    let request = CallRequest {
        kind: CallKind::Delegate,
        contract,
        data,
        len,
        value: None,
        gas,
        return_len,
    };
    do_call(caller, request)
}

/// `static_call_contract(contract, data, len, gas, return_data_len) -> status`.
pub(super) fn static_call_contract(
    caller: Ctx<'_, '_>,
    contract: u32,
    data: u32,
    len: u32,
    gas: u64,
    return_len: u32,
) -> HostResult<u32> {
    let request = CallRequest {
        kind: CallKind::Static,
        contract,
        data,
        len,
        value: None,
        gas,
        return_len,
    };
    do_call(caller, request)
}

fn out_of_ink() -> wasmi::Error {
    escape(Escape::OutOfInk)
}

fn do_call(mut caller: Ctx<'_, '_>, request: CallRequest) -> HostResult<u32> {
    charge(&mut caller, CALL_INK + 2 * read_price(request.len as usize))?;
    let to = read_address(&caller, request.contract)?;
    let input = read_bytes(&caller, request.data, request.len)?;
    let value = match request.value {
        Some(ptr) => read_u256(&caller, ptr)?,
        None => U256::ZERO,
    };
    let frame = caller.data().frame.clone();
    let transfers_value = !value.is_zero();
    if frame.is_static && transfers_value {
        return Err(escape(Escape::Fatal("value transfer in a static call")));
    }
    // Access, value and new-account costs, exactly as revm's CALL computes them.
    let left = gas_left(&caller)?;
    let env = caller.data_mut();
    let params = env.ctx.cfg.gas_params().clone();
    let (access, _state_gas, bytecode, code_hash) = load_account_delegated(
        &mut *env.ctx,
        SPEC,
        left,
        to,
        transfers_value,
        request.kind == CallKind::Call,
    )
    .map_err(|_| out_of_ink())?;
    let mut base = params.warm_storage_read_cost() + access;
    if transfers_value {
        base += params.transfer_value_cost();
    }
    if base > left {
        return Err(out_of_ink());
    }
    charge_gas(&mut caller, base)?;
    let start_gas = u64::try_from(u128::from(left - base) * 63 / 64).unwrap_or(u64::MAX);
    let gas = request.gas.min(start_gas);
    charge_gas(&mut caller, gas)?;
    let child_gas = if transfers_value {
        gas + params.call_stipend()
    } else {
        gas
    };
    let opcode = match request.kind {
        CallKind::Call => opcode::CALL,
        CallKind::Delegate => opcode::DELEGATECALL,
        CallKind::Static => opcode::STATICCALL,
    };
    trace_step(
        &mut caller,
        opcode,
        start_gas,
        base.saturating_add(child_gas),
    );

    let (target, from, call_value, scheme, is_static) = match request.kind {
        CallKind::Call => (
            to,
            frame.address,
            CallValue::Transfer(value),
            CallScheme::Call,
            frame.is_static,
        ),
        CallKind::Delegate => (
            frame.address,
            frame.caller,
            CallValue::Apparent(frame.value),
            CallScheme::DelegateCall,
            frame.is_static,
        ),
        CallKind::Static => (
            to,
            frame.address,
            CallValue::Transfer(U256::ZERO),
            CallScheme::StaticCall,
            true,
        ),
    };
    let inputs = CallInputs {
        input: CallInput::Bytes(input.into()),
        return_memory_offset: 0..0,
        gas_limit: child_gas,
        reservoir: 0,
        bytecode_address: to,
        known_bytecode: (code_hash, bytecode),
        target_address: target,
        caller: from,
        value: call_value,
        scheme,
        is_static,
        charged_new_account_state_gas: false,
    };
    let result = match run_nested(caller.data_mut().ctx, FrameInput::Call(Box::new(inputs))) {
        FrameResult::Call(outcome) => outcome.result,
        FrameResult::Create(outcome) => outcome.result,
    };
    let status = settle_child(&mut caller, &result)?;
    let output = result.output;
    caller.data_mut().return_data = output.clone();
    write_usize(&mut caller, request.return_len, output.len())?;
    Ok(status)
}

/// Returns the child's unused gas and refunds to this frame; gives the call's status.
fn settle_child(caller: &mut Ctx<'_, '_>, result: &InterpreterResult) -> HostResult<u32> {
    if result.result.is_ok_or_revert() {
        refund_ink(caller, gas_to_ink(result.gas.remaining()))?;
    }
    if result.result.is_ok() {
        caller.data_mut().refund += result.gas.refunded();
        Ok(STATUS_SUCCESS)
    } else if result.result.is_revert() {
        Ok(STATUS_REVERT)
    } else {
        Ok(STATUS_FAILURE)
    }
}

/// `read_return_data(dest, offset, size) -> usize`: copies the overlap of
/// `[offset, offset + size)` with the last call's return data; never fails.
pub(super) fn read_return_data(
    mut caller: Ctx<'_, '_>,
    dest: u32,
    offset: u32,
    size: u32,
) -> HostResult<u32> {
    let start_ink = ink_now(&caller)?;
    let data = caller.data().return_data.clone();
    let start = (offset as usize).min(data.len());
    let end = start.saturating_add(size as usize).min(data.len());
    charge(
        &mut caller,
        HOSTIO_INK + EVM_API_INK + write_price(end - start),
    )?;
    write_bytes(&mut caller, dest, &data[start..end])?;
    trace(&mut caller, opcode::RETURNDATACOPY, start_ink);
    Ok(u32::try_from(end - start).unwrap_or(u32::MAX))
}

/// `return_data_size() -> usize`.
pub(super) fn return_data_size(mut caller: Ctx<'_, '_>) -> HostResult<u32> {
    let start = ink_now(&caller)?;
    charge(&mut caller, HOSTIO_INK)?;
    trace(&mut caller, opcode::RETURNDATASIZE, start);
    Ok(u32::try_from(caller.data().return_data.len()).unwrap_or(u32::MAX))
}

/// `create1(code, len, endowment, contract, revert_data_len)`.
pub(super) fn create1(
    caller: Ctx<'_, '_>,
    code: u32,
    len: u32,
    endowment: u32,
    contract: u32,
    revert_len: u32,
) -> HostResult {
    do_create(caller, code, len, endowment, None, contract, revert_len)
}

/// `create2(code, len, endowment, salt, contract, revert_data_len)`.
pub(super) fn create2(
    caller: Ctx<'_, '_>,
    code: u32,
    len: u32,
    endowment: u32,
    salt: u32,
    contract: u32,
    revert_len: u32,
) -> HostResult {
    do_create(
        caller,
        code,
        len,
        endowment,
        Some(salt),
        contract,
        revert_len,
    )
}

/// Runs `code` as init code; writes the new address (zero on failure) and the revert data
/// length. Gas: CREATE's 32,000 + EIP-3860 initcode words (+ hashing for CREATE2), then all but
/// 1/64 of what is left is forwarded.
fn do_create(
    mut caller: Ctx<'_, '_>,
    code: u32,
    len: u32,
    endowment: u32,
    salt: Option<u32>,
    contract: u32,
    revert_len: u32,
) -> HostResult {
    let start = ink_now(&caller)?;
    let create_ink = if salt.is_some() {
        CALL_INK + PTR_INK
    } else {
        CALL_INK
    };
    charge(&mut caller, create_ink + 2 * read_price(len as usize))?;
    if caller.data().frame.is_static {
        return Err(escape(Escape::Fatal("create in a static call")));
    }
    if len > MAX_INITCODE_BYTES {
        return Err(escape(Escape::Fatal("init code above the EIP-3860 limit")));
    }
    let init_code = read_bytes(&caller, code, len)?;
    let value = read_u256(&caller, endowment)?;
    let salt = salt.map(|ptr| read_word(&caller, ptr)).transpose()?;
    let params = caller.data().ctx.cfg.gas_params().clone();
    let base = if salt.is_some() {
        params.create2_cost(init_code.len())
    } else {
        params.create_cost()
    } + params.initcode_cost(init_code.len());
    charge_gas(&mut caller, base)?;
    let left = gas_left(&caller)?;
    let gas = left - left / 64;
    charge_gas(&mut caller, gas)?;

    let scheme = match salt {
        Some(salt) => CreateScheme::Create2 {
            salt: U256::from_be_bytes(salt.0),
        },
        None => CreateScheme::Create,
    };
    let creator = caller.data().frame.address;
    let inputs = CreateInputs::new(creator, scheme, value, Bytes::from(init_code), gas, 0);
    let (result, address) =
        match run_nested(caller.data_mut().ctx, FrameInput::Create(Box::new(inputs))) {
            FrameResult::Create(outcome) => (outcome.result, outcome.address),
            FrameResult::Call(outcome) => (outcome.result, None),
        };
    settle_child(&mut caller, &result)?;
    let (address, return_data) = if result.result.is_ok() {
        (address.unwrap_or(Address::ZERO), Bytes::new())
    } else {
        (Address::ZERO, result.output)
    };
    write_bytes(&mut caller, contract, address.as_slice())?;
    write_usize(&mut caller, revert_len, return_data.len())?;
    caller.data_mut().return_data = return_data;
    // Nitro reports the create after the child frame ran.
    let opcode = if salt.is_some() {
        opcode::CREATE2
    } else {
        opcode::CREATE
    };
    trace(&mut caller, opcode, start);
    Ok(())
}
