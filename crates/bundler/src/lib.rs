//! ERC-4337 v0.7 on the embedded Stylus devnet, for end-to-end tests, the gas report and the
//! demo: the canonical EntryPoint (from the pinned npm artifact, at its canonical address), test
//! ERC-7579 accounts, the **real compiled** session-key module, an ERC-20, and a bundler that
//! builds, hashes (through EntryPoint's own `getUserOpHash`), signs, traces and submits
//! `handleOps`, reporting each op's outcome, revert reason and gas.
#![deny(missing_docs)]

mod bundle;
mod contract;
pub mod demo;
pub mod revert;
pub mod scenarios;
mod trace;
pub mod world;

pub use bundle::{BundleReport, OpOutcome};
pub use contract::{
    contract_wasm, deployable_contract, deployable_erc1271_program, erc1271_program_wasm,
};
pub use trace::{check_bundle, OpEntities, ValidationCheck, Verdict};
pub use world::{Account, AccountKind, SessionKey, World, WorldError, OWNER_SIGNS, TX_GAS};

pub use devnet_fixtures::bindings;
pub use devnet_fixtures::EntryPointVersion;
pub use stylus_devnet as devnet;
