//! Storage slots, derived exactly as Solidity derives nested mapping slots, so any tool can read
//! them (`cast storage`, explorers) and auditors can check ERC-7562 association by formula.
//!
//! `mapping(K ⇒ mapping(address account ⇒ T))` at root `p`: the value lives at
//! `keccak256(pad(account) ‖ keccak256(pad(K) ‖ pad(p))) + n` — "keccak256(A ‖ x) + n", the
//! shape ERC-7562 associates with account A, for n < 128. See `sessionkey_policy::layout`.

use crate::host::Host;
use alloy_primitives::{Address, B256, U256};
use sessionkey_policy::layout::{self, CallKey};

/// `keccak256(a ‖ b)` over two words, with the host's native keccak.
fn hash_pair<H: Host + ?Sized>(host: &H, a: &B256, b: &B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(a.as_slice());
    buf[32..].copy_from_slice(b.as_slice());
    host.keccak256(&buf)
}

/// Slot of `mapping(address ⇒ T)` at `root`, for `account`.
pub fn account_slot<H: Host + ?Sized>(host: &H, account: Address) -> U256 {
    U256::from_be_bytes(hash_pair(host, &account.into_word(), &root(layout::ACCOUNTS_ROOT)).0)
}

/// Base slot of `mapping(K ⇒ mapping(address account ⇒ T))` at `root`.
fn nested_slot<H: Host + ?Sized>(host: &H, root_slot: u8, outer: &B256, account: Address) -> U256 {
    let inner = hash_pair(host, outer, &root(root_slot));
    U256::from_be_bytes(hash_pair(host, &account.into_word(), &inner).0)
}

/// Base slot of the session of `signer` on `account` (words: header, spend, paymaster).
pub fn session_slot<H: Host + ?Sized>(host: &H, signer: Address, account: Address) -> U256 {
    nested_slot(host, layout::SESSIONS_ROOT, &signer.into_word(), account)
}

/// Base slot of a call entry.
pub fn call_slot<H: Host + ?Sized>(
    host: &H,
    account: Address,
    signer: Address,
    perm_nonce: u64,
    key: &CallKey,
) -> U256 {
    let outer = host.keccak256(&layout::call_key_preimage(signer, perm_nonce, key));
    nested_slot(host, layout::CALLS_ROOT, &outer, account)
}

/// Slot of a token cap.
pub fn token_slot<H: Host + ?Sized>(
    host: &H,
    account: Address,
    signer: Address,
    perm_nonce: u64,
    token: Address,
) -> U256 {
    let outer = host.keccak256(&layout::token_key_preimage(signer, perm_nonce, token));
    nested_slot(host, layout::TOKEN_CAPS_ROOT, &outer, account)
}

/// Base slot of a typed-data scope: `keccak256(pad(account) ‖ keccak256(keccak256(signer ‖
/// nonce ‖ appDomainSeparator ‖ contentsTypehash) ‖ pad(4)))`, stored as a call entry.
pub fn scope_slot<H: Host + ?Sized>(
    host: &H,
    account: Address,
    signer: Address,
    perm_nonce: u64,
    app_domain_separator: &B256,
    contents_typehash: &B256,
) -> U256 {
    let outer = host.keccak256(&layout::scope_key_preimage(
        signer,
        perm_nonce,
        app_domain_separator,
        contents_typehash,
    ));
    nested_slot(host, layout::SCOPES_ROOT, &outer, account)
}

fn root(slot: u8) -> B256 {
    B256::with_last_byte(slot)
}

/// `base + n`: word `n` of a struct or entry stored from `base`.
#[inline(never)]
pub fn offset(base: U256, n: usize) -> U256 {
    base + U256::from_limbs([n as u64, 0, 0, 0])
}
