//! The SDK's simulator and the deployed contract agree, op by op, on the embedded devnet: the
//! real release WASM behind EntryPoint v0.7, ops submitted through `handleOps`. For each op of
//! the corpus the simulator's verdict (pass / signature failure / the exact revert bytes) must
//! be what EntryPoint reports (included / `AA24` / `AA23` with the same inner error), and after
//! every op that validates, the session's storage words on chain must equal the simulator's.
//! The SDK's userOpHash (v0.7) must also equal EntryPoint's `getUserOpHash` for every op.

use alloy_primitives::U256;
use alloy_sol_types::SolCall;
use devnet_bundler::bindings::Counter;
use devnet_bundler::scenarios::{
    approve, batch, demo_record, single, transfer, ALICE, ATTACKER, DEX, UNIT,
};
use devnet_bundler::{OpOutcome, SessionKey, World};
use sessionkey_policy::layout::SessionHeader;
use sessionkey_policy::memory::MemoryStore;
use sessionkey_sdk::{simulate, Outcome, SessionView};

enum Sig {
    Session,
    Impostor,
}

#[test]
fn simulator_and_devnet_contract_agree_op_by_op() {
    let mut world = World::new().expect("world");
    let start = 1_800_000_000;
    world.chain.set_block_timestamp(start + 10);
    let account = world.create_account(SessionKey::from_seed(1), 10).unwrap();
    world
        .mint(account.address, U256::from(1000 * UNIT))
        .unwrap();
    let key = SessionKey::from_seed(7);
    let impostor = SessionKey::from_seed(9);
    let token = world.token;
    let record = demo_record(key.address, token, start);
    assert!(
        world
            .install_module(&account, record.encode())
            .unwrap()
            .success
    );
    let mut store = MemoryStore::new(&record, 0);
    let counter = world.counter;
    let ping = Counter::pingCall { x: U256::from(1) }.abi_encode();
    let tenth = U256::from(UNIT / 10);
    let t = |n: u128| U256::from(n * UNIT);

    let mut delegate = single(token, U256::ZERO, transfer(ALICE, t(1)));
    delegate[4] = 0xff;
    let corpus: Vec<(&str, Vec<u8>, Sig)> = vec![
        (
            "transfer 10",
            single(token, U256::ZERO, transfer(ALICE, t(10))),
            Sig::Session,
        ),
        (
            "approve DEX 100",
            single(token, U256::ZERO, approve(DEX, t(100))),
            Sig::Session,
        ),
        (
            "approve attacker",
            single(token, U256::ZERO, approve(ATTACKER, t(1))),
            Sig::Session,
        ),
        (
            "transfer 60 > 50 per call",
            single(token, U256::ZERO, transfer(ALICE, t(60))),
            Sig::Session,
        ),
        (
            "transfer 45 > 40 left",
            single(token, U256::ZERO, transfer(ALICE, t(45))),
            Sig::Session,
        ),
        (
            "0.05 ETH to ALICE",
            single(ALICE, tenth / U256::from(2), vec![]),
            Sig::Session,
        ),
        (
            "0.06 ETH > 0.05 left",
            single(ALICE, U256::from(6 * UNIT / 100), vec![]),
            Sig::Session,
        ),
        (
            "0.2 ETH > 0.1 per call",
            single(ALICE, tenth * U256::from(2), vec![]),
            Sig::Session,
        ),
        (
            "batch hiding a ping",
            batch(&[
                (token, U256::ZERO, transfer(ALICE, t(5))),
                (counter, U256::ZERO, ping.clone()),
            ]),
            Sig::Session,
        ),
        ("ping", single(counter, U256::ZERO, ping), Sig::Session),
        (
            "impostor signature",
            single(token, U256::ZERO, transfer(ATTACKER, t(1))),
            Sig::Impostor,
        ),
        ("delegatecall mode", delegate, Sig::Session),
        (
            "call to the account",
            single(account.address, U256::ZERO, vec![]),
            Sig::Session,
        ),
        ("empty batch", batch(&[]), Sig::Session),
        (
            "transfer the 40 left",
            single(token, U256::ZERO, transfer(ALICE, t(40))),
            Sig::Session,
        ),
        (
            "transfer 1 more",
            single(token, U256::ZERO, transfer(ALICE, t(1))),
            Sig::Session,
        ),
    ];

    let (mut passed, mut refused) = (0, 0);
    for (name, call_data, sig) in corpus {
        let mut op = world.session_op(&account, &key, call_data);
        if let Sig::Impostor = sig {
            world.sign_session(&mut op, &impostor);
            let mut s = op.signature.to_vec();
            s[..20].copy_from_slice(key.address.as_slice());
            op.signature = s.into();
        }
        let hash = world.user_op_hash(&op);
        // The SDK's v0.7 hash is the deployed EntryPoint's own `getUserOpHash` on the devnet.
        let sdk_hash = sessionkey_sdk::hash::user_op_hash_v07(
            &devnet_bundler::world::sdk_op(&op),
            world.entry_point,
            world.chain.chain_id(),
        );
        assert_eq!(sdk_hash, hash, "{name}: userOpHash");
        let verdict = simulate(
            &SessionView {
                signer: key.address,
                store: &store,
                revoked: false,
            },
            world.module,
            &devnet_bundler::world::sdk_op(&op),
            hash,
        );
        let report = world.submit(op).unwrap();
        match (&verdict.outcome, &report.ops[..]) {
            (Outcome::Returns(vd), [OpOutcome::Included { .. }]) if !vd.sig_failed => {
                passed += 1;
                store = verdict
                    .store_after
                    .clone()
                    .expect("a passing op has words to write");
                let (_, header, counters, _) = world.session_words(account.address, key.address);
                assert_eq!(
                    SessionHeader::unpack(&header),
                    store.header,
                    "{name}: header"
                );
                assert_eq!(counters, store.counters, "{name}: counters word");
                assert_eq!(
                    world.token_cap_word(account.address, key.address, token),
                    store.tokens[&token],
                    "{name}: cap"
                );
            }
            (Outcome::Returns(vd), [OpOutcome::Rejected { reason, .. }]) if vd.sig_failed => {
                refused += 1;
                assert_eq!(reason, "AA24 signature error", "{name}");
            }
            (Outcome::Reverts(r), [OpOutcome::Rejected { reason, inner, .. }]) => {
                refused += 1;
                assert_eq!(reason, "AA23 reverted", "{name}");
                assert_eq!(
                    inner.as_ref(),
                    Some(&r.revert_data()),
                    "{name}: the same typed error"
                );
            }
            (simulated, chain) => {
                panic!("{name}: simulator says {simulated:?}, chain says {chain:?}")
            }
        }
    }
    assert_eq!((passed, refused), (4, 12));
}
