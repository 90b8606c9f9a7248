//! Other accounts: balance, code, code size, code hash (EIP-2929 access costs apply).

use alloy_primitives::{Address, Bytes, B256, U256};
use revm::bytecode::opcode;
use revm::context_interface::{Cfg, JournalTr};

use super::{
    charge, charge_gas, ink_now, read_address, trace, write_bytes, Ctx, HostEnv, HostResult,
};
use crate::ink::prices::{write_price, EVM_API_INK, HOSTIO_INK, PTR_INK};
use crate::tracer::{call_access, original_code, CodeFacts};

/// Account facts a host function needs, loaded (and warmed) once.
struct AccountFacts {
    balance: U256,
    code: Bytes,
    code_hash: B256,
    is_empty: bool,
    access_gas: u64,
}

fn load(env: &mut HostEnv<'_>, address: Address) -> Result<AccountFacts, wasmi::Error> {
    let params = env.ctx.cfg.gas_params();
    let (warm, cold_extra) = (
        params.warm_storage_read_cost(),
        params.cold_account_additional_cost(),
    );
    let Ok(account) = env.ctx.journaled_state.load_account_with_code(address);
    let code = original_code(&account.info);
    Ok(AccountFacts {
        balance: account.info.balance,
        code,
        code_hash: account.info.code_hash,
        is_empty: account.is_empty(),
        access_gas: warm + if account.is_cold { cold_extra } else { 0 },
    })
}

/// Loads `address` and charges its access; traces the opcode (with the ink spent since
/// `start`) and, for `EXTCODE*`, the use of the address's code.
fn facts(
    caller: &mut Ctx<'_, '_>,
    address_ptr: u32,
    opcode: u8,
    start: u64,
) -> HostResult<AccountFacts> {
    let address = read_address(caller, address_ptr)?;
    let facts = load(caller.data_mut(), address)?;
    charge_gas(caller, facts.access_gas)?;
    trace(caller, opcode, start);
    if opcode != opcode::BALANCE {
        let code = CodeFacts::of(&facts.code, facts.code_hash);
        let access = call_access(opcode, address, U256::ZERO, &[], &code);
        if let Some(tracer) = caller.data_mut().ctx.chain.tracer.as_mut() {
            tracer.code_access(crate::tracer::CodeAccess {
                selector: None,
                ..access
            });
        }
    }
    Ok(facts)
}

/// `account_balance(address, dest)`.
pub(super) fn account_balance(mut caller: Ctx<'_, '_>, address: u32, dest: u32) -> HostResult {
    let start = ink_now(&caller)?;
    charge(&mut caller, HOSTIO_INK + 2 * PTR_INK + EVM_API_INK)?;
    let facts = facts(&mut caller, address, opcode::BALANCE, start)?;
    write_bytes(&mut caller, dest, &facts.balance.to_be_bytes::<32>())
}

/// `account_codehash(address, dest)`: zero for empty accounts (EIP-1052).
pub(super) fn account_codehash(mut caller: Ctx<'_, '_>, address: u32, dest: u32) -> HostResult {
    let start = ink_now(&caller)?;
    charge(&mut caller, HOSTIO_INK + 2 * PTR_INK + EVM_API_INK)?;
    let facts = facts(&mut caller, address, opcode::EXTCODEHASH, start)?;
    let hash = if facts.is_empty {
        B256::ZERO
    } else {
        facts.code_hash
    };
    write_bytes(&mut caller, dest, hash.as_slice())
}

/// `account_code_size(address) -> usize`.
pub(super) fn account_code_size(mut caller: Ctx<'_, '_>, address: u32) -> HostResult<u32> {
    let start = ink_now(&caller)?;
    charge(&mut caller, HOSTIO_INK + EVM_API_INK)?;
    let facts = facts(&mut caller, address, opcode::EXTCODESIZE, start)?;
    Ok(u32::try_from(facts.code.len()).unwrap_or(u32::MAX))
}

/// `account_code(address, offset, size, dest) -> usize`: copies up to `size` bytes of code
/// from `offset`; returns how many were copied.
pub(super) fn account_code(
    mut caller: Ctx<'_, '_>,
    address: u32,
    offset: u32,
    size: u32,
    dest: u32,
) -> HostResult<u32> {
    let start = ink_now(&caller)?;
    charge(
        &mut caller,
        HOSTIO_INK + EVM_API_INK + write_price(size as usize),
    )?;
    let facts = facts(&mut caller, address, opcode::EXTCODECOPY, start)?;
    let copy_gas = caller.data().ctx.cfg.gas_params().copy_cost(size as usize);
    charge_gas(&mut caller, copy_gas)?;
    let start = (offset as usize).min(facts.code.len());
    let end = start.saturating_add(size as usize).min(facts.code.len());
    let slice = &facts.code[start..end];
    write_bytes(&mut caller, dest, slice)?;
    Ok(u32::try_from(slice.len()).unwrap_or(u32::MAX))
}
