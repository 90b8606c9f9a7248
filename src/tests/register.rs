//! Registration and revocation.

use alloy_primitives::{keccak256, Bytes, U256};
use alloy_sol_types::SolEvent;
use sessionkey_policy::layout::{self, AccountWord, SessionHeader, SessionStatus};

use super::harness::*;
use crate::abi::{self, InvalidRecord, NotInstalled, SessionAlreadyActive, SessionNotActive};

#[test]
fn register_requires_installation() {
    let mut h = Harness::new();
    let err = h.register(&demo_record(&session_key(1))).unwrap_err();
    assert_eq!(err, revert_of(NotInstalled { account: ACCOUNT }));
    assert!(h.storage().is_empty());
}

#[test]
fn register_writes_header_caps_and_event() {
    let key = session_key(1);
    let record = demo_record(&key);
    let mut h = Harness::new();
    h.install_with(&record);
    let (account, header, counters, paymaster) = h.session_words(ACCOUNT, key.address());
    assert_eq!(
        AccountWord::unpack(&account),
        AccountWord {
            installed: true,
            revoked_below: 0,
            next_nonce: 1,
            enable_nonce: 0,
        }
    );
    let header = SessionHeader::unpack(&header);
    assert_eq!(header.status, SessionStatus::Active);
    assert_eq!(
        (header.valid_after, header.valid_until, header.perm_nonce),
        (1000, 4600, 0)
    );
    assert_eq!(header.native_remaining, 10u128.pow(18));
    // Unlimited gas budget, no op count, no paymaster: neither word is written.
    assert!(counters.is_zero() && paymaster.is_zero());
    let cap = h.contract.token_cap_word(ACCOUNT, key.address(), TOKEN);
    assert_eq!(cap[0], 1, "configured, limited");
    assert_eq!(U256::from_be_slice(&cap[1..]), U256::from(150));

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

#[test]
fn register_rejects_a_live_signer_without_writing() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    let before = h.storage();
    let err = h.register(&demo_record(&key)).unwrap_err();
    assert_eq!(
        err,
        revert_of(SessionAlreadyActive {
            account: ACCOUNT,
            signer: key.address()
        })
    );
    assert_eq!(h.storage(), before);
}

#[test]
fn register_rejects_a_non_canonical_record_with_code_and_position() {
    let mut h = Harness::new();
    h.install();
    let before = h.storage();
    let mut bytes = demo_record(&session_key(1)).encode();
    // validUntil (bytes 7..13) := validAfter (bytes 1..7): an empty window.
    let after = bytes[1..7].to_vec();
    bytes[7..13].copy_from_slice(&after);
    let err = h
        .contract
        .register_session(Bytes::from(bytes.clone()))
        .unwrap_err();
    assert_eq!(
        err,
        revert_of(InvalidRecord {
            code: 4,
            position: U256::from(1)
        })
    );
    bytes.push(0);
    let err = h
        .contract
        .register_session(Bytes::from(demo_bytes_with_trailer()))
        .unwrap_err();
    let len = demo_record(&session_key(1)).encode().len();
    assert_eq!(
        err,
        revert_of(InvalidRecord {
            code: 16,
            position: U256::from(len)
        })
    );
    assert_eq!(h.storage(), before);
}

fn demo_bytes_with_trailer() -> Vec<u8> {
    let mut b = demo_record(&session_key(1)).encode();
    b.push(0);
    b
}

#[test]
fn revoke_makes_the_very_next_op_fail() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 1))).unwrap();
    h.contract.revoke_session(key.address()).unwrap();
    let expected = abi::SessionRevoked {
        account: ACCOUNT,
        signer: key.address(),
        permNonce: 0,
    }
    .encode_log_data();
    assert_eq!(
        h.vm.get_emitted_logs().pop().unwrap(),
        (expected.topics().to_vec(), expected.data.to_vec())
    );

    h.assert_rejected(
        &key,
        single(TOKEN, 0, transfer(ALICE, 1)),
        revert_of(SessionNotActive {
            account: ACCOUNT,
            signer: key.address(),
        }),
    );
}

#[test]
fn revoke_of_an_unknown_or_revoked_session_reverts() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install();
    let before = h.storage();
    let err = h.contract.revoke_session(key.address()).unwrap_err();
    assert_eq!(
        err,
        revert_of(SessionNotActive {
            account: ACCOUNT,
            signer: key.address()
        })
    );
    assert_eq!(h.storage(), before);
    h.register(&demo_record(&key)).unwrap();
    h.contract.revoke_session(key.address()).unwrap();
    let before = h.storage();
    let err = h.contract.revoke_session(key.address()).unwrap_err();
    assert_eq!(
        err,
        revert_of(SessionNotActive {
            account: ACCOUNT,
            signer: key.address()
        })
    );
    assert_eq!(h.storage(), before);
}

#[test]
fn revoke_is_scoped_to_the_calling_account() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    h.as_account(OTHER_ACCOUNT).install();
    // Another account cannot revoke ACCOUNT's session: for it, the session does not exist.
    let err = h.contract.revoke_session(key.address()).unwrap_err();
    assert_eq!(
        err,
        revert_of(SessionNotActive {
            account: OTHER_ACCOUNT,
            signer: key.address()
        })
    );
    assert!(h
        .as_account(ACCOUNT)
        .run(&key, single(TOKEN, 0, transfer(ALICE, 1)))
        .is_ok());
}

#[test]
fn revoke_all_kills_every_session_in_one_write() {
    let (a, b) = (session_key(1), session_key(2));
    let mut h = Harness::new();
    h.install_with(&demo_record(&a));
    h.register(&demo_record(&b)).unwrap();
    h.contract.revoke_all_sessions().unwrap();
    let expected = abi::AllSessionsRevoked {
        account: ACCOUNT,
        revokedBelow: 2,
    }
    .encode_log_data();
    assert_eq!(
        h.vm.get_emitted_logs().pop().unwrap(),
        (expected.topics().to_vec(), expected.data.to_vec())
    );
    for key in [&a, &b] {
        h.assert_rejected(
            key,
            single(TOKEN, 0, transfer(ALICE, 1)),
            revert_of(SessionNotActive {
                account: ACCOUNT,
                signer: key.address(),
            }),
        );
    }
    // A session registered after revoke-all is live, with fresh counters.
    h.register(&demo_record(&a)).unwrap();
    h.run(&a, single(TOKEN, 0, transfer(ALICE, 150))).unwrap();
}

#[test]
fn revoke_all_requires_installation() {
    let h = Harness::new();
    let err = h.contract.revoke_all_sessions().unwrap_err();
    assert_eq!(err, revert_of(NotInstalled { account: ACCOUNT }));
    assert!(h.storage().is_empty());
}

#[test]
fn re_registration_after_revoke_starts_fresh_counters() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 150))).unwrap();
    h.contract.revoke_session(key.address()).unwrap();
    h.register(&demo_record(&key)).unwrap();
    let (_, header, _, _) = h.session_words(ACCOUNT, key.address());
    assert_eq!(SessionHeader::unpack(&header).perm_nonce, 1);
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 150))).unwrap();
}

#[test]
fn registration_past_the_last_48_bit_nonce_is_refused_and_writes_nothing() {
    let mut h = Harness::new();
    h.install();
    let slot = crate::slots::account_slot(&h.vm, ACCOUNT);
    let word = |next_nonce| {
        AccountWord {
            installed: true,
            revoked_below: 0,
            next_nonce,
            enable_nonce: 0,
        }
        .pack()
    };
    // The last nonce a header can hold is still given out...
    h.vm.set_storage(slot, word(layout::MAX_PERM_NONCE));
    h.register(&demo_record(&session_key(1))).unwrap();
    let (_, header, _, _) = h.session_words(ACCOUNT, session_key(1).address());
    assert_eq!(
        SessionHeader::unpack(&header).perm_nonce,
        layout::MAX_PERM_NONCE
    );
    // ...the next one never is: a nonce (and the entries keyed by it) is never reused.
    let before = h.storage();
    assert_eq!(
        h.register(&demo_record(&session_key(2))).unwrap_err(),
        revert_of(InvalidRecord {
            code: 7,
            position: U256::ZERO
        })
    );
    assert_eq!(h.storage(), before);
}
