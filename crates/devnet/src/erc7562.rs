//! A small checker for the ERC-7562 validation rules the devnet can see in a trace.
//!
//! Covers the two rule families that decide whether a Stylus validator is bundler-safe:
//!
//! * **banned opcodes** (OP-011 and friends): block/environment opcodes, `GAS` unless right
//!   before a call (the tracer already applies that exemption), `CREATE`, `SELFDESTRUCT`,
//!   `BALANCE`/`SELFBALANCE`; Stylus hostios count as the opcode they stand for;
//! * **associated storage** (STO-021/022): an unstaked entity may only touch the sender's own
//!   storage or slots *associated* with the sender `A` — `A` itself, or
//!   `keccak(A ‖ x) + n` with `n < 128`, decided from the keccak preimages the trace recorded.
//!
//! Frames of the EntryPoint and of precompiles are exempt. Staked entities may touch any
//! storage. Reputation, `CREATE2` once-per-factory, `EXTCODE*` on undeployed addresses and the
//! gas-limit rules are out of scope.

use alloy_primitives::{keccak256, Address, B256, U256};
use revm::bytecode::opcode;

use crate::tracer::{FrameKind, Opcode, StorageAccess, ValidationTrace};

/// Opcodes an unstaked entity may not use during validation.
pub const BANNED_OPCODES: &[Opcode] = &[
    opcode::GASPRICE,
    opcode::GASLIMIT,
    opcode::DIFFICULTY,
    opcode::TIMESTAMP,
    opcode::BASEFEE,
    opcode::BLOCKHASH,
    opcode::NUMBER,
    opcode::SELFBALANCE,
    opcode::BALANCE,
    opcode::ORIGIN,
    opcode::GAS,
    opcode::CREATE,
    opcode::COINBASE,
    opcode::SELFDESTRUCT,
    opcode::BLOBHASH,
    opcode::BLOBBASEFEE,
];

/// Slots `keccak(A ‖ x) + n` with `n` below this are associated with `A`.
pub const ASSOCIATED_SLOT_RANGE: u64 = 128;

/// Who is being validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationScope {
    /// The account (`userOp.sender`).
    pub sender: Address,
    /// The EntryPoint, whose own frames are exempt.
    pub entry_point: Option<Address>,
    /// Entities with enough stake to be exempt from the storage rule.
    pub staked: Vec<Address>,
}

/// A broken rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// A frame used a banned opcode (or its Stylus hostio equivalent).
    BannedOpcode {
        /// Index into [`ValidationTrace::frames`].
        frame: usize,
        /// The code that used it.
        code_address: Address,
        /// The opcode.
        opcode: Opcode,
    },
    /// A frame touched storage not associated with the sender.
    UnassociatedStorage {
        /// Index into [`ValidationTrace::frames`].
        frame: usize,
        /// The code that touched it.
        code_address: Address,
        /// The access.
        access: StorageAccess,
    },
}

/// Whether `slot` is associated with `address`: the address itself, or `keccak(A ‖ x) + n`
/// (`n < 128`) for a recorded preimage starting with `A` left-padded to 32 bytes.
pub fn is_associated<P: AsRef<[u8]>>(slot: B256, address: Address, preimages: &[P]) -> bool {
    let padded = address.into_word();
    if slot == padded {
        return true;
    }
    let slot = U256::from_be_bytes(slot.0);
    preimages.iter().any(|preimage| {
        let preimage = preimage.as_ref();
        preimage.len() >= 32 && preimage[..32] == padded[..] && {
            let base = U256::from_be_bytes(keccak256(preimage).0);
            slot.checked_sub(base)
                .is_some_and(|n| n < U256::from(ASSOCIATED_SLOT_RANGE))
        }
    })
}

/// Checks a validation trace; returns every violation found, in frame order.
pub fn check(trace: &ValidationTrace, scope: &ValidationScope) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (index, frame) in trace.frames.iter().enumerate() {
        let exempt =
            frame.kind == FrameKind::Precompile || Some(frame.code_address) == scope.entry_point;
        if exempt {
            continue;
        }
        for opcode in frame.opcodes.keys() {
            if BANNED_OPCODES.contains(opcode) {
                violations.push(Violation::BannedOpcode {
                    frame: index,
                    code_address: frame.code_address,
                    opcode: *opcode,
                });
            }
        }
        let staked =
            scope.staked.contains(&frame.code_address) || scope.staked.contains(&frame.address);
        for access in &frame.storage {
            let allowed = staked
                || access.address == scope.sender
                || is_associated(access.slot, scope.sender, &trace.keccak_preimages);
            if !allowed {
                violations.push(Violation::UnassociatedStorage {
                    frame: index,
                    code_address: frame.code_address,
                    access: *access,
                });
            }
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_slots_keyed_by_the_account_are_associated() {
        let account = Address::repeat_byte(0xAA);
        let mut preimage = account.into_word().to_vec();
        preimage.extend_from_slice(&[0u8; 32]); // mapping at slot 0
        let base = keccak256(&preimage);
        let base_u = U256::from_be_bytes(base.0);
        let cases = [
            (account.into_word(), true),
            (base, true),
            (B256::from(base_u + U256::from(127)), true),
            (B256::from(base_u + U256::from(128)), false),
            (B256::with_last_byte(7), false),
        ];
        for (slot, expected) in cases {
            assert_eq!(
                is_associated(slot, account, &[preimage.clone()]),
                expected,
                "{slot}"
            );
        }
        let other = Address::repeat_byte(0xBB);
        assert!(!is_associated(base, other, &[preimage]));
    }
}
