//! Persistent storage through the VM-side cache, and transient storage.
//!
//! Prices (nitro `user-host-trait`): a load or buffered write costs 18,480 ink (host entry and
//! two words) plus Nitro's per-frame surcharges (`read_gas`: free for 32 loads; `write_gas`:
//! free for 8 writes); a load that misses the cache adds EIP-2929 SLOAD gas (2,100 cold / 100
//! warm) and the 5-gas EVM round trip. A flush costs 68,073 ink plus, per dirty slot, the SSTORE
//! gas of EIP-2200/2929 with EIP-3529 refunds, exactly as revm charges the opcode. Transient
//! storage costs 78,153 ink plus TLOAD/TSTORE's 100 gas.

use alloy_primitives::B256;
use revm::bytecode::opcode;
use revm::context_interface::{Cfg, JournalTr};

use super::{
    charge, charge_gas, escape, gas_left, ink_now, read_word, trace, trace_step, write_bytes, Ctx,
    Escape, HostResult,
};
use crate::ink::prices::{
    storage_read_gas, storage_write_gas, EVM_API_INK, HOSTIO_INK, PTR_INK, STORAGE_LOAD_API_GAS,
};
use crate::ink::INK_PER_GAS;
use crate::tracer::{AccessKind, SSTORE_SENTRY_GAS};

const TWO_POINTER_INK: u64 = HOSTIO_INK + 2 * PTR_INK;
/// Transient storage: host entry, two words and an EVM round trip (78,153).
const TRANSIENT_INK: u64 = TWO_POINTER_INK + EVM_API_INK;
/// Gas a load must have left before it runs (Nitro's `require_gas`: a cold SLOAD, the largest
/// read surcharge and the EVM round trip); nothing is burnt by the check.
const LOAD_REQUIRED_GAS: u64 = 2_100 + 10 + STORAGE_LOAD_API_GAS;
/// Gas a buffered write must have left (`require_gas(2,300 + 10)`).
const CACHE_REQUIRED_GAS: u64 = 2_300 + 10;

/// Nitro's `require_gas`: fails the frame when less than `gas` is left, burns nothing.
fn require_gas(caller: &Ctx<'_, '_>, gas: u64) -> HostResult {
    if gas_left(caller)? < gas {
        return Err(escape(Escape::OutOfInk));
    }
    Ok(())
}
/// TLOAD / TSTORE cost (EIP-1153).
const TRANSIENT_GAS: u64 = 100;

/// Traces a storage access as the opcode a tracer sees, with Nitro's gas and cost.
fn trace_storage(caller: &mut Ctx<'_, '_>, key: B256, kind: AccessKind, start: u64) {
    trace(caller, kind.opcode(), start);
    record_access(caller, key, kind);
}

fn record_access(caller: &mut Ctx<'_, '_>, key: B256, kind: AccessKind) {
    let env = caller.data_mut();
    let address = env.frame.address;
    if let Some(tracer) = env.ctx.chain.tracer.as_mut() {
        tracer.storage(address, key, kind);
    }
}

/// `storage_load_bytes32(key, dest)`: traced as `SLOAD` only when it misses the cache (Nitro
/// reports only the reads that reach the database).
pub(super) fn storage_load_bytes32(mut caller: Ctx<'_, '_>, key: u32, dest: u32) -> HostResult {
    let start = ink_now(&caller)?;
    charge(&mut caller, TWO_POINTER_INK)?;
    require_gas(&caller, LOAD_REQUIRED_GAS)?;
    let key = read_word(&caller, key)?;
    let loads = caller.data_mut().cache.count_load();
    charge_gas(&mut caller, storage_read_gas(loads))?;
    let value = match caller.data().cache.get(&key) {
        Some(value) => value,
        None => {
            let env = caller.data_mut();
            let address = env.frame.address;
            let Ok(load) = env.ctx.journaled_state.sload(address, key.into());
            let params = env.ctx.cfg.gas_params();
            let gas = STORAGE_LOAD_API_GAS
                + if load.is_cold {
                    params.cold_storage_cost()
                } else {
                    params.warm_storage_read_cost()
                };
            let value = B256::from(load.data);
            env.cache.remember(key, value);
            charge_gas(&mut caller, gas)?;
            trace_storage(&mut caller, key, AccessKind::Read, start);
            value
        }
    };
    write_bytes(&mut caller, dest, value.as_slice())
}

/// `storage_cache_bytes32(key, value)`: buffers a write until the next flush.
pub(super) fn storage_cache_bytes32(mut caller: Ctx<'_, '_>, key: u32, value: u32) -> HostResult {
    charge(&mut caller, TWO_POINTER_INK)?;
    require_gas(&caller, CACHE_REQUIRED_GAS)?;
    let writes = caller.data_mut().cache.count_write();
    charge_gas(&mut caller, storage_write_gas(writes))?;
    let key = read_word(&caller, key)?;
    let value = read_word(&caller, value)?;
    caller.data_mut().cache.write(key, value);
    Ok(())
}

/// `storage_flush_cache(clear)`: writes dirty slots to the journal (SSTORE gas each); with
/// `clear`, also forgets the cached reads. Traced as Nitro does: one `SSTORE` per slot written,
/// after the flush, the first carrying the flush's cost and every one the gas left.
pub(super) fn storage_flush_cache(mut caller: Ctx<'_, '_>, clear: u32) -> HostResult {
    let start = ink_now(&caller)?;
    charge(&mut caller, HOSTIO_INK + EVM_API_INK)?;
    let dirty = caller.data().cache.dirty();
    if !dirty.is_empty() && caller.data().frame.is_static {
        return Err(escape(Escape::Fatal("storage write in a static call")));
    }
    for &(key, value) in &dirty {
        if gas_left(&caller)? <= SSTORE_SENTRY_GAS {
            return Err(escape(Escape::OutOfInk));
        }
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
    let end = ink_now(&caller)?;
    for (i, (key, _)) in dirty.iter().enumerate() {
        let cost = if i == 0 { start.saturating_sub(end) } else { 0 };
        trace_step(
            &mut caller,
            opcode::SSTORE,
            end / INK_PER_GAS,
            cost / INK_PER_GAS,
        );
        record_access(&mut caller, *key, AccessKind::Write);
    }
    Ok(())
}

/// `transient_load_bytes32(key, dest)`.
pub(super) fn transient_load_bytes32(mut caller: Ctx<'_, '_>, key: u32, dest: u32) -> HostResult {
    let start = ink_now(&caller)?;
    charge(&mut caller, TRANSIENT_INK)?;
    charge_gas(&mut caller, TRANSIENT_GAS)?;
    let key = read_word(&caller, key)?;
    let env = caller.data_mut();
    let value = env.ctx.journaled_state.tload(env.frame.address, key.into());
    write_bytes(&mut caller, dest, &value.to_be_bytes::<32>())?;
    trace_storage(&mut caller, key, AccessKind::TransientRead, start);
    Ok(())
}

/// `transient_store_bytes32(key, value)`.
pub(super) fn transient_store_bytes32(mut caller: Ctx<'_, '_>, key: u32, value: u32) -> HostResult {
    let start = ink_now(&caller)?;
    charge(&mut caller, TRANSIENT_INK)?;
    charge_gas(&mut caller, TRANSIENT_GAS)?;
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
    trace_storage(&mut caller, key, AccessKind::TransientWrite, start);
    Ok(())
}
