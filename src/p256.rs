//! P-256 and WebAuthn session signatures, verified by precompiles: RIP-7212 `P256VERIFY`
//! (0x100; on Arbitrum since ArbOS 30) and SHA-256 (0x02). As with ecrecover, each call forwards
//! a fixed amount of gas, never "all gas" (see `ecrecover.rs` for why tracers need that).

use crate::host::Host;
use alloy_primitives::{Address, B256};
use sessionkey_policy::signer::{P256PublicKey, P256Signature, WebAuthnAssertion};

/// RIP-7212 `P256VERIFY`.
pub const P256VERIFY: Address = Address::new([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,
]);

/// Gas forwarded to `P256VERIFY`: its price from ArbOS 50 (6,900, EIP-7951's; 3,450 before, RIP-7212's), so
/// the call succeeds on either side of the repricing (go-ethereum `core/vm/contracts.go`,
/// `p256Verify.RequiredGas`; Nitro passes it through unchanged).
pub const P256VERIFY_GAS: u64 = 6_900;

/// The SHA-256 precompile.
pub const SHA256: Address = Address::with_last_byte(2);

/// SHA-256's price: 60 + 12 per 32-byte word of input (Yellow Paper Appendix E).
pub fn sha256_gas(len: usize) -> u64 {
    60 + 12 * len.div_ceil(32) as u64
}

/// `sha256(data)` by the precompile; `None` if the call fails.
pub fn sha256<H: Host + ?Sized>(host: &H, data: &[u8]) -> Option<B256> {
    host.static_call_word(&SHA256, data, sha256_gas(data.len()))
}

/// Whether `P256VERIFY` accepts `sig` by `key` over `hash` (it answers one word `1`, or
/// nothing). High `s` is the caller's to refuse: the precompile accepts both forms.
pub fn verify<H: Host + ?Sized>(
    host: &H,
    hash: &B256,
    sig: &P256Signature,
    key: &P256PublicKey,
) -> bool {
    host.static_call_word(
        &P256VERIFY,
        &sig.precompile_input(hash, key),
        P256VERIFY_GAS,
    ) == Some(B256::with_last_byte(1))
}

/// Whether `assertion` is a passkey's signature with `challenge` as its WebAuthn challenge:
/// `P256VERIFY(sha256(authenticatorData ‖ sha256(clientDataJSON)), r, s, x, y)`. The
/// precompiles run whatever the flags say, so gas does not depend on them.
pub fn verify_webauthn<H: Host + ?Sized>(
    host: &H,
    challenge: &B256,
    assertion: &WebAuthnAssertion<'_>,
    key: &P256PublicKey,
) -> bool {
    let Some(client_data_hash) = sha256(host, &assertion.client_data(challenge)) else {
        return false;
    };
    let Some(message) = sha256(host, &assertion.signed_message(&client_data_hash)) else {
        return false;
    };
    verify(host, &message, &assertion.signature, key) && assertion.user_present()
}
