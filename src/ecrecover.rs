//! Signer recovery through the ecrecover precompile (address 0x01, 3,000 gas): far smaller and
//! cheaper than running secp256k1 arithmetic in WASM.
//!
//! The call forwards [`ECRECOVER_GAS`], not "all gas": Nitro reports a Stylus call to tracers
//! with `gas` = the 63/64 cap and `cost` = base cost + forwarded gas (`CaptureStylusCall` in
//! `arbos/util/tracing.go`), so forwarding everything shows `cost > gas`, which rundler's and
//! the reference bundler's JavaScript tracers read as out of gas (ERC-7562 OP-020) and refuse.
//!
//! The precompile is called through the raw `static_call_contract` hostio rather than the SDK's
//! `RawCall`: no storage-cache flush is needed (a precompile cannot re-enter or read our
//! storage), and the generic call helper would link the `call_contract` and
//! `delegate_call_contract` hostios the module never uses.

use alloy_primitives::{Address, B256};
use sessionkey_policy::signature::{recovered_address, SessionSignature};
use stylus_sdk::prelude::*;

/// The precompile's address.
pub const ECRECOVER: Address = Address::with_last_byte(1);

/// Gas forwarded to the precompile: exactly its price (EIP-2929 leaves it at 3,000; Nitro
/// prices precompiles as geth does).
pub const ECRECOVER_GAS: u64 = 3_000;

/// The address that signed `digest`, or `None` (bad signature, or a failed call). The
/// precompile is called even for signatures [`SessionSignature::is_canonical`] rejects, so gas
/// does not depend on what a dummy signature looks like.
pub fn recover<H: Host + ?Sized>(
    host: &H,
    digest: &B256,
    sig: &SessionSignature,
) -> Option<Address> {
    let input = sig.ecrecover_input(digest);
    let mut out_len = 0usize;
    // SAFETY: the pointers are to live, correctly sized buffers for the duration of the call;
    // a static call cannot change state, so no cache flush or reentrancy concern applies.
    let status = unsafe {
        host.static_call_contract(
            ECRECOVER.as_ptr(),
            input.as_ptr(),
            input.len(),
            ECRECOVER_GAS,
            &mut out_len,
        )
    };
    if status != 0 || out_len != 32 {
        return None;
    }
    recovered_address(&host.read_return_data(0, Some(32)))
}
