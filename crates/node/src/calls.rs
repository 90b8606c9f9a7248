//! `eth_call` and `eth_estimateGas`: a transaction request simulated on the current state
//! (with optional state overrides, undone afterwards), and `eth_getLogs`.

use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_rpc_types_eth::state::StateOverride;
use alloy_rpc_types_eth::{Filter, FilterBlockOption, Log, TransactionRequest};
use stylus_devnet::{CallOutcome, CallStatus, TxRequest};

use crate::error::NodeError;
use crate::state::NodeState;

/// Gas a call gets when the request names none (geth's `RPCGasCap` default is 50M).
pub const CALL_GAS_CAP: u64 = 50_000_000;

/// Bisection steps `eth_estimateGas` may take after its first guess: enough to narrow
/// [`CALL_GAS_CAP`] to one gas.
const ESTIMATE_STEPS: u32 = 27;

/// Blocks one `eth_getLogs` may scan.
pub const LOG_RANGE_LIMIT: u64 = 10_000;

fn to_request(call: &TransactionRequest, default_gas: u64) -> Result<TxRequest, NodeError> {
    let data = call
        .input
        .unique_input()
        .map_err(|e| NodeError::InvalidParams(e.to_string()))?
        .cloned()
        .unwrap_or_default();
    Ok(TxRequest {
        from: call.from.unwrap_or(Address::ZERO),
        kind: call.to.unwrap_or(TxKind::Create),
        value: call.value.unwrap_or(U256::ZERO),
        data,
        gas_limit: call.gas.unwrap_or(default_gas).min(CALL_GAS_CAP),
        access_list: call
            .access_list
            .as_ref()
            .map(|list| {
                list.iter()
                    .map(|item| (item.address, item.storage_keys.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// A failed call as geth reports it: `3` with the revert data, or the halt reason.
fn failure(outcome: &CallOutcome) -> NodeError {
    match &outcome.status {
        CallStatus::Halt { reason } => NodeError::ExecutionReverted {
            reason: format!("execution halted: {reason}"),
            data: Bytes::new(),
        },
        _ => NodeError::ExecutionReverted {
            reason: "execution reverted".into(),
            data: outcome.output.clone(),
        },
    }
}

impl NodeState {
    /// Runs `f` with `overrides` applied, then puts the state back.
    pub(crate) fn with_overrides<T>(
        &mut self,
        overrides: Option<&StateOverride>,
        f: impl FnOnce(&mut Self) -> Result<T, NodeError>,
    ) -> Result<T, NodeError> {
        let Some(overrides) = overrides.filter(|o| !o.is_empty()) else {
            return f(self);
        };
        let snapshot = self.world.chain.snapshot();
        let result = self.apply_overrides(overrides).and_then(|()| f(self));
        self.world.chain.revert_to(&snapshot);
        result
    }

    fn apply_overrides(&mut self, overrides: &StateOverride) -> Result<(), NodeError> {
        let chain = &mut self.world.chain;
        for (address, account) in overrides {
            if account.state.is_some() && account.state_diff.is_some() {
                return Err(NodeError::InvalidParams(format!(
                    "override for {address} has both `state` and `stateDiff`"
                )));
            }
            if account.move_precompile_to.is_some() {
                return Err(NodeError::InvalidParams(
                    "movePrecompileToAddress is not supported".into(),
                ));
            }
            if let Some(balance) = account.balance {
                chain.set_balance(*address, balance);
            }
            if let Some(nonce) = account.nonce {
                chain.set_nonce(*address, nonce);
            }
            if let Some(code) = &account.code {
                chain.set_code(*address, code.clone());
            }
            if let Some(state) = &account.state {
                let slots: Vec<(U256, U256)> = state
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect();
                chain.replace_storage(*address, &slots);
            }
            if let Some(diff) = &account.state_diff {
                for (slot, value) in diff {
                    chain.set_storage(*address, (*slot).into(), (*value).into());
                }
            }
        }
        Ok(())
    }

    /// `eth_call`: the call's return data.
    ///
    /// # Errors
    ///
    /// [`NodeError::ExecutionReverted`] when it reverts or halts, [`NodeError::TxRejected`]
    /// when the devnet refuses it (e.g. value above the sender's balance), and bad overrides.
    pub fn call(
        &mut self,
        call: &TransactionRequest,
        overrides: Option<&StateOverride>,
    ) -> Result<Bytes, NodeError> {
        let request = to_request(call, CALL_GAS_CAP)?;
        self.with_overrides(overrides, |state| {
            let outcome = state.world.chain.simulate_tx(&request)?;
            if outcome.success {
                Ok(outcome.output)
            } else {
                Err(failure(&outcome))
            }
        })
    }

    /// `eth_estimateGas`: the least gas limit (to one gas) with which the call succeeds.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call), for a call that fails even with all the gas it may have.
    pub fn estimate_gas(
        &mut self,
        call: &TransactionRequest,
        overrides: Option<&StateOverride>,
    ) -> Result<u64, NodeError> {
        let request = to_request(call, CALL_GAS_CAP)?;
        self.with_overrides(overrides, |state| {
            let mut run = |gas_limit: u64| {
                let attempt = TxRequest {
                    gas_limit,
                    ..request.clone()
                };
                state.world.chain.simulate_tx(&attempt)
            };
            let full = run(request.gas_limit)?;
            if !full.success {
                return Err(failure(&full));
            }
            // Gas before refunds, plus the 1/64 a call keeps back (EIP-150): usually enough.
            let spent = full.gas_used + full.gas_refunded;
            let guess = (spent + spent / 63).min(request.gas_limit);
            if matches!(run(guess), Ok(o) if o.success)
                && !matches!(run(guess - 1), Ok(o) if o.success)
            {
                return Ok(guess);
            }
            let (mut low, mut high) = (full.gas_used.saturating_sub(1), request.gas_limit);
            for _ in 0..ESTIMATE_STEPS {
                if high - low <= 1 {
                    break;
                }
                let mid = low + (high - low) / 2;
                match run(mid) {
                    Ok(o) if o.success => high = mid,
                    _ => low = mid,
                }
            }
            Ok(high)
        })
    }

    /// `eth_getLogs` over sealed blocks.
    ///
    /// # Errors
    ///
    /// [`NodeError::InvalidParams`] for an unknown block hash, a range that ends before it
    /// starts, or one wider than [`LOG_RANGE_LIMIT`].
    pub fn logs(&self, filter: &Filter) -> Result<Vec<Log>, NodeError> {
        let (from, to) = match filter.block_option {
            FilterBlockOption::AtBlockHash(hash) => {
                let block = self.store.by_hash(hash).ok_or_else(|| {
                    NodeError::InvalidParams(format!("unknown block hash {hash}"))
                })?;
                (block.header.number, block.header.number)
            }
            FilterBlockOption::Range {
                from_block,
                to_block,
            } => (
                self.tag_number(from_block.unwrap_or_default()),
                self.tag_number(to_block.unwrap_or_default()),
            ),
        };
        if to < from {
            return Err(NodeError::InvalidParams(format!(
                "invalid block range: from {from} to {to}"
            )));
        }
        if to - from >= LOG_RANGE_LIMIT {
            return Err(NodeError::InvalidParams(format!(
                "block range of {} blocks is over the limit of {LOG_RANGE_LIMIT}",
                to - from + 1
            )));
        }
        let mut logs = Vec::new();
        for block in self.store.range(from, to) {
            if !filter.matches_bloom(block.header.logs_bloom) {
                continue;
            }
            for hash in &block.transactions {
                if let Some(tx) = self.store.transaction(*hash) {
                    logs.extend(
                        tx.rpc_logs()
                            .into_iter()
                            .filter(|log| filter.matches(&log.inner)),
                    );
                }
            }
        }
        Ok(logs)
    }
}
