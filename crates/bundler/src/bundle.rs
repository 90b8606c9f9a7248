//! Submitting `handleOps` and reading back what happened to each op.

use alloy_primitives::{Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use devnet_fixtures::bindings::{IEntryPointV07, PackedUserOperation};
use stylus_devnet::{CallOutcome, CallStatus};

use crate::trace::{check_bundle, OpEntities, ValidationCheck};
use crate::world::{World, WorldError, TX_GAS};

/// What happened to one op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpOutcome {
    /// Validated and executed; `success` is the execution's result (EntryPoint's
    /// `UserOperationEvent`), `revert` the execution's revert data when it failed.
    Included {
        /// The op's hash.
        user_op_hash: B256,
        /// Whether its execution succeeded.
        success: bool,
        /// `actualGasUsed` from `UserOperationEvent`.
        actual_gas_used: U256,
        /// `actualGasCost` (wei) from `UserOperationEvent`.
        actual_gas_cost: U256,
        /// The execution's revert data, when it reverted.
        revert: Option<Bytes>,
    },
    /// Refused in validation: the whole `handleOps` reverted with `FailedOp` /
    /// `FailedOpWithRevert` (e.g. `"AA23 reverted"` with the module's typed error as `inner`,
    /// or `"AA24 signature error"`).
    Rejected {
        /// Index of the op in the bundle.
        op_index: usize,
        /// EntryPoint's reason string.
        reason: String,
        /// The validator's revert data (`FailedOpWithRevert`), if any.
        inner: Option<Bytes>,
    },
}

impl OpOutcome {
    /// Whether the op was included and executed successfully.
    pub fn succeeded(&self) -> bool {
        matches!(self, Self::Included { success: true, .. })
    }

    /// The validator's revert data, for an op rejected with `FailedOpWithRevert`.
    pub fn inner_revert(&self) -> Option<&Bytes> {
        match self {
            Self::Rejected { inner, .. } => inner.as_ref(),
            _ => None,
        }
    }

    /// EntryPoint's reason, for a rejected op.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Rejected { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// One `handleOps` transaction.
#[derive(Clone, Debug)]
pub struct BundleReport {
    /// Per-op outcome (a rejection aborts the bundle: then this holds just that rejection).
    pub ops: Vec<OpOutcome>,
    /// Gas of the whole `handleOps` transaction (intrinsic included, after refunds).
    pub gas_used: u64,
    /// Size of the `handleOps` calldata.
    pub calldata_bytes: usize,
    /// The transaction's outcome, raw.
    pub outcome: CallOutcome,
    /// The validation phase of the first op, traced and judged by every bundler profile.
    pub validation: ValidationCheck,
    /// The validation phase of every op that reached validation, in bundle order.
    pub validations: Vec<ValidationCheck>,
}

impl World {
    /// Submits `ops` in one `handleOps` from the bundler (beneficiary: the bundler) in a block
    /// of its own (the block number advances, the clock does not), traces it,
    /// judges every op's validation by the ERC-7562 profiles, and reports each op's outcome
    /// and the gas.
    ///
    /// # Errors
    ///
    /// The devnet refusing the transaction (a revert is reported, not an error), and — while
    /// [`World::enforce_erc7562`] is set, as it is by default — any op whose validation breaks
    /// an ERC-7562 rule as written ([`WorldError::Erc7562`]), accepted or rejected; the chain is
    /// then put back as it was before the bundle.
    pub fn handle_ops(
        &mut self,
        ops: Vec<PackedUserOperation>,
    ) -> Result<BundleReport, WorldError> {
        let entities: Vec<OpEntities> = ops
            .iter()
            .map(|op| OpEntities::new(op.sender, &op.initCode, &op.paymasterAndData))
            .collect();
        let hashes: Vec<B256> = ops.iter().map(|op| self.user_op_hash(op)).collect();
        // A bundle lands in a new block: programs called by earlier bundles are no longer among
        // the block's recent programs (ArbOS 60), as on a chain where bundles are blocks apart.
        // A bundler drops a bundle whose validation breaks ERC-7562: it must leave nothing.
        let before = self.enforce_erc7562.then(|| self.chain.snapshot());
        self.chain.advance_block(0);
        let call = IEntryPointV07::handleOpsCall {
            ops,
            beneficiary: self.bundler,
        };
        let data = call.abi_encode();
        let calldata_bytes = data.len();
        self.chain.start_trace();
        let outcome = self.chain.call(
            self.bundler,
            self.entry_point,
            U256::ZERO,
            data.into(),
            TX_GAS,
        )?;
        let trace = self.chain.take_trace();
        let ops = match outcome.status {
            CallStatus::Success => included(&outcome, &hashes),
            _ => vec![rejected(&outcome.output)],
        };
        // Ops after a rejected one never reached validation.
        let validated = match ops.as_slice() {
            [OpOutcome::Rejected { op_index, .. }] => (*op_index + 1).min(entities.len()),
            _ => entities.len(),
        };
        let validations = check_bundle(&trace, self.entry_point, &entities[..validated]);
        if let Some(before) = before {
            if let Some((op_index, check)) = validations
                .iter()
                .enumerate()
                .find(|(_, check)| !check.violations.is_empty())
            {
                self.chain.revert_to(&before);
                return Err(WorldError::Erc7562 {
                    op_index,
                    violations: check.violations.iter().map(ToString::to_string).collect(),
                });
            }
        }
        let validation = validations.first().cloned().unwrap_or_else(|| {
            ValidationCheck::new(Default::default(), entities[0].sender, self.entry_point)
        });
        Ok(BundleReport {
            ops,
            gas_used: outcome.gas_used,
            calldata_bytes,
            outcome,
            validation,
            validations,
        })
    }

    /// [`handle_ops`](Self::handle_ops) for a single op; returns the report.
    ///
    /// # Errors
    ///
    /// As `handle_ops`.
    pub fn submit(&mut self, op: PackedUserOperation) -> Result<BundleReport, WorldError> {
        self.handle_ops(vec![op])
    }
}

fn included(outcome: &CallOutcome, hashes: &[B256]) -> Vec<OpOutcome> {
    hashes
        .iter()
        .map(|hash| {
            let event = outcome.logs.iter().find_map(|log| {
                IEntryPointV07::UserOperationEvent::decode_log(log)
                    .ok()
                    .filter(|e| e.userOpHash == *hash)
            });
            let revert = outcome.logs.iter().find_map(|log| {
                IEntryPointV07::UserOperationRevertReason::decode_log(log)
                    .ok()
                    .filter(|e| e.userOpHash == *hash)
                    .map(|e| e.revertReason.clone())
            });
            match event {
                Some(e) => OpOutcome::Included {
                    user_op_hash: *hash,
                    success: e.success,
                    actual_gas_used: e.actualGasUsed,
                    actual_gas_cost: e.actualGasCost,
                    revert,
                },
                None => OpOutcome::Rejected {
                    op_index: 0,
                    reason: "no UserOperationEvent".into(),
                    inner: None,
                },
            }
        })
        .collect()
}

fn rejected(output: &[u8]) -> OpOutcome {
    if let Ok(e) = IEntryPointV07::FailedOpWithRevert::abi_decode(output) {
        return OpOutcome::Rejected {
            op_index: e.opIndex.to(),
            reason: e.reason,
            inner: Some(e.inner),
        };
    }
    if let Ok(e) = IEntryPointV07::FailedOp::abi_decode(output) {
        return OpOutcome::Rejected {
            op_index: e.opIndex.to(),
            reason: e.reason,
            inner: None,
        };
    }
    OpOutcome::Rejected {
        op_index: 0,
        reason: format!("handleOps reverted: 0x{}", crate::world::hex(output)),
        inner: None,
    }
}
