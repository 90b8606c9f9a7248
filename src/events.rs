//! Event emission, hand-encoded: every event has address topics and static data words, so one
//! small function replaces a derived encoder per event. The contract tests compare each log
//! with alloy's `SolEvent` encoding of the declared event (`abi.rs`).

use crate::host::Host;
use alloy_primitives::{Address, B256};
use alloy_sol_types::SolEvent;

use crate::abi;

/// One log through the `emit_log` hostio: topics `sig`, `account` and (if any) `signer`, then
/// the data words `nonce` and `hash` that are present, in that order. Every event here has
/// that shape, so one non-generic encoder over a fixed buffer serves them all.
#[inline(never)]
fn emit<H: Host + ?Sized>(
    host: &H,
    sig: &B256,
    account: Address,
    signer: Option<Address>,
    nonce: Option<u64>,
    hash: Option<&B256>,
) {
    let mut buf = [0u8; 5 * 32];
    buf[..32].copy_from_slice(sig.as_slice());
    buf[44..64].copy_from_slice(account.as_slice());
    let mut topics = 2;
    let mut len = 64;
    if let Some(s) = signer {
        buf[76..96].copy_from_slice(s.as_slice());
        topics = 3;
        len = 96;
    }
    if let Some(n) = nonce {
        buf[len + 24..len + 32].copy_from_slice(&n.to_be_bytes());
        len += 32;
    }
    if let Some(h) = hash {
        buf[len..len + 32].copy_from_slice(h.as_slice());
        len += 32;
    }
    host.emit_log(&buf[..len], topics);
}

/// `ModuleInstalled(account)`.
pub fn module_installed<H: Host + ?Sized>(host: &H, account: Address) {
    emit(
        host,
        &abi::ModuleInstalled::SIGNATURE_HASH,
        account,
        None,
        None,
        None,
    );
}

/// `ModuleUninstalled(account)`.
pub fn module_uninstalled<H: Host + ?Sized>(host: &H, account: Address) {
    emit(
        host,
        &abi::ModuleUninstalled::SIGNATURE_HASH,
        account,
        None,
        None,
        None,
    );
}

/// `SessionRegistered(account, signer, permNonce, recordHash)`.
pub fn session_registered<H: Host + ?Sized>(
    host: &H,
    account: Address,
    signer: Address,
    perm_nonce: u64,
    record_hash: B256,
) {
    emit(
        host,
        &abi::SessionRegistered::SIGNATURE_HASH,
        account,
        Some(signer),
        Some(perm_nonce),
        Some(&record_hash),
    );
}

/// `SessionRevoked(account, signer, permNonce)`.
pub fn session_revoked<H: Host + ?Sized>(
    host: &H,
    account: Address,
    signer: Address,
    perm_nonce: u64,
) {
    emit(
        host,
        &abi::SessionRevoked::SIGNATURE_HASH,
        account,
        Some(signer),
        Some(perm_nonce),
        None,
    );
}

/// `AllSessionsRevoked(account, revokedBelow)`.
pub fn all_sessions_revoked<H: Host + ?Sized>(host: &H, account: Address, revoked_below: u64) {
    emit(
        host,
        &abi::AllSessionsRevoked::SIGNATURE_HASH,
        account,
        None,
        Some(revoked_below),
        None,
    );
}
