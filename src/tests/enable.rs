//! Enabling a session in its first op, on the TestVM: every refusal made before the first write
//! (a signature too short for its parts, a refused record, a live signer, an account without the
//! module) reverts with its exact error and writes nothing; an owner signature the account does
//! not accept registers (so the op costs what the signed one will) but answers authorizer 1,
//! which makes EntryPoint revert the bundle; revoke-all and uninstall void pending enable
//! signatures by raising the enable nonce. The accepted path, which needs the account's real
//! `isValidSignature` and ecrecover answering different calls, runs on the devnet
//! (`tests/e2e_enable.rs`): the TestVM answers every static call alike.

use alloy_primitives::{Address, U256};
use sessionkey_policy::enable::encode_enable;
use sessionkey_policy::layout::{AccountWord, SessionHeader, SessionStatus};
use sessionkey_policy::{RecordError, ValidationData};

use super::harness::*;
use crate::abi::{self, PackedUserOperation};

/// An enabling signature for `record` with a 65-byte owner signature and `key`'s signature of
/// the op (without its signer).
fn enabling(record: &[u8], key: &SessionKey) -> Vec<u8> {
    let session = key.sign(OP_HASH, MODULE);
    encode_enable(record, &[0x11; 65], &session[20..]).unwrap()
}

fn transfer_op(signature: Vec<u8>) -> PackedUserOperation {
    user_op(ACCOUNT, single(TOKEN, 0, transfer(ALICE, 10)), signature)
}

fn account_word(h: &Harness) -> AccountWord {
    AccountWord::unpack(&h.session_words(ACCOUNT, Address::ZERO).0)
}

#[test]
fn refusals_before_the_first_write_revert_exactly_and_write_nothing() {
    let key = session_key(1);
    let record = demo_record(&key).encode();
    let mut h = Harness::new();
    h.install();
    let full = enabling(&record, &key);
    let mut bad_version = full.clone();
    bad_version[22] = 1;
    let mut zero_signer = demo_record(&key);
    zero_signer.signer = Address::ZERO;
    let cases: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
        (
            "the marker alone",
            full[..20].to_vec(),
            revert_of(abi::InvalidSignatureLength {
                length: U256::from(20),
            }),
        ),
        (
            "a record length past the end",
            full[..22 + record.len() - 1].to_vec(),
            revert_of(abi::InvalidSignatureLength {
                length: U256::from(22 + record.len() - 1),
            }),
        ),
        (
            "an owner signature length past the end",
            full[..22 + record.len() + 2 + 64].to_vec(),
            revert_of(abi::InvalidSignatureLength {
                length: U256::from(22 + record.len() + 2 + 64),
            }),
        ),
        (
            "a record of an unknown version",
            bad_version,
            sessionkey_policy::error::ModuleError::from(RecordError::UnsupportedVersion(1))
                .encode(),
        ),
        (
            "a record for the zero signer",
            enabling(&zero_signer.encode(), &key),
            sessionkey_policy::error::ModuleError::from(RecordError::ZeroSigner).encode(),
        ),
    ];
    for (name, signature, expected) in cases {
        let before = h.storage();
        let err = h.validate(&transfer_op(signature), OP_HASH).unwrap_err();
        assert_eq!(err, expected, "{name}");
        assert_eq!(h.storage(), before, "{name}: nothing written");
    }
}

#[test]
fn enabling_a_live_session_reverts_and_writes_nothing() {
    let key = session_key(1);
    let record = demo_record(&key);
    let mut h = Harness::new();
    h.install_with(&record);
    let before = h.storage();
    let err = h
        .validate(&transfer_op(enabling(&record.encode(), &key)), OP_HASH)
        .unwrap_err();
    assert_eq!(
        err,
        revert_of(abi::SessionAlreadyActive {
            account: ACCOUNT,
            signer: key.address(),
        })
    );
    assert_eq!(h.storage(), before);
}

#[test]
fn enabling_on_an_account_without_the_module_reverts_and_writes_nothing() {
    let key = session_key(1);
    let mut h = Harness::new();
    let before = h.storage();
    let err = h
        .validate(
            &transfer_op(enabling(&demo_record(&key).encode(), &key)),
            OP_HASH,
        )
        .unwrap_err();
    assert_eq!(err, revert_of(abi::NotInstalled { account: ACCOUNT }));
    assert_eq!(h.storage(), before);
}

#[test]
fn an_owner_signature_the_account_refuses_answers_authorizer_1() {
    let key = session_key(1);
    let record = demo_record(&key);
    let mut h = Harness::new();
    h.install();
    // ecrecover answers the session key's signature correctly; the account's
    // `isValidSignature` gets that same answer (an address word, not the magic value).
    let sig = sessionkey_policy::SessionSignature::parse(&key.sign(OP_HASH, MODULE)).unwrap();
    let digest = alloy_primitives::keccak256(sessionkey_policy::signature::digest_preimage(
        &OP_HASH, MODULE,
    ));
    let input = sig.ecrecover_input(&digest);
    h.vm.mock_static_call(ECRECOVER, input.to_vec(), Ok(ecrecover_precompile(&input)));
    let data = h
        .validate(&transfer_op(enabling(&record.encode(), &key)), OP_HASH)
        .unwrap();
    let vd = ValidationData::unpack(data).unwrap();
    assert!(vd.sig_failed);
    assert_eq!((vd.valid_after, vd.valid_until), (1000, 4600));
    // The registration and the debit happened (the op costs what a signed one will); on chain
    // EntryPoint reverts the bundle on authorizer 1, writes included.
    let header = SessionHeader::unpack(&h.session_words(ACCOUNT, key.address()).1);
    assert_eq!(header.status, SessionStatus::Active);
    let word = account_word(&h);
    assert_eq!((word.next_nonce, word.enable_nonce), (1, 1));
}

#[test]
fn revoke_all_and_uninstall_raise_the_enable_nonce() {
    let mut h = Harness::new();
    h.install();
    assert_eq!(account_word(&h).enable_nonce, 0);
    h.contract.revoke_all_sessions().unwrap();
    assert_eq!(account_word(&h).enable_nonce, 1);
    h.contract.on_uninstall(Default::default()).unwrap();
    let word = account_word(&h);
    assert_eq!((word.installed, word.enable_nonce), (false, 2));
    // A reinstall keeps it: signatures made before the uninstall stay void.
    h.install();
    assert_eq!(account_word(&h).enable_nonce, 2);
}
