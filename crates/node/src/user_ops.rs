//! The bundler side of the node (ERC-7769: `eth_sendUserOperation`,
//! `eth_estimateUserOperationGas`, `eth_getUserOperationByHash`,
//! `eth_getUserOperationReceipt`) for EntryPoint v0.7.
//!
//! Every op goes through the bundler crate's [`World::handle_ops`]: one `handleOps` from the
//! node's bundler EOA, traced, each op's validation judged by the ERC-7562 checker
//! (`check_bundle`) — no second validator here. An op EntryPoint refuses, or whose validation
//! breaks an ERC-7562 rule, leaves the chain exactly as it was (the node snapshots before);
//! an accepted op's bundle is recorded as a signed EIP-1559 transaction of the bundler and
//! mined like any other.
//!
//! [`World::handle_ops`]: devnet_bundler::World::handle_ops

use alloy_consensus::transaction::Recovered;
use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_primitives::{Address, Bytes, Signature, TxKind, B256, U256};
use alloy_rpc_types_eth::erc4337::{PackedUserOperation as RpcUserOp, UserOperationReceipt};
use alloy_sol_types::{SolCall, SolEvent};
use devnet_bundler::bindings::{IEntryPointV07, PackedUserOperation};
use devnet_bundler::revert::describe_module_error;
use devnet_bundler::{EntryPointVersion, OpOutcome, WorldError, TX_GAS};
use serde::Serialize;
use serde_json::{json, Value};
use sessionkey_sdk::UserOperation as SdkUserOp;
use stylus_devnet::{FrameTrace, TxRequest};

use crate::error::{
    NodeError, AA_REJECTED, OPCODE_RULE_VIOLATION, OUT_OF_TIME_RANGE, PAYMASTER_REJECTED,
    SIGNATURE_FAILED,
};
use crate::state::NodeState;

/// Verification gas the estimation run gives validation.
const ESTIMATE_VERIFICATION_CAP: u128 = 5_000_000;
/// Gas EntryPoint spends in validation around the account's `validateUserOp` (copying the op,
/// the nonce and deposit writes), all counted against `verificationGasLimit` (AA26).
const ENTRY_POINT_VALIDATION_OVERHEAD: u64 = 60_000;
/// Fixed part of `preVerificationGas`: the bundle transaction's base cost and EntryPoint's
/// per-op bookkeeping outside the op's limits.
const PRE_VERIFICATION_OVERHEAD: u64 = 21_000 + 20_000;

/// A user operation the node included.
#[derive(Clone, Debug)]
pub struct UserOpRecord {
    /// The op as the client sent it.
    pub op: RpcUserOp,
    /// The EntryPoint it went through.
    pub entry_point: Address,
    /// The bundle transaction that included it.
    pub transaction_hash: B256,
    /// Whether its execution succeeded.
    pub success: bool,
    /// `actualGasUsed` (EntryPoint's `UserOperationEvent`).
    pub actual_gas_used: U256,
    /// `actualGasCost` in wei.
    pub actual_gas_cost: U256,
    /// The execution's revert data, when it failed.
    pub reason: Bytes,
    /// The op's logs: indices into its bundle's logs.
    pub logs: std::ops::Range<usize>,
}

/// `eth_estimateUserOperationGas`'s answer, with ERC-7769's field names (alloy's
/// `UserOperationGasEstimation` names two of them differently).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GasEstimate {
    /// Gas overhead of the op outside its limits.
    pub pre_verification_gas: U256,
    /// Gas limit for account creation and validation.
    pub verification_gas_limit: U256,
    /// Gas limit for the account's execution.
    pub call_gas_limit: U256,
    /// Gas limit for the paymaster's validation, when the op names a paymaster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paymaster_verification_gas_limit: Option<U256>,
}

fn invalid(message: impl Into<String>) -> NodeError {
    NodeError::InvalidParams(message.into())
}

fn to_u128(value: U256, field: &str) -> Result<u128, NodeError> {
    u128::try_from(value).map_err(|_| invalid(format!("{field} does not fit in 128 bits")))
}

/// The SDK's form of an RPC op (its packing and checks).
fn to_sdk(op: &RpcUserOp) -> Result<SdkUserOp, NodeError> {
    let sdk = SdkUserOp {
        sender: op.sender,
        nonce: op.nonce,
        factory: op.factory,
        factory_data: op.factory_data.clone(),
        call_data: op.call_data.clone(),
        call_gas_limit: to_u128(op.call_gas_limit, "callGasLimit")?,
        verification_gas_limit: to_u128(op.verification_gas_limit, "verificationGasLimit")?,
        pre_verification_gas: op.pre_verification_gas,
        max_fee_per_gas: to_u128(op.max_fee_per_gas, "maxFeePerGas")?,
        max_priority_fee_per_gas: to_u128(op.max_priority_fee_per_gas, "maxPriorityFeePerGas")?,
        paymaster: op.paymaster,
        paymaster_verification_gas_limit: op
            .paymaster_verification_gas_limit
            .map(|g| to_u128(g, "paymasterVerificationGasLimit"))
            .transpose()?,
        paymaster_post_op_gas_limit: op
            .paymaster_post_op_gas_limit
            .map(|g| to_u128(g, "paymasterPostOpGasLimit"))
            .transpose()?,
        paymaster_data: op.paymaster_data.clone(),
        signature: op.signature.clone(),
    };
    sdk.check().map_err(|e| invalid(e.to_string()))?;
    if op.paymaster.is_some()
        && (op.paymaster_verification_gas_limit.is_none()
            || op.paymaster_post_op_gas_limit.is_none())
    {
        return Err(invalid(
            "a paymaster needs paymasterVerificationGasLimit and paymasterPostOpGasLimit",
        ));
    }
    if sdk.max_priority_fee_per_gas > sdk.max_fee_per_gas {
        return Err(invalid("maxPriorityFeePerGas is above maxFeePerGas"));
    }
    Ok(sdk)
}

/// EntryPoint's `PackedUserOperation` of an SDK op.
fn packed(op: &SdkUserOp) -> PackedUserOperation {
    let p = op.pack();
    PackedUserOperation {
        sender: p.sender,
        nonce: p.nonce,
        initCode: p.initCode,
        callData: p.callData,
        accountGasLimits: p.accountGasLimits,
        preVerificationGas: p.preVerificationGas,
        gasFees: p.gasFees,
        paymasterAndData: p.paymasterAndData,
        signature: p.signature,
    }
}

/// An op EntryPoint refused, as ERC-7769 reports it: the code by the `AAxx` family, the
/// message EntryPoint's reason, the data the validator's revert data and, when it is one of
/// the module's typed errors, that error in words.
fn refusal(reason: &str, inner: Option<&Bytes>) -> NodeError {
    let aa = reason
        .get(..4)
        .filter(|c| c.starts_with("AA"))
        .unwrap_or("");
    let code = match aa {
        "AA24" => SIGNATURE_FAILED,
        "AA22" | "AA32" => OUT_OF_TIME_RANGE,
        c if c.starts_with("AA3") => PAYMASTER_REJECTED,
        _ => AA_REJECTED,
    };
    let mut data = json!({ "reason": reason, "aaCode": aa });
    if let Some(inner) = inner {
        data["revertData"] = json!(inner);
        if !inner.is_empty() {
            data["moduleError"] = json!(describe_module_error(inner));
        }
    }
    NodeError::UserOp {
        code,
        message: reason.to_string(),
        data,
    }
}

fn violation(op_index: usize, violations: Vec<String>) -> NodeError {
    NodeError::UserOp {
        code: OPCODE_RULE_VIOLATION,
        message: format!(
            "ERC-7562 rule violation in validation: {}",
            violations.join("; ")
        ),
        data: json!({ "opIndex": op_index, "violations": violations }),
    }
}

/// Gas of the op's validation frames (the outermost ones: `createSender`,
/// `validateUserOp`, `validatePaymasterUserOp`).
fn outer_gas(frames: &[FrameTrace], keep: impl Fn(&FrameTrace) -> bool) -> u64 {
    let Some(depth) = frames.iter().map(|f| f.depth).min() else {
        return 0;
    };
    frames
        .iter()
        .filter(|f| f.depth == depth && keep(f))
        .map(|f| f.gas_used)
        .sum()
}

/// Calldata gas (EIP-2028: 16 per non-zero byte, 4 per zero byte).
fn calldata_gas(data: &[u8]) -> u64 {
    data.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum()
}

impl NodeState {
    /// Points the world's bundler at `entry_point` (v0.7 or v0.8; both are deployed at their
    /// canonical addresses), or refuses it.
    fn use_entry_point(&mut self, entry_point: Address) -> Result<(), NodeError> {
        let version = if entry_point == self.info.entry_point {
            EntryPointVersion::V07
        } else if entry_point == self.info.entry_point_v08 {
            EntryPointVersion::V08
        } else {
            return Err(invalid(format!(
                "entry point {entry_point} is not supported (eth_supportedEntryPoints: {}, {})",
                self.info.entry_point, self.info.entry_point_v08
            )));
        };
        self.world.entry_point = entry_point;
        self.world.entry_point_version = version;
        Ok(())
    }

    /// `eth_sendUserOperation`: validates the op (EntryPoint + ERC-7562 tracer), includes it
    /// in a `handleOps` of its own and returns its hash.
    ///
    /// # Errors
    ///
    /// ERC-7769 codes: `-32602` invalid fields or entry point, `-32500`/`-32501`/`-32503`/
    /// `-32507` refused in validation (EntryPoint's `AAxx` reason, the validator's revert data),
    /// `-32502` an ERC-7562 rule broken in validation. The chain is unchanged on every error.
    pub fn send_user_operation(
        &mut self,
        op: RpcUserOp,
        entry_point: Address,
    ) -> Result<B256, NodeError> {
        self.use_entry_point(entry_point)?;
        let packed_op = packed(&to_sdk(&op)?);
        let snapshot = self.world.chain.snapshot();
        let env = self.pending_env();
        let bundler_nonce = self.nonce(self.bundler.address);
        // `handle_ops` opens a block of its own; the pending block is that block.
        self.world.chain.set_block_number(env.number - 1);
        let report = match self.world.handle_ops(vec![packed_op.clone()]) {
            Ok(report) => report,
            Err(error) => {
                self.world.chain.revert_to(&snapshot);
                return Err(match error {
                    WorldError::Erc7562 {
                        op_index,
                        violations,
                    } => violation(op_index, violations),
                    other => NodeError::Internal(other.to_string()),
                });
            }
        };
        if self.world.chain.block_number() != env.number {
            // `handle_ops` no longer opens exactly one block: the bundle ran in another.
            self.world.chain.revert_to(&snapshot);
            return Err(NodeError::Internal(format!(
                "the bundle ran in block {} instead of the pending block {}",
                self.world.chain.block_number(),
                env.number
            )));
        }
        let (hash, success, actual_gas_used, actual_gas_cost, revert) = match &report.ops[..] {
            [OpOutcome::Included {
                user_op_hash,
                success,
                actual_gas_used,
                actual_gas_cost,
                revert,
            }] => (
                *user_op_hash,
                *success,
                *actual_gas_used,
                *actual_gas_cost,
                revert.clone(),
            ),
            [OpOutcome::Rejected { reason, inner, .. }] => {
                self.world.chain.revert_to(&snapshot);
                return Err(refusal(reason, inner.as_ref()));
            }
            other => {
                self.world.chain.revert_to(&snapshot);
                return Err(NodeError::Internal(format!(
                    "unexpected bundle outcome {other:?}"
                )));
            }
        };
        let tx = self.bundle_transaction(packed_op, bundler_nonce, entry_point)?;
        let outcome = report.outcome;
        let event = outcome.logs.iter().position(|log| {
            log.topics().first() == Some(&IEntryPointV07::UserOperationEvent::SIGNATURE_HASH)
                && log.topics().get(1) == Some(&hash)
        });
        let logs = 0..event.unwrap_or(outcome.logs.len());
        let transaction_hash = self.store.push(&env, tx, outcome);
        self.user_ops.insert(
            hash,
            UserOpRecord {
                op,
                entry_point,
                transaction_hash,
                success,
                actual_gas_used,
                actual_gas_cost,
                reason: revert.unwrap_or_default(),
                logs,
            },
        );
        self.after_transaction();
        Ok(hash)
    }

    /// The `handleOps` transaction the bundler EOA sent, signed (EIP-1559, priority fee 0,
    /// fee cap = the base fee), as the devnet executed it.
    fn bundle_transaction(
        &self,
        op: PackedUserOperation,
        nonce: u64,
        entry_point: Address,
    ) -> Result<Recovered<TxEnvelope>, NodeError> {
        let input = IEntryPointV07::handleOpsCall {
            ops: vec![op],
            beneficiary: self.bundler.address,
        }
        .abi_encode();
        let tx = TxEip1559 {
            chain_id: self.info.chain_id,
            nonce,
            gas_limit: TX_GAS,
            max_fee_per_gas: u128::from(self.world.chain.base_fee()),
            max_priority_fee_per_gas: 0,
            to: TxKind::Call(entry_point),
            value: U256::ZERO,
            access_list: Default::default(),
            input: input.into(),
        };
        let signature: Signature = self
            .bundler
            .key
            .sign_prehash_recoverable(tx.signature_hash().as_slice())
            .map_err(|e| NodeError::Internal(format!("signing the bundle: {e}")))?
            .into();
        let envelope = TxEnvelope::from(tx.into_signed(signature));
        Ok(Recovered::new_unchecked(envelope, self.bundler.address))
    }

    /// `eth_estimateUserOperationGas`: runs the op's validation with generous limits on a
    /// copy of the state — a session op's dummy signature (`signer ‖ any r, s, v`) runs every
    /// policy check of the module and then fails the signature (`AA24`), which is expected
    /// here — measures the validation frames, and simulates the account's execution from
    /// EntryPoint.
    ///
    /// # Errors
    ///
    /// As [`send_user_operation`](Self::send_user_operation), except that a failed
    /// signature is not an error; `-32500` when the execution reverts.
    pub fn estimate_user_operation_gas(
        &mut self,
        op: RpcUserOp,
        entry_point: Address,
    ) -> Result<GasEstimate, NodeError> {
        self.use_entry_point(entry_point)?;
        let mut sdk = to_sdk(&op)?;
        sdk.verification_gas_limit = ESTIMATE_VERIFICATION_CAP;
        sdk.call_gas_limit = 0;
        if sdk.paymaster.is_some() {
            sdk.paymaster_verification_gas_limit = Some(ESTIMATE_VERIFICATION_CAP);
        }
        let packed_op = packed(&sdk);
        let snapshot = self.world.chain.snapshot();
        let env = self.pending_env();
        self.world.chain.set_block_number(env.number - 1);
        let bundle = self.world.handle_ops(vec![packed_op.clone()]);
        self.world.chain.revert_to(&snapshot);
        let report = match bundle {
            Ok(report) => report,
            Err(WorldError::Erc7562 {
                op_index,
                violations,
            }) => return Err(violation(op_index, violations)),
            Err(other) => return Err(NodeError::Internal(other.to_string())),
        };
        if let [OpOutcome::Rejected { reason, inner, .. }] = &report.ops[..] {
            if !reason.starts_with("AA24") {
                return Err(refusal(reason, inner.as_ref()));
            }
        }
        let frames = &report.validation.trace.frames;
        let paymaster = sdk.paymaster;
        let account_gas = outer_gas(frames, |f| Some(f.address) != paymaster);
        let paymaster_gas = paymaster.map(|p| outer_gas(frames, |f| f.address == p));

        let execution = self.world.chain.simulate_tx(&TxRequest {
            from: entry_point,
            kind: TxKind::Call(op.sender),
            data: op.call_data.clone(),
            gas_limit: TX_GAS,
            ..TxRequest::default()
        })?;
        if !execution.success {
            return Err(NodeError::UserOp {
                code: AA_REJECTED,
                message: "execution reverted".into(),
                data: json!({ "revertData": execution.output }),
            });
        }
        // Intrinsic gas included: EntryPoint's call into the account pays none, so it is the
        // margin; plus the 1/64 a call keeps back.
        let spent = execution.gas_used + execution.gas_refunded;
        let call_gas = spent + spent / 63;
        let handle_ops = IEntryPointV07::handleOpsCall {
            ops: vec![packed_op],
            beneficiary: self.bundler.address,
        }
        .abi_encode();
        Ok(GasEstimate {
            pre_verification_gas: U256::from(PRE_VERIFICATION_OVERHEAD + calldata_gas(&handle_ops)),
            verification_gas_limit: U256::from(account_gas + ENTRY_POINT_VALIDATION_OVERHEAD),
            call_gas_limit: U256::from(call_gas),
            paymaster_verification_gas_limit: paymaster_gas
                .map(|g| U256::from(g + ENTRY_POINT_VALIDATION_OVERHEAD)),
        })
    }

    /// `eth_getUserOperationByHash`: the op with its entry point and inclusion, or `None`.
    pub fn user_operation_by_hash(&self, hash: B256) -> Option<Value> {
        let record = self.user_ops.get(&hash)?;
        let tx = self.store.transaction(record.transaction_hash)?;
        Some(json!({
            "userOperation": record.op,
            "entryPoint": record.entry_point,
            "transactionHash": record.transaction_hash,
            "blockHash": tx.block_hash,
            "blockNumber": tx.block_hash.map(|_| format!("{:#x}", tx.block_number)),
        }))
    }

    /// `eth_getUserOperationReceipt`: `None` until the op's block is sealed.
    pub fn user_operation_receipt(&self, hash: B256) -> Option<UserOperationReceipt> {
        let record = self.user_ops.get(&hash)?;
        let tx = self.store.transaction(record.transaction_hash)?;
        tx.block_hash?;
        let logs = tx
            .rpc_logs()
            .get(record.logs.clone())
            .map(<[_]>::to_vec)
            .unwrap_or_default();
        Some(UserOperationReceipt {
            user_op_hash: hash.to_vec().into(),
            entry_point: record.entry_point,
            sender: record.op.sender,
            nonce: record.op.nonce,
            paymaster: record.op.paymaster.unwrap_or_default(),
            actual_gas_cost: record.actual_gas_cost,
            actual_gas_used: record.actual_gas_used,
            success: record.success,
            reason: record.reason.clone(),
            logs,
            receipt: tx.rpc_receipt(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_take_erc_7769_codes_by_aa_family() {
        let cases = [
            ("AA23 reverted", AA_REJECTED),
            ("AA21 didn't pay prefund", AA_REJECTED),
            ("AA25 invalid account nonce", AA_REJECTED),
            ("AA24 signature error", SIGNATURE_FAILED),
            ("AA22 expired or not due", OUT_OF_TIME_RANGE),
            ("AA32 paymaster expired or not due", OUT_OF_TIME_RANGE),
            ("AA33 reverted", PAYMASTER_REJECTED),
            ("AA34 signature error", PAYMASTER_REJECTED),
            ("handleOps reverted: 0x", AA_REJECTED),
        ];
        for (reason, code) in cases {
            let error = refusal(reason, None);
            assert_eq!(error.code(), code, "{reason}");
            assert_eq!(error.to_string(), reason);
        }
    }

    #[test]
    fn refusal_carries_the_revert_data_and_the_module_error() {
        let inner = Bytes::from(vec![0xde, 0xad]);
        let NodeError::UserOp { data, .. } = refusal("AA23 reverted", Some(&inner)) else {
            panic!("a user-op error");
        };
        assert_eq!(data["aaCode"], "AA23");
        assert_eq!(data["revertData"], "0xdead");
        assert_eq!(data["moduleError"], "unrecognised revert data 0xdead");
    }
}
