//! Hashing.

use alloy_primitives::keccak256;
use revm::bytecode::opcode;

use super::{charge, ink_now, read_bytes, trace, write_bytes, Ctx, HostResult};
use crate::ink::prices::keccak_price;

/// `native_keccak256(data, len, out)`. The preimage is recorded when tracing: ERC-7562's
/// storage-association rule needs to know which slots are `keccak(address ‖ x) + n`.
pub(super) fn native_keccak256(
    mut caller: Ctx<'_, '_>,
    data: u32,
    len: u32,
    out: u32,
) -> HostResult {
    let start = ink_now(&caller)?;
    charge(&mut caller, keccak_price(len as usize))?;
    let preimage = read_bytes(&caller, data, len)?;
    let hash = keccak256(&preimage);
    write_bytes(&mut caller, out, hash.as_slice())?;
    // Nitro: KECCAK256 with the preimage as the step's whole memory.
    trace(&mut caller, opcode::KECCAK256, start);
    if let Some(tracer) = caller.data_mut().ctx.chain.tracer.as_mut() {
        tracer.keccak(&preimage);
    }
    Ok(())
}
