//! The session-key policy engine, free of the Stylus SDK.
//!
//! The same code runs inside the on-chain validator (compiled to WASM), in the off-chain SDK's
//! simulator, and under property tests and fuzzers, so what the simulator says is what the chain
//! does. It owns:
//!
//! - the permission record and its canonical byte encoding ([`record`]),
//! - the storage-word layout the record is written in ([`layout`]),
//! - strict decoding of the account's ERC-7579 `execute` calldata ([`execution`]),
//! - parameter rules ([`condition`], [`rule`]) and ERC-20 spend recognition ([`erc20`]),
//! - the per-op authorisation that ties them together ([`engine`]),
//! - strict decoding of `validateUserOp` arguments ([`userop`]),
//! - enabling a session inside its first op ([`enable`]),
//! - session signatures ([`signature`]) and P-256 / WebAuthn signers ([`signer`]), prefund cost ([`gas`]) and validationData ([`validation_data`]),
//! - ERC-1271 signatures of session keys, scoped to typed data (ERC-7739) ([`typed_data`]), and
//!   the code hash of the program that checks them for the module ([`erc1271_program`]).
#![no_std]
#![deny(missing_docs)]

extern crate alloc;

pub mod abi_args;
pub mod condition;
pub mod enable;
pub mod engine;
pub mod erc1271_program;
pub mod erc20;
pub mod error;
pub mod execution;
pub mod gas;
pub mod interface;
pub mod layout;
pub mod memory;
pub mod record;
pub mod rule;
pub mod signature;
pub mod signer;
pub mod typed_data;
pub mod userop;
pub mod validation_data;
mod word;

pub use condition::Condition;
pub use engine::{authorize_op, scope_allows, OpFacts, OpOutcome, RecordStore, SessionState};
pub use error::{ExecutionError, RecordError, Violation};
pub use execution::{decode_execute, CallType, Execution};
pub use layout::{AccountWord, CallKey, SelectorMatch, SessionStatus, TargetMatch};
pub use record::{CallPolicy, Limit, SessionRecord, SignerKey, TokenCap, TokenLimit};
pub use rule::ParamRule;
pub use signature::SessionSignature;
pub use signer::{P256PublicKey, SignerKind};
pub use validation_data::{ValidationData, SIG_VALIDATION_FAILED};
