//! Signer recovery through the ecrecover precompile (address 0x01, 3,000 gas): far smaller and
//! cheaper than running secp256k1 arithmetic in WASM.
//!
//! The call forwards [`ECRECOVER_GAS`], not "all gas": Nitro reports a Stylus call to tracers
//! with `gas` = the 63/64 cap and `cost` = base cost + forwarded gas (`CaptureStylusCall` in
//! `arbos/util/tracing.go`), so forwarding everything shows `cost > gas`, which rundler's and
//! the reference bundler's JavaScript tracers read as out of gas (ERC-7562 OP-020) and refuse.
//!
//! The precompile is called through the raw `static_call_contract` hostio: no storage-cache
//! flush is needed first (a precompile cannot re-enter or read our storage).

use crate::host::Host;
use alloy_primitives::{Address, B256};
use sessionkey_policy::signature::{recovered_address, SessionSignature};

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
    let word = host.static_call_word(&ECRECOVER, &sig.ecrecover_input(digest), ECRECOVER_GAS)?;
    recovered_address(word.as_slice())
}
