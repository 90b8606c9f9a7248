//! The simulator agrees with the contract on periodic caps: the contract runs on stylus-test's
//! `TestVM` (ecrecover answered with k256), the simulator on the same record, and for a
//! sequence of ops naming periods in every way — in order, skipping ahead, back to a closed
//! period, past the session's end, without a period, signed for another period — each gives
//! the same validationData word or byte-for-byte the same revert data, and after each op that
//! validates the contract's stored words are the simulator's.

use alloy_primitives::{address, keccak256, Address, U256};
use alloy_sol_types::SolCall;
use sessionkey_policy::layout::session_word;
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::record::SessionRecord;
use sessionkey_policy::signature::split_period;
use sessionkey_policy::{Limit, SessionSignature, TokenLimit};
use sessionkey_sdk::account_calls::{self, Call, ISessionKeyValidator as I};
use sessionkey_sdk::builder::{CallBuilder, SessionBuilder};
use sessionkey_sdk::key::{period_session_digest, SessionSigner};
use sessionkey_sdk::simulate::{simulate, SessionView};
use sessionkey_sdk::user_op::{session_user_op, GasLimits};
use sessionkey_testkit::session_key;

mod support;
use support::{precompile_ecrecover, slots, Contract};

const MODULE: Address = address!("0x00000000000000000000000000000000000a11ce");
const ACCOUNT: Address = address!("0x000000000000000000000000000000000000acc0");
const TOKEN: Address = address!("0x0000000000000000000000000000000000007043");
const ALICE: Address = address!("0x000000000000000000000000000000000000a71c");

alloy_sol_types::sol! {
    function transfer(address to, uint256 amount);
}

/// Hourly caps over [1000, 1000 + 10 h]: 100 tokens, 0.5 ETH and 2 ops an hour, a gas budget
/// of two default ops.
fn record(signer: Address) -> SessionRecord {
    let two_ops = GasLimits::default();
    let prefund =
        (two_ops.verification_gas_limit + two_ops.call_gas_limit + two_ops.pre_verification_gas)
            * two_ops.max_fee_per_gas;
    SessionBuilder::new(signer)
        .valid_between(1000, 1000 + 36_000)
        .period(3600)
        .native_cap(Limit::Limited(5 * 10u128.pow(17)))
        .gas_budget(Limit::Limited(2 * prefund))
        .max_ops(2)
        .call(CallBuilder::function(TOKEN, "transfer(address,uint256)"))
        .call(CallBuilder::plain_transfer(ALICE).max_value(U256::from(10u128.pow(18))))
        .token_cap(TOKEN, TokenLimit::Limited(U256::from(100)))
        .build()
        .expect("a valid permission")
        .record
}

enum Sig {
    /// Naming and signed for this period.
    In(u32),
    /// Naming the first, signed for the second.
    Misnamed(u32, u32),
    /// A lifetime session's signature (no period).
    Lifetime,
}

#[test]
fn the_simulator_predicts_every_periodic_verdict_and_word() {
    let key = session_key(4);
    let signer = SessionSigner::Secp256k1(key.clone());
    let record = record(key.address());
    let contract = Contract::new(MODULE, ACCOUNT);
    contract
        .call(
            &I::onInstallCall {
                data: account_calls::install_data(std::slice::from_ref(&record)),
            }
            .abi_encode(),
        )
        .expect("onInstall");
    let mut store = MemoryStore::new(&record, 0);

    let pay = |wei: u128| Call {
        target: ALICE,
        value: U256::from(wei),
        data: Default::default(),
    };
    let tokens = |n: u64| Call {
        target: TOKEN,
        value: U256::ZERO,
        data: transferCall {
            to: ALICE,
            amount: U256::from(n),
        }
        .abi_encode()
        .into(),
    };
    let half_eth = 5 * 10u128.pow(17);
    let steps: Vec<(Vec<Call>, Sig, bool)> = vec![
        (vec![tokens(60), pay(half_eth)], Sig::In(0), true),
        (vec![tokens(41)], Sig::In(0), false), // token cap
        (vec![tokens(40)], Sig::In(0), true),
        (vec![tokens(1)], Sig::In(0), false), // op count (and gas budget)
        (vec![pay(1)], Sig::In(2), true),     // skips period 1
        (vec![pay(half_eth)], Sig::In(2), false), // native cap
        (vec![tokens(1)], Sig::In(1), false), // closed
        (vec![tokens(1)], Sig::In(10), true), // the session's last second
        (vec![tokens(1)], Sig::In(11), false), // past the end
        (vec![tokens(1)], Sig::Lifetime, false), // no period
        (vec![tokens(1)], Sig::Misnamed(10, 9), true), // validates, signature fails
        (vec![tokens(100)], Sig::In(10), false), // period 10's counters kept
    ];
    for (i, (calls, sig, validates)) in steps.into_iter().enumerate() {
        let mut op =
            session_user_op(ACCOUNT, U256::from(i), &calls, GasLimits::default(), None).pack();
        let hash = keccak256((i as u64).to_be_bytes());
        op.signature = match sig {
            Sig::In(p) => signer.sign_user_op_hash_in_period(&hash, MODULE, p),
            Sig::Misnamed(named, signed) => {
                let mut s = signer.sign_user_op_hash_in_period(&hash, MODULE, signed);
                s[20..24].copy_from_slice(&named.to_be_bytes());
                s
            }
            Sig::Lifetime => signer.sign_user_op_hash(&hash, MODULE),
        }
        .into();
        // The precompile answers for the digest of the period the signature names.
        if let Some((period, proof)) = split_period(&op.signature[20..], true) {
            if let Some(sig) = SessionSignature::from_proof(key.address(), proof) {
                let input = sig.ecrecover_input(&period_session_digest(&hash, MODULE, period));
                contract.mock_ecrecover(&input, precompile_ecrecover(&input));
            }
        }
        let verdict = simulate(
            &SessionView {
                signer: key.address(),
                store: &store,
                revoked: false,
            },
            MODULE,
            &op,
            hash,
        );
        let before = contract.storage();
        let got = contract.validate(&op, hash);
        assert_eq!(
            got,
            verdict.contract_result(),
            "step {i}: contract vs simulator"
        );
        assert_eq!(got.is_ok(), validates, "step {i}: {got:?}");
        if got.is_err() {
            assert_eq!(contract.storage(), before, "step {i}: a refused op wrote");
            continue;
        }
        store = verdict
            .store_after
            .expect("a validated op has words after it");
        let word = |n: u8| {
            contract
                .storage()
                .get(&slots::session(ACCOUNT, key.address(), n))
                .copied()
                .unwrap_or_default()
        };
        assert_eq!(
            word(session_word::HEADER),
            store.header.pack(),
            "step {i}: header"
        );
        assert_eq!(
            word(session_word::COUNTERS),
            store.counters,
            "step {i}: counters"
        );
        assert_eq!(
            word(session_word::PERIOD),
            store.period,
            "step {i}: period word"
        );
        assert_eq!(
            contract.token_word(key.address(), TOKEN),
            store.tokens[&TOKEN],
            "step {i}: token"
        );
    }
}
