//! Persistent storage through the VM-side cache, and transient storage.
//!
//! Prices: 18,480 ink per load/cache call (host entry + two pointers), plus EIP-2929 SLOAD gas
//! (2,100 cold / 100 warm) when a load misses the cache; a flush costs 68,073 ink plus, per
//! buffered write, the SSTORE gas of EIP-2200/2929 with EIP-3529 refunds, exactly as revm
//! charges the opcode. Transient storage costs 18,480 ink plus TLOAD/TSTORE's 100 gas.

use alloy_primitives::B256;
use revm::bytecode::opcode;
use revm::context_interface::{Cfg, JournalTr};

use super::{
    charge, charge_gas, escape, gas_left, read_word, trace, write_bytes, Ctx, Escape, HostResult,
};
use crate::ink::prices::{EVM_API_INK, HOSTIO_INK, PTR_INK};
use crate::tracer::AccessKind;

const TWO_POINTER_INK: u64 = HOSTIO_INK + 2 * PTR_INK;
/// EIP-2200: an SSTORE needs more than the call stipend left.
const SSTORE_SENTRY_GAS: u64 = 2_300;
/// TLOAD / TSTORE cost (EIP-1153).
const TRANSIENT_GAS: u64 = 100;

fn trace_storage(caller: &mut Ctx<'_, '_>, opcode: u8, key: B256, kind: AccessKind) {
    let env = caller.data_mut();
    let address = env.frame.address;
    if let Some(tracer) = env.ctx.chain.tracer.as_mut() {
        tracer.opcode(opcode);
        tracer.storage(address, key, kind);
    }
}

/// `storage_load_bytes32(key, dest)`.
pub(super) fn storage_load_bytes32(mut caller: Ctx<'_, '_>, key: u32, dest: u32) -> HostResult {
    charge(&mut caller, TWO_POINTER_INK)?;
    let key = read_word(&caller, key)?;
    trace_storage(&mut caller, opcode::SLOAD, key, AccessKind::Read);
    let value = match caller.data().cache.get(&key) {
        Some(value) => value,
        None => {
            let env = caller.data_mut();
            let address = env.frame.address;
            let Ok(load) = env.ctx.journaled_state.sload(address, key.into());
            let params = env.ctx.cfg.gas_params();
            let gas = if load.is_cold {
                params.cold_storage_cost()
            } else {
                params.warm_storage_read_cost()
            };
            let value = B256::from(load.data);
            env.cache.remember(key, value);
            charge_gas(&mut caller, gas)?;
            value
        }
    };
    write_bytes(&mut caller, dest, value.as_slice())
}

/// `storage_cache_bytes32(key, value)`: buffers a write until the next flush.
pub(super) fn storage_cache_bytes32(mut caller: Ctx<'_, '_>, key: u32, value: u32) -> HostResult {
    charge(&mut caller, TWO_POINTER_INK)?;
    let key = read_word(&caller, key)?;
    let value = read_word(&caller, value)?;
    caller.data_mut().cache.write(key, value);
    Ok(())
}

/// `storage_flush_cache(clear)`: writes buffered slots to the journal (SSTORE gas each);
/// with `clear`, also forgets the cached reads.
pub(super) fn storage_flush_cache(mut caller: Ctx<'_, '_>, clear: u32) -> HostResult {
    charge(&mut caller, HOSTIO_INK + EVM_API_INK)?;
    let dirty = caller.data().cache.dirty();
    if !dirty.is_empty() && caller.data().frame.is_static {
        return Err(escape(Escape::Fatal("storage write in a static call")));
    }
    for (key, value) in dirty {
        if gas_left(&caller)? <= SSTORE_SENTRY_GAS {
            return Err(escape(Escape::OutOfInk));
        }
        trace_storage(&mut caller, opcode::SSTORE, key, AccessKind::Write);
        let env = caller.data_mut();
        let address = env.frame.address;
        let Ok(store) = env
            .ctx
            .journaled_state
            .sstore(address, key.into(), value.into());
        let params = env.ctx.cfg.gas_params();
        let gas = params.sstore_static_gas()
            + params.sstore_dynamic_gas(true, &store.data, store.is_cold);
        env.refund += params.sstore_refund(true, &store.data);
        charge_gas(&mut caller, gas)?;
    }
    caller.data_mut().cache.flushed(clear != 0);
    Ok(())
}

/// `transient_load_bytes32(key, dest)`.
pub(super) fn transient_load_bytes32(mut caller: Ctx<'_, '_>, key: u32, dest: u32) -> HostResult {
    charge(&mut caller, TWO_POINTER_INK)?;
    charge_gas(&mut caller, TRANSIENT_GAS)?;
    trace(&mut caller, opcode::TLOAD);
    let key = read_word(&caller, key)?;
    let env = caller.data_mut();
    let value = env.ctx.journaled_state.tload(env.frame.address, key.into());
    write_bytes(&mut caller, dest, &value.to_be_bytes::<32>())
}

/// `transient_store_bytes32(key, value)`.
pub(super) fn transient_store_bytes32(mut caller: Ctx<'_, '_>, key: u32, value: u32) -> HostResult {
    charge(&mut caller, TWO_POINTER_INK)?;
    charge_gas(&mut caller, TRANSIENT_GAS)?;
    trace(&mut caller, opcode::TSTORE);
    if caller.data().frame.is_static {
        return Err(escape(Escape::Fatal("transient write in a static call")));
    }
    let key = read_word(&caller, key)?;
    let value = read_word(&caller, value)?;
    let env = caller.data_mut();
    let address = env.frame.address;
    env.ctx
        .journaled_state
        .tstore(address, key.into(), value.into());
    Ok(())
}
