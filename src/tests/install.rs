//! Install, uninstall, reinstall.

use alloy_primitives::{Bytes, B256, U256};
use alloy_sol_types::SolEvent;

use super::harness::*;
use crate::abi::{self, AlreadyInstalled, NotInstalled, SessionAlreadyActive, SessionNotActive};

#[test]
fn install_marks_account_initialized_and_emits_event() {
    let mut h = Harness::new();
    assert!(!h.contract.is_initialized(ACCOUNT));
    h.install();
    assert!(h.contract.is_initialized(ACCOUNT));
    assert!(
        !h.contract.is_initialized(OTHER_ACCOUNT),
        "installation is per account"
    );
    let logs = h.vm.get_emitted_logs();
    let expected = abi::ModuleInstalled { account: ACCOUNT }.encode_log_data();
    assert_eq!(
        logs,
        vec![(expected.topics().to_vec(), expected.data.to_vec())]
    );
}

#[test]
fn install_twice_reverts_already_installed_without_writing() {
    let mut h = Harness::new();
    h.install();
    let before = h.storage();
    let err = h.contract.on_install(Bytes::new()).unwrap_err();
    assert_eq!(err, revert_of(AlreadyInstalled { account: ACCOUNT }));
    assert_eq!(h.storage(), before);
}

#[test]
fn install_with_records_registers_each_session() {
    let (a, b) = (session_key(1), session_key(2));
    let mut data = demo_record(&a).encode();
    data.extend(demo_record(&b).encode());
    let mut h = Harness::new();
    h.contract.on_install(Bytes::from(data)).unwrap();
    for key in [&a, &b] {
        assert!(h.run(key, single(TOKEN, 0, transfer(ALICE, 1))).is_ok());
    }
    // Nonces 0 and 1, in order.
    let (_, ha, _, _) = h.session_words(ACCOUNT, a.address());
    let (_, hb, _, _) = h.session_words(ACCOUNT, b.address());
    let nonce = |w| sessionkey_policy::layout::SessionHeader::unpack(&w).perm_nonce;
    assert_eq!((nonce(ha), nonce(hb)), (0, 1));
}

#[test]
fn install_with_duplicate_signer_reverts_before_any_write() {
    let a = session_key(1);
    let mut data = demo_record(&a).encode();
    data.extend(demo_record(&a).encode());
    let h = Harness::new();
    let err = h.contract.on_install(Bytes::from(data)).unwrap_err();
    assert_eq!(
        err,
        revert_of(SessionAlreadyActive {
            account: ACCOUNT,
            signer: a.address()
        })
    );
    assert!(h.storage().is_empty());
    assert!(!h.contract.is_initialized(ACCOUNT));
}

#[test]
fn install_with_malformed_record_reverts_before_any_write() {
    let mut data = demo_record(&session_key(1)).encode();
    data.push(0xff); // a second record that is one byte long: bad version
    let h = Harness::new();
    let err = h.contract.on_install(Bytes::from(data)).unwrap_err();
    assert_eq!(
        err,
        revert_of(abi::InvalidRecord {
            code: 2,
            position: U256::ZERO
        })
    );
    assert!(h.storage().is_empty());
}

#[test]
fn uninstall_requires_installation() {
    let h = Harness::new();
    let err = h.contract.on_uninstall(Bytes::new()).unwrap_err();
    assert_eq!(err, revert_of(NotInstalled { account: ACCOUNT }));
    assert!(h.storage().is_empty());
}

#[test]
fn uninstall_kills_every_session_and_reinstall_resurrects_nothing() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    // Spend 40 of the 150 token cap.
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 40))).unwrap();

    h.contract.on_uninstall(Bytes::new()).unwrap();
    assert!(!h.contract.is_initialized(ACCOUNT));
    let err = h
        .run(&key, single(TOKEN, 0, transfer(ALICE, 1)))
        .unwrap_err();
    assert_eq!(err, revert_of(NotInstalled { account: ACCOUNT }));

    h.install();
    h.assert_rejected(
        &key,
        single(TOKEN, 0, transfer(ALICE, 1)),
        revert_of(SessionNotActive {
            account: ACCOUNT,
            signer: key.address(),
        }),
    );

    // Registering the same signer again is a new session: the full 150 cap, not 110.
    h.register(&demo_record(&key)).unwrap();
    let cap = h.contract.token_cap_word(ACCOUNT, key.address(), TOKEN);
    assert_eq!(U256::from_be_slice(&cap[1..]), U256::from(150));
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 150))).unwrap();
}

#[test]
fn uninstall_emits_event_and_keeps_other_accounts() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    h.as_account(OTHER_ACCOUNT).install_with(&demo_record(&key));
    h.as_account(ACCOUNT)
        .contract
        .on_uninstall(Bytes::new())
        .unwrap();
    let last = h.vm.get_emitted_logs().pop().unwrap();
    let expected = abi::ModuleUninstalled { account: ACCOUNT }.encode_log_data();
    assert_eq!(last, (expected.topics().to_vec(), expected.data.to_vec()));
    // The other account's session is untouched.
    let op = user_op(
        OTHER_ACCOUNT,
        single(TOKEN, 0, transfer(ALICE, 1)),
        key.sign(OP_HASH, MODULE),
    );
    assert!(h.as_account(OTHER_ACCOUNT).validate(&op, OP_HASH).is_ok());
}

#[test]
fn module_type_is_validator_only() {
    let h = Harness::new();
    assert!(h.contract.is_module_type(U256::from(1)));
    for t in [0u64, 2, 3, 4, 5] {
        assert!(!h.contract.is_module_type(U256::from(t)));
    }
}

/// A userOp session signature is never an ERC-1271 signature: a session without typed-data
/// scopes answers "invalid" (the scoped cases are in `erc1271.rs`).
#[test]
fn an_op_signature_is_not_an_erc1271_signature_and_writes_nothing() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    let before = h.storage();
    let sig = key.sign(OP_HASH, MODULE);
    let answer = h
        .contract
        .is_valid_signature_with_sender(ACCOUNT, OP_HASH, sig.into());
    assert_eq!(answer, [0xff; 4]);
    assert_eq!(h.storage(), before);
    let _ = B256::ZERO;
}
