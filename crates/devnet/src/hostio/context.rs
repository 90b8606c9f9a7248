//! The call, transaction, block and chain context (`msg.*`, `tx.*`, `block.*`, `chainid`).
//!
//! Prices are the docs' table: 8,400 ink for values returned directly, 13,440 for values
//! written through a pointer. Block-dependent values are traced as the EVM opcode they stand
//! for, which is what ERC-7562 bans during validation.

use alloy_primitives::U256;
use revm::bytecode::opcode;
use revm::context_interface::Transaction;

use super::{charge, gas_left, ink_left, ink_now, trace, write_bytes, Ctx, HostResult};
use crate::ink::prices::{HOSTIO_INK, PTR_INK};
use crate::ink::INK_PER_GAS;

const POINTER_INK: u64 = HOSTIO_INK + PTR_INK;

fn write_value(
    caller: &mut Ctx<'_, '_>,
    dest: u32,
    opcode: u8,
    value: impl FnOnce(&super::HostEnv<'_>) -> Vec<u8>,
) -> HostResult {
    let start = ink_now(caller)?;
    charge(caller, POINTER_INK)?;
    let bytes = value(caller.data());
    write_bytes(caller, dest, &bytes)?;
    trace(caller, opcode, start);
    Ok(())
}

fn direct<T>(
    caller: &mut Ctx<'_, '_>,
    opcode: u8,
    value: impl FnOnce(&super::HostEnv<'_>) -> T,
) -> HostResult<T> {
    let start = ink_now(caller)?;
    charge(caller, HOSTIO_INK)?;
    trace(caller, opcode, start);
    Ok(value(caller.data()))
}

/// `msg_sender(dest)`.
pub(super) fn msg_sender(mut caller: Ctx<'_, '_>, dest: u32) -> HostResult {
    write_value(&mut caller, dest, opcode::CALLER, |env| {
        env.frame.caller.to_vec()
    })
}

/// `msg_value(dest)`.
pub(super) fn msg_value(mut caller: Ctx<'_, '_>, dest: u32) -> HostResult {
    write_value(&mut caller, dest, opcode::CALLVALUE, |env| {
        env.frame.value.to_be_bytes::<32>().to_vec()
    })
}

/// `msg_reentrant() -> bool`: whether this contract already has an open frame below this one.
pub(super) fn msg_reentrant(mut caller: Ctx<'_, '_>) -> HostResult<u32> {
    charge(&mut caller, HOSTIO_INK)?;
    Ok(u32::from(caller.data().frame.reentrant))
}

/// `tx_origin(dest)`.
pub(super) fn tx_origin(mut caller: Ctx<'_, '_>, dest: u32) -> HostResult {
    write_value(&mut caller, dest, opcode::ORIGIN, |env| {
        env.ctx.tx.caller.to_vec()
    })
}

/// `tx_gas_price(dest)`: the effective gas price.
pub(super) fn tx_gas_price(mut caller: Ctx<'_, '_>, dest: u32) -> HostResult {
    write_value(&mut caller, dest, opcode::GASPRICE, |env| {
        let basefee = u128::from(env.ctx.block.basefee);
        U256::from(env.ctx.tx.effective_gas_price(basefee))
            .to_be_bytes::<32>()
            .to_vec()
    })
}

/// `tx_ink_price() -> u32`: ink per gas.
pub(super) fn tx_ink_price(mut caller: Ctx<'_, '_>) -> HostResult<u32> {
    direct(&mut caller, opcode::GASPRICE, |_| INK_PER_GAS as u32)
}

/// `block_basefee(dest)`.
pub(super) fn block_basefee(mut caller: Ctx<'_, '_>, dest: u32) -> HostResult {
    write_value(&mut caller, dest, opcode::BASEFEE, |env| {
        U256::from(env.ctx.block.basefee)
            .to_be_bytes::<32>()
            .to_vec()
    })
}

/// `block_coinbase(dest)`.
pub(super) fn block_coinbase(mut caller: Ctx<'_, '_>, dest: u32) -> HostResult {
    write_value(&mut caller, dest, opcode::COINBASE, |env| {
        env.ctx.block.beneficiary.to_vec()
    })
}

/// `block_gas_limit() -> u64`.
pub(super) fn block_gas_limit(mut caller: Ctx<'_, '_>) -> HostResult<u64> {
    direct(&mut caller, opcode::GASLIMIT, |env| env.ctx.block.gas_limit)
}

/// `block_number() -> u64`.
pub(super) fn block_number(mut caller: Ctx<'_, '_>) -> HostResult<u64> {
    direct(&mut caller, opcode::NUMBER, |env| {
        env.ctx.block.number.saturating_to::<u64>()
    })
}

/// `block_timestamp() -> u64`.
pub(super) fn block_timestamp(mut caller: Ctx<'_, '_>) -> HostResult<u64> {
    direct(&mut caller, opcode::TIMESTAMP, |env| {
        env.ctx.block.timestamp.saturating_to::<u64>()
    })
}

/// `chainid() -> u64`.
pub(super) fn chainid(mut caller: Ctx<'_, '_>) -> HostResult<u64> {
    direct(&mut caller, opcode::CHAINID, |env| env.ctx.cfg.chain_id)
}

/// `contract_address(dest)`.
pub(super) fn contract_address(mut caller: Ctx<'_, '_>, dest: u32) -> HostResult {
    write_value(&mut caller, dest, opcode::ADDRESS, |env| {
        env.frame.address.to_vec()
    })
}

/// `evm_gas_left() -> u64`: gas left after paying for this call.
pub(super) fn evm_gas_left(mut caller: Ctx<'_, '_>) -> HostResult<u64> {
    let start = ink_now(&caller)?;
    charge(&mut caller, HOSTIO_INK)?;
    trace(&mut caller, opcode::GAS, start);
    gas_left(&caller)
}

/// `evm_ink_left() -> u64`: ink left after paying for this call.
pub(super) fn evm_ink_left(mut caller: Ctx<'_, '_>) -> HostResult<u64> {
    let start = ink_now(&caller)?;
    charge(&mut caller, HOSTIO_INK)?;
    trace(&mut caller, opcode::GAS, start);
    let meter = caller.data().meter()?;
    Ok(ink_left(&caller, meter.ink_left))
}
