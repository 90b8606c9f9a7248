//! Ethereum's standard methods (`eth_`, `net_`, `web3_`), in the shapes alloy's RPC types
//! give them.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, Bytes, B256, U256, U64};
use alloy_rpc_types_eth::state::StateOverride;
use alloy_rpc_types_eth::{FeeHistory, Filter, TransactionRequest};
use jsonrpsee::RpcModule;

use super::{chain_method, static_method, Positional};
use crate::actor::ChainHandle;
use crate::error::NodeError;
use crate::state::NodeState;

/// `web3_clientVersion`.
pub const CLIENT_VERSION: &str = concat!(
    "sessionkey-node/v",
    env!("CARGO_PKG_VERSION"),
    "/stylus-devnet"
);

/// Blocks one `eth_feeHistory` may cover.
const FEE_HISTORY_LIMIT: u64 = 1024;

/// Reads the optional block parameter of a state query and checks it names the current state.
fn current_block(state: &NodeState, args: &mut Positional<'_>) -> Result<(), NodeError> {
    let block: Option<BlockId> = args.optional("block")?;
    state.require_current(block)
}

/// Registers the methods.
pub fn register(module: &mut RpcModule<ChainHandle>) {
    static_method(module, "web3_clientVersion", |_| CLIENT_VERSION.to_string());
    static_method(module, "net_version", |chain| {
        chain.info().chain_id.to_string()
    });
    static_method(module, "eth_chainId", |chain| {
        U64::from(chain.info().chain_id)
    });
    chain_method(module, "eth_blockNumber", |state, _| {
        Ok(U64::from(state.latest_number()))
    });
    chain_method(module, "eth_gasPrice", |state, _| {
        Ok(U256::from(state.world.chain.base_fee()))
    });
    // Arbitrum pays no priority fee: the effective gas price is the base fee.
    static_method(module, "eth_maxPriorityFeePerGas", |_| U256::ZERO);
    chain_method(module, "eth_getBalance", |state, args| {
        let address: Address = args.required("address")?;
        current_block(state, args)?;
        Ok(state.balance(address))
    });
    chain_method(module, "eth_getTransactionCount", |state, args| {
        let address: Address = args.required("address")?;
        current_block(state, args)?;
        Ok(U64::from(state.nonce(address)))
    });
    chain_method(module, "eth_getCode", |state, args| {
        let address: Address = args.required("address")?;
        current_block(state, args)?;
        Ok(state.world.chain.code(address))
    });
    chain_method(module, "eth_getStorageAt", |state, args| {
        let address: Address = args.required("address")?;
        let slot: U256 = args.required("slot")?;
        current_block(state, args)?;
        Ok(B256::from(state.world.chain.storage(address, slot)))
    });
    chain_method(module, "eth_call", |state, args| {
        let call: TransactionRequest = args.required("transaction")?;
        current_block(state, args)?;
        let overrides: Option<StateOverride> = args.optional("stateOverrides")?;
        state.call(&call, overrides.as_ref())
    });
    chain_method(module, "eth_estimateGas", |state, args| {
        let call: TransactionRequest = args.required("transaction")?;
        current_block(state, args)?;
        let overrides: Option<StateOverride> = args.optional("stateOverrides")?;
        state.estimate_gas(&call, overrides.as_ref()).map(U64::from)
    });
    chain_method(module, "eth_sendRawTransaction", |state, args| {
        let raw: Bytes = args.required("transaction")?;
        state.send_raw_transaction(&raw)
    });
    chain_method(module, "eth_getTransactionByHash", |state, args| {
        let hash: B256 = args.required("hash")?;
        Ok(state.store.transaction(hash).map(|tx| tx.rpc_transaction()))
    });
    chain_method(module, "eth_getTransactionReceipt", |state, args| {
        let hash: B256 = args.required("hash")?;
        Ok(state
            .store
            .transaction(hash)
            .filter(|tx| tx.block_hash.is_some())
            .map(|tx| tx.rpc_receipt()))
    });
    chain_method(module, "eth_getBlockByNumber", |state, args| {
        let tag: BlockNumberOrTag = args.required("block")?;
        let full: bool = args.optional("full")?.unwrap_or(false);
        Ok(state
            .block(BlockId::Number(tag))
            .map(|block| state.store.rpc_block(block, full)))
    });
    chain_method(module, "eth_getBlockByHash", |state, args| {
        let hash: B256 = args.required("hash")?;
        let full: bool = args.optional("full")?.unwrap_or(false);
        Ok(state
            .block(BlockId::from(hash))
            .map(|block| state.store.rpc_block(block, full)))
    });
    chain_method(module, "eth_getLogs", |state, args| {
        let filter: Filter = args.required("filter")?;
        state.logs(&filter)
    });
    chain_method(module, "eth_feeHistory", |state, args| {
        let count: U64 = args.required("blockCount")?;
        let newest: BlockNumberOrTag = args.required("newestBlock")?;
        let percentiles: Option<Vec<f64>> = args.optional("rewardPercentiles")?;
        fee_history(state, count.to(), newest, percentiles)
    });
}

/// `eth_feeHistory`: the base fee is fixed and no tip is paid, so every reward is 0.
fn fee_history(
    state: &NodeState,
    count: u64,
    newest: BlockNumberOrTag,
    percentiles: Option<Vec<f64>>,
) -> Result<FeeHistory, NodeError> {
    if let Some(p) = &percentiles {
        let in_range = p.iter().all(|v| (0.0..=100.0).contains(v));
        let ascending = p.windows(2).all(|w| w[0] <= w[1]);
        if !in_range || !ascending {
            return Err(NodeError::InvalidParams(
                "reward percentiles must ascend within 0..=100".into(),
            ));
        }
    }
    let newest = state.tag_number(newest).min(state.latest_number());
    let count = count.min(FEE_HISTORY_LIMIT).min(newest + 1);
    let oldest = newest + 1 - count;
    let blocks: Vec<_> = state.store.range(oldest, newest).collect();
    let base_fee = u128::from(state.world.chain.base_fee());
    let mut base_fee_per_gas: Vec<u128> = blocks
        .iter()
        .map(|b| u128::from(b.header.base_fee_per_gas.unwrap_or_default()))
        .collect();
    base_fee_per_gas.push(base_fee);
    Ok(FeeHistory {
        base_fee_per_gas,
        gas_used_ratio: blocks
            .iter()
            .map(|b| b.header.gas_used as f64 / b.header.gas_limit.max(1) as f64)
            .collect(),
        base_fee_per_blob_gas: Vec::new(),
        blob_gas_used_ratio: Vec::new(),
        oldest_block: oldest,
        reward: percentiles.map(|p| vec![vec![0; p.len()]; blocks.len()]),
    })
}
