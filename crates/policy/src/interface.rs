//! The module's Solidity interface, declared once: `abi/ISessionKeyValidator.sol`.
//!
//! Every Rust view of it is generated from that file — the contract's selectors, events and
//! errors, the [`crate::error::ModuleError`] encoder and decoder, and the SDK's and bundler
//! kit's calldata — so the file cannot drift from the code. Only constants and the types the
//! caller uses are linked into the on-chain program.
#![allow(missing_docs)] // generated items carry the Solidity declarations' NatSpec

alloy_sol_types::sol!(
    #[sol(all_derives)]
    "../../abi/ISessionKeyValidator.sol"
);

pub use ISessionKeyValidator::ISessionKeyValidatorErrors as Errors;
