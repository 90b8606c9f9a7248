//! P-256 and passkey (WebAuthn) session keys end to end: the release WASM behind EntryPoint v0.7
//! on the devnet, whose `P256VERIFY` (0x100) and SHA-256 (0x02) are the real precompiles. Each
//! kind is accepted when its signature is right, and refused — with every watched piece of state
//! unchanged — when it is malleated, made by another key, made for another challenge or without
//! the user-present flag, or when the op breaks the policy.

mod common;

use alloy_primitives::{Address, B256, U256};
use common::*;
use devnet_bundler::bindings::PackedUserOperation;
use devnet_bundler::devnet::erc7562::{Rule, Subject};
use devnet_bundler::{BundleReport, OpOutcome};
use session_key_validator::p256::{P256VERIFY, P256VERIFY_GAS};
use sessionkey_policy::signer::P256_ORDER;
use sessionkey_policy::SignerKey;
use sessionkey_sdk::key::session_digest;
use sessionkey_sdk::p256_key::P256Key;
use sessionkey_testkit::p256_key;

const ORIGIN: &str = "https://wallet.example.org";

/// Which P-256 kind a test runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    P256,
    WebAuthn,
}

struct Passkey {
    s: Setup,
    key: P256Key,
    kind: Kind,
}

impl Passkey {
    /// The demo session for P-256 key seed 11, registered at install.
    fn new(kind: Kind) -> Self {
        let key = p256_key(11);
        let s = Setup::with_record(|_, token| {
            let mut r = demo_record(key.address(), token);
            r.signer_key = match kind {
                Kind::P256 => SignerKey::P256(key.public_key()),
                Kind::WebAuthn => SignerKey::WebAuthn(key.public_key()),
            };
            r
        });
        Self { s, key, kind }
    }

    /// An unsigned session op and the digest its key signs.
    fn op(&mut self, call_data: Vec<u8>) -> (PackedUserOperation, B256) {
        let w = &mut self.s.world;
        let nonce_key = w.module_nonce_key();
        let op = w.op(&self.s.account, nonce_key, call_data);
        let hash = w.user_op_hash(&op);
        (op, session_digest(&hash, w.module))
    }

    /// The op signed by `signer` as the session's kind signs.
    fn signed(&mut self, signer: &P256Key, call_data: Vec<u8>) -> PackedUserOperation {
        let (mut op, digest) = self.op(call_data);
        op.signature = match self.kind {
            Kind::P256 => signer.sign_session_digest(&digest),
            Kind::WebAuthn => signer
                .webauthn_assert(&digest, ORIGIN, 1)
                .session_signature(self.key.address(), &digest)
                .unwrap(),
        }
        .into();
        op
    }

    fn submit(&mut self, op: PackedUserOperation) -> BundleReport {
        self.s.world.submit(op).expect("handleOps runs")
    }

    /// Every piece of state an op of this session could change: the module's words (account,
    /// header, counters, paymaster, token cap), the token balances of the account and ALICE,
    /// and the account's EntryPoint nonce.
    fn probe(&mut self) -> (Vec<B256>, [U256; 2], U256) {
        let w = &mut self.s.world;
        let account = self.s.account.address;
        let (a, h, c, p) = w.session_words(account, self.key.address());
        let token = w.token;
        let nonce = w.entry_point_nonce(account, w.module_nonce_key());
        (
            vec![
                a,
                h,
                c,
                p,
                w.token_cap_word(account, self.key.address(), token),
            ],
            [w.token_balance(account), w.token_balance(ALICE)],
            nonce,
        )
    }
}

fn transfer_to_alice(s: &Passkey, amount: u128) -> Vec<u8> {
    single(s.s.world.token, 0, transfer(ALICE, amount * TOKENS))
}

fn assert_signature_error(report: &BundleReport) {
    assert!(
        matches!(&report.ops[..], [OpOutcome::Rejected { reason, inner: None, .. }] if reason == "AA24 signature error"),
        "{:?}",
        report.ops
    );
}

/// The module reached `P256VERIFY` with its explicit gas, and each bundler judged the op as its
/// source says: the ERC and rundler allow 0x100 (OP-062), eth-infinitism's native tracer allows
/// only 1–9, its JavaScript tracer checks no precompile; rundler refuses only Stylus code.
fn assert_bundlers(report: &BundleReport, module: Address) {
    let check = &report.validations[0];
    let frame = check
        .trace
        .frames
        .iter()
        .find(|f| f.code_address == P256VERIFY)
        .expect("the P256VERIFY frame");
    assert_eq!(frame.gas_limit, P256VERIFY_GAS);
    assert_eq!(
        check.accepted_by(),
        ["erc7562", "infinitism-js"],
        "{:#?}",
        check.verdicts
    );
    let rules = |name: &str| -> Vec<(Rule, Subject)> {
        check
            .verdict(name)
            .unwrap()
            .violations
            .iter()
            .map(|v| (v.rule, v.subject))
            .collect()
    };
    let infinitism = rules("infinitism");
    assert!(
        matches!(&infinitism[..], [(Rule::Op062, Subject::Code(c))] if c.address == P256VERIFY),
        "{infinitism:?}"
    );
    let rundler = rules("rundler");
    assert!(
        matches!(&rundler[..], [(Rule::RundlerStylus, Subject::Code(c))] if c.address == module),
        "{rundler:?}"
    );
}

#[test]
fn a_p256_session_op_executes_and_is_debited() {
    let mut p = Passkey::new(Kind::P256);
    let key = p.key.clone();
    let before = p.probe();
    let call = transfer_to_alice(&p, 30);
    let op = p.signed(&key, call);
    assert_eq!(op.signature.len(), 84);
    let report = p.submit(op);
    assert_executed(&report);
    assert_bundlers(&report, p.s.world.module);
    let after = p.probe();
    assert_eq!(after.1[1] - before.1[1], U256::from(30 * TOKENS));
    assert_ne!(after.0[4], before.0[4], "the token cap was debited");
}

#[test]
fn a_passkey_session_op_executes_and_is_debited() {
    let mut p = Passkey::new(Kind::WebAuthn);
    let key = p.key.clone();
    let before = p.probe();
    let call = transfer_to_alice(&p, 30);
    let report = {
        let op = p.signed(&key, call);
        p.submit(op)
    };
    assert_executed(&report);
    assert_bundlers(&report, p.s.world.module);
    assert_eq!(p.probe().1[1] - before.1[1], U256::from(30 * TOKENS));
}

#[test]
fn malleated_or_foreign_p256_signatures_fail_at_entry_point_and_change_nothing() {
    let mut p = Passkey::new(Kind::P256);
    let key = p.key.clone();
    let before = p.probe();
    // The high-s twin of a valid signature (the precompile would accept it).
    let call = transfer_to_alice(&p, 1);
    let mut op = p.signed(&key, call);
    let mut sig = op.signature.to_vec();
    let s = U256::from_be_bytes(P256_ORDER) - U256::from_be_slice(&sig[52..84]);
    sig[52..84].copy_from_slice(&s.to_be_bytes::<32>());
    op.signature = sig.into();
    assert_signature_error(&p.submit(op));
    assert_eq!(p.probe(), before);
    // Another P-256 key's signature naming this session.
    let call = transfer_to_alice(&p, 1);
    let mut op = p.signed(&p256_key(12), call);
    let mut sig = op.signature.to_vec();
    sig[..20].copy_from_slice(key.address().as_slice());
    op.signature = sig.into();
    assert_signature_error(&p.submit(op));
    assert_eq!(p.probe(), before);
}

#[test]
fn passkey_assertions_for_another_challenge_or_without_user_presence_fail_and_change_nothing() {
    let mut p = Passkey::new(Kind::WebAuthn);
    let key = p.key.clone();
    let module = p.s.world.module;
    let before = p.probe();
    // An assertion over another op's digest, carried with its own client data tail.
    let call = transfer_to_alice(&p, 1);
    let (mut op, digest) = p.op(call);
    let other = session_digest(&B256::repeat_byte(7), module);
    let a = key.webauthn_assert(&other, ORIGIN, 1);
    assert_ne!(digest, other);
    op.signature = a.session_signature(key.address(), &other).unwrap().into();
    assert_signature_error(&p.submit(op));
    assert_eq!(p.probe(), before);
    // A correctly signed assertion whose authenticator did not see the user (flags = UV only).
    let call = transfer_to_alice(&p, 1);
    let (mut op, digest) = p.op(call);
    let mut a = key.webauthn_assert(&digest, ORIGIN, 1);
    a.authenticator_data[32] = 0x04;
    a.signature = key.sign_prehash(&sessionkey_sdk::p256_key::webauthn_message_hash(
        &a.authenticator_data,
        &a.client_data_json,
    ));
    op.signature = a.session_signature(key.address(), &digest).unwrap().into();
    assert_signature_error(&p.submit(op));
    assert_eq!(p.probe(), before);
}

#[test]
fn a_passkey_op_breaking_the_policy_reverts_with_the_violation_and_changes_nothing() {
    let mut p = Passkey::new(Kind::WebAuthn);
    let key = p.key.clone();
    let before = p.probe();
    let token = p.s.world.token;
    let call = transfer_to_alice(&p, 151);
    let report = {
        let op = p.signed(&key, call);
        p.submit(op)
    };
    let expected = sessionkey_policy::error::ModuleError::Violation(
        sessionkey_policy::Violation::TokenCapExceeded {
            token,
            requested: U256::from(151 * TOKENS),
            remaining: U256::from(150 * TOKENS),
        },
    )
    .encode();
    assert_rejected_with(&report, expected);
    assert_eq!(p.probe(), before);
}
