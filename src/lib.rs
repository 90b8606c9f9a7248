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
// On-chain the program links no `std` (see `host.rs`); native builds (tests, export-abi, the
// SDK's use of the ABI types) keep it.
#![cfg_attr(
    all(target_arch = "wasm32", not(feature = "export-abi")),
    no_std,
    no_main
)]
#![deny(missing_docs)]

extern crate alloc;

pub mod abi;
pub mod ecrecover;
pub mod erc1271;
mod events;
pub mod host;
// The `#[public]` macros emit undocumented items; every hand-written item there is documented.
#[cfg(feature = "export-abi")]
#[allow(missing_docs)]
mod export_abi;
pub mod module;
pub mod p256;
pub mod router;
mod slots;
mod store;

#[cfg(test)]
mod tests;

pub use abi::{Error, PackedUserOperation};
#[cfg(feature = "export-abi")]
pub use export_abi::{print_from_args, SessionKeyValidator};
pub use module::Module;

/// The on-chain program: hostios, entry point, allocator, panic handler.
#[cfg(all(target_arch = "wasm32", not(feature = "export-abi")))]
mod wasm;
