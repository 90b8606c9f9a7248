//! # sessionkey-sdk
//!
//! The client side of the session-key validator: everything a wallet or dApp needs so that
//! nobody hand-assembles permission bytes.
//!
//! - **Keys** ([`key`], [`keystore`]): generate a session key, derive its address, load one from
//!   a hex or v3 keystore file, sign ops (`signer ‖ r ‖ s ‖ v` over
//!   `keccak256(userOpHash ‖ module)`).
//! - **Permissions** ([`builder`], [`signature_abi`], [`permission_file`]): a typed builder that
//!   cannot produce a record the contract would refuse, resolving function signatures to
//!   selectors and parameter words with alloy's ABI parser; TOML/JSON permission files.
//! - **Account calls** ([`account_calls`]): `installModule`, and `registerSession` /
//!   `revokeSession` / `revokeAllSessions` wrapped in ERC-7579 `execute`, encoded from the
//!   committed interface and `sessionkey-policy`'s record encoding.
//! - **User operations** ([`user_op`], [`hash`]): bundler JSON, packing, nonces, userOpHash for
//!   EntryPoint v0.7 and v0.8 (EIP-712).
//! - **Enable in the first op** ([`enable`]): the owner's EIP-712 `EnableSession` signature and
//!   the first op's signature that registers the session during validation.
//! - **Chains** (`rpc`, feature `rpc`): the module's views, nonces and fees from a node, and
//!   ERC-7769 `eth_estimateUserOperationGas` / `eth_sendUserOperation` / receipts from a bundler,
//!   over alloy's provider.
//! - **Live state** ([`status`]): a session's liveness, window and what is left of each cap,
//!   named from the module's own storage words.
//! - **Typed data** ([`typed_data`]): typed-data scopes for a session, the session key's
//!   ERC-7739 signature of typed data for the account, and the module's ERC-1271 answer
//!   off-chain.
//! - **Simulate / explain** ([`simulate`], [`explain`], [`usage`], [`inspect`]): run the
//!   contract's own policy code on an op and say, in words, which call and which rule fails.
//!
//! The `sessionkey` command is a separate crate (`crates/cli`), so depending on this library
//! never compiles the devnet or a CLI parser.
//!
//! The record encoding, the storage layout and the decision logic all come from
//! `sessionkey-policy`, the crate the on-chain contract is built from, so the SDK and the chain
//! cannot disagree.
#![deny(missing_docs)]

pub mod account_calls;
pub mod address;
pub mod amount;
pub mod builder;
pub mod display;
pub mod enable;
pub mod erc7715;
pub mod explain;
pub mod function_book;
pub mod hash;
pub mod inspect;
pub mod key;
pub mod keystore;
pub mod p256_key;
pub mod permission_file;
#[cfg(feature = "rpc")]
pub mod rpc;
pub mod signature_abi;
pub mod simulate;
pub mod status;
pub mod typed_data;
pub mod usage;
pub mod user_op;

pub use account_calls::{Call, PackedUserOperation};
pub use builder::{BuildError, CallBuilder, Check, Permission, SessionBuilder};
pub use explain::{explain, Explanation};
pub use function_book::FunctionBook;
pub use hash::{EntryPoint, EntryPointVersion};
pub use key::SessionKey;
pub use signature_abi::FunctionSignature;
pub use simulate::{simulate, Outcome, Rejection, SessionView, Verdict};
pub use usage::Usage;
pub use user_op::{GasLimits, NonceKeyLayout, UserOperation};
