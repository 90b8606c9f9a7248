//! Event emission, hand-encoded: every event has address topics and static data words, so one
//! small function replaces a derived encoder per event. The contract tests compare each log
//! with alloy's `SolEvent` encoding of the declared event (`abi.rs`).

use alloy_primitives::{Address, B256};
use alloy_sol_types::SolEvent;
use stylus_sdk::prelude::*;

use crate::abi;

/// `topics ‖ data` through the `emit_log` hostio.
#[inline(never)]
fn emit<H: Host + ?Sized>(host: &H, topics: &[B256], data: &[B256]) {
    let mut buf = alloc::vec::Vec::with_capacity(32 * (topics.len() + data.len()));
    for w in topics.iter().chain(data) {
        buf.extend_from_slice(w.as_slice());
    }
    host.emit_log(&buf, topics.len());
}

fn word(v: u64) -> B256 {
    B256::left_padding_from(&v.to_be_bytes())
}

/// `ModuleInstalled(account)`.
pub fn module_installed<H: Host + ?Sized>(host: &H, account: Address) {
    emit(
        host,
        &[abi::ModuleInstalled::SIGNATURE_HASH, account.into_word()],
        &[],
    );
}

/// `ModuleUninstalled(account)`.
pub fn module_uninstalled<H: Host + ?Sized>(host: &H, account: Address) {
    emit(
        host,
        &[abi::ModuleUninstalled::SIGNATURE_HASH, account.into_word()],
        &[],
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
        &[
            abi::SessionRegistered::SIGNATURE_HASH,
            account.into_word(),
            signer.into_word(),
        ],
        &[word(perm_nonce), record_hash],
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
        &[
            abi::SessionRevoked::SIGNATURE_HASH,
            account.into_word(),
            signer.into_word(),
        ],
        &[word(perm_nonce)],
    );
}

/// `AllSessionsRevoked(account, revokedBelow)`.
pub fn all_sessions_revoked<H: Host + ?Sized>(host: &H, account: Address, revoked_below: u64) {
    emit(
        host,
        &[abi::AllSessionsRevoked::SIGNATURE_HASH, account.into_word()],
        &[word(revoked_below)],
    );
}
