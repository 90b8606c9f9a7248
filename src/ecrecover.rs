//! Signer recovery through the ecrecover precompile (address 0x01, 3,000 gas): far smaller and
//! cheaper than running secp256k1 arithmetic in WASM.
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
            u64::MAX,
            &mut out_len,
        )
    };
    if status != 0 || out_len != 32 {
        return None;
    }
    recovered_address(&host.read_return_data(0, Some(32)))
}
