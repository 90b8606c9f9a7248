//! The simulator agrees with the contract for P-256 session signers.
//!
//! The contract runs natively on stylus-test's `TestVM`, driven through its router, as in
//! `tests/agreement.rs`. A raw P-256 session's signature is checked by one `P256VERIFY` call,
//! answered here by the workspace's stand-in (`sessionkey_testkit::p256verify_precompile`) for
//! exactly the input the contract must send (the op's digest, the signature, and the key the
//! record registered); a secp256k1 session is the control, its ecrecover answered likewise.
//!
//! For every op of the corpus — valid ops, the high-s twin, another key's signature, r = 0 and
//! r = n, signatures of every wrong shape, policy violations, an unregistered or revoked signer,
//! and the placeholder signature of each kind — the simulator's `contract_result()` must be
//! byte for byte what `validateUserOp` returns or reverts with. After an op that returns, the
//! words the contract wrote must be exactly the simulator's words for the session (and nothing
//! else); after a signature failure the storage is put back (what EntryPoint's revert of the
//! bundle does); after a revert nothing may have been written.
//!
//! WebAuthn sessions: verifying an assertion takes three precompile calls (SHA-256 twice, then
//! `P256VERIFY`), and the `TestVM` answers `read_return_data` with the last mocked call's data,
//! not the matching one, so no WebAuthn signature can verify here. For a WebAuthn session this
//! file asserts agreement only where the answer does not depend on the precompiles: signatures
//! of the wrong shape, policy violations, unregistered and revoked signers, malformed calldata,
//! and signatures that fail whatever the precompiles say (the placeholder, r = 0, no user
//! presence). A well-signed assertion that passes the policy is checked for everything but the
//! signature bit (the window in the validationData and the words written). The real precompiles
//! verify WebAuthn in `tests/devnet_agreement_p256.rs`.

use std::collections::HashMap;

use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall};
use session_key_validator::p256::P256VERIFY;
use sessionkey_policy::layout::session_word;
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::record::{Limit, SessionRecord, TokenLimit};
use sessionkey_policy::signer::{P256Signature, Proof, SignerKind, P256_ORDER};
use sessionkey_sdk::account_calls::{self, Call, ISessionKeyValidator as I};
use sessionkey_sdk::builder::{CallBuilder, Check, SessionBuilder};
use sessionkey_sdk::key::session_digest;
use sessionkey_sdk::p256_key::{webauthn_message_hash, P256Key};
use sessionkey_sdk::simulate::{placeholder_signature_for, simulate, Outcome, SessionView};
use sessionkey_sdk::user_op::{session_user_op, GasLimits};
use sessionkey_sdk::{PackedUserOperation, Rejection, SessionKey};
use sessionkey_testkit::{p256_key, p256verify_precompile};

mod support;
use support::{diff, slots, Contract};

const MODULE: Address = address!("0x00000000000000000000000000000000000a11ce");
const ACCOUNT: Address = address!("0x000000000000000000000000000000000000acc0");
const TOKEN: Address = address!("0x0000000000000000000000000000000000007043");
const ALICE: Address = address!("0x000000000000000000000000000000000000a71c");
const ATTACKER: Address = address!("0x000000000000000000000000000000000000bad0");
const ORIGIN: &str = "https://wallet.example.org";

sol! {
    function transfer(address to, uint256 amount);
}

/// Which key signs a session's ops.
#[derive(Clone)]
enum Signer {
    Secp256k1(SessionKey),
    P256(P256Key),
    WebAuthn(P256Key),
}

impl Signer {
    fn kind(&self) -> SignerKind {
        match self {
            Self::Secp256k1(_) => SignerKind::Secp256k1,
            Self::P256(_) => SignerKind::P256,
            Self::WebAuthn(_) => SignerKind::WebAuthn,
        }
    }
}

/// A session as the simulator holds it.
struct Session {
    signer: Signer,
    record: SessionRecord,
    store: MemoryStore,
    revoked: bool,
}

/// The same permission for every kind: transfers of the token of at most 100 per call, 150 in
/// all; ETH to ALICE; ten ops. `perm_nonce` is the account's registration nonce it gets (the
/// account counts registrations: sessions installed together get 0, 1, 2, … in order).
fn session(signer: Signer, perm_nonce: u64) -> Session {
    let b = match &signer {
        Signer::Secp256k1(k) => SessionBuilder::new(k.address()),
        Signer::P256(k) => SessionBuilder::p256(k.public_key()),
        Signer::WebAuthn(k) => SessionBuilder::webauthn(k.public_key()),
    };
    let record = b
        .valid_between(1_000, 1_000_000)
        .native_cap(Limit::Limited(1_000))
        .gas_budget(Limit::Limited(30_000_000_000_000_000))
        .max_ops(10)
        .call(
            CallBuilder::function(TOKEN, "transfer(address to, uint256 amount)")
                .rule("amount", Check::lte(100u64)),
        )
        .call(CallBuilder::plain_transfer(ALICE).max_value(U256::from(1_000u64)))
        .token_cap(TOKEN, TokenLimit::Limited(U256::from(150)))
        .build()
        .expect("a valid permission")
        .record;
    Session {
        signer,
        store: MemoryStore::new(&record, perm_nonce),
        record,
        revoked: false,
    }
}

const SECP: usize = 0;
const P256: usize = 1;
const WEBAUTHN: usize = 2;

fn sessions() -> Vec<Session> {
    vec![
        session(
            Signer::Secp256k1(SessionKey::from_bytes(&[0x61; 32]).unwrap()),
            SECP as u64,
        ),
        session(Signer::P256(p256_key(21)), P256 as u64),
        session(Signer::WebAuthn(p256_key(22)), WEBAUTHN as u64),
    ]
}

fn hash_of(i: usize) -> B256 {
    keccak256([b"p256-agreement".as_slice(), &(i as u64).to_be_bytes()].concat())
}

fn transfer_op(amount: u64, nonce: u64) -> PackedUserOperation {
    let data = transferCall {
        to: ALICE,
        amount: U256::from(amount),
    }
    .abi_encode();
    op_of(
        &[Call {
            target: TOKEN,
            value: U256::ZERO,
            data: data.into(),
        }],
        nonce,
    )
}

fn op_of(calls: &[Call], nonce: u64) -> PackedUserOperation {
    session_user_op(
        ACCOUNT,
        U256::from(nonce),
        calls,
        GasLimits::default(),
        None,
    )
    .pack()
}

/// `signer ‖ r ‖ s`.
fn raw_p256(signer: Address, sig: &P256Signature) -> Vec<u8> {
    [signer.as_slice(), sig.r.as_slice(), sig.s.as_slice()].concat()
}

/// The high-s twin of `sig`: `(r, n - s)`, which the precompile also accepts.
fn high_s(sig: &P256Signature) -> P256Signature {
    P256Signature {
        r: sig.r,
        s: B256::from(U256::from_be_bytes(P256_ORDER) - U256::from_be_bytes(sig.s.0)),
    }
}

/// A correctly signed assertion over `digest` whose authenticator data has flags UV only: the
/// user-present bit cleared, and the assertion re-signed so that only the flag is wrong.
fn without_user_presence(key: &P256Key, digest: &B256) -> Vec<u8> {
    let mut a = key.webauthn_assert(digest, ORIGIN, 1);
    a.authenticator_data[32] = 0x04;
    a.signature = key.sign_prehash(&webauthn_message_hash(
        &a.authenticator_data,
        &a.client_data_json,
    ));
    a.session_signature(key.address(), digest).unwrap()
}

/// A well-formed session signature of `session`'s own kind over `digest`, by its own key.
fn sign(s: &Session, digest: &B256) -> Vec<u8> {
    match &s.signer {
        Signer::Secp256k1(k) => k.sign_digest(digest).to_bytes().to_vec(),
        Signer::P256(k) => k.sign_session_digest(digest),
        Signer::WebAuthn(k) => k
            .webauthn_assert(digest, ORIGIN, 1)
            .session_signature(k.address(), digest)
            .unwrap(),
    }
}

/// One op of the corpus and what it must do.
struct Case {
    name: &'static str,
    session: usize,
    op: PackedUserOperation,
    expect: &'static str,
}

/// The corpus, in order: case `i` is validated with userOpHash `hash_of(i)`.
fn corpus(sessions: &[Session]) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |name: &'static str,
                   session: usize,
                   op: PackedUserOperation,
                   signature: &dyn Fn(&B256) -> Vec<u8>,
                   expect: &'static str| {
        let digest = session_digest(&hash_of(cases.len()), MODULE);
        let mut op = op;
        op.signature = signature(&digest).into();
        cases.push(Case {
            name,
            session,
            op,
            expect,
        });
    };
    let Signer::P256(pk) = sessions[P256].signer.clone() else {
        unreachable!()
    };
    let Signer::WebAuthn(wk) = sessions[WEBAUTHN].signer.clone() else {
        unreachable!()
    };
    let p = &sessions[P256];
    let w = &sessions[WEBAUTHN];
    let secp = &sessions[SECP];
    let other = p256_key(23);
    let stranger = p256_key(24);
    let placeholder =
        |kind, signer| move |_: &B256| placeholder_signature_for(kind, signer).to_vec();
    let not_allowed = op_of(
        &[Call {
            target: ATTACKER,
            value: U256::from(1u64),
            data: Bytes::new(),
        }],
        0,
    );
    let mut malformed = transfer_op(1, 0);
    malformed.callData = Bytes::from(vec![0x12, 0x34, 0x56, 0x78]);

    // The secp256k1 control.
    add(
        "secp256k1: valid transfer",
        SECP,
        transfer_op(10, 0),
        &|d| sign(secp, d),
        "valid",
    );
    add(
        "secp256k1: a raw P-256 signature (84 bytes)",
        SECP,
        transfer_op(10, 1),
        &|d| raw_p256(secp.record.signer, &pk.sign_prehash(d)),
        "InvalidSignatureLength",
    );
    for (name, kind, expect) in [
        (
            "secp256k1: its own placeholder",
            SignerKind::Secp256k1,
            "bad-signature",
        ),
        (
            "secp256k1: the P-256 placeholder",
            SignerKind::P256,
            "InvalidSignatureLength",
        ),
        (
            "secp256k1: the WebAuthn placeholder",
            SignerKind::WebAuthn,
            "InvalidSignatureLength",
        ),
    ] {
        add(
            name,
            SECP,
            transfer_op(10, 2),
            &placeholder(kind, secp.record.signer),
            expect,
        );
    }

    // The raw P-256 session.
    let me = p.record.signer;
    add(
        "p256: valid transfer",
        P256,
        transfer_op(30, 0),
        &|d| pk.sign_session_digest(d),
        "valid",
    );
    add(
        "p256: the high-s twin of a valid signature",
        P256,
        transfer_op(30, 1),
        &|d| raw_p256(me, &high_s(&pk.sign_prehash(d))),
        "bad-signature",
    );
    add(
        "p256: another P-256 key's signature naming the session",
        P256,
        transfer_op(30, 1),
        &|d| raw_p256(me, &other.sign_prehash(d)),
        "bad-signature",
    );
    add(
        "p256: a valid signature over another digest",
        P256,
        transfer_op(30, 1),
        &|d| raw_p256(me, &pk.sign_prehash(&keccak256(d))),
        "bad-signature",
    );
    add(
        "p256: r = 0",
        P256,
        transfer_op(30, 1),
        &|d| {
            let sig = pk.sign_prehash(d);
            raw_p256(
                me,
                &P256Signature {
                    r: B256::ZERO,
                    s: sig.s,
                },
            )
        },
        "bad-signature",
    );
    add(
        "p256: r = n",
        P256,
        transfer_op(30, 1),
        &|d| {
            let sig = pk.sign_prehash(d);
            raw_p256(
                me,
                &P256Signature {
                    r: B256::new(P256_ORDER),
                    s: sig.s,
                },
            )
        },
        "bad-signature",
    );
    add(
        "p256: 85 bytes (a valid signature and a v byte)",
        P256,
        transfer_op(30, 1),
        &|d| [pk.sign_session_digest(d), vec![27]].concat(),
        "InvalidSignatureLength",
    );
    add(
        "p256: 83 bytes",
        P256,
        transfer_op(30, 1),
        &|d| pk.sign_session_digest(d)[..83].to_vec(),
        "InvalidSignatureLength",
    );
    add(
        "p256: a valid WebAuthn assertion by the session's key",
        P256,
        transfer_op(30, 1),
        &|d| {
            pk.webauthn_assert(d, ORIGIN, 1)
                .session_signature(me, d)
                .unwrap()
        },
        "InvalidSignatureLength",
    );
    add(
        "p256: 19 bytes",
        P256,
        transfer_op(30, 1),
        &|_| me[..19].to_vec(),
        "InvalidSignatureLength",
    );
    add(
        "p256: empty signature",
        P256,
        transfer_op(30, 1),
        &|_| Vec::new(),
        "InvalidSignatureLength",
    );
    add(
        "p256: a signer with no session",
        P256,
        transfer_op(30, 1),
        &|d| stranger.sign_session_digest(d),
        "SessionNotActive",
    );
    add(
        "p256: token cap exceeded (120 left, 100 + 21 asked)",
        P256,
        op_of(&[transfer_call(100), transfer_call(21)], 1),
        &|d| pk.sign_session_digest(d),
        "TokenCapExceeded",
    );
    add(
        "p256: amount above the rule",
        P256,
        transfer_op(101, 1),
        &|d| pk.sign_session_digest(d),
        "RuleFailed",
    );
    add(
        "p256: call not allowed",
        P256,
        not_allowed.clone(),
        &|d| pk.sign_session_digest(d),
        "CallNotAllowed",
    );
    add(
        "p256: callData not execute",
        P256,
        malformed.clone(),
        &|d| pk.sign_session_digest(d),
        "MalformedExecution",
    );
    for (name, kind, expect) in [
        (
            "p256: the secp256k1 placeholder",
            SignerKind::Secp256k1,
            "InvalidSignatureLength",
        ),
        (
            "p256: its own placeholder",
            SignerKind::P256,
            "bad-signature",
        ),
        (
            "p256: the WebAuthn placeholder",
            SignerKind::WebAuthn,
            "InvalidSignatureLength",
        ),
    ] {
        add(
            name,
            P256,
            transfer_op(30, 1),
            &placeholder(kind, me),
            expect,
        );
    }
    add(
        "p256: a second valid transfer (20 left after it)",
        P256,
        transfer_op(100, 1),
        &|d| pk.sign_session_digest(d),
        "valid",
    );
    add(
        "p256: the cap is used up",
        P256,
        transfer_op(21, 2),
        &|d| pk.sign_session_digest(d),
        "TokenCapExceeded",
    );

    // The WebAuthn session: only what does not need the precompiles' answers (see the top).
    let wme = w.record.signer;
    add(
        "webauthn: a raw P-256 signature (84 bytes)",
        WEBAUTHN,
        transfer_op(30, 0),
        &|d| wk.sign_session_digest(d),
        "InvalidSignatureLength",
    );
    add(
        "webauthn: 85 bytes",
        WEBAUTHN,
        transfer_op(30, 0),
        &|d| [wk.sign_session_digest(d), vec![27]].concat(),
        "InvalidSignatureLength",
    );
    add(
        "webauthn: 36 bytes of authenticator data",
        WEBAUTHN,
        transfer_op(30, 0),
        &|d| {
            let mut a = wk.webauthn_assert(d, ORIGIN, 1);
            a.authenticator_data.truncate(36);
            [
                wk.sign_session_digest(d),
                vec![0, 36],
                a.authenticator_data,
                br#","origin":"x"}"#.to_vec(),
            ]
            .concat()
        },
        "InvalidSignatureLength",
    );
    add(
        "webauthn: a length field past the end",
        WEBAUTHN,
        transfer_op(30, 0),
        &|d| {
            let mut sig = sign(w, d);
            // The length field follows signer ‖ r ‖ s.
            let len = (sig.len() - 86 + 1) as u16;
            sig[84..86].copy_from_slice(&len.to_be_bytes());
            sig
        },
        "InvalidSignatureLength",
    );
    add(
        "webauthn: a signer with no session",
        WEBAUTHN,
        transfer_op(30, 0),
        &|d| {
            stranger
                .webauthn_assert(d, ORIGIN, 1)
                .session_signature(stranger.address(), d)
                .unwrap()
        },
        "SessionNotActive",
    );
    add(
        "webauthn: token cap exceeded",
        WEBAUTHN,
        op_of(
            &[
                transfer_call(100),
                transfer_call(51), // 151 > 150
            ],
            0,
        ),
        &|d| sign(w, d),
        "TokenCapExceeded",
    );
    add(
        "webauthn: call not allowed",
        WEBAUTHN,
        not_allowed,
        &|d| sign(w, d),
        "CallNotAllowed",
    );
    add(
        "webauthn: callData not execute",
        WEBAUTHN,
        malformed,
        &|d| sign(w, d),
        "MalformedExecution",
    );
    for (name, kind, expect) in [
        (
            "webauthn: the secp256k1 placeholder",
            SignerKind::Secp256k1,
            "InvalidSignatureLength",
        ),
        (
            "webauthn: the P-256 placeholder",
            SignerKind::P256,
            "InvalidSignatureLength",
        ),
        (
            "webauthn: its own placeholder",
            SignerKind::WebAuthn,
            "bad-signature",
        ),
    ] {
        add(
            name,
            WEBAUTHN,
            transfer_op(30, 0),
            &placeholder(kind, wme),
            expect,
        );
    }
    add(
        "webauthn: r = 0",
        WEBAUTHN,
        transfer_op(30, 0),
        &|d| {
            let mut sig = sign(w, d);
            sig[20..52].fill(0);
            sig
        },
        "bad-signature",
    );
    add(
        "webauthn: user-present flag cleared",
        WEBAUTHN,
        transfer_op(30, 0),
        &|d| without_user_presence(&wk, d),
        "bad-signature",
    );
    add(
        "webauthn: a valid assertion (signature bit not checked here)",
        WEBAUTHN,
        transfer_op(30, 0),
        &|d| sign(w, d),
        "valid",
    );
    cases
}

fn transfer_call(amount: u64) -> Call {
    Call {
        target: TOKEN,
        value: U256::ZERO,
        data: transferCall {
            to: ALICE,
            amount: U256::from(amount),
        }
        .abi_encode()
        .into(),
    }
}

/// `validateUserOp(op, hash)` with the precompile the session's kind calls answered as the real
/// one answers for the input the contract must send: ecrecover for secp256k1, `P256VERIFY` over
/// the op's digest with the key the record registered for P-256. Nothing is mocked for
/// WebAuthn (see the top) or for a signature that does not have the kind's shape.
fn validate(
    contract: &Contract,
    s: &Session,
    op: &PackedUserOperation,
    hash: B256,
) -> Result<B256, Bytes> {
    let digest = session_digest(&hash, MODULE);
    match (s.signer.kind(), s.store.key) {
        (SignerKind::Secp256k1, _) => return contract.validate_signed(op, hash, MODULE),
        (SignerKind::P256, Some(key)) => {
            if let Some(Proof::P256(sig)) =
                Proof::parse_signature(SignerKind::P256, &op.signature).map(|(_, p)| p)
            {
                let input = sig.precompile_input(&digest, &key);
                contract.vm.mock_static_call(
                    P256VERIFY,
                    input.to_vec(),
                    Ok(p256verify_precompile(&input)),
                );
            }
        }
        _ => {}
    }
    contract.validate(op, hash)
}

/// Every word of `s`'s session as the simulator holds it, at its slot: header, counters,
/// paymaster, the P-256 key, and the token-cap word.
fn simulated_words(s: &Session) -> HashMap<U256, B256> {
    let at = |n: u8| slots::session(ACCOUNT, s.record.signer, n);
    let (x, y) = s.store.key.map(|k| (k.x, k.y)).unwrap_or_default();
    let mut words = HashMap::from([
        (at(session_word::HEADER), s.store.header.pack()),
        (at(session_word::COUNTERS), s.store.counters),
        (at(session_word::PAYMASTER), s.store.paymaster),
        (at(session_word::KEY_X), x),
        (at(session_word::KEY_Y), y),
    ]);
    for (token, word) in &s.store.tokens {
        words.insert(
            slots::token(ACCOUNT, s.record.signer, s.store.header.perm_nonce, *token),
            *word,
        );
    }
    words
}

/// The contract holds `s`'s words exactly as the simulator does.
fn assert_words(contract: &Contract, s: &Session, what: &str) {
    let storage = contract.storage();
    for (slot, word) in simulated_words(s) {
        assert_eq!(
            storage.get(&slot).copied().unwrap_or_default(),
            word,
            "{what}: session word at {slot:#x}"
        );
    }
}

fn install(contract: &Contract, sessions: &[Session]) {
    let records: Vec<SessionRecord> = sessions.iter().map(|s| s.record.clone()).collect();
    contract
        .call(
            &I::onInstallCall {
                data: account_calls::install_data(&records),
            }
            .abi_encode(),
        )
        .expect("onInstall");
    for s in sessions {
        assert_words(contract, s, "after registration");
    }
}

fn class(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Returns(vd) if vd.sig_failed => "bad-signature".into(),
        Outcome::Returns(_) => "valid".into(),
        Outcome::Reverts(r) => r.error_name().into(),
    }
}

#[test]
fn simulator_verdicts_equal_the_contracts_for_p256_signers() {
    let contract = Contract::new(MODULE, ACCOUNT);
    let mut sessions = sessions();
    install(&contract, &sessions);
    let cases = corpus(&sessions);
    for (i, case) in cases.iter().enumerate() {
        let hash = hash_of(i);
        let what = format!("case #{i} `{}`", case.name);
        let s = &mut sessions[case.session];
        let verdict = simulate(
            &SessionView {
                signer: s.record.signer,
                store: &s.store,
                revoked: s.revoked,
            },
            MODULE,
            &case.op,
            hash,
        );
        let before = contract.storage();
        let chain = validate(&contract, s, &case.op, hash);
        let written = diff(&before, &contract.storage());
        if case.session == WEBAUTHN && case.expect == "valid" {
            // The one answer that needs the precompiles: the contract cannot verify the
            // assertion here, so it reports a signature failure; all else must agree.
            let mut expected = match verdict.outcome {
                Outcome::Returns(vd) => vd,
                Outcome::Reverts(r) => panic!("{what}: {r:?}"),
            };
            expected.sig_failed = true;
            assert_eq!(chain, Ok(expected.to_word()), "{what}: validationData");
        } else {
            assert_eq!(
                verdict.contract_result(),
                chain,
                "{what}: simulator vs contract"
            );
        }
        // What the case must do (its name says why): agreement alone would not catch both
        // sides accepting what they must refuse.
        assert_eq!(class(&verdict.outcome), case.expect, "{what}");
        match (&verdict.outcome, verdict.store_after) {
            (Outcome::Returns(vd), Some(after)) => {
                let previous = std::mem::replace(&mut s.store, after);
                assert_words(&contract, s, &what);
                let allowed = simulated_words(s);
                for slot in written.keys() {
                    assert!(allowed.contains_key(slot), "{what}: wrote {slot:#x}");
                }
                assert!(!written.is_empty(), "{what}: the op was debited");
                if vd.sig_failed || case.session == WEBAUTHN {
                    // EntryPoint reverts a bundle whose op fails its signature.
                    s.store = previous;
                    contract.restore(&before);
                }
            }
            (Outcome::Reverts(_), None) => {
                assert!(written.is_empty(), "{what}: a revert wrote {written:?}");
            }
            (outcome, after) => panic!("{what}: {outcome:?} with words {after:?}"),
        }
    }

    // Revocation: the contract revokes both P-256 sessions, the simulator is told, and a
    // correctly signed op of each is refused by both as a session no longer active.
    for idx in [P256, WEBAUTHN] {
        let s = &mut sessions[idx];
        contract
            .call(&account_calls::revoke_session(s.record.signer))
            .expect("revokeSession");
        s.revoked = true;
        let hash = hash_of(1000 + idx);
        let mut op = transfer_op(1, 9);
        op.signature = sign(s, &session_digest(&hash, MODULE)).into();
        let verdict = simulate(
            &SessionView {
                signer: s.record.signer,
                store: &s.store,
                revoked: true,
            },
            MODULE,
            &op,
            hash,
        );
        let before = contract.storage();
        assert_eq!(
            verdict.contract_result(),
            validate(&contract, s, &op, hash),
            "revoked session {idx}"
        );
        assert_eq!(
            verdict.outcome,
            Outcome::Reverts(Rejection::SessionNotActive {
                account: ACCOUNT,
                signer: s.record.signer,
            })
        );
        assert_eq!(contract.storage(), before);
    }
}

#[test]
fn the_p256verify_stand_in_accepts_what_the_module_must_refuse_itself() {
    // The high-s twin verifies for the precompile: the corpus's high-s case is refused by the
    // module's own low-s rule, not by the stand-in; and the stand-in is not answering "yes" to
    // everything.
    let key = p256_key(21);
    let digest = session_digest(&hash_of(0), MODULE);
    let sig = key.sign_prehash(&digest);
    let one = B256::with_last_byte(1).to_vec();
    let input = |s: &P256Signature| s.precompile_input(&digest, &key.public_key());
    assert_eq!(p256verify_precompile(&input(&sig)), one);
    assert_eq!(p256verify_precompile(&input(&high_s(&sig))), one);
    assert!(p256verify_precompile(
        &p256_key(23)
            .sign_prehash(&digest)
            .precompile_input(&digest, &key.public_key())
    )
    .is_empty());
}
