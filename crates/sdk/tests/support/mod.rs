//! The contract on stylus-test's `TestVM`, for tests that drive it through its router.
//!
//! What only the TestVM tests need; the ecrecover stand-in is the workspace's
//! (`sessionkey-testkit`).
#![allow(dead_code)]

use std::collections::HashMap;

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use sessionkey_policy::layout;
use sessionkey_sdk::account_calls::ISessionKeyValidator as I;
use sessionkey_sdk::PackedUserOperation;
use stylus_sdk::testing::TestVM;

/// The ecrecover precompile.
pub const ECRECOVER: Address =
    alloy_primitives::address!("0x0000000000000000000000000000000000000001");

/// What the ecrecover precompile answers (the workspace's one stand-in).
pub use sessionkey_testkit::ecrecover_precompile as precompile_ecrecover;

/// The module at `module`, called by `account`, on a fresh TestVM.
pub struct Contract {
    /// The VM (storage is read and restored through it).
    pub vm: TestVM,
    /// The calling account.
    pub account: Address,
}

impl Contract {
    /// A fresh VM with nothing stored.
    pub fn new(module: Address, account: Address) -> Self {
        let vm = TestVM::new();
        vm.set_contract_address(module);
        vm.set_sender(account);
        Self { vm, account }
    }

    /// Answers ecrecover for `input` (computed once by the caller: k256 recovery is the
    /// costliest thing a long sequence would otherwise repeat).
    pub fn mock_ecrecover(&self, input: &[u8; 128], output: Vec<u8>) {
        self.vm
            .mock_static_call(ECRECOVER, input.to_vec(), Ok(output));
    }

    /// One call through the contract's router.
    pub fn call(&self, data: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        session_key_validator::router::route(&self.vm, data)
    }

    /// `validateUserOp(op, hash)`: the validationData word or the revert data.
    pub fn validate(&self, op: &PackedUserOperation, hash: B256) -> Result<B256, Bytes> {
        let data = I::validateUserOpCall {
            userOp: op.clone(),
            userOpHash: hash,
        }
        .abi_encode();
        match self.call(&data) {
            Ok(out) => Ok(B256::from_slice(&out)),
            Err(e) => Err(e.into()),
        }
    }

    /// `validateUserOp(op, hash)` with the precompile's answer for the op's own signature
    /// mocked first (a malformed signature mocks nothing).
    pub fn validate_signed(
        &self,
        op: &PackedUserOperation,
        hash: B256,
        module: Address,
    ) -> Result<B256, Bytes> {
        if let Some(sig) = sessionkey_policy::signature::SessionSignature::parse(&op.signature) {
            let input = sig.ecrecover_input(&sessionkey_sdk::key::session_digest(&hash, module));
            self.mock_ecrecover(&input, precompile_ecrecover(&input));
        }
        self.validate(op, hash)
    }

    /// The `(header, spend)` words of `signer`'s session on the calling account, read through
    /// the contract's own view.
    pub fn session_words(&self, signer: Address) -> (B256, B256) {
        let call = I::sessionWordsCall {
            account: self.account,
            signer,
        };
        let out = self.call(&call.abi_encode()).expect("a view");
        let r = I::sessionWordsCall::abi_decode_returns(&out).expect("four words");
        (r.header, r.spend)
    }

    /// The token-cap word of `signer`'s current registration for `token`, through the view.
    pub fn token_word(&self, signer: Address, token: Address) -> B256 {
        let call = I::tokenCapWordCall {
            account: self.account,
            signer,
            token,
        };
        let out = self.call(&call.abi_encode()).expect("a view");
        I::tokenCapWordCall::abi_decode_returns(&out).expect("a word")
    }

    /// Every storage word the contract has written (all of its storage: TestVM keeps nothing
    /// else there).
    pub fn storage(&self) -> HashMap<U256, B256> {
        self.vm.snapshot().storage
    }

    /// Puts storage back as it was (what EntryPoint's revert of a bundle does).
    pub fn restore(&self, words: &HashMap<U256, B256>) {
        self.vm.clear_storage();
        for (k, v) in words {
            self.vm.set_storage(*k, *v);
        }
    }
}

/// The words whose value differs between two storage maps (absent = zero), with the new value.
pub fn diff(before: &HashMap<U256, B256>, after: &HashMap<U256, B256>) -> HashMap<U256, B256> {
    let get = |m: &HashMap<U256, B256>, k: &U256| m.get(k).copied().unwrap_or_default();
    before
        .keys()
        .chain(after.keys())
        .filter(|k| get(before, k) != get(after, k))
        .map(|k| (*k, get(after, k)))
        .collect()
}

/// The contract's storage slots, derived as `src/slots.rs` does (Solidity nested mappings),
/// written out again here so a wrong derivation there cannot hide behind itself.
pub mod slots {
    use super::*;
    use alloy_primitives::keccak256;

    fn hash_pair(a: &B256, b: &B256) -> B256 {
        let mut buf = [0u8; 64];
        buf[..32].copy_from_slice(a.as_slice());
        buf[32..].copy_from_slice(b.as_slice());
        keccak256(buf)
    }

    fn root(slot: u8) -> B256 {
        B256::with_last_byte(slot)
    }

    fn nested(root_slot: u8, outer: &B256, account: Address) -> U256 {
        let inner = hash_pair(outer, &root(root_slot));
        U256::from_be_bytes(hash_pair(&account.into_word(), &inner).0)
    }

    /// The account word.
    pub fn account(account: Address) -> U256 {
        U256::from_be_bytes(hash_pair(&account.into_word(), &root(layout::ACCOUNTS_ROOT)).0)
    }

    /// Session word `n` (0 header, 1 counters, 2 paymaster).
    pub fn session(account: Address, signer: Address, n: u8) -> U256 {
        nested(layout::SESSIONS_ROOT, &signer.into_word(), account) + U256::from(n)
    }

    /// A token-cap word of registration `perm_nonce`.
    pub fn token(account: Address, signer: Address, perm_nonce: u64, token: Address) -> U256 {
        let outer = keccak256(layout::token_key_preimage(signer, perm_nonce, token));
        nested(layout::TOKEN_CAPS_ROOT, &outer, account)
    }
}
