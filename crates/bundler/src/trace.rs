//! The validation phase of a traced `handleOps`, and its ERC-7562 check.
//!
//! In `handleOps` EntryPoint first calls `account.validateUserOp` for every op (the validation
//! phase), then executes them (through its own `innerHandleOp`, which also calls the account).
//! The validation call of the first op is therefore the first frame in which EntryPoint calls
//! the sender; everything nested under it is what a bundler's tracer checks.

use alloy_primitives::Address;
use stylus_devnet::erc7562::{self, ValidationScope, Violation};
use stylus_devnet::{FrameKind, ValidationTrace};

/// The validation subtree of the first op of a traced `handleOps`.
pub fn validation_subtree(
    trace: &ValidationTrace,
    entry_point: Address,
    sender: Address,
) -> ValidationTrace {
    let Some(start) = trace
        .frames
        .iter()
        .position(|f| f.caller == entry_point && f.address == sender && f.kind == FrameKind::Evm)
    else {
        return ValidationTrace {
            frames: Vec::new(),
            keccak_preimages: trace.keccak_preimages.clone(),
        };
    };
    let depth = trace.frames[start].depth;
    let end = trace.frames[start + 1..]
        .iter()
        .position(|f| f.depth <= depth)
        .map_or(trace.frames.len(), |i| start + 1 + i);
    ValidationTrace {
        frames: trace.frames[start..end].to_vec(),
        keccak_preimages: trace.keccak_preimages.clone(),
    }
}

/// A validation phase and the ERC-7562 rules it breaks.
#[derive(Clone, Debug)]
pub struct ValidationCheck {
    /// The frames of the validation phase.
    pub trace: ValidationTrace,
    /// Every violation found (empty: a bundler would accept the op).
    pub violations: Vec<Violation>,
}

impl ValidationCheck {
    /// Checks `trace` for `sender` (no staked entities).
    pub fn new(trace: ValidationTrace, sender: Address, entry_point: Address) -> Self {
        let scope = ValidationScope {
            sender,
            entry_point: Some(entry_point),
            staked: Vec::new(),
        };
        let violations = erc7562::check(&trace, &scope);
        Self { trace, violations }
    }

    /// Whether the phase ran any Stylus frame (the module).
    pub fn ran_stylus(&self) -> bool {
        self.trace
            .frames
            .iter()
            .any(|f| f.kind == FrameKind::Stylus)
    }
}
