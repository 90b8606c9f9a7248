//! The interface as `#[public]` functions, compiled only for `export-abi`: the SDK prints the
//! Solidity interface from these declarations. Each delegates to [`Module`], the same code the
//! hand-written router calls on-chain; `validateUserOp` is routed through the fallback here, so
//! export-abi cannot print it and `abi/ISessionKeyValidator.sol` adds it by hand.

use alloc::vec::Vec;
use alloy_primitives::{Address, FixedBytes, B256, U256};
use stylus_sdk::abi::Bytes;
use stylus_sdk::prelude::*;
use stylus_sdk::ArbResult;

use crate::abi::Error;
use crate::erc1271::ERC1271_INVALID;
use crate::module::Module;

/// Interface-only contract type (no SDK storage: slots are derived in `slots.rs`).
#[storage]
#[entrypoint]
pub struct SessionKeyValidator {}

#[public]
impl SessionKeyValidator {
    /// ERC-7579 `onInstall(bytes)`.
    pub fn on_install(&mut self, data: Bytes) -> Result<(), Error> {
        Module { host: self.vm() }.on_install(&data)
    }

    /// ERC-7579 `onUninstall(bytes)`.
    pub fn on_uninstall(&mut self, data: Bytes) -> Result<(), Error> {
        Module { host: self.vm() }.on_uninstall(&data)
    }

    /// ERC-7579 `isModuleType(uint256)`.
    pub fn is_module_type(&self, module_type_id: U256) -> bool {
        Module { host: self.vm() }.is_module_type(module_type_id)
    }

    /// ERC-7579 `isInitialized(address)`.
    pub fn is_initialized(&self, smart_account: Address) -> bool {
        Module { host: self.vm() }.is_initialized(smart_account)
    }

    /// Registers a session from its encoded record.
    pub fn register_session(&mut self, record: Bytes) -> Result<(), Error> {
        Module { host: self.vm() }.register_session(&record)
    }

    /// Revokes one session.
    pub fn revoke_session(&mut self, signer: Address) -> Result<(), Error> {
        Module { host: self.vm() }.revoke_session(signer)
    }

    /// Revokes every session.
    pub fn revoke_all_sessions(&mut self) -> Result<(), Error> {
        Module { host: self.vm() }.revoke_all_sessions()
    }

    /// ERC-7579 `isValidSignatureWithSender`: a session key's typed-data signature inside its
    /// scopes, checked by the ERC-1271 program the module delegates to (`crate::erc1271`; only
    /// the ABI is declared here).
    pub fn is_valid_signature_with_sender(
        &self,
        sender: Address,
        hash: B256,
        signature: Bytes,
    ) -> FixedBytes<4> {
        let _ = (sender, hash, signature);
        FixedBytes(ERC1271_INVALID)
    }

    /// Raw session words.
    pub fn session_words(&self, account: Address, signer: Address) -> (B256, B256, B256, B256) {
        Module { host: self.vm() }.session_words(account, signer)
    }

    /// Raw token-cap word.
    pub fn token_cap_word(&self, account: Address, signer: Address, token: Address) -> B256 {
        Module { host: self.vm() }.token_cap_word(account, signer, token)
    }

    /// `validateUserOp` and anything else: the on-chain router.
    #[fallback]
    pub fn fallback(&mut self, calldata: &[u8]) -> ArbResult {
        let _: Vec<u8> = Vec::new();
        crate::router::route(self.vm(), calldata)
    }
}
