//! Enabling a session inside its first op, end to end: the release WASM behind EntryPoint v0.7 on
//! the devnet, with OpenZeppelin's `AccountERC7579` + `ERC7739` checking its owner's signature in
//! `isValidSignature`. The owner signs the record once, off-chain; the session key's first op
//! carries both and is registered during validation, with no owner transaction. Refused — with
//! every watched piece of state unchanged — when the owner signature is not the owner's, is for
//! another record, account or module, was already used, or was voided by a revoke-all; when the
//! record is malformed; when the op breaks the enabled policy; when the session key's own
//! signature is wrong.

mod common;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolError;
use common::*;
use devnet_bundler::bindings::PackedUserOperation;
use devnet_bundler::{Account, BundleReport, EntryPointVersion, OpOutcome, SessionKey, World};
use session_key_validator::abi;
use sessionkey_policy::layout::{AccountWord, SessionHeader, SessionStatus};
use sessionkey_policy::{RecordError, SessionRecord};

/// A world with an OpenZeppelin account that installed the module with no session, and the
/// session key that will enable the demo record.
struct Enable {
    world: World,
    account: Account,
    key: SessionKey,
    record: SessionRecord,
}

impl Enable {
    fn new() -> Self {
        let (mut world, account) = funded_account(EntryPointVersion::V07);
        let out = world.install_module(&account, Vec::new()).unwrap();
        assert!(out.success, "installModule failed: {out:?}");
        let key = SessionKey::from_seed(7);
        let record = demo_record(key.address, world.token);
        Self {
            world,
            account,
            key,
            record,
        }
    }

    fn owner_signature(&mut self) -> [u8; 65] {
        self.world
            .owner_enable_signature(&self.account, &self.record.clone())
    }

    /// The first op, enabling `record` with `owner_signature`, transferring `amount` tokens.
    fn first_op(
        &mut self,
        record: &SessionRecord,
        owner_signature: &[u8],
        amount: u128,
    ) -> PackedUserOperation {
        let call = single(self.world.token, 0, transfer(ALICE, amount * TOKENS));
        let key = self.key.clone();
        let account = self.account.clone();
        self.world
            .enable_session_op(&account, &key, record, owner_signature, call)
    }

    fn submit(&mut self, op: PackedUserOperation) -> BundleReport {
        self.world.submit(op).expect("handleOps runs")
    }

    /// The account word, the session's words and token cap, the token balances of the account
    /// and ALICE, and the account's EntryPoint nonce under the module's key.
    fn probe(&mut self) -> (Vec<B256>, [U256; 2], U256) {
        let w = &mut self.world;
        let account = self.account.address;
        let (a, h, c, p) = w.session_words(account, self.key.address);
        let token = w.token;
        let cap = w.token_cap_word(account, self.key.address, token);
        let nonce = w.entry_point_nonce(account, w.module_nonce_key());
        (
            vec![a, h, c, p, cap],
            [w.token_balance(account), w.token_balance(ALICE)],
            nonce,
        )
    }

    fn account_word(&mut self) -> AccountWord {
        let (a, ..) = self
            .world
            .session_words(self.account.address, self.key.address);
        AccountWord::unpack(&a)
    }

    fn header(&mut self) -> SessionHeader {
        let (_, h, ..) = self
            .world
            .session_words(self.account.address, self.key.address);
        SessionHeader::unpack(&h)
    }
}

fn assert_signature_error(report: &BundleReport) {
    assert!(
        matches!(&report.ops[..], [OpOutcome::Rejected { reason, inner: None, .. }] if reason == "AA24 signature error"),
        "{:?}",
        report.ops
    );
}

#[test]
fn the_first_op_enables_its_session_and_runs_then_later_ops_need_no_owner() {
    let mut e = Enable::new();
    let before = e.probe();
    assert_eq!(e.header().status, SessionStatus::None);
    let owner = e.owner_signature();
    let record = e.record.clone();
    let op = e.first_op(&record, &owner, 30);
    let report = e.submit(op);
    assert_executed(&report);
    // Every bundler profile but rundler (which refuses Stylus code below depth 1, as for every
    // op of this module) accepts the validation, although the module called back into the
    // account: what the account reads there is its own storage (ERC-7562 STO-010).
    let check = &report.validations[0];
    assert_eq!(
        check.accepted_by(),
        ["erc7562", "infinitism", "infinitism-js"],
        "{:#?}",
        check.verdicts
    );
    // The module asked the account with its fixed gas, not "all gas" (tracers read a Stylus
    // call forwarding everything as out of gas).
    let account = e.account.address;
    let asked = check
        .trace
        .frames
        .iter()
        .filter(|f| f.code_address == account && f.depth > 1)
        .map(|f| f.gas_limit)
        .collect::<Vec<_>>();
    assert_eq!(asked, [sessionkey_policy::enable::OWNER_CHECK_GAS]);
    let after = e.probe();
    assert_eq!(after.1[1] - before.1[1], U256::from(30 * TOKENS));
    let header = e.header();
    assert_eq!(header.status, SessionStatus::Active);
    assert_eq!(header.perm_nonce, 0);
    let word = e.account_word();
    assert_eq!((word.next_nonce, word.enable_nonce), (1, 1));
    // The session is registered: its next op is an ordinary one.
    let key = e.key.clone();
    let call = single(e.world.token, 0, transfer(ALICE, 20 * TOKENS));
    let account = e.account.clone();
    let op = e.world.session_op(&account, &key, call);
    assert_executed(&e.submit(op));
    assert_eq!(e.probe().1[1] - before.1[1], U256::from(50 * TOKENS));
}

#[test]
fn a_signature_not_by_the_owner_fails_at_entry_point_and_registers_nothing() {
    let mut e = Enable::new();
    let before = e.probe();
    // The session key itself, or any other key, cannot stand in for the owner.
    for signer in [e.key.clone(), SessionKey::from_seed(9)] {
        let mut impostor = e.account.clone();
        impostor.owner = signer;
        let record = e.record.clone();
        let forged = e.world.owner_enable_signature(&impostor, &record);
        let op = e.first_op(&record, &forged, 1);
        assert_signature_error(&e.submit(op));
        assert_eq!(e.probe(), before);
    }
}

#[test]
fn the_owner_signature_binds_the_record() {
    let mut e = Enable::new();
    let before = e.probe();
    let owner = e.owner_signature();
    // The same signature over a record with a larger token cap.
    let mut wider = e.record.clone();
    wider.token_caps[0].limit = sessionkey_policy::TokenLimit::Unlimited;
    let op = e.first_op(&wider, &owner, 1);
    assert_signature_error(&e.submit(op));
    assert_eq!(e.probe(), before);
}

#[test]
fn an_owner_signature_for_another_account_or_module_is_refused() {
    let mut e = Enable::new();
    // A second account of the same owner, with the module installed.
    let other = e
        .world
        .create_account(SessionKey::from_seed(1), 10)
        .expect("account deploys");
    assert!(e.world.install_module(&other, Vec::new()).unwrap().success);
    let before = e.probe();
    let record = e.record.clone();
    let for_other = e.world.owner_enable_signature(&other, &record);
    let op = e.first_op(&record, &for_other, 1);
    assert_signature_error(&e.submit(op));
    assert_eq!(e.probe(), before);
    // Signed for another module address (the digest's verifying contract).
    let chain_id = e.world.chain.chain_id();
    let digest = sessionkey_sdk::enable::enable_digest(
        chain_id,
        Address::repeat_byte(0x42),
        e.account.address,
        &record,
        0,
    );
    let wrapped = sessionkey_sdk::enable::erc7739_personal_sign_digest(
        &devnet_bundler::world::oz_account_domain(chain_id, e.account.address),
        digest,
    );
    let foreign_module = e.account.owner.sign_digest(wrapped);
    let op = e.first_op(&record, &foreign_module, 1);
    assert_signature_error(&e.submit(op));
    assert_eq!(e.probe(), before);
}

#[test]
fn an_enable_signature_works_once_even_after_a_revoke() {
    let mut e = Enable::new();
    let owner = e.owner_signature();
    let record = e.record.clone();
    let op = e.first_op(&record, &owner, 1);
    assert_executed(&e.submit(op));
    // While the session is live, enabling it again reverts.
    let before = e.probe();
    let op = e.first_op(&record, &owner, 1);
    assert_rejected_with(
        &e.submit(op),
        abi::SessionAlreadyActive {
            account: e.account.address,
            signer: e.key.address,
        }
        .abi_encode(),
    );
    assert_eq!(e.probe(), before);
    // Revoked, the same owner signature cannot bring it back: the enable nonce has moved on.
    let account = e.account.clone();
    assert!(
        e.world
            .revoke_session(&account, e.key.address)
            .unwrap()
            .success
    );
    let before = e.probe();
    let op = e.first_op(&record, &owner, 1);
    assert_signature_error(&e.submit(op));
    assert_eq!(e.probe(), before);
    // A fresh owner signature (at the current enable nonce) does.
    let fresh = e.owner_signature();
    let op = e.first_op(&record, &fresh, 1);
    assert_executed(&e.submit(op));
    assert_eq!(e.header().perm_nonce, 1);
}

#[test]
fn revoke_all_voids_an_enable_signature_not_used_yet() {
    let mut e = Enable::new();
    let owner = e.owner_signature();
    let account = e.account.clone();
    assert!(e.world.revoke_all_sessions(&account).unwrap().success);
    assert_eq!(e.account_word().enable_nonce, 1);
    let before = e.probe();
    let record = e.record.clone();
    let op = e.first_op(&record, &owner, 1);
    assert_signature_error(&e.submit(op));
    assert_eq!(e.probe(), before);
}

#[test]
fn a_malformed_record_reverts_with_its_record_error() {
    let mut e = Enable::new();
    let before = e.probe();
    let owner = e.owner_signature();
    let mut op = e.first_op(&e.record.clone(), &owner, 1);
    // Version byte 1: the record starts at byte 22 of the signature.
    let mut sig = op.signature.to_vec();
    sig[22] = 1;
    op.signature = sig.into();
    let expected =
        sessionkey_policy::error::ModuleError::from(RecordError::UnsupportedVersion(1)).encode();
    assert_rejected_with(&e.submit(op), expected);
    assert_eq!(e.probe(), before);
    // A length running past the end of the signature.
    let mut op = e.first_op(&e.record.clone(), &owner, 1);
    let len = op.signature.len();
    let mut sig = op.signature.to_vec();
    sig[20..22].copy_from_slice(&u16::MAX.to_be_bytes());
    op.signature = sig.into();
    assert_rejected_with(
        &e.submit(op),
        abi::InvalidSignatureLength {
            length: U256::from(len),
        }
        .abi_encode(),
    );
    assert_eq!(e.probe(), before);
}

#[test]
fn an_enable_op_breaking_the_policy_reverts_and_registers_nothing() {
    let mut e = Enable::new();
    let before = e.probe();
    let owner = e.owner_signature();
    let record = e.record.clone();
    // 200 tokens: above the demo record's 150-token cap.
    let op = e.first_op(&record, &owner, 200);
    let report = e.submit(op);
    assert!(
        matches!(&report.ops[..], [OpOutcome::Rejected { reason, inner: Some(_), .. }] if reason == "AA23 reverted"),
        "{:?}",
        report.ops
    );
    assert_eq!(e.probe(), before);
}

#[test]
fn a_wrong_session_signature_fails_even_with_the_owners() {
    let mut e = Enable::new();
    let before = e.probe();
    let owner = e.owner_signature();
    let record = e.record.clone();
    let mut op = e.first_op(&record, &owner, 1);
    let mut sig = op.signature.to_vec();
    let n = sig.len();
    sig[n - 2] ^= 1; // inside s
    op.signature = sig.into();
    assert_signature_error(&e.submit(op));
    assert_eq!(e.probe(), before);
}

/// The session's own proof after the owner's is shaped by the enabled record, as in any op: a
/// periodic session's names its period, a P-256 session's is `r ‖ s` — each enabled and run by
/// its first op, then refused with nothing changed when the proof is another key's.
#[test]
fn periodic_and_p256_sessions_are_enabled_by_their_first_op() {
    use sessionkey_policy::signature::period_digest_preimage;
    use sessionkey_policy::SignerKey;
    use sessionkey_sdk::key::session_digest;

    // A periodic session (hourly caps; the clock, 2000, is in period 0 of a window from 1000).
    let mut e = Enable::new();
    let mut periodic = e.record.clone();
    periodic.period = Some(3_600);
    let owner = e.world.owner_enable_signature(&e.account, &periodic);
    let account = e.account.clone();
    let call = single(e.world.token, 0, transfer(ALICE, 30 * TOKENS));
    let nonce_key = e.world.module_nonce_key();
    let mut op = e.world.op(&account, nonce_key, call);
    let hash = e.world.user_op_hash(&op);
    let module = e.world.module;
    let sig = e
        .key
        .sign_digest(alloy_primitives::keccak256(period_digest_preimage(
            &hash, module, 0,
        )));
    let session = [e.key.address.as_slice(), &0u32.to_be_bytes()[..], &sig[..]].concat();
    op.signature = sessionkey_sdk::enable::enable_signature(&periodic, &owner, &session).unwrap();
    assert_executed(&e.submit(op));
    assert_eq!(e.header().status, SessionStatus::Active);
    assert!(e
        .header()
        .has(sessionkey_policy::layout::session_flags::PERIODIC));

    // A P-256 session.
    let mut e = Enable::new();
    let key = sessionkey_testkit::p256_key(11);
    let mut p256 = demo_record(key.address(), e.world.token);
    p256.signer_key = SignerKey::P256(key.public_key());
    let owner = e.world.owner_enable_signature(&e.account, &p256);
    let account = e.account.clone();
    let signer = key.address();
    let probe = |e: &mut Enable| {
        let w = &mut e.world;
        let (a, h, ..) = w.session_words(account.address, signer);
        (a, h, w.token_balance(ALICE))
    };
    // Another P-256 key's proof: AA24, nothing registered.
    let before = probe(&mut e);
    for (signing, expect_run) in [
        (sessionkey_testkit::p256_key(12), false),
        (key.clone(), true),
    ] {
        let call = single(e.world.token, 0, transfer(ALICE, TOKENS));
        let nonce_key = e.world.module_nonce_key();
        let mut op = e.world.op(&account, nonce_key, call);
        let hash = e.world.user_op_hash(&op);
        let session = [
            signer.as_slice(),
            &signing.sign_session_digest(&session_digest(&hash, e.world.module))[20..],
        ]
        .concat();
        op.signature = sessionkey_sdk::enable::enable_signature(&p256, &owner, &session).unwrap();
        let report = e.submit(op);
        if expect_run {
            assert_executed(&report);
        } else {
            assert_signature_error(&report);
            assert_eq!(probe(&mut e), before);
        }
    }
    let (_, header, _) = probe(&mut e);
    let header = SessionHeader::unpack(&header);
    assert_eq!(
        (header.status, header.signer_kind),
        (SessionStatus::Active, 1)
    );
}

/// A wallet that signs typed data (not a hash) can enable a session: the owner signs the
/// `EnableSession` typed data nested in the account's domain (ERC-7739 `TypedDataSign`, every
/// field shown), and OpenZeppelin's account accepts it; nested in another account's domain it
/// is refused with nothing changed.
#[test]
fn an_owner_signing_the_typed_data_itself_enables_the_session() {
    let mut e = Enable::new();
    let chain_id = e.world.chain.chain_id();
    let module = e.world.module;
    let record = e.record.clone();
    let before = e.probe();
    let other = Address::repeat_byte(0x44);
    for (domain_of, expect_run) in [(other, false), (e.account.address, true)] {
        let (digest, wrap) = sessionkey_sdk::enable::erc7739_nested_enable(
            &devnet_bundler::world::oz_account_domain(chain_id, domain_of),
            chain_id,
            module,
            e.account.address,
            &record,
            0,
        );
        let owner = wrap(&e.account.owner.sign_digest(digest));
        let op = e.first_op(&record, &owner, 30);
        let report = e.submit(op);
        if expect_run {
            assert_executed(&report);
        } else {
            assert_signature_error(&report);
            assert_eq!(e.probe(), before);
        }
    }
    assert_eq!(e.header().status, SessionStatus::Active);
    assert_eq!(e.probe().1[1] - before.1[1], U256::from(30 * TOKENS));
}
