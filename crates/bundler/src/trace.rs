//! The validation phase of a traced `handleOps`, judged by every bundler profile.
//!
//! In `handleOps` EntryPoint first validates every op — `SenderCreator.createSender` when the op
//! deploys its account, `account.validateUserOp`, `paymaster.validatePaymasterUserOp` — then
//! executes them. The frames of one op's validation, and everything nested under them, are
//! what a bundler's tracer sees when it simulates that op.

use alloy_primitives::{Address, Bytes};
use stylus_devnet::erc7562::{self, Profile, ValidationScope, Violation, PROFILES};
use stylus_devnet::{FrameKind, ValidationTrace};

/// `validateUserOp(PackedUserOperation,bytes32,uint256)`.
const VALIDATE_USER_OP: [u8; 4] = [0x19, 0x82, 0x2f, 0x7c];
/// `validatePaymasterUserOp(PackedUserOperation,bytes32,uint256)`.
const VALIDATE_PAYMASTER_USER_OP: [u8; 4] = [0x52, 0xb7, 0x51, 0x2c];
/// `SenderCreator.createSender(bytes)`.
const CREATE_SENDER: [u8; 4] = [0x57, 0x0e, 0x1a, 0x36];

/// Frames `start` and everything nested under it.
fn subtree(trace: &ValidationTrace, start: usize) -> std::ops::Range<usize> {
    let depth = trace.frames[start].depth;
    let end = trace.frames[start + 1..]
        .iter()
        .position(|f| f.depth <= depth)
        .map_or(trace.frames.len(), |i| start + 1 + i);
    start..end
}

/// What a bundler needs to know of one op to judge its validation.
#[derive(Clone, Debug)]
pub struct OpEntities {
    /// `userOp.sender`.
    pub sender: Address,
    /// The factory named by `initCode` (empty: none).
    pub factory: Option<Address>,
    /// The paymaster named by `paymasterAndData` (empty: none).
    pub paymaster: Option<Address>,
}

impl OpEntities {
    /// Reads the entities of a packed op's fields.
    pub fn new(sender: Address, init_code: &Bytes, paymaster_and_data: &Bytes) -> Self {
        let head = |b: &Bytes| (b.len() >= 20).then(|| Address::from_slice(&b[..20]));
        Self {
            sender,
            factory: head(init_code),
            paymaster: head(paymaster_and_data),
        }
    }
}

/// Frames of the validation of each op, in bundle order: for op `i`, the `i`-th
/// `createSender` / `validateUserOp` / `validatePaymasterUserOp` call EntryPoint made for it.
fn op_validation(
    trace: &ValidationTrace,
    entry_point: Address,
    ops: &[OpEntities],
    index: usize,
) -> (ValidationTrace, Option<Address>) {
    let op = &ops[index];
    let nth = |want: &dyn Fn(&stylus_devnet::FrameTrace) -> bool,
               of: &dyn Fn(&OpEntities) -> bool| {
        let n = ops[..index].iter().filter(|o| of(o)).count();
        trace
            .frames
            .iter()
            .enumerate()
            .filter(|(_, f)| f.caller == entry_point && want(f))
            .nth(n)
            .map(|(i, _)| i)
    };
    let mut frames = Vec::new();
    let mut sender_creator = None;
    if op.factory.is_some() {
        if let Some(start) = nth(&|f| f.selector == Some(CREATE_SENDER), &|o| {
            o.factory.is_some()
        }) {
            sender_creator = Some(trace.frames[start].address);
            frames.extend_from_slice(&trace.frames[subtree(trace, start)]);
        }
    }
    let sender = op.sender;
    if let Some(start) = nth(
        &|f| f.address == sender && f.selector == Some(VALIDATE_USER_OP),
        &|o| o.sender == sender,
    ) {
        frames.extend_from_slice(&trace.frames[subtree(trace, start)]);
    }
    if let Some(paymaster) = op.paymaster {
        if let Some(start) = nth(
            &|f| f.address == paymaster && f.selector == Some(VALIDATE_PAYMASTER_USER_OP),
            &|o| o.paymaster == Some(paymaster),
        ) {
            frames.extend_from_slice(&trace.frames[subtree(trace, start)]);
        }
    }
    let trace = ValidationTrace {
        frames,
        keccak_preimages: trace.keccak_preimages.clone(),
    };
    (trace, sender_creator)
}

/// One profile's verdict on one op.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The bundler profile.
    pub profile: Profile,
    /// What it refuses (empty: it accepts the op).
    pub violations: Vec<Violation>,
}

/// One op's validation phase and what every bundler profile says of it.
#[derive(Clone, Debug)]
pub struct ValidationCheck {
    /// The frames of the op's validation.
    pub trace: ValidationTrace,
    /// Violations under the ERC as written ([`erc7562::ERC7562`]).
    pub violations: Vec<Violation>,
    /// Every profile's verdict, in [`PROFILES`] order.
    pub verdicts: Vec<Verdict>,
}

impl ValidationCheck {
    /// Judges `trace` (one op's validation frames) under every profile.
    pub fn judge(trace: ValidationTrace, scope: &ValidationScope) -> Self {
        let verdicts: Vec<Verdict> = PROFILES
            .iter()
            .map(|profile| Verdict {
                profile: *profile,
                violations: erc7562::check(&trace, scope, profile),
            })
            .collect();
        let violations = verdicts[0].violations.clone();
        Self {
            trace,
            violations,
            verdicts,
        }
    }

    /// Checks `trace` for `sender` alone (no factory, paymaster or stake).
    pub fn new(trace: ValidationTrace, sender: Address, entry_point: Address) -> Self {
        Self::judge(trace, &ValidationScope::sender(sender, entry_point))
    }

    /// Whether the phase ran any Stylus frame (the module).
    pub fn ran_stylus(&self) -> bool {
        self.trace
            .frames
            .iter()
            .any(|f| f.kind == FrameKind::Stylus)
    }

    /// Names of the profiles that accept the op.
    pub fn accepted_by(&self) -> Vec<&'static str> {
        self.verdicts
            .iter()
            .filter(|v| v.violations.is_empty())
            .map(|v| v.profile.name)
            .collect()
    }

    /// The verdict of the profile named `name`.
    pub fn verdict(&self, name: &str) -> Option<&Verdict> {
        self.verdicts.iter().find(|v| v.profile.name == name)
    }
}

/// Judges the validation of every op of a traced `handleOps`. Each op's scope names the other
/// ops' senders as the mempool (STO-040/041).
pub fn check_bundle(
    trace: &ValidationTrace,
    entry_point: Address,
    ops: &[OpEntities],
) -> Vec<ValidationCheck> {
    (0..ops.len())
        .map(|index| {
            let (op_trace, sender_creator) = op_validation(trace, entry_point, ops, index);
            let op = &ops[index];
            let scope = ValidationScope {
                sender: op.sender,
                factory: op.factory,
                paymaster: op.paymaster,
                entry_point: Some(entry_point),
                sender_creator,
                mempool_senders: ops
                    .iter()
                    .map(|o| o.sender)
                    .filter(|s| *s != op.sender)
                    .collect(),
                ..ValidationScope::default()
            };
            ValidationCheck::judge(op_trace, &scope)
        })
        .collect()
}
