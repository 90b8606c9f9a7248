//! P-256 and WebAuthn session signers on the TestVM: registration stores the key, a raw P-256
//! signature is verified through `P256VERIFY` (a stand-in answering as the precompile does), and
//! malformed or malleable signatures are refused with nothing written.
//!
//! WebAuthn verification makes three precompile calls (SHA-256 twice, then `P256VERIFY`), and
//! stylus-test's `TestVM` answers every static call's return data with the last mock set, so it
//! cannot run; the end-to-end tests (`tests/e2e_passkeys.rs`) verify WebAuthn with the real
//! precompiles on the devnet.

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_sol_types::SolEvent;
use sessionkey_policy::layout::{session_word, SessionHeader};
use sessionkey_policy::record::{SessionRecord, SignerKey};
use sessionkey_policy::signature::digest_preimage;
use sessionkey_policy::signer::{P256Signature, P256_ORDER};
use sessionkey_policy::ValidationData;
use sessionkey_sdk::p256_key::P256Key;
use sessionkey_testkit::{p256_key, p256verify_precompile};

use super::harness::*;
use crate::abi;
use crate::host::Host;
use crate::p256::P256VERIFY;
use crate::slots;

fn p256_record(key: &P256Key, webauthn: bool) -> SessionRecord {
    let mut r = sessionkey_testkit::demo_record(key.address(), TOKEN, DEX, ALICE, 1);
    r.signer_key = if webauthn {
        SignerKey::WebAuthn(key.public_key())
    } else {
        SignerKey::P256(key.public_key())
    };
    r
}

fn digest() -> B256 {
    keccak256(digest_preimage(&OP_HASH, MODULE))
}

fn signature(signer: Address, sig: &P256Signature) -> Vec<u8> {
    [signer.as_slice(), sig.r.as_slice(), sig.s.as_slice()].concat()
}

/// Validates a P-256 op with the precompile stand-in answering for `key`'s check of `sig`.
fn validate(
    h: &mut Harness,
    key: &P256Key,
    signer: Address,
    sig: &P256Signature,
) -> Result<U256, Vec<u8>> {
    let input = sig.precompile_input(&digest(), &key.public_key());
    h.vm.mock_static_call(
        P256VERIFY,
        input.to_vec(),
        Ok(p256verify_precompile(&input)),
    );
    let op = user_op(
        ACCOUNT,
        single(TOKEN, 0, transfer(ALICE, 30)),
        signature(signer, sig),
    );
    h.validate(&op, OP_HASH)
}

/// A transfer op carrying `bytes` is refused for its signature's shape, writing nothing.
fn assert_refused_for_its_shape(
    h: &mut Harness,
    bytes: Vec<u8>,
    before: &std::collections::BTreeMap<U256, B256>,
) {
    let length = U256::from(bytes.len());
    let op = user_op(ACCOUNT, single(TOKEN, 0, transfer(ALICE, 30)), bytes);
    let err = h.validate(&op, OP_HASH).unwrap_err();
    assert_eq!(err, revert_of(abi::InvalidSignatureLength { length }));
    assert_eq!(&h.storage(), before);
}

fn sig_failed(data: U256) -> bool {
    ValidationData::unpack(data).unwrap().sig_failed
}

#[test]
fn registration_stores_the_kind_and_the_key_under_the_derived_address() {
    for (webauthn, kind) in [(false, 1u8), (true, 2)] {
        let key = p256_key(5);
        let record = p256_record(&key, webauthn);
        let mut h = Harness::new();
        h.install_with(&record);
        let (_, header, _, _) = h.session_words(ACCOUNT, key.address());
        assert_eq!(SessionHeader::unpack(&header).signer_kind, kind);
        let base = slots::session_slot(&h.vm, key.address(), ACCOUNT);
        let word = |n: u8| h.vm.load(slots::offset(base, n as usize));
        assert_eq!(word(session_word::KEY_X), key.public_key().x);
        assert_eq!(word(session_word::KEY_Y), key.public_key().y);
        let expected = abi::SessionRegistered {
            account: ACCOUNT,
            signer: key.address(),
            permNonce: 0,
            recordHash: keccak256(record.encode()),
        }
        .encode_log_data();
        let last = h.vm.get_emitted_logs().pop().unwrap();
        assert_eq!(last, (expected.topics().to_vec(), expected.data.to_vec()));
    }
}

#[test]
fn a_p256_signature_over_the_digest_is_accepted_and_the_op_is_debited() {
    let key = p256_key(5);
    let mut h = Harness::new();
    h.install_with(&p256_record(&key, false));
    let sig = key.sign_prehash(&digest());
    let data = validate(&mut h, &key, key.address(), &sig).unwrap();
    assert_eq!(data, (U256::from(1000) << 208) | (U256::from(4600) << 160));
    let cap = h.contract.token_cap_word(ACCOUNT, key.address(), TOKEN);
    assert_eq!(U256::from_be_slice(&cap[1..]), U256::from(120));
}

#[test]
fn the_high_s_twin_and_another_keys_signature_fail_the_signature_only() {
    let key = p256_key(5);
    let mut h = Harness::new();
    h.install_with(&p256_record(&key, false));
    let sig = key.sign_prehash(&digest());
    // n - s verifies for the precompile, but the module takes only the low form.
    let high = P256Signature {
        r: sig.r,
        s: B256::from(U256::from_be_bytes(P256_ORDER) - U256::from_be_bytes(sig.s.0)),
    };
    assert_eq!(
        p256verify_precompile(&high.precompile_input(&digest(), &key.public_key())),
        B256::with_last_byte(1).to_vec()
    );
    assert!(sig_failed(
        validate(&mut h, &key, key.address(), &high).unwrap()
    ));
    // A signature by another key, naming this session.
    let other = p256_key(6).sign_prehash(&digest());
    assert!(sig_failed(
        validate(&mut h, &key, key.address(), &other).unwrap()
    ));
    // r = 0 is refused before it means anything.
    let zero = P256Signature {
        r: B256::ZERO,
        s: sig.s,
    };
    assert!(sig_failed(
        validate(&mut h, &key, key.address(), &zero).unwrap()
    ));
}

#[test]
fn a_signature_of_another_kinds_shape_is_refused_and_writes_nothing() {
    let key = p256_key(5);
    let mut h = Harness::new();
    h.install_with(&p256_record(&key, false));
    let before = h.storage();
    let sig = key.sign_prehash(&digest());
    // A secp256k1-shaped 85-byte signature, and a WebAuthn-shaped one, for a P-256 session.
    for extra in [vec![27u8], [&[0u8, 37][..], &[5u8; 37]].concat()] {
        let mut bytes = signature(key.address(), &sig);
        bytes.extend_from_slice(&extra);
        assert_refused_for_its_shape(&mut h, bytes, &before);
    }
}

#[test]
fn webauthn_signatures_with_short_or_overrunning_authenticator_data_are_refused() {
    let key = p256_key(5);
    let mut h = Harness::new();
    h.install_with(&p256_record(&key, true));
    let before = h.storage();
    let sig = key.sign_prehash(&digest());
    let head = signature(key.address(), &sig);
    for tail in [
        // 36 bytes of authenticator data: one short of rpIdHash ‖ flags ‖ signCount.
        [&[0u8, 36][..], &[5u8; 36]].concat(),
        // A length field past the end.
        [&[0u8, 40][..], &[5u8; 39]].concat(),
        // No length field at all: the raw P-256 shape.
        vec![],
    ] {
        let bytes = [head.clone(), tail].concat();
        assert_refused_for_its_shape(&mut h, bytes, &before);
    }
}

#[test]
fn a_p256_session_violating_its_policy_reverts_with_the_violation_and_writes_nothing() {
    let key = p256_key(5);
    let mut h = Harness::new();
    h.install_with(&p256_record(&key, false));
    let before = h.storage();
    let sig = key.sign_prehash(&digest());
    let op = user_op(
        ACCOUNT,
        single(TOKEN, 0, transfer(ALICE, 151)),
        signature(key.address(), &sig),
    );
    let err = h.validate(&op, OP_HASH).unwrap_err();
    assert_eq!(
        err,
        revert_of(abi::TokenCapExceeded {
            token: TOKEN,
            requested: U256::from(151),
            remaining: U256::from(150),
        })
    );
    assert_eq!(h.storage(), before);
}

#[test]
fn records_with_an_unknown_signer_kind_or_a_bad_key_are_refused_and_write_nothing() {
    let key = p256_key(5);
    let mut h = Harness::new();
    h.install();
    let before = h.storage();
    let at = sessionkey_policy::record::SIGNER_KIND_AT;
    let encoded = p256_record(&key, false).encode();
    // A signer kind this version does not define.
    let mut unknown = encoded.clone();
    unknown[at] = 3;
    // x = the field prime: not a coordinate.
    let mut off_field = encoded;
    off_field[at + 1..at + 33].copy_from_slice(&sessionkey_policy::signer::P256_FIELD);
    for (bytes, code, position) in [(unknown, 18u8, at), (off_field, 19, at + 1)] {
        let err = h.contract.register_session(bytes.into()).unwrap_err();
        assert_eq!(
            err,
            revert_of(abi::InvalidRecord {
                code,
                position: U256::from(position)
            })
        );
        assert_eq!(h.storage(), before);
    }
}
