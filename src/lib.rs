//! # Session-key validator for Arbitrum Stylus
//!
//! An ERC-7579 validator module (type 1): one deployment serves many smart accounts, and
//! `msg.sender` is always the account. The account's owner registers **sessions** — a
//! secp256k1 signer plus a permission record (allowed calls with calldata parameter rules,
//! native and ERC-20 spend caps, a gas-fee budget, an op count, a validity window) — and the
//! module validates ERC-4337 user operations signed by those keys against the stored record.
//!
//! The decisions live in the SDK-free `sessionkey-policy` crate; this crate is storage, entry
//! points and glue. Every slot is keyed with the account innermost (ERC-7562 associated
//! storage); validation never reads the clock (the window goes out in validationData) and
//! checks signatures with the ecrecover precompile.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod abi;
mod ecrecover;
mod events;
mod slots;
mod store;
// `#[entrypoint]` generates undocumented items; everything hand-written inside is documented.
#[allow(missing_docs)]
mod validator;

pub use abi::{Error, PackedUserOperation};
pub use validator::*;

#[cfg(test)]
mod tests;
