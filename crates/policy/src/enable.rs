//! Enabling a session inside its first op: the owner signs the permission once, off-chain, and
//! the session's first user operation carries the record and that signature. The module checks
//! the owner's signature through the account's own ERC-1271 `isValidSignature` (so any owner
//! scheme the account has works) and registers the record during validation.
//!
//! ```text
//! userOp.signature = 0x00 × 20                  the enable marker (no session signer is zero)
//!                  ‖ u16 record length ‖ record  canonical encoding (crate::record)
//!                  ‖ u16 owner length ‖ owner signature, passed as is to isValidSignature
//!                  ‖ [u32 period] ‖ proof        the session's own signature, as in a
//!                                                normal op, minus the signer (it is the record's)
//! ```
//!
//! What the owner signs is EIP-712 typed data, so wallets can show it:
//! `EnableSession(address account,bytes record,uint64 enableNonce)` in the domain
//! `{name: "SessionKeyValidator", version: "1", chainId, verifyingContract: module}`. The
//! account binds the account, the module, the chain and the record; the enable nonce is the
//! account's ([`crate::layout::AccountWord::enable_nonce`]): each enable raises it, and so do
//! `revokeAllSessions` and `onUninstall`, so an enable signature works once, and one not used
//! yet dies with a revoke-all.

use alloc::vec::Vec;
use alloy_primitives::{b256, Address, B256, U256};

/// `keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")`.
pub const EIP712_DOMAIN_TYPEHASH: B256 =
    b256!("8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f");
/// `keccak256("SessionKeyValidator")`: the domain's name.
pub const DOMAIN_NAME_HASH: B256 =
    b256!("0cb96d16343e3f336aef766533d0ce844efb482d947cfe56571749cda681a1b0");
/// `keccak256("1")`: the domain's version.
pub const DOMAIN_VERSION_HASH: B256 =
    b256!("c89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f298b8bc6");
/// `keccak256("EnableSession(address account,bytes record,uint64 enableNonce)")`.
pub const ENABLE_SESSION_TYPEHASH: B256 =
    b256!("5a7d31b0dd0ba8ee81232011a30d46fcc22dc2547ea428343901428d8d487fd2");

/// ERC-1271's "valid" answer, `isValidSignature.selector`, as the word it is returned in.
pub const ERC1271_MAGIC_WORD: B256 = B256::new({
    let mut w = [0u8; 32];
    w[0] = 0x16;
    w[1] = 0x26;
    w[2] = 0xba;
    w[3] = 0x7e;
    w
});

/// Gas forwarded to the account's `isValidSignature`: room for any reasonable owner scheme (an
/// ECDSA owner behind ERC-7739 takes about 10,000; a passkey or a small multisig a few times
/// that). A fixed amount, never "all gas": tracers read a Stylus call forwarding everything as
/// out of gas (see `ecrecover.rs`). Unused gas is not charged.
pub const OWNER_CHECK_GAS: u64 = 100_000;

/// The parts of an enable-mode signature after the marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnablePayload<'a> {
    /// The encoded record to register.
    pub record: &'a [u8],
    /// The owner's signature, for the account's `isValidSignature`.
    pub owner_signature: &'a [u8],
    /// The session's signature after its signer: `[u32 period] ‖ proof`.
    pub session_proof: &'a [u8],
}

/// Whether the signer a signature names is the enable marker.
pub fn is_enable_marker(signer: Address) -> bool {
    signer == Address::ZERO
}

/// Splits what follows the marker; `None` if a length runs past the end.
pub fn split_enable(rest: &[u8]) -> Option<EnablePayload<'_>> {
    let (record, rest) = take_u16_prefixed(rest)?;
    let (owner_signature, session_proof) = take_u16_prefixed(rest)?;
    Some(EnablePayload {
        record,
        owner_signature,
        session_proof,
    })
}

fn take_u16_prefixed(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<2>()?;
    rest.split_at_checked(u16::from_be_bytes(*len) as usize)
}

/// Builds an enable-mode signature: the inverse of [`split_enable`] after the marker.
/// `session_proof` is the session's signature without its 20-byte signer. `None` when the record
/// or the owner signature is longer than 65,535 bytes.
pub fn encode_enable(
    record: &[u8],
    owner_signature: &[u8],
    session_proof: &[u8],
) -> Option<Vec<u8>> {
    let record_len = u16::try_from(record.len()).ok()?;
    let owner_len = u16::try_from(owner_signature.len()).ok()?;
    let mut out =
        Vec::with_capacity(24 + record.len() + owner_signature.len() + session_proof.len());
    out.extend_from_slice(&[0u8; 20]);
    out.extend_from_slice(&record_len.to_be_bytes());
    out.extend_from_slice(record);
    out.extend_from_slice(&owner_len.to_be_bytes());
    out.extend_from_slice(owner_signature);
    out.extend_from_slice(session_proof);
    Some(out)
}

/// `abi.encode(EIP712_DOMAIN_TYPEHASH, name, version, chainId, module)`: hashed, the module's
/// EIP-712 domain separator.
pub fn domain_preimage(chain_id: u64, module: Address) -> [u8; 160] {
    let mut out = [0u8; 160];
    out[..32].copy_from_slice(EIP712_DOMAIN_TYPEHASH.as_slice());
    out[32..64].copy_from_slice(DOMAIN_NAME_HASH.as_slice());
    out[64..96].copy_from_slice(DOMAIN_VERSION_HASH.as_slice());
    out[120..128].copy_from_slice(&chain_id.to_be_bytes());
    out[140..160].copy_from_slice(module.as_slice());
    out
}

/// `abi.encode(ENABLE_SESSION_TYPEHASH, account, keccak256(record), enableNonce)`: hashed, the
/// struct hash (EIP-712 encodes `bytes` as its keccak256).
pub fn enable_struct_preimage(
    account: Address,
    record_hash: &B256,
    enable_nonce: u64,
) -> [u8; 128] {
    let mut out = [0u8; 128];
    out[..32].copy_from_slice(ENABLE_SESSION_TYPEHASH.as_slice());
    out[44..64].copy_from_slice(account.as_slice());
    out[64..96].copy_from_slice(record_hash.as_slice());
    out[120..128].copy_from_slice(&enable_nonce.to_be_bytes());
    out
}

/// `0x1901 ‖ domainSeparator ‖ structHash`: hashed, the EIP-712 digest.
pub fn typed_data_preimage(domain_separator: &B256, struct_hash: &B256) -> [u8; 66] {
    let mut out = [0u8; 66];
    out[0] = 0x19;
    out[1] = 0x01;
    out[2..34].copy_from_slice(domain_separator.as_slice());
    out[34..].copy_from_slice(struct_hash.as_slice());
    out
}

/// The EIP-712 digest the owner authorizes: `keccak` is the host's on-chain, alloy's off-chain.
pub fn enable_digest(
    chain_id: u64,
    module: Address,
    account: Address,
    record: &[u8],
    enable_nonce: u64,
    keccak: impl Fn(&[u8]) -> B256,
) -> B256 {
    let domain = keccak(&domain_preimage(chain_id, module));
    let record_hash = keccak(record);
    let structure = keccak(&enable_struct_preimage(account, &record_hash, enable_nonce));
    keccak(&typed_data_preimage(&domain, &structure))
}

/// Calldata of `isValidSignature(bytes32 hash, bytes signature)` (ERC-1271), canonical ABI.
pub fn is_valid_signature_call(hash: &B256, signature: &[u8]) -> Vec<u8> {
    let padded = signature.len().div_ceil(32) * 32;
    let mut out = Vec::with_capacity(100 + padded);
    out.extend_from_slice(&ERC1271_MAGIC_WORD[..4]);
    out.extend_from_slice(hash.as_slice());
    out.extend_from_slice(&B256::with_last_byte(0x40).0);
    out.extend_from_slice(&U256::from(signature.len()).to_be_bytes::<32>());
    out.extend_from_slice(signature);
    out.resize(100 + padded, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, keccak256};
    use alloy_sol_types::{eip712_domain, sol, SolCall, SolStruct};

    sol! {
        struct EnableSession {
            address account;
            bytes record;
            uint64 enableNonce;
        }
        function isValidSignature(bytes32 hash, bytes signature) returns (bytes4);
    }

    #[test]
    fn constants_are_the_hashes_of_their_strings() {
        assert_eq!(
            EIP712_DOMAIN_TYPEHASH,
            keccak256(
                "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
            )
        );
        assert_eq!(DOMAIN_NAME_HASH, keccak256("SessionKeyValidator"));
        assert_eq!(DOMAIN_VERSION_HASH, keccak256("1"));
        assert_eq!(
            ENABLE_SESSION_TYPEHASH,
            EnableSession::eip712_type_hash(&EnableSession {
                account: Address::ZERO,
                record: Default::default(),
                enableNonce: 0,
            })
        );
        assert_eq!(ERC1271_MAGIC_WORD[..4], isValidSignatureCall::SELECTOR);
    }

    /// The digest built from the preimages is alloy-sol-types' EIP-712 signing hash.
    #[test]
    fn digest_matches_alloy_eip712() {
        let module = address!("1111111111111111111111111111111111111111");
        let account = address!("2222222222222222222222222222222222222222");
        for (chain_id, record, nonce) in [
            (412_346u64, &b"\x02record"[..], 0u64),
            (42_161, &[0xab; 300][..], 7),
            (u64::MAX, &[][..], u64::MAX),
        ] {
            let domain = eip712_domain! {
                name: "SessionKeyValidator",
                version: "1",
                chain_id: chain_id,
                verifying_contract: module,
            };
            let typed = EnableSession {
                account,
                record: record.to_vec().into(),
                enableNonce: nonce,
            };
            assert_eq!(
                enable_digest(chain_id, module, account, record, nonce, |b| keccak256(b)),
                typed.eip712_signing_hash(&domain)
            );
        }
    }

    #[test]
    fn is_valid_signature_calldata_is_alloys() {
        for len in [0usize, 1, 31, 32, 65, 200] {
            let sig: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let hash = B256::repeat_byte(0x5a);
            let ours = is_valid_signature_call(&hash, &sig);
            let alloys = isValidSignatureCall {
                hash,
                signature: sig.clone().into(),
            }
            .abi_encode();
            assert_eq!(ours, alloys, "length {len}");
        }
    }

    #[test]
    fn enable_payload_round_trips_and_refuses_short_input() {
        let encoded = encode_enable(b"rec", &[9; 65], &[1, 2, 3]).unwrap();
        assert!(is_enable_marker(Address::from_slice(&encoded[..20])));
        let payload = split_enable(&encoded[20..]).unwrap();
        assert_eq!(payload.record, b"rec");
        assert_eq!(payload.owner_signature, &[9; 65]);
        assert_eq!(payload.session_proof, &[1, 2, 3]);
        // Every truncation that cuts a length-prefixed part is refused.
        for cut in 0..(2 + 3 + 2 + 65) {
            assert_eq!(split_enable(&encoded[20..20 + cut]), None, "cut at {cut}");
        }
        assert_eq!(encode_enable(&[0; 65_536], &[], &[]), None);
        assert_eq!(encode_enable(&[], &[0; 65_536], &[]), None);
    }
}
