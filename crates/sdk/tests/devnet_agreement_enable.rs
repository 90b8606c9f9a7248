//! The SDK's simulator and the deployed contract agree on ops that enable their session
//! (`sessionkey_sdk::enable`), op by op, on the embedded devnet: the release WASM behind
//! EntryPoint v0.7 and OpenZeppelin's `AccountERC7579` + `ERC7739`, whose `isValidSignature`
//! checks the owner's signature. The simulator is given the chain's part (account word, whether
//! the signer is live) and a model of the account's ERC-1271 (ECDSA owner, ERC-7739
//! `PersonalSign`). For each op its verdict must be what EntryPoint reports (included / `AA24` /
//! `AA23` with the same inner error); after an op that executes, the session's words on chain
//! must equal the simulator's; after a refused op, nothing it could have changed may have changed.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use devnet_bundler::bindings::Counter;
use devnet_bundler::scenarios::{demo_record, single, transfer, ALICE, UNIT};
use devnet_bundler::world::oz_account_domain;
use devnet_bundler::{Account, SessionKey, World};

mod devnet_support;
use devnet_support::{assert_chain_agrees, class};
use sessionkey_policy::layout::{AccountWord, SessionHeader};
use sessionkey_policy::{SessionRecord, SessionSignature};
use sessionkey_sdk::enable::erc7739_personal_sign_digest;
use sessionkey_sdk::key::verifies;
use sessionkey_sdk::simulate::{placeholder_signature, simulate_enable, EnableContext};

/// How the owner part of an enabling op is made.
#[derive(Clone, Copy, Debug)]
enum Owner {
    /// By the owner, at the account's current enable nonce.
    Signs,
    /// By another key.
    Impostor,
    /// By the owner, for a record other than the one carried.
    OtherRecord,
    /// By the owner, at the enable nonce before the current one (a used or voided signature).
    StaleNonce,
}

/// How the session part is made.
#[derive(Clone, Copy, Debug)]
enum Session {
    /// By the session key.
    Signs,
    /// The secp256k1 placeholder (r = s = 0).
    Placeholder,
}

/// Everything an enabling op could change: the account word, the session's words and token cap,
/// the token balances of the account and ALICE, and the account's EntryPoint nonce.
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
            nonce,
        ],
    )
}

/// The account's ERC-1271 as the simulator models it: the owner's ECDSA signature over the
/// ERC-7739 `PersonalSign` digest in the account's domain.
fn owner_model(chain_id: u64, account: Address, owner: Address) -> impl Fn(&B256, &[u8]) -> bool {
    move |digest, signature| {
        let wrapped = erc7739_personal_sign_digest(&oz_account_domain(chain_id, account), *digest);
        SessionSignature::from_proof(owner, signature).is_some_and(|sig| verifies(&wrapped, &sig))
    }
}

#[test]
fn simulator_and_devnet_contract_agree_on_enabling_ops() {
    let mut world = World::new().expect("world");
    let start = 1_800_000_000;
    world.chain.set_block_timestamp(start + 10);
    let account = world.create_account(SessionKey::from_seed(1), 10).unwrap();
    world
        .mint(account.address, U256::from(1000 * UNIT))
        .unwrap();
    assert!(world.install_module(&account, Vec::new()).unwrap().success);
    let key = SessionKey::from_seed(7);
    let signer = key.address;
    let token = world.token;
    let record = demo_record(signer, token, start);
    let mut wider = record.clone();
    wider.token_caps[0].limit = sessionkey_policy::TokenLimit::Unlimited;
    let chain_id = world.chain.chain_id();
    let model = owner_model(chain_id, account.address, account.owner.address);
    let t = |n: u128| U256::from(n * UNIT);
    let ping = Counter::pingCall { x: U256::from(1) }.abi_encode();
    let counter = world.counter;

    // (name, call data, owner, session, expected; None: revoke the session by a transaction
    // before this op).
    type Step<'a> = (&'a str, Vec<u8>, Owner, Session, &'a str, bool);
    let corpus: Vec<Step<'_>> = vec![
        (
            "owner signature by another key",
            single(token, U256::ZERO, transfer(ALICE, t(1))),
            Owner::Impostor,
            Session::Signs,
            "AA24",
            false,
        ),
        (
            "owner signed another record",
            single(token, U256::ZERO, transfer(ALICE, t(1))),
            Owner::OtherRecord,
            Session::Signs,
            "AA24",
            false,
        ),
        (
            "the session's placeholder",
            single(token, U256::ZERO, transfer(ALICE, t(1))),
            Owner::Signs,
            Session::Placeholder,
            "AA24",
            false,
        ),
        (
            "transfer 200 > 50 per call",
            single(token, U256::ZERO, transfer(ALICE, t(200))),
            Owner::Signs,
            Session::Signs,
            "RuleFailed",
            false,
        ),
        (
            "a call the record does not allow",
            single(counter, U256::ZERO, ping.clone()),
            Owner::Signs,
            Session::Signs,
            "CallNotAllowed",
            false,
        ),
        (
            "enabled, transfer 10",
            single(token, U256::ZERO, transfer(ALICE, t(10))),
            Owner::Signs,
            Session::Signs,
            "executed",
            false,
        ),
        (
            "enabled again while live",
            single(token, U256::ZERO, transfer(ALICE, t(1))),
            Owner::StaleNonce,
            Session::Signs,
            "SessionAlreadyActive",
            false,
        ),
        (
            "the used signature after a revoke",
            single(token, U256::ZERO, transfer(ALICE, t(1))),
            Owner::StaleNonce,
            Session::Signs,
            "AA24",
            true,
        ),
        (
            "a fresh owner signature after the revoke",
            single(token, U256::ZERO, transfer(ALICE, t(20))),
            Owner::Signs,
            Session::Signs,
            "executed",
            false,
        ),
    ];

    let (mut executed, mut refused) = (0, 0);
    for (name, call_data, owner, session, expected, revoke_first) in corpus {
        if revoke_first {
            assert!(
                world.revoke_session(&account, signer).unwrap().success,
                "{name}: revoke"
            );
        }
        let (word, header, ..) = world.session_words(account.address, signer);
        let account_word = AccountWord::unpack(&word);
        let signed: &SessionRecord = match owner {
            Owner::OtherRecord => &wider,
            _ => &record,
        };
        let owner_signature = match owner {
            Owner::Signs | Owner::OtherRecord => {
                world.owner_enable_signature_at(&account, signed, account_word.enable_nonce)
            }
            Owner::StaleNonce => {
                world.owner_enable_signature_at(&account, signed, account_word.enable_nonce - 1)
            }
            Owner::Impostor => {
                let mut impostor = account.clone();
                impostor.owner = SessionKey::from_seed(9);
                world.owner_enable_signature_at(&impostor, signed, account_word.enable_nonce)
            }
        };
        let mut op = world.enable_session_op(&account, &key, &record, &owner_signature, call_data);
        if let Session::Placeholder = session {
            let placeholder = placeholder_signature(signer);
            op.signature =
                sessionkey_sdk::enable::enable_signature(&record, &owner_signature, &placeholder)
                    .unwrap();
        }
        let hash = world.user_op_hash(&op);
        let ctx = EnableContext {
            chain_id,
            account_word,
            signer_live: SessionHeader::unpack(&header).is_live(&account_word),
            owner_accepts: &model,
        };
        let verdict = simulate_enable(
            &ctx,
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
            let store = verdict.store_after.clone().expect("words to write");
            let (word, header, counters, _) = world.session_words(account.address, signer);
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
            let after = AccountWord::unpack(&word);
            assert_eq!(after.enable_nonce, account_word.enable_nonce + 1, "{name}");
            assert_eq!(after.next_nonce, account_word.next_nonce + 1, "{name}");
        } else {
            refused += 1;
        }
        assert_eq!(class(&verdict.outcome), expected, "{name}");
    }
    assert_eq!((executed, refused), (2, 7));
    assert_eq!(
        world.token_balance(ALICE),
        t(30),
        "only the two enabled transfers paid ALICE"
    );
}
