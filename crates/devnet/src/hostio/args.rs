//! Calldata in, result out, early exit.

use revm::bytecode::opcode;

use super::{charge, escape, ink_now, read_bytes, trace, write_bytes, Ctx, Escape, HostResult};
use crate::ink::prices::{read_price, write_price, HOSTIO_INK};

/// `read_args(dest)`: copies the calldata to `dest` (traced as `CALLDATACOPY`, as Nitro does).
pub(super) fn read_args(mut caller: Ctx<'_, '_>, dest: u32) -> HostResult {
    let start = ink_now(&caller)?;
    let args = caller.data().args.clone();
    charge(&mut caller, HOSTIO_INK + write_price(args.len()))?;
    write_bytes(&mut caller, dest, &args)?;
    trace(&mut caller, opcode::CALLDATACOPY, start);
    Ok(())
}

/// `write_result(data, len)`: sets the frame's return data (does not exit).
pub(super) fn write_result(mut caller: Ctx<'_, '_>, data: u32, len: u32) -> HostResult {
    charge(&mut caller, HOSTIO_INK + 2 * read_price(len as usize))?;
    let result = read_bytes(&caller, data, len)?;
    caller.data_mut().result = result;
    Ok(())
}

/// `exit_early(status)`: ends the program now; 0 succeeds, anything else reverts with the
/// result written so far.
pub(super) fn exit_early(mut caller: Ctx<'_, '_>, status: u32) -> HostResult {
    charge(&mut caller, HOSTIO_INK)?;
    Err(escape(Escape::Exit(status)))
}
