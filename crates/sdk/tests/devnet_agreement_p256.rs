//! The SDK's simulator and the deployed contract agree for P-256 and passkey (WebAuthn) session
//! signers, op by op, on the embedded devnet: the release WASM behind EntryPoint v0.7, whose
//! `P256VERIFY` (0x100) and SHA-256 (0x02) are the real precompiles (no stand-in: this is where
//! the WebAuthn verdicts the TestVM cannot reach are checked). For each op the simulator's verdict
//! must be what EntryPoint reports (included / `AA24` / `AA23` with the same inner error); after
//! an op that executes, the session's words on chain must equal the simulator's; after a refused
//! op, nothing it could have changed may have changed.

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_sol_types::SolCall;
use devnet_bundler::bindings::Counter;
use devnet_bundler::scenarios::{
    approve, demo_record, single, transfer, ALICE, ATTACKER, DEX, UNIT,
};
use devnet_bundler::{Account, SessionKey, World};

mod devnet_support;
use devnet_support::{assert_chain_agrees, class};
use sessionkey_policy::layout::SessionHeader;
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::signer::{SignerKind, P256_ORDER};
use sessionkey_policy::SignerKey;
use sessionkey_sdk::p256_key::{webauthn_message_hash, P256Key};
use sessionkey_sdk::simulate::placeholder_signature_for;
use sessionkey_sdk::{simulate, SessionView};
use sessionkey_testkit::p256_key;

const ORIGIN: &str = "https://wallet.example.org";

/// How an op of the corpus is signed.
#[derive(Clone, Copy, Debug)]
enum Sig {
    /// By the session's key, as its kind signs.
    Session,
    /// The high-s twin of the session key's signature (the precompile accepts it).
    HighS,
    /// By another P-256 key, naming the session.
    OtherKey,
    /// By the session's key, for another challenge (another digest).
    WrongChallenge,
    /// WebAuthn: a correct assertion whose authenticator data lacks the user-present flag,
    /// re-signed so that only the flag is wrong.
    NoUserPresence,
    /// The other P-256 kind's shape, by the session's key.
    OtherShape,
    /// The kind's placeholder (r = s = 0).
    Placeholder,
}

/// The session signature `key` makes over `digest` as `kind` signs, naming `signer`.
fn sign_as(kind: SignerKind, key: &P256Key, signer: Address, digest: &B256) -> Vec<u8> {
    match kind {
        SignerKind::P256 => {
            let sig = key.sign_prehash(digest);
            [signer.as_slice(), sig.r.as_slice(), sig.s.as_slice()].concat()
        }
        SignerKind::WebAuthn => key
            .webauthn_assert(digest, ORIGIN, 1)
            .session_signature(signer, digest)
            .expect("an assertion for this challenge"),
        SignerKind::Secp256k1 => unreachable!("P-256 kinds only"),
    }
}

fn signature(kind: SignerKind, key: &P256Key, sig: Sig, digest: &B256) -> Vec<u8> {
    let me = key.address();
    match sig {
        Sig::Session => sign_as(kind, key, me, digest),
        Sig::HighS => {
            let mut out = sign_as(kind, key, me, digest);
            let s = U256::from_be_bytes(P256_ORDER) - U256::from_be_slice(&out[52..84]);
            out[52..84].copy_from_slice(&s.to_be_bytes::<32>());
            out
        }
        Sig::OtherKey => sign_as(kind, &p256_key(12), me, digest),
        Sig::WrongChallenge => sign_as(kind, key, me, &keccak256(digest)),
        Sig::NoUserPresence => {
            assert_eq!(kind, SignerKind::WebAuthn);
            let mut a = key.webauthn_assert(digest, ORIGIN, 1);
            a.authenticator_data[32] = 0x04; // user verified only
            a.signature = key.sign_prehash(&webauthn_message_hash(
                &a.authenticator_data,
                &a.client_data_json,
            ));
            a.session_signature(me, digest).unwrap()
        }
        Sig::OtherShape => {
            let other = match kind {
                SignerKind::P256 => SignerKind::WebAuthn,
                _ => SignerKind::P256,
            };
            sign_as(other, key, me, digest)
        }
        Sig::Placeholder => placeholder_signature_for(kind, me).to_vec(),
    }
}

/// Everything a session op could change: the module's words of the session (account, header,
/// counters, paymaster), its token-cap word, the token balances of the account and ALICE, the
/// counter, and the account's EntryPoint nonce.
fn probe(world: &mut World, account: &Account, signer: Address) -> (Vec<B256>, Vec<U256>) {
    let (a, h, c, p) = world.session_words(account.address, signer);
    let token = world.token;
    let cap = world.token_cap_word(account.address, signer, token);
    let nonce = world.entry_point_nonce(account.address, world.module_nonce_key());
    (
        vec![a, h, c, p, cap],
        vec![
            world.token_balance(account.address),
            world.token_balance(ALICE),
            world.counter_count(),
            nonce,
        ],
    )
}

/// Runs the corpus for a session of `kind` and returns (executed, refused).
fn agree(kind: SignerKind) -> (usize, usize) {
    let mut world = World::new().expect("world");
    let start = 1_800_000_000;
    world.chain.set_block_timestamp(start + 10);
    let account = world.create_account(SessionKey::from_seed(1), 10).unwrap();
    world
        .mint(account.address, U256::from(1000 * UNIT))
        .unwrap();
    let key = p256_key(11);
    let signer = key.address();
    let token = world.token;
    let mut record = demo_record(signer, token, start);
    record.signer_key = match kind {
        SignerKind::P256 => SignerKey::P256(key.public_key()),
        _ => SignerKey::WebAuthn(key.public_key()),
    };
    assert!(
        world
            .install_module(&account, record.encode())
            .unwrap()
            .success
    );
    let mut store = MemoryStore::new(&record, 0);
    assert_eq!(
        SessionHeader::unpack(&world.session_words(account.address, signer).1),
        store.header,
        "registered header"
    );
    let t = |n: u128| U256::from(n * UNIT);
    let ping = Counter::pingCall { x: U256::from(1) }.abi_encode();
    let counter = world.counter;

    let mut corpus: Vec<(&str, Vec<u8>, Sig, &str)> = vec![
        (
            "transfer 10",
            single(token, U256::ZERO, transfer(ALICE, t(10))),
            Sig::Session,
            "executed",
        ),
        (
            "high-s twin",
            single(token, U256::ZERO, transfer(ALICE, t(1))),
            Sig::HighS,
            "AA24",
        ),
        (
            "another key naming the session",
            single(token, U256::ZERO, transfer(ATTACKER, t(1))),
            Sig::OtherKey,
            "AA24",
        ),
        (
            "signed for another challenge",
            single(token, U256::ZERO, transfer(ALICE, t(1))),
            Sig::WrongChallenge,
            "AA24",
        ),
        (
            "the other P-256 kind's shape",
            single(token, U256::ZERO, transfer(ALICE, t(1))),
            Sig::OtherShape,
            "InvalidSignatureLength",
        ),
        (
            "the kind's placeholder",
            single(token, U256::ZERO, transfer(ALICE, t(1))),
            Sig::Placeholder,
            "AA24",
        ),
        (
            "approve DEX 100",
            single(token, U256::ZERO, approve(DEX, t(100))),
            Sig::Session,
            "executed",
        ),
        (
            "approve attacker",
            single(token, U256::ZERO, approve(ATTACKER, t(1))),
            Sig::Session,
            "RuleFailed",
        ),
        (
            "transfer 60 > 50 per call",
            single(token, U256::ZERO, transfer(ALICE, t(60))),
            Sig::Session,
            "RuleFailed",
        ),
        (
            "transfer 45 > 40 left",
            single(token, U256::ZERO, transfer(ALICE, t(45))),
            Sig::Session,
            "TokenCapExceeded",
        ),
        (
            "ping: call not allowed",
            single(counter, U256::ZERO, ping),
            Sig::Session,
            "CallNotAllowed",
        ),
        (
            "transfer the 40 left",
            single(token, U256::ZERO, transfer(ALICE, t(40))),
            Sig::Session,
            "executed",
        ),
    ];
    if kind == SignerKind::WebAuthn {
        corpus.insert(
            4,
            (
                "user-present flag cleared",
                single(token, U256::ZERO, transfer(ALICE, t(1))),
                Sig::NoUserPresence,
                "AA24",
            ),
        );
    }

    let (mut executed, mut refused) = (0, 0);
    for (name, call_data, sig, expected) in corpus {
        let op = world.session_op_signed_with(&account, call_data, |digest| {
            signature(kind, &key, sig, &digest)
        });
        let hash = world.user_op_hash(&op);
        assert_eq!(
            sessionkey_sdk::hash::user_op_hash_v07(
                &devnet_bundler::world::sdk_op(&op),
                world.entry_point,
                world.chain.chain_id()
            ),
            hash,
            "{name}: userOpHash"
        );
        let verdict = simulate(
            &SessionView {
                signer,
                store: &store,
                revoked: false,
            },
            world.module,
            &devnet_bundler::world::sdk_op(&op),
            hash,
        );
        let before = probe(&mut world, &account, signer);
        let report = world.submit(op).unwrap();
        if assert_chain_agrees(name, &verdict.outcome, &report, &before, || {
            probe(&mut world, &account, signer)
        }) {
            executed += 1;
            store = verdict.store_after.clone().expect("words to write");
            let (_, header, counters, _) = world.session_words(account.address, signer);
            assert_eq!(
                SessionHeader::unpack(&header),
                store.header,
                "{name}: header"
            );
            assert_eq!(counters, store.counters, "{name}: counters word");
            assert_eq!(
                world.token_cap_word(account.address, signer, token),
                store.tokens[&token],
                "{name}: cap"
            );
        } else {
            refused += 1;
        }
        assert_eq!(class(&verdict.outcome), expected, "{name}");
    }
    assert_eq!(
        world.token_balance(ALICE),
        t(50),
        "the two transfers that passed, and only they, paid ALICE"
    );
    (executed, refused)
}

#[test]
fn simulator_and_devnet_contract_agree_for_a_p256_session() {
    // Executed: transfer 10, approve 100, transfer 40. Refused: high-s, another key, another
    // challenge, the WebAuthn shape, the placeholder, and four policy breaks.
    assert_eq!(agree(SignerKind::P256), (3, 9));
}

#[test]
fn simulator_and_devnet_contract_agree_for_a_passkey_session() {
    // As for P-256, and the assertion without the user-present flag.
    assert_eq!(agree(SignerKind::WebAuthn), (3, 10));
}
