//! Selector → function signature, for naming calls and their parameters in messages.
//!
//! A record only stores selectors and word indexes; to say "`amount <= 100e18` failed" the SDK
//! needs the signature the rule was written against. The book starts with the functions every
//! session meets (ERC-20 spend calls, the account's ERC-7579 calls, this module's own functions)
//! and takes the signatures of a permission file or of `--function` options on top; a signature
//! added later replaces one with the same selector (so a permission's parameter names win).
//!
//! Typed-data scopes have the same problem: a record stores a scope's contents typehash, not
//! its type string, so the book also keeps the EIP-712 type strings a permission was written
//! against, by typehash, for naming a scope's fields.

use std::collections::BTreeMap;

use alloy_primitives::{hex, keccak256, B256};

use crate::signature_abi::FunctionSignature;

/// Signatures every book starts with.
pub const STANDARD: [&str; 11] = [
    "transfer(address to, uint256 amount)",
    "transferFrom(address from, address to, uint256 amount)",
    "approve(address spender, uint256 amount)",
    "increaseAllowance(address spender, uint256 addedValue)",
    "execute(bytes32 mode, bytes executionCalldata)",
    "installModule(uint256 moduleTypeId, address module, bytes initData)",
    "uninstallModule(uint256 moduleTypeId, address module, bytes deInitData)",
    "registerSession(bytes record)",
    "revokeSession(address signer)",
    "revokeAllSessions()",
    "onInstall(bytes data)",
];

/// Known function signatures by selector.
#[derive(Clone, Debug, Default)]
pub struct FunctionBook {
    by_selector: BTreeMap<[u8; 4], FunctionSignature>,
    contents_types: BTreeMap<B256, String>,
}

impl FunctionBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// A book holding [`STANDARD`].
    pub fn standard() -> Self {
        let mut book = Self::new();
        for s in STANDARD {
            book.insert(FunctionSignature::parse(s).expect("standard signatures parse"));
        }
        book
    }

    /// Adds (or replaces) a signature.
    pub fn insert(&mut self, f: FunctionSignature) {
        self.by_selector.insert(f.selector, f);
    }

    /// Adds every signature of `other`, replacing same-selector ones.
    pub fn extend(&mut self, other: &FunctionBook) {
        for f in other.by_selector.values() {
            self.insert(f.clone());
        }
        for t in other.contents_types.values() {
            self.insert_contents_type(t);
        }
    }

    /// Adds an EIP-712 contents type string (e.g. `Permit(address owner,…)`), found again by
    /// its typehash `keccak256(contents_type)`.
    pub fn insert_contents_type(&mut self, contents_type: &str) {
        self.contents_types.insert(
            keccak256(contents_type.as_bytes()),
            contents_type.to_owned(),
        );
    }

    /// The contents type string whose typehash is `typehash`, if the book has it.
    pub fn contents_type(&self, typehash: &B256) -> Option<&str> {
        self.contents_types.get(typehash).map(String::as_str)
    }

    /// The signature with `selector`.
    pub fn get(&self, selector: [u8; 4]) -> Option<&FunctionSignature> {
        self.by_selector.get(&selector)
    }

    /// `approve(spender, amount)` if known, else the selector in hex.
    pub fn name(&self, selector: [u8; 4]) -> String {
        match self.get(selector) {
            Some(f) => f.display_with_names(),
            None => hex::encode_prefixed(selector),
        }
    }

    /// Every signature, by selector.
    pub fn iter(&self) -> impl Iterator<Item = &FunctionSignature> {
        self.by_selector.values()
    }
}
