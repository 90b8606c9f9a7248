//! Enabling a session inside its first op (`sessionkey_policy::enable`): the owner signs the
//! permission once, off-chain, as EIP-712 typed data; the session's first user operation carries
//! the record and that signature, and the module registers it during validation — no separate
//! owner transaction.
//!
//! The owner's signature is whatever the account's ERC-1271 `isValidSignature` accepts for the
//! [`enable_digest`]. For an account built on OpenZeppelin's `ERC7739` (as the devnet's is), an
//! ECDSA owner signs [`erc7739_personal_sign_digest`] of it.

use alloy_primitives::{keccak256, Address, Bytes, B256};
use alloy_sol_types::{sol, Eip712Domain, SolStruct, SolValue};
use sessionkey_policy::enable::{encode_enable, split_enable};
use sessionkey_policy::layout::AccountWord;
use sessionkey_policy::record::SessionRecord;
use sessionkey_policy::signature::split_signer;

sol! {
    /// What an account's owner signs to enable a session in its first op (EIP-712).
    #[derive(Debug, PartialEq, Eq)]
    struct EnableSession {
        /// The account the session is for.
        address account;
        /// The session's canonical record (`SessionRecord::encode`).
        bytes record;
        /// The account's enable nonce (`AccountWord::enable_nonce`).
        uint64 enableNonce;
    }

    /// ERC-7739's nesting of [`EnableSession`] in the account's own domain: what an owner's
    /// wallet signs (as typed data, every field shown) for an ERC-7739 account.
    #[derive(Debug, PartialEq, Eq)]
    struct TypedDataSign {
        /// The typed data the module asks about.
        EnableSession contents;
        /// The account's EIP-712 name.
        string name;
        /// The account's EIP-712 version.
        string version;
        /// The account's chain.
        uint256 chainId;
        /// The account.
        address verifyingContract;
        /// The account's EIP-712 salt.
        bytes32 salt;
    }
}

/// Why an enable signature cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnableError {
    /// The session signature names another signer than the record.
    #[error("the session signature is by {signed}, but the record's signer is {record}")]
    SignerMismatch {
        /// The record's signer.
        record: Address,
        /// The signer the session signature names.
        signed: Address,
    },
    /// The session signature is shorter than a signer address.
    #[error("the session signature is {0} bytes, shorter than its 20-byte signer")]
    SessionSignatureTooShort(usize),
    /// The record or the owner signature is longer than the 16-bit length field.
    #[error("the record or the owner signature is longer than 65,535 bytes")]
    TooLong,
}

/// The module's EIP-712 domain on `chain_id`.
pub fn module_domain(chain_id: u64, module: Address) -> Eip712Domain {
    alloy_sol_types::eip712_domain! {
        name: "SessionKeyValidator",
        version: "1",
        chain_id: chain_id,
        verifying_contract: module,
    }
}

/// The typed data the owner signs to enable `record` on `account`.
pub fn enable_typed_data(
    account: Address,
    record: &SessionRecord,
    enable_nonce: u64,
) -> EnableSession {
    EnableSession {
        account,
        record: record.encode().into(),
        enableNonce: enable_nonce,
    }
}

/// The digest the module passes to the account's `isValidSignature`.
pub fn enable_digest(
    chain_id: u64,
    module: Address,
    account: Address,
    record: &SessionRecord,
    enable_nonce: u64,
) -> B256 {
    enable_typed_data(account, record, enable_nonce)
        .eip712_signing_hash(&module_domain(chain_id, module))
}

/// The typed data of [`enable_digest`] as `eth_signTypedData_v4` takes it (EIP-712 JSON), for the
/// owner's wallet to show and sign.
pub fn enable_typed_data_json(
    chain_id: u64,
    module: Address,
    account: Address,
    record: &SessionRecord,
    enable_nonce: u64,
) -> serde_json::Value {
    let field = |name: &str, ty: &str| serde_json::json!({ "name": name, "type": ty });
    serde_json::json!({
        "types": {
            "EIP712Domain": [
                field("name", "string"),
                field("version", "string"),
                field("chainId", "uint256"),
                field("verifyingContract", "address"),
            ],
            "EnableSession": [
                field("account", "address"),
                field("record", "bytes"),
                field("enableNonce", "uint64"),
            ],
        },
        "primaryType": "EnableSession",
        "domain": {
            "name": "SessionKeyValidator",
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": module.to_checksum(None),
        },
        "message": {
            "account": account.to_checksum(None),
            "record": alloy_primitives::hex::encode_prefixed(record.encode()),
            "enableNonce": enable_nonce,
        },
    })
}

/// The enable nonce an owner signature must name now, from the account's word
/// (`sessionWords(account, _).accountWord`).
pub fn current_enable_nonce(account_word: &B256) -> u64 {
    AccountWord::unpack(account_word).enable_nonce
}

/// What an ECDSA owner of an ERC-7739 account signs for the account to accept `hash` in
/// `isValidSignature`: the nested `PersonalSign(bytes prefixed)` digest in the account's own
/// EIP-712 domain, so the signature is bound to that account (ERC-7739).
pub fn erc7739_personal_sign_digest(account_domain: &Eip712Domain, hash: B256) -> B256 {
    let type_hash = keccak256("PersonalSign(bytes prefixed)");
    let struct_hash = keccak256((type_hash, hash).abi_encode());
    let mut preimage = [0u8; 66];
    preimage[..2].copy_from_slice(&[0x19, 0x01]);
    preimage[2..34].copy_from_slice(account_domain.separator().as_slice());
    preimage[34..].copy_from_slice(struct_hash.as_slice());
    keccak256(preimage)
}

/// ERC-7739 `TypedDataSign`: the digest an ECDSA owner of an ERC-7739 account signs when its
/// wallet signs the enable typed data nested in the account's domain (`eth_signTypedData_v4` of
/// `TypedDataSign` in the module's domain), and the owner signature to pass on — the owner's
/// `r ‖ s ‖ v` followed by the module's domain separator, the `EnableSession` hash, the contents
/// description and its length, as ERC-7739 lays it out. `account_domain` must carry the account's
/// name, version, chain id, address and salt (zero when it has none).
pub fn erc7739_nested_enable(
    account_domain: &Eip712Domain,
    chain_id: u64,
    module: Address,
    account: Address,
    record: &SessionRecord,
    enable_nonce: u64,
) -> (B256, impl Fn(&[u8]) -> Bytes) {
    let contents = enable_typed_data(account, record, enable_nonce);
    let app = module_domain(chain_id, module);
    let nested = TypedDataSign {
        contents: contents.clone(),
        name: account_domain.name.clone().unwrap_or_default().into_owned(),
        version: account_domain
            .version
            .clone()
            .unwrap_or_default()
            .into_owned(),
        chainId: account_domain.chain_id.unwrap_or_default(),
        verifyingContract: account_domain.verifying_contract.unwrap_or_default(),
        salt: account_domain.salt.unwrap_or_default(),
    };
    let digest = nested.eip712_signing_hash(&app);
    let app_separator = app.separator();
    let contents_hash = contents.eip712_hash_struct();
    let description = EnableSession::eip712_encode_type();
    let wrap = move |owner_signature: &[u8]| -> Bytes {
        let mut out = owner_signature.to_vec();
        out.extend_from_slice(app_separator.as_slice());
        out.extend_from_slice(contents_hash.as_slice());
        out.extend_from_slice(description.as_bytes());
        out.extend_from_slice(&(description.len() as u16).to_be_bytes());
        out.into()
    };
    (digest, wrap)
}

/// The first op's `userOp.signature`: the enable marker, `record`, the owner's signature and the
/// session's own signature over the op (as [`crate::key::SessionSigner`] makes it, signer first;
/// the signer is dropped, the module takes it from the record).
///
/// # Errors
/// The session signature is by another signer than the record's, or a part is too long.
pub fn enable_signature(
    record: &SessionRecord,
    owner_signature: &[u8],
    session_signature: &[u8],
) -> Result<Bytes, EnableError> {
    let (signed, proof) = split_signer(session_signature).ok_or(
        EnableError::SessionSignatureTooShort(session_signature.len()),
    )?;
    if signed != record.signer {
        return Err(EnableError::SignerMismatch {
            record: record.signer,
            signed,
        });
    }
    encode_enable(&record.encode(), owner_signature, proof)
        .map(Bytes::from)
        .ok_or(EnableError::TooLong)
}

/// The parts of an enable signature: `(record bytes, owner signature, session proof)`, or `None`
/// when `signature` is not one.
pub fn parse_enable_signature(signature: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let (marker, rest) = split_signer(signature)?;
    if !sessionkey_policy::enable::is_enable_marker(marker) {
        return None;
    }
    let p = split_enable(rest)?;
    Some((p.record, p.owner_signature, p.session_proof))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;
    use sessionkey_policy::enable as onchain;

    fn record(signer: Address) -> SessionRecord {
        crate::SessionBuilder::new(signer)
            .valid_between(10, 1_000)
            .native_cap(sessionkey_policy::Limit::Limited(0))
            .gas_budget(sessionkey_policy::Limit::Unlimited)
            .build()
            .unwrap()
            .record
    }

    /// The SDK's alloy-built digest is the one the module computes from its preimages.
    #[test]
    fn digest_is_the_modules() {
        let module = address!("00000000000000000000000000000000000000aa");
        let account = address!("00000000000000000000000000000000000000bb");
        let r = record(address!("00000000000000000000000000000000000000cc"));
        for nonce in [0, 1, u64::MAX] {
            assert_eq!(
                enable_digest(412_346, module, account, &r, nonce),
                onchain::enable_digest(412_346, module, account, &r.encode(), nonce, |b| {
                    keccak256(b)
                })
            );
        }
    }

    /// What a wallet signs from the JSON (alloy's EIP-712 reading of it) is the module's digest.
    #[test]
    fn the_wallet_json_hashes_to_the_digest() {
        let module = address!("00000000000000000000000000000000000000aa");
        let account = address!("00000000000000000000000000000000000000bb");
        let r = record(address!("00000000000000000000000000000000000000cc"));
        for (chain_id, nonce) in [(42_161u64, 0u64), (412_346, 9)] {
            let json = enable_typed_data_json(chain_id, module, account, &r, nonce);
            let typed: alloy_dyn_abi::TypedData = serde_json::from_value(json).unwrap();
            assert_eq!(
                typed.eip712_signing_hash().unwrap(),
                enable_digest(chain_id, module, account, &r, nonce)
            );
        }
    }

    #[test]
    fn the_signature_round_trips_and_names_the_records_signer() {
        let signer = address!("00000000000000000000000000000000000000cc");
        let r = record(signer);
        let mut session = signer.to_vec();
        session.extend_from_slice(&[7u8; 65]);
        let sig = enable_signature(&r, &[1u8; 65], &session).unwrap();
        let (rec, owner, proof) = parse_enable_signature(&sig).unwrap();
        assert_eq!(rec, &r.encode()[..]);
        assert_eq!(owner, &[1u8; 65]);
        assert_eq!(proof, &[7u8; 65]);
        let other = Address::repeat_byte(0xdd);
        let mut foreign = other.to_vec();
        foreign.extend_from_slice(&[7u8; 65]);
        assert_eq!(
            enable_signature(&r, &[1u8; 65], &foreign),
            Err(EnableError::SignerMismatch {
                record: signer,
                signed: other
            })
        );
        assert_eq!(
            enable_signature(&r, &[1u8; 65], &[0u8; 19]),
            Err(EnableError::SessionSignatureTooShort(19))
        );
        assert_eq!(parse_enable_signature(&session), None);
    }
}
