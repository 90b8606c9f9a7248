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
pub mod ecrecover;
mod events;
// The `#[public]` macros emit undocumented items; every hand-written item there is documented.
#[cfg(feature = "export-abi")]
#[allow(missing_docs)]
mod export_abi;
pub mod module;
pub mod router;
mod slots;
mod store;

#[cfg(test)]
mod tests;

pub use abi::{Error, PackedUserOperation};
#[cfg(feature = "export-abi")]
pub use export_abi::{print_from_args, SessionKeyValidator};
pub use module::Module;

/// The Stylus entry point: every call goes through the hand-written [`router`]. (In a module
/// of its own because the `#[entrypoint]` macro emits an undocumented `user_entrypoint`.)
#[cfg(not(feature = "export-abi"))]
#[allow(missing_docs)]
mod entry {
    use stylus_sdk::prelude::*;

    // With the stylus-test feature (native test builds) the macro emits no `user_entrypoint`
    // calling this.
    #[allow(dead_code)]
    #[entrypoint]
    fn user_main(input: alloc::vec::Vec<u8>, host: stylus_sdk::host::VM) -> stylus_sdk::ArbResult {
        crate::router::route(&host, &input)
    }
}
