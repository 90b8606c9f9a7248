//! The contract's ABI router, written by hand.
//!
//! Every entry point takes static words or a single `bytes`, so a strict decoder per shape
//! (`sessionkey_policy::abi_args`, canonical encodings only) replaces the SDK's generic router
//! and decoder — about 10 KB less WASM and fewer ink per call. `export_abi.rs` declares the same
//! functions through `#[public]` so `export-abi` still prints the interface, and the tests drive
//! this router with calldata encoded from the committed `abi/ISessionKeyValidator.sol`.

use crate::host::Host;
use alloc::vec::Vec;
use alloy_primitives::B256;
use sessionkey_policy::abi_args::{
    address_word_bytes, addresses, single_bytes, static_words, uint,
};
use sessionkey_policy::userop::decode_validate_user_op;

use crate::abi::Error;
use crate::erc1271;
use crate::module::Module;

/// Function selectors, from the interface file (`abi/ISessionKeyValidator.sol`).
pub mod selector {
    use alloy_sol_types::SolCall;
    use sessionkey_policy::interface::ISessionKeyValidator as I;

    /// `onInstall(bytes)` (ERC-7579).
    pub const ON_INSTALL: [u8; 4] = I::onInstallCall::SELECTOR;
    /// `onUninstall(bytes)` (ERC-7579).
    pub const ON_UNINSTALL: [u8; 4] = I::onUninstallCall::SELECTOR;
    /// `isModuleType(uint256)` (ERC-7579).
    pub const IS_MODULE_TYPE: [u8; 4] = I::isModuleTypeCall::SELECTOR;
    /// `isInitialized(address)` (ERC-7579).
    pub const IS_INITIALIZED: [u8; 4] = I::isInitializedCall::SELECTOR;
    /// `validateUserOp(PackedUserOperation,bytes32)` (ERC-7579).
    pub const VALIDATE_USER_OP: [u8; 4] = sessionkey_policy::userop::VALIDATE_USER_OP_SELECTOR;
    /// `isValidSignatureWithSender(address,bytes32,bytes)` (ERC-7579).
    pub const IS_VALID_SIGNATURE_WITH_SENDER: [u8; 4] = I::isValidSignatureWithSenderCall::SELECTOR;
    /// `registerSession(bytes)`.
    pub const REGISTER_SESSION: [u8; 4] = I::registerSessionCall::SELECTOR;
    /// `revokeSession(address)`.
    pub const REVOKE_SESSION: [u8; 4] = I::revokeSessionCall::SELECTOR;
    /// `revokeAllSessions()`.
    pub const REVOKE_ALL_SESSIONS: [u8; 4] = I::revokeAllSessionsCall::SELECTOR;
    /// `sessionWords(address,address)`.
    pub const SESSION_WORDS: [u8; 4] = I::sessionWordsCall::SELECTOR;
    /// `tokenCapWord(address,address,address)`.
    pub const TOKEN_CAP_WORD: [u8; 4] = I::tokenCapWordCall::SELECTOR;
}

/// Dispatches one call. Unknown selectors, calldata shorter than a selector, and any call
/// carrying value revert with empty data, as a Solidity contract without fallback would.
pub fn route<H: Host + ?Sized>(host: &H, input: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
    let Some((sel, args)) = input.split_first_chunk::<4>() else {
        return Err(Vec::new());
    };
    if !host.msg_value().is_zero() {
        return Err(Vec::new());
    }
    let m = Module { host };
    let out: Result<Vec<u8>, Error> = match *sel {
        selector::VALIDATE_USER_OP => decode_validate_user_op(args)
            .map_err(Error::calldata)
            .and_then(|(op, hash)| m.validate_user_op(&op, hash))
            .map(|w| w.to_vec()),
        selector::ON_INSTALL => single_bytes(args)
            .map_err(Error::calldata)
            .and_then(|d| m.on_install(d))
            .map(unit),
        selector::ON_UNINSTALL => single_bytes(args)
            .map_err(Error::calldata)
            .and_then(|d| m.on_uninstall(d))
            .map(unit),
        selector::REGISTER_SESSION => single_bytes(args)
            .map_err(Error::calldata)
            .and_then(|d| m.register_session(d))
            .map(unit),
        selector::REVOKE_SESSION => addresses::<1>(args)
            .map_err(Error::calldata)
            .and_then(|[s]| m.revoke_session(s))
            .map(unit),
        selector::REVOKE_ALL_SESSIONS => static_words::<0>(args)
            .map_err(Error::calldata)
            .and_then(|_| m.revoke_all_sessions())
            .map(unit),
        selector::IS_MODULE_TYPE => static_words::<1>(args)
            .map_err(Error::calldata)
            .map(|[t]| boolean(m.is_module_type(uint(&t)))),
        selector::IS_INITIALIZED => addresses::<1>(args)
            .map_err(Error::calldata)
            .map(|[a]| boolean(m.is_initialized(a))),
        selector::IS_VALID_SIGNATURE_WITH_SENDER => address_word_bytes(args)
            .map_err(Error::calldata)
            .map(|(_, _, sig)| erc1271::forward(host, input, sig).to_vec()),
        selector::SESSION_WORDS => {
            addresses::<2>(args)
                .map_err(Error::calldata)
                .map(|[account, signer]| {
                    let (a, b, c, d) = m.session_words(account, signer);
                    [a.0, b.0, c.0, d.0].concat()
                })
        }
        selector::TOKEN_CAP_WORD => addresses::<3>(args)
            .map_err(Error::calldata)
            .map(|[account, signer, token]| m.token_cap_word(account, signer, token).to_vec()),
        _ => return Err(Vec::new()),
    };
    out.map_err(Vec::from)
}

/// The ERC-1271 program's router (`crate::erc1271`): `isValidSignatureWithSender` only, with
/// the module's checks on selector and value; everything else reverts with empty data.
pub fn route_erc1271_program<H: Host + ?Sized>(host: &H, input: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
    let Some((&selector::IS_VALID_SIGNATURE_WITH_SENDER, args)) = input.split_first_chunk::<4>()
    else {
        return Err(Vec::new());
    };
    if !host.msg_value().is_zero() {
        return Err(Vec::new());
    }
    let (sender, hash, sig) =
        address_word_bytes(args).map_err(|e| Vec::from(Error::calldata(e)))?;
    let answer = Module { host }.is_valid_signature_with_sender(sender, hash, sig);
    Ok(B256::right_padding_from(&answer).to_vec())
}

fn unit(_: ()) -> Vec<u8> {
    Vec::new()
}

fn boolean(b: bool) -> Vec<u8> {
    B256::with_last_byte(b as u8).to_vec()
}
