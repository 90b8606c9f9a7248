//! The userOpHash an account's signature covers, for EntryPoint v0.7 and v0.8.
//!
//! **v0.7** (`EntryPoint.getUserOpHash`, eth-infinitism `account-abstraction` v0.7.0,
//! `UserOperationLib.hash`):
//!
//! ```text
//! inner = keccak256(abi.encode(sender, nonce, keccak256(initCode), keccak256(callData),
//!                              accountGasLimits, preVerificationGas, gasFees,
//!                              keccak256(paymasterAndData)))
//! userOpHash = keccak256(abi.encode(inner, entryPoint, chainId))
//! ```
//!
//! **v0.8** (eth-infinitism `account-abstraction` v0.8.0: `EntryPoint` is OpenZeppelin
//! `EIP712("ERC4337", "1")`, `getUserOpHash` = `toTypedDataHash(domainSeparator,
//! UserOperationLib.hash(op))`): EIP-712 with
//!
//! ```text
//! domain   = EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)
//!            name "ERC4337", version "1", verifyingContract = the EntryPoint
//!            (canonical 0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108)
//! typehash = keccak256("PackedUserOperation(address sender,uint256 nonce,bytes initCode,
//!            bytes callData,bytes32 accountGasLimits,uint256 preVerificationGas,bytes32 gasFees,
//!            bytes paymasterAndData)")
//! struct   = keccak256(abi.encode(typehash, sender, nonce, keccak256(initCode),
//!            keccak256(callData), accountGasLimits, preVerificationGas, gasFees,
//!            keccak256(paymasterAndData)))
//! userOpHash = keccak256(0x1901 ‖ domainSeparator ‖ struct)
//! ```
//!
//! v0.8 replaces `keccak256(initCode)` by `keccak256(delegate ‖ initCode[20..])` when `initCode`
//! starts with the EIP-7702 marker; that needs the sender's on-chain delegation, so such ops are
//! refused here ([`HashError::Eip7702InitCode`]).
//!
//! `tests/hash_vectors.rs` checks v0.7 against the real EntryPoint v0.7's `getUserOpHash` on revm
//! and v0.8 against alloy's independent EIP-712 implementation, with pinned golden vectors.

use std::fmt;
use std::str::FromStr;

use alloy_primitives::{address, keccak256, Address, B256, U256};
use alloy_sol_types::SolValue;

use crate::account_calls::PackedUserOperation;

/// Canonical EntryPoint v0.7.
pub const ENTRY_POINT_V07: Address = address!("0x0000000071727De22E5E9d8BAf0edAc6f37da032");
/// Canonical EntryPoint v0.8.
pub const ENTRY_POINT_V08: Address = address!("0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108");

/// The v0.8 struct type.
pub const PACKED_USEROP_TYPE_V08: &str = "PackedUserOperation(address sender,uint256 nonce,bytes initCode,bytes callData,bytes32 accountGasLimits,uint256 preVerificationGas,bytes32 gasFees,bytes paymasterAndData)";
/// The EIP-712 domain type.
pub const EIP712_DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
/// v0.8's EIP-7702 initCode marker (`0x7702` left-aligned in 20 bytes).
pub const INITCODE_EIP7702_MARKER: [u8; 20] = {
    let mut m = [0u8; 20];
    m[0] = 0x77;
    m[1] = 0x02;
    m
};

/// Why a hash cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// v0.8 EIP-7702 initCode: the hash depends on on-chain state.
    #[error("initCode starts with the EIP-7702 marker: its v0.8 hash needs the sender's delegation (on-chain state), not supported")]
    Eip7702InitCode,
}

/// EntryPoint versions whose userOpHash the SDK computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryPointVersion {
    /// v0.7 (`PackedUserOperation`, plain keccak hash).
    V07,
    /// v0.8 (same struct, EIP-712 hash).
    V08,
}

impl EntryPointVersion {
    /// The canonical deployment of this version.
    pub fn canonical_address(self) -> Address {
        match self {
            Self::V07 => ENTRY_POINT_V07,
            Self::V08 => ENTRY_POINT_V08,
        }
    }
}

impl fmt::Display for EntryPointVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V07 => "v0.7",
            Self::V08 => "v0.8",
        })
    }
}

impl FromStr for EntryPointVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().trim_start_matches(['v', 'V']) {
            "0.7" | "07" | "0.7.0" => Ok(Self::V07),
            "0.8" | "08" | "0.8.0" => Ok(Self::V08),
            _ => Err(format!("`{s}` is not an EntryPoint version (v0.7 or v0.8)")),
        }
    }
}

/// An EntryPoint deployment: its version and address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryPoint {
    /// Version (decides the hash).
    pub version: EntryPointVersion,
    /// Address (part of the hash).
    pub address: Address,
}

impl EntryPoint {
    /// The canonical deployment of `version`.
    pub fn canonical(version: EntryPointVersion) -> Self {
        Self {
            version,
            address: version.canonical_address(),
        }
    }

    /// The userOpHash of `op` on this EntryPoint and `chain_id`.
    ///
    /// # Errors
    /// [`HashError::Eip7702InitCode`] for v0.8 ops with a 7702 initCode.
    pub fn user_op_hash(&self, op: &PackedUserOperation, chain_id: u64) -> Result<B256, HashError> {
        match self.version {
            EntryPointVersion::V07 => Ok(user_op_hash_v07(op, self.address, chain_id)),
            EntryPointVersion::V08 => user_op_hash_v08(op, self.address, chain_id),
        }
    }
}

/// The eight hashed fields, `abi.encode`d, optionally after a typehash.
fn encode_fields(op: &PackedUserOperation, typehash: Option<B256>) -> Vec<u8> {
    let fields = (
        op.sender,
        op.nonce,
        keccak256(&op.initCode),
        keccak256(&op.callData),
        op.accountGasLimits,
        op.preVerificationGas,
        op.gasFees,
        keccak256(&op.paymasterAndData),
    );
    match typehash {
        None => fields.abi_encode(),
        Some(t) => {
            let mut out = t.to_vec();
            out.extend_from_slice(&fields.abi_encode());
            out
        }
    }
}

/// EntryPoint v0.7's userOpHash.
pub fn user_op_hash_v07(op: &PackedUserOperation, entry_point: Address, chain_id: u64) -> B256 {
    let inner = keccak256(encode_fields(op, None));
    keccak256((inner, entry_point, U256::from(chain_id)).abi_encode())
}

/// v0.8's EIP-712 domain separator.
pub fn domain_separator_v08(entry_point: Address, chain_id: u64) -> B256 {
    keccak256(
        (
            keccak256(EIP712_DOMAIN_TYPE),
            keccak256("ERC4337"),
            keccak256("1"),
            U256::from(chain_id),
            entry_point,
        )
            .abi_encode(),
    )
}

/// v0.8's struct hash of the op (`UserOperationLib.hash`).
pub fn struct_hash_v08(op: &PackedUserOperation) -> B256 {
    keccak256(encode_fields(op, Some(keccak256(PACKED_USEROP_TYPE_V08))))
}

/// EntryPoint v0.8's userOpHash.
///
/// # Errors
/// [`HashError::Eip7702InitCode`].
pub fn user_op_hash_v08(
    op: &PackedUserOperation,
    entry_point: Address,
    chain_id: u64,
) -> Result<B256, HashError> {
    if op.initCode.len() >= 20 && op.initCode[..20] == INITCODE_EIP7702_MARKER {
        return Err(HashError::Eip7702InitCode);
    }
    let mut msg = Vec::with_capacity(66);
    msg.extend_from_slice(&[0x19, 0x01]);
    msg.extend_from_slice(domain_separator_v08(entry_point, chain_id).as_slice());
    msg.extend_from_slice(struct_hash_v08(op).as_slice());
    Ok(keccak256(msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        for s in ["v0.7", "0.7", "V07"] {
            assert_eq!(s.parse::<EntryPointVersion>(), Ok(EntryPointVersion::V07));
        }
        assert_eq!(
            "v0.8".parse::<EntryPointVersion>(),
            Ok(EntryPointVersion::V08)
        );
        assert!("v0.6".parse::<EntryPointVersion>().is_err());
    }

    #[test]
    fn eip7702_init_code_is_refused_on_v08_only() {
        let mut op = PackedUserOperation::default();
        let mut init = INITCODE_EIP7702_MARKER.to_vec();
        init.push(1);
        op.initCode = init.into();
        assert_eq!(
            user_op_hash_v08(&op, ENTRY_POINT_V08, 1),
            Err(HashError::Eip7702InitCode)
        );
        assert!(EntryPoint::canonical(EntryPointVersion::V07)
            .user_op_hash(&op, 1)
            .is_ok());
    }

    #[test]
    fn chain_and_entry_point_change_the_hash() {
        let op = PackedUserOperation::default();
        let a = user_op_hash_v07(&op, ENTRY_POINT_V07, 1);
        assert_ne!(a, user_op_hash_v07(&op, ENTRY_POINT_V07, 2));
        assert_ne!(a, user_op_hash_v07(&op, ENTRY_POINT_V08, 1));
        let b = user_op_hash_v08(&op, ENTRY_POINT_V08, 1).unwrap();
        assert_ne!(b, user_op_hash_v08(&op, ENTRY_POINT_V08, 2).unwrap());
        assert_ne!(a, b);
    }
}
