//! An in-process Arbitrum-like chain that runs **real compiled Stylus WASM** next to EVM code.
//!
//! * EVM bytecode runs in [revm](https://docs.rs/revm) 43 under Prague rules, with the Ethereum
//!   precompiles plus RIP-7212 `P256VERIFY` at `0x100` (3,450 gas as Arbitrum ArbOS 30–49,
//!   6,900 from ArbOS 50: [`DevnetConfig::arbos_version`]).
//! * Contracts whose code starts `EF F0 00` are Stylus programs: deploy them (a CREATE whose
//!   returned code has that prefix is allowed despite EIP-3541; any other `0xEF` code is not),
//!   [activate](Devnet::activate) them (decompress ≤ 128 KiB, `stylus-check`'s activation
//!   rules, ink meter, compile), and calls run the WASM in [wasmi](https://docs.rs/wasmi) 2.0
//!   through every `vm_hooks` host function stylus-sdk 0.10 can import.
//! * Execution is metered in ink at the published Stylus prices ([`ink`]); calls made by
//!   programs follow EVM semantics (value, 63/64 rule, journal checkpoints), in both directions
//!   and to any depth (EVM → Stylus → EVM → Stylus …).
//! * A tracer records per-frame opcode use, storage access, code use and the gas/cost a
//!   bundler's tracer would see; [`erc7562`] judges a trace by every ERC-7562 rule id under the
//!   ERC's and three bundlers' profiles ([`tracer`], [`erc7562`]).
//!
//! # How Stylus runs inside revm
//!
//! Through a custom `PrecompileProvider`: revm asks it about every call frame *after* taking
//! the frame's journal checkpoint and moving its value; it answers precompile calls, runs the
//! WASM when the callee's code starts `EF F0 00`, and otherwise lets revm interpret EVM code.
//! revm's frame loop, checkpoints, depth limit and result plumbing stay untouched, so a Stylus
//! frame commits or reverts exactly like any call. Calls *from* a program run nested: the host
//! function lends the context to a fresh EVM that runs revm's ordinary frame loop for the child
//! (which may reach Stylus again) and takes it back. The alternative, a custom frame that
//! suspends the WASM while revm runs the child, would need resumable WASM calls or a rewrite of
//! the frame loop. Devnet state revm does not model (activated programs, per-transaction Stylus
//! state, the tracer) rides in the context's `chain` slot so it follows the context. Details in
//! the `evm_bridge` module's source docs.
//!
//! ```no_run
//! use stylus_devnet::{Address, Bytes, Devnet, U256};
//! # fn wasm() -> Vec<u8> { unimplemented!() }
//! let mut chain = Devnet::new();
//! let deployer = Address::repeat_byte(1);
//! let program = chain.deploy_wasm(deployer, &wasm()).unwrap();
//! let outcome = chain
//!     .call(deployer, program, U256::ZERO, Bytes::new(), 1_000_000)
//!     .unwrap();
//! println!("{} gas, success: {}", outcome.gas_used, outcome.success);
//! ```
//!
//! # Deviations from Nitro
//!
//! The meter aims to be monotone, documented and close to Nitro, not bit-exact:
//!
//! * **Opcode prices** come from the Arbitrum docs table; operators it does not list (bulk
//!   `memory.init`, `data.drop`) cost [`ink::prices::UNPRICED_OPCODE_INK`]. Basic blocks end at
//!   branches, branch targets and calls, and each pays a 2,450-ink header.
//! * **Host-function prices** are rebuilt from Nitro's parts (host entry 8,400, 5,040 per
//!   pointer word, 59,673 per EVM round trip); variable-length copies pay the docs' per-byte
//!   rates per 32-byte *word* after the first (the docs' `b`), see [`ink::prices`].
//! * **Memory**: Nitro's model (2 free pages per transaction, 1,000 gas per page, the
//!   exponential ramp). Growth is paid at the next host call or at exit rather than at
//!   `memory.grow`; `pay_for_memory_grow` only costs the host call.
//! * **Program entry** is Nitro's (`CallProgram`): the initial pages, `352 + cachedCost`, and
//!   `8,832 + initCost` unless the program is cached, both costs predicted at activation from
//!   the WASM ([`stylus_check::EntryCost`]). Programs are **uncached** until
//!   [`Devnet::cache_program`]; from ArbOS 60 ([`DevnetConfig::arbos_version`], the default) a
//!   program among the 32 most recently called in the same block counts as cached. A block is
//!   `block.number`: transactions share one until [`Devnet::advance_block`].
//! * **Activation** is per code hash as in Nitro, either directly ([`Devnet::activate`], free
//!   and not a transaction) or by a transaction to `ArbWasm.activateProgram(address)` at
//!   `0x71` ([`ARB_WASM`], payable, returns `(uint16 version, uint256 dataFee)`), the only
//!   ArbOS precompile method served (`0x71` starts every transaction warm, as Nitro's
//!   precompiles do). It reverts `ProgramUpToDate()` (Nitro's selector) when a
//!   program with that code hash is active and `ProgramNotWasm()` for other code, burns
//!   Nitro's fixed 1,659,168 gas ([`ACTIVATION_FIXED_GAS`]) and takes all gas when activation
//!   fails. **The data fee is not Nitro's pricing: it is always 0**, and the value sent is
//!   refunded to the caller as Nitro refunds the excess over the fee. The activation is undone
//!   when the transaction fails or is a simulation (`eth_call`), but not when only an inner
//!   frame that called `0x71` reverts (the program table is not journaled). No expiry, no
//!   version upgrades, no `ProgramActivated` event.
//! * **Calls from WASM** return status 0 (success), 1 (revert) or 2 (halt); the child frame's
//!   depth is the journal depth. A WASM trap or an EVM-rule violation in a host function
//!   (write in a static call, > 4 log topics, bad pointer) reverts the frame with empty output
//!   and keeps the remaining gas; running out of ink consumes all gas.
//! * **`msg_reentrant`** is true when a frame with the same storage address is already open
//!   in the transaction (delegate calls count under the caller's address).
//! * **Nesting** runs on the native stack: very deep EVM↔Stylus recursion needs a thread with
//!   a large stack.
//! * **Tracing** follows what Nitro hands geth tracers (nitro 6dce8d13, `arbos/util/tracing.go`):
//!   hostios as their opcodes, `SLOAD` only on a cache miss, `SSTORE` per dirty slot at flush,
//!   calls with Nitro's `gas`/`cost`, exits as `RETURN`/`STOP`/`REVERT`. Not reproduced: the
//!   `POP` events that carry hostio results, the fake scope contract (Nitro's looks swapped: its
//!   address is the program's caller; the devnet books storage at the program's address), the
//!   ArbOS `SLOAD`s Nitro may emit at the first program entry of a transaction, and the error
//!   `STOP` geth adds after a failing frame. `evm_ink_left` is traced as `GAS` as in Nitro.
//! * **Not modelled**: ArbOS precompiles (`ArbSys`, `ArbGasInfo`, … and every `ArbWasm`
//!   method but `activateProgram`), L1 data fees, the
//!   Stylus `console` debug hostios, program expiry, and the per-program stack-depth limit
//!   (wasmi's own recursion limit applies).
#![deny(missing_docs)]

mod activation;
mod arb_wasm;
mod config;
mod devnet;
pub mod erc7562;
mod error;
mod evm_bridge;
mod hostio;
pub mod ink;
pub mod memory_model;
mod outcome;
pub mod program;
mod state;
mod storage_cache;
pub mod tracer;

pub use activation::{ActivationInfo, Program};
pub use alloy_primitives::{address, bytes, keccak256, Address, Bytes, Log, TxKind, B256, U256};
pub use arb_wasm::{stylus_version, ACTIVATION_FIXED_GAS, ARB_WASM};
pub use config::{
    DevnetConfig, ARBITRUM_BLOCK_GAS_LIMIT, ARBOS_RECENT_PROGRAMS, DEFAULT_CHAIN_ID,
    RECENT_PROGRAMS,
};
pub use devnet::{Devnet, Snapshot, TxRequest, DEPLOY_GAS};
pub use error::DevnetError;
pub use outcome::{CallOutcome, CallStatus};
pub use stylus_check::ActivationError;
pub use tracer::{AccessKind, FrameKind, FrameTrace, StorageAccess, ValidationTrace};
