//! A local node: Ethereum JSON-RPC 2.0 over HTTP, with ERC-4337 bundler methods (ERC-7769) on
//! the same endpoint, over the embedded Stylus devnet.
//!
//! `bash scripts/node.sh` runs the `sessionkey-node` binary: 127.0.0.1:8547 and chain id
//! 412346 as nitro-devnode, EntryPoint v0.7 at its canonical address, the session-key module's
//! real release WASM deployed and activated, nitro-devnode's funded developer key plus four
//! deterministic ones, a token, a counter and a demo ERC-7579 account with the module
//! installed. The library starts the same node in-process ([`Node::start`], port 0 for an
//! ephemeral one) for tests and tools.
//!
//! ```no_run
//! # async fn run() -> Result<(), devnet_node::StartError> {
//! let node = devnet_node::Node::start(devnet_node::NodeConfig::ephemeral()).await?;
//! println!("{} (EntryPoint {})", node.url(), node.info().entry_point);
//! node.stop().await;
//! # Ok(())
//! # }
//! ```
//!
//! The pieces: [`actor`] (one thread owns the chain; requests queue for it), [`state`] (the
//! bundler crate's `World` + block history), [`transaction`] (signed transactions in),
//! [`calls`] (`eth_call`, `eth_estimateGas`, `eth_getLogs`), [`user_ops`] (the bundler through
//! `World::handle_ops` and its ERC-7562 check), [`blocks`] (blocks, receipts, logs), [`rpc`]
//! (jsonrpsee methods on alloy's RPC types), [`server`].
//!
//! # Deviations from Ethereum and Nitro
//!
//! * **Fees**: the base fee is fixed ([`NodeConfig::base_fee`], 0.1 gwei as Nitro's minimum)
//!   and every transaction pays exactly it per gas, as on Arbitrum (no priority fee is paid;
//!   `eth_maxPriorityFeePerGas` is 0, `eth_feeHistory` rewards are 0). No L1 data fee. Of the
//!   ArbOS precompiles only `ArbWasm.activateProgram` at `0x71` is served, so
//!   `sessionkey deploy-code` and cargo-stylus-style activation transactions work; its data fee
//!   is always 0 (the devnet's deviations apply: see `stylus_devnet`).
//! * **Blocks**: automine (one transaction or user operation per block) or, with a block
//!   time, transactions execute at once into the pending block, sealed on the interval; no
//!   reorgs, no uncles, no withdrawals. Headers carry real transactions and receipts roots and
//!   bloom; the **state root is the empty trie's** (the devnet keeps no state trie), so block hashes are
//!   keccak of those headers, not Nitro's. Timestamps follow the wall clock (never backwards).
//! * **State**: only the current state is kept. State queries (`eth_getBalance`, `eth_call`,
//!   …) accept `latest`, `pending`, `safe`, `finalized` or the latest block's number or hash;
//!   an earlier block is answered with `-32000` "historical state is not kept". With a block
//!   time, `latest` state already includes the pending block's transactions, while
//!   `eth_getBlockByNumber("pending")` answers the latest sealed block.
//! * **Transactions**: legacy (EIP-155 only), EIP-2930 and EIP-1559. No EIP-4844 or EIP-7702,
//!   no mempool: a transaction whose nonce is not the sender's next is refused (`-32000`
//!   "nonce too high"), not queued. `eth_sendTransaction` and signing methods are absent (the
//!   node holds keys only to print them).
//! * **eth_call / eth_estimateGas** run at gas price 0 with `BASEFEE` reading 0 and any
//!   sender allowed (geth's behaviour without a gas price), gas capped at 50M.
//! * **Bundler**: EntryPoint v0.7 only; each user operation is bundled alone, at once, into a
//!   `handleOps` from the node's bundler EOA (its own key, a signed EIP-1559 transaction with
//!   fee cap = base fee). No mempool, no reputation or staking checks (ERC-7562's rules are
//!   checked as written for an unstaked sender). `eth_estimateUserOperationGas` measures the
//!   validation frames of a traced `handleOps` (the dummy signature's `AA24` is expected)
//!   plus a fixed EntryPoint overhead, and the account's execution simulated from EntryPoint;
//!   `preVerificationGas` is calldata gas plus a fixed overhead (no L1 component).
//! * **A panic** in a request on the chain thread is contained: that request gets `-32603`
//!   and the chain goes on, possibly with that request's effects half-applied.
#![deny(missing_docs)]

pub mod accounts;
pub mod actor;
pub mod blocks;
pub mod calls;
pub mod config;
pub mod error;
pub mod rpc;
pub mod server;
pub mod state;
pub mod transaction;
pub mod user_ops;

pub use accounts::{dev_accounts, DevAccount, NITRO_DEVNODE_KEY};
pub use actor::ChainHandle;
pub use config::{NodeConfig, CHAIN_ID, DEFAULT_BASE_FEE, DEFAULT_PORT};
pub use error::NodeError;
pub use server::{Node, StartError};
pub use state::{ChainInfo, NodeState};
