//! Signer recovery through the ecrecover precompile (address 0x01, 3,000 gas): far smaller and
//! cheaper than running secp256k1 arithmetic in WASM.

use alloy_primitives::{Address, B256};
use sessionkey_policy::signature::{recovered_address, SessionSignature};
use stylus_sdk::call::static_call;
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
    let out = static_call(host, Call::new(), ECRECOVER, &sig.ecrecover_input(digest)).ok()?;
    recovered_address(&out)
}
