//! The module on OpenZeppelin Contracts 5.7.0's `AccountERC7579` (+ `SignerECDSA`), compiled from
//! the pinned npm package: code nobody here wrote. Every end-to-end test runs on this account
//! (`World::create_account`); these tests pin what is specific to it — it is really
//! OpenZeppelin's, it takes admin calls only through the EntryPoint, its owner signs the raw
//! userOpHash, and it selects the validator from the top 20 bytes of the nonce key.

mod common;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{sol, SolCall, SolError};
use common::*;
use devnet_bundler::bindings::{owner_digest, TestAccount7579};
use devnet_bundler::{AccountKind, SessionKey, World, OWNER_SIGNS, TX_GAS};
use session_key_validator::abi;

sol! {
    interface IOzAccount {
        function accountId() external view returns (string memory);
        function signer() external view returns (address);
        function entryPoint() external view returns (address);
        function isModuleInstalled(uint256 moduleTypeId, address module, bytes additionalContext)
            external view returns (bool);
        error AccountUnauthorized(address sender);
    }
}

#[test]
fn the_account_is_openzeppelins_bound_to_the_v07_entry_point() {
    let mut s = Setup::new();
    assert_eq!(s.account.kind, AccountKind::OpenZeppelin);
    let a = s.account.address;
    assert_eq!(
        s.world.view(a, IOzAccount::accountIdCall {}),
        "@openzeppelin/contracts.AccountERC7579.v1.0.0"
    );
    assert_eq!(
        s.world.view(a, IOzAccount::signerCall {}),
        s.account.owner.address
    );
    let entry_point = s.world.entry_point;
    assert_eq!(s.world.view(a, IOzAccount::entryPointCall {}), entry_point);
    let module = s.world.module;
    assert!(s.world.view(
        a,
        IOzAccount::isModuleInstalledCall {
            moduleTypeId: U256::from(1),
            module,
            additionalContext: Bytes::new(),
        }
    ));
}

#[test]
fn the_owner_cannot_install_by_a_plain_transaction() {
    let mut world = World::new().unwrap();
    let account = world.create_account(SessionKey::from_seed(1), 10).unwrap();
    let call = TestAccount7579::installModuleCall {
        moduleTypeId: U256::from(1),
        module: world.module,
        initData: Bytes::new(),
    };
    let nonce = world.entry_point_nonce(account.address, OWNER_SIGNS);
    let out = world
        .chain
        .call(
            account.owner.address,
            account.address,
            U256::ZERO,
            call.abi_encode().into(),
            TX_GAS,
        )
        .unwrap();
    assert!(!out.success);
    assert_eq!(
        out.output.to_vec(),
        IOzAccount::AccountUnauthorized {
            sender: account.owner.address
        }
        .abi_encode()
    );
    assert!(!world.module_installed(account.address));
    assert_eq!(world.entry_point_nonce(account.address, OWNER_SIGNS), nonce);
}

#[test]
fn an_eip191_owner_signature_is_refused_and_changes_nothing() {
    let mut world = World::new().unwrap();
    let account = world.create_account(SessionKey::from_seed(1), 10).unwrap();
    let call = TestAccount7579::installModuleCall {
        moduleTypeId: U256::from(1),
        module: world.module,
        initData: Bytes::new(),
    };
    let mut op = world.op(&account, OWNER_SIGNS, call.abi_encode());
    let hash = world.user_op_hash(&op);
    // What the test account would accept; OpenZeppelin's SignerECDSA wants the raw hash.
    op.signature = account
        .owner
        .sign_digest(owner_digest(hash))
        .to_vec()
        .into();
    let balance = world.chain.balance(account.address);
    let report = world.submit(op).unwrap();
    assert_eq!(report.ops[0].reason(), Some("AA24 signature error"));
    assert!(!world.module_installed(account.address));
    assert_eq!(
        world.entry_point_nonce(account.address, OWNER_SIGNS),
        U256::ZERO
    );
    assert_eq!(world.chain.balance(account.address), balance);
}

#[test]
fn a_session_key_cannot_use_the_owners_nonce_key() {
    let mut s = Setup::new();
    let before = s.probe();
    // Nonce key 0 names no validator: the account checks the owner's ECDSA signature.
    let mut op = s.world.op(
        &s.account,
        OWNER_SIGNS,
        single(s.world.token, 0, transfer(ATTACKER, TOKENS)),
    );
    let hash = s.world.user_op_hash(&op);
    op.signature = s.key.sign_digest(hash).to_vec().into();
    let report = s.world.submit(op).unwrap();
    assert_eq!(report.ops[0].reason(), Some("AA24 signature error"));
    assert_eq!(s.probe(), before);
}

#[test]
fn a_validator_the_account_never_installed_is_not_consulted() {
    let mut s = Setup::new();
    let before = s.probe();
    // The top 20 bytes of the nonce key name an address that is not an installed validator:
    // OpenZeppelin falls back to the owner check, which the session signature cannot pass.
    let stranger = Address::repeat_byte(0x77);
    let key = devnet_bundler::bindings::validator_nonce_key(stranger);
    let mut op = s.world.op(
        &s.account,
        key,
        single(s.world.token, 0, transfer(ATTACKER, TOKENS)),
    );
    let sig_key = s.key.clone();
    let hash = s.world.user_op_hash(&op);
    op.signature = sig_key.session_signature(hash, s.world.module).into();
    let report = s.world.submit(op).unwrap();
    assert_eq!(report.ops[0].reason(), Some("AA24 signature error"));
    assert_eq!(s.probe(), before);
}

#[test]
fn grant_use_revoke_through_owner_signed_ops() {
    let mut s = Setup::new();
    let token = s.world.token;
    let report = s.run(single(token, 0, transfer(ALICE, TOKENS)));
    assert_executed(&report);
    assert_eq!(s.world.token_balance(ALICE), U256::from(TOKENS));

    // The revoke is an owner-signed userOp: the very next session op fails in validation.
    let out = s.world.revoke_session(&s.account, s.key.address).unwrap();
    assert!(out.success, "{out:?}");
    let before = s.probe();
    let report = s.run(single(token, 0, transfer(ALICE, TOKENS)));
    assert_rejected_with(
        &report,
        abi::SessionNotActive {
            account: s.account.address,
            signer: s.key.address,
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);

    // A module error inside the owner's op comes back as the op's revert data.
    let out = s.world.revoke_session(&s.account, s.key.address).unwrap();
    assert!(!out.success);
    assert_eq!(
        out.output.to_vec(),
        abi::SessionNotActive {
            account: s.account.address,
            signer: s.key.address,
        }
        .abi_encode()
    );
}

#[test]
fn the_module_keeps_the_same_books_on_either_account() {
    // The same grant and the same op on OpenZeppelin's account and on the repository's own
    // leave identical module words: the module does not care which account calls it.
    let words = |kind: AccountKind| {
        let mut world = World::new().unwrap();
        world.chain.set_block_timestamp(2000);
        let account = world
            .create_account_of(kind, SessionKey::from_seed(1), 10)
            .unwrap();
        world
            .mint(account.address, U256::from(1000 * TOKENS))
            .unwrap();
        let key = SessionKey::from_seed(7);
        let record = demo_record(key.address, world.token);
        assert!(
            world
                .install_module(&account, record.encode())
                .unwrap()
                .success
        );
        let call = single(world.token, 0, transfer(ALICE, 30 * TOKENS));
        let op = world.session_op(&account, &key, call);
        let report = world.submit(op).unwrap();
        assert_executed(&report);
        let (account_word, header, counters, paymaster) =
            world.session_words(account.address, key.address);
        let token = world.token;
        let cap = world.token_cap_word(account.address, key.address, token);
        (account_word, header, counters, paymaster, cap)
    };
    assert_eq!(
        words(AccountKind::OpenZeppelin),
        words(AccountKind::Test7579)
    );
}
