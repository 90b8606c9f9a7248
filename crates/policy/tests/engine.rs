//! End-to-end policy: records built in code, registered into `MemoryStore`, real `execute`
//! calldata decoded strictly, `authorize_op`, then the outcome applied as the contract does.
//! Every rejection asserts the exact `Violation` and that the store is unchanged.

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolValue};
use proptest::prelude::*;
use sessionkey_policy::layout::{
    CountersWord, PeriodCounters, PeriodicTokenWord, SessionHeader, TokenCapWord,
};
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::{
    authorize_op, decode_execute, gas, CallKey, CallPolicy, Condition, Limit, OpFacts, OpOutcome,
    ParamRule, SelectorMatch, SessionRecord, TargetMatch, TokenCap, TokenLimit, ValidationData,
    Violation,
};

sol! {
    struct Execution { address target; uint256 value; bytes callData; }
    function execute(bytes32 mode, bytes executionCalldata);
    function transfer(address to, uint256 amount);
    function transferFrom(address from, address to, uint256 amount);
    function approve(address spender, uint256 amount);
    function increaseAllowance(address spender, uint256 addedValue);
    function swap(uint256 amountIn, uint256 minOut);
    function ping();
}

const ACCOUNT: Address = Address::repeat_byte(0xac);
const MODULE: Address = Address::repeat_byte(0x30);
const SIGNER: Address = Address::repeat_byte(0x5e);
const TOKEN: Address = Address::repeat_byte(0x70);
const TOKEN2: Address = Address::repeat_byte(0x71);
const SPENDER: Address = Address::repeat_byte(0x99);
const OTHER: Address = Address::repeat_byte(0x0e);
const DEX: Address = Address::repeat_byte(0xde);
const PAYMASTER: Address = Address::repeat_byte(0xfa);
const PAYMASTER2: Address = Address::repeat_byte(0xfb);

const TRANSFER: [u8; 4] = transferCall::SELECTOR;
const APPROVE: [u8; 4] = approveCall::SELECTOR;
const SWAP: [u8; 4] = swapCall::SELECTOR;
const PING: [u8; 4] = pingCall::SELECTOR;

type Call = (Address, U256, Vec<u8>);

// ---------------------------------------------------------------- calldata

fn transfer(to: Address, amount: U256) -> Vec<u8> {
    transferCall { to, amount }.abi_encode()
}

fn transfer_from(from: Address, to: Address, amount: U256) -> Vec<u8> {
    transferFromCall { from, to, amount }.abi_encode()
}

fn approve(spender: Address, amount: U256) -> Vec<u8> {
    approveCall { spender, amount }.abi_encode()
}

fn increase_allowance(spender: Address, added: U256) -> Vec<u8> {
    increaseAllowanceCall {
        spender,
        addedValue: added,
    }
    .abi_encode()
}

fn swap(amount_in: u64, min_out: u64) -> Vec<u8> {
    swapCall {
        amountIn: U256::from(amount_in),
        minOut: U256::from(min_out),
    }
    .abi_encode()
}

fn ping() -> Vec<u8> {
    pingCall {}.abi_encode()
}

fn n(v: u64) -> U256 {
    U256::from(v)
}

fn call(target: Address, data: Vec<u8>) -> Call {
    (target, U256::ZERO, data)
}

fn pay(target: Address, value: u64) -> Call {
    (target, n(value), vec![])
}

/// The account's `execute` calldata: single mode for one call, batch mode otherwise.
fn execute_calldata(calls: &[Call]) -> Vec<u8> {
    let mut mode = B256::ZERO;
    let data = if calls.len() == 1 {
        let (t, v, d) = &calls[0];
        [t.as_slice(), &v.to_be_bytes::<32>(), d].concat()
    } else {
        mode[0] = 1;
        calls
            .iter()
            .map(|(t, v, d)| Execution {
                target: *t,
                value: *v,
                callData: Bytes::from(d.clone()),
            })
            .collect::<Vec<_>>()
            .abi_encode()
    };
    executeCall {
        mode,
        executionCalldata: data.into(),
    }
    .abi_encode()
}

// ---------------------------------------------------------------- records and stores

fn exact(target: Address, selector: [u8; 4]) -> CallKey {
    CallKey {
        target: TargetMatch::Exact(target),
        selector: SelectorMatch::Exact(selector),
    }
}

fn any_selector(target: Address) -> CallKey {
    CallKey {
        target: TargetMatch::Exact(target),
        selector: SelectorMatch::Any,
    }
}

fn any_target(selector: [u8; 4]) -> CallKey {
    CallKey {
        target: TargetMatch::Any,
        selector: SelectorMatch::Exact(selector),
    }
}

fn empty(target: Address) -> CallKey {
    CallKey {
        target: TargetMatch::Exact(target),
        selector: SelectorMatch::Empty,
    }
}

fn entry(key: CallKey, max_value: u128, rules: Vec<ParamRule>) -> CallPolicy {
    CallPolicy {
        key,
        max_value,
        rules,
    }
}

fn word(a: Address) -> B256 {
    a.into_word()
}

fn u(v: u64) -> B256 {
    B256::from(U256::from(v))
}

fn cap(token: Address, limit: u64) -> TokenCap {
    TokenCap {
        token,
        limit: TokenLimit::Limited(n(limit)),
    }
}

fn unlimited(token: Address) -> TokenCap {
    TokenCap {
        token,
        limit: TokenLimit::Unlimited,
    }
}

/// A record with the given calls and caps, window 100..200, every other limit unlimited.
fn record(mut calls: Vec<CallPolicy>, mut token_caps: Vec<TokenCap>) -> SessionRecord {
    calls.sort_by_key(|c| c.key.to_bytes());
    token_caps.sort_by_key(|t| t.token);
    SessionRecord {
        signer: SIGNER,
        signer_key: Default::default(),
        valid_after: 100,
        valid_until: 200,
        native_cap: Limit::Unlimited,
        gas_budget: Limit::Unlimited,
        max_ops: None,
        paymaster: None,
        period: None,
        calls,
        token_caps,
        typed_data_scopes: Vec::new(),
    }
}

fn store(r: &SessionRecord) -> MemoryStore {
    assert_eq!(r.validate(), Ok(()), "test record must be registrable");
    MemoryStore::new(r, 1)
}

fn store_with(calls: Vec<CallPolicy>, caps: Vec<TokenCap>) -> MemoryStore {
    store(&record(calls, caps))
}

/// Runs one op through decoding and the engine; applies it when authorised, and checks that a
/// rejected op left every stored word as it was.
fn run(
    store: &mut MemoryStore,
    calls: &[Call],
    prefund: U256,
    paymaster: Option<Address>,
) -> Result<OpOutcome, Violation> {
    run_in(store, calls, prefund, paymaster, 0)
}

/// [`run`] for an op naming cap period `period`.
fn run_in(
    store: &mut MemoryStore,
    calls: &[Call],
    prefund: U256,
    paymaster: Option<Address>,
    period: u32,
) -> Result<OpOutcome, Violation> {
    let calldata = execute_calldata(calls);
    let (_, executions) = decode_execute(&calldata).expect("test calldata is canonical");
    let mut before = store.clone();
    let session = store.header;
    let op = OpFacts {
        account: ACCOUNT,
        module: MODULE,
        executions: &executions,
        prefund,
        paymaster,
        period,
    };
    let result = authorize_op(store, &session, &op);
    match &result {
        Ok(outcome) => store.apply(outcome),
        Err(v) => {
            before.reads = store.reads;
            assert_eq!(*store, before, "rejected op ({v:?}) changed the store");
        }
    }
    result
}

fn ok(store: &mut MemoryStore, calls: &[Call]) -> OpOutcome {
    run(store, calls, U256::ZERO, None).expect("op must be authorised")
}

fn rejected(store: &mut MemoryStore, calls: &[Call]) -> Violation {
    run(store, calls, U256::ZERO, None).expect_err("op must be rejected")
}

fn native_left(s: &MemoryStore) -> u128 {
    s.header.native_remaining
}

fn gas_left(s: &MemoryStore) -> u128 {
    counters(s).gas_remaining
}

fn counters(s: &MemoryStore) -> CountersWord {
    CountersWord::unpack(&s.counters)
}

fn token_left(s: &MemoryStore, token: Address) -> U256 {
    TokenCapWord::unpack(&s.tokens[&token])
        .expect("cap configured")
        .remaining
}

// ---------------------------------------------------------------- parameter rules

const Y: u64 = 500;

fn approve_store() -> MemoryStore {
    store_with(
        vec![entry(
            exact(TOKEN, APPROVE),
            0,
            vec![
                ParamRule::new(Condition::Eq, 0, word(SPENDER)),
                ParamRule::new(Condition::Lte, 1, u(Y)),
            ],
        )],
        vec![unlimited(TOKEN)],
    )
}

#[test]
fn approve_to_the_allowed_spender_passes_up_to_the_amount() {
    let mut s = approve_store();
    ok(&mut s, &[call(TOKEN, approve(SPENDER, n(Y)))]);
    ok(&mut s, &[call(TOKEN, approve(SPENDER, n(0)))]);
}

#[test]
fn approve_one_above_the_amount_fails_rule_one() {
    let mut s = approve_store();
    assert_eq!(
        rejected(&mut s, &[call(TOKEN, approve(SPENDER, n(Y + 1)))]),
        Violation::RuleFailed { index: 0, rule: 1 }
    );
    assert_eq!(
        rejected(&mut s, &[call(TOKEN, approve(SPENDER, U256::MAX))]),
        Violation::RuleFailed { index: 0, rule: 1 }
    );
}

#[test]
fn approve_to_another_spender_fails_rule_zero() {
    let mut s = approve_store();
    assert_eq!(
        rejected(&mut s, &[call(TOKEN, approve(OTHER, n(1)))]),
        Violation::RuleFailed { index: 0, rule: 0 }
    );
    // The spender word with dirty high bits is not the spender.
    let mut dirty = approve(SPENDER, n(1));
    dirty[4] = 1;
    assert_eq!(
        rejected(&mut s, &[call(TOKEN, dirty)]),
        Violation::RuleFailed { index: 0, rule: 0 }
    );
}

#[test]
fn failing_call_behind_an_allowed_one_in_a_batch_is_found() {
    let mut s = approve_store();
    let calls = [
        call(TOKEN, approve(SPENDER, n(1))),
        call(TOKEN, approve(SPENDER, n(Y + 1))),
    ];
    assert_eq!(
        rejected(&mut s, &calls),
        Violation::RuleFailed { index: 1, rule: 1 }
    );
}

#[test]
fn rule_on_a_word_past_the_calldata_is_param_missing() {
    let rules = vec![
        ParamRule::new(Condition::Lte, 0, u(100)),
        ParamRule::new(Condition::Gte, 1, u(0)),
    ];
    let mut s = store_with(vec![entry(exact(DEX, SWAP), 0, rules.clone())], vec![]);
    let full = swap(1, 2);
    for (len, rule) in [(4usize, 0usize), (35, 0), (36, 1), (67, 1)] {
        assert_eq!(
            rejected(&mut s, &[call(DEX, full[..len].to_vec())]),
            Violation::ParamMissing { index: 0, rule },
            "calldata of {len} bytes"
        );
    }
    ok(&mut s, &[call(DEX, full)]);
    // An any-selector entry with rules: empty calldata has no words to check.
    let mut s = store_with(vec![entry(any_selector(DEX), 0, rules)], vec![]);
    assert_eq!(
        rejected(&mut s, &[call(DEX, vec![])]),
        Violation::ParamMissing { index: 0, rule: 0 }
    );
}

#[test]
fn rules_beyond_the_header_word_are_read_from_continuation_words() {
    // 12 rules: 3 descriptors inline, 8 in word 1, 1 in word 2; OneOf rules shift value offsets.
    let rules: Vec<ParamRule> = (0..12u16)
        .map(|k| {
            if k % 3 == 0 {
                ParamRule {
                    condition: Condition::OneOf,
                    word_index: k,
                    values: vec![u(100), u(200), u(k as u64)],
                }
            } else {
                ParamRule::new(Condition::Eq, k, u(k as u64))
            }
        })
        .collect();
    let mut s = store_with(vec![entry(exact(DEX, PING), 0, rules)], vec![]);
    let data = |words: &[u64]| {
        let mut d = PING.to_vec();
        for w in words {
            d.extend_from_slice(u(*w).as_slice());
        }
        d
    };
    let good: Vec<u64> = (0..12).collect();
    ok(&mut s, &[call(DEX, data(&good))]);
    for bad in [0usize, 2, 3, 4, 10, 11] {
        let mut words = good.clone();
        words[bad] = 999;
        assert_eq!(
            rejected(&mut s, &[call(DEX, data(&words))]),
            Violation::RuleFailed {
                index: 0,
                rule: bad
            },
            "word {bad}"
        );
    }
    let mut words = good.clone();
    words[9] = 200; // OneOf's second value
    ok(&mut s, &[call(DEX, data(&words))]);
}

// ---------------------------------------------------------------- entry lookup

#[test]
fn call_without_a_matching_entry_is_not_allowed() {
    let mut s = approve_store();
    assert_eq!(
        rejected(&mut s, &[call(TOKEN, transfer(SPENDER, n(1)))]),
        Violation::CallNotAllowed {
            index: 0,
            target: TOKEN,
            selector: TRANSFER
        }
    );
    assert_eq!(
        rejected(&mut s, &[call(TOKEN2, approve(SPENDER, n(1)))]),
        Violation::CallNotAllowed {
            index: 0,
            target: TOKEN2,
            selector: APPROVE
        }
    );
    assert_eq!(
        rejected(&mut s, &[pay(TOKEN, 0)]),
        Violation::CallNotAllowed {
            index: 0,
            target: TOKEN,
            selector: [0; 4]
        }
    );
    assert_eq!(
        rejected(
            &mut s,
            &[call(TOKEN, approve(SPENDER, n(1))), call(DEX, ping())]
        ),
        Violation::CallNotAllowed {
            index: 1,
            target: DEX,
            selector: PING
        }
    );
}

#[test]
fn any_selector_entry_matches_every_selector_and_empty_calldata_on_its_target() {
    let mut s = store_with(vec![entry(any_selector(DEX), 10, vec![])], vec![]);
    ok(&mut s, &[call(DEX, swap(1, 2))]);
    ok(&mut s, &[call(DEX, ping())]);
    ok(&mut s, &[call(DEX, vec![0xde, 0xad, 0xbe, 0xef])]);
    ok(&mut s, &[pay(DEX, 10)]);
    assert_eq!(
        rejected(&mut s, &[call(OTHER, ping())]),
        Violation::CallNotAllowed {
            index: 0,
            target: OTHER,
            selector: PING
        }
    );
}

#[test]
fn any_target_entry_matches_its_selector_on_every_target() {
    let mut s = store_with(vec![entry(any_target(PING), 0, vec![])], vec![]);
    for target in [DEX, OTHER, Address::with_last_byte(1), TOKEN] {
        ok(&mut s, &[call(target, ping())]);
    }
    assert_eq!(
        rejected(&mut s, &[call(DEX, swap(1, 1))]),
        Violation::CallNotAllowed {
            index: 0,
            target: DEX,
            selector: SWAP
        }
    );
    assert_eq!(
        rejected(&mut s, &[pay(DEX, 0)]),
        Violation::CallNotAllowed {
            index: 0,
            target: DEX,
            selector: [0; 4]
        }
    );
}

#[test]
fn empty_selector_entry_matches_only_plain_value_transfers() {
    let mut s = store_with(vec![entry(empty(OTHER), 100, vec![])], vec![]);
    ok(&mut s, &[pay(OTHER, 100)]);
    assert_eq!(
        rejected(&mut s, &[call(OTHER, ping())]),
        Violation::CallNotAllowed {
            index: 0,
            target: OTHER,
            selector: PING
        }
    );
    let any_empty = CallKey {
        target: TargetMatch::Any,
        selector: SelectorMatch::Empty,
    };
    let mut s = store_with(vec![entry(any_empty, 7, vec![])], vec![]);
    ok(&mut s, &[pay(DEX, 7), pay(OTHER, 7)]);
    assert_eq!(
        rejected(&mut s, &[call(OTHER, ping())]),
        Violation::CallNotAllowed {
            index: 0,
            target: OTHER,
            selector: PING
        }
    );
}

#[test]
fn most_specific_entry_wins_and_a_failing_exact_entry_is_not_rescued() {
    let mut s = store_with(
        vec![
            entry(
                exact(DEX, SWAP),
                0,
                vec![ParamRule::new(Condition::Lte, 0, u(100))],
            ),
            entry(any_selector(DEX), 0, vec![]),
            entry(any_target(SWAP), 0, vec![]),
        ],
        vec![],
    );
    assert_eq!(
        rejected(&mut s, &[call(DEX, swap(101, 0))]),
        Violation::RuleFailed { index: 0, rule: 0 }
    );
    ok(&mut s, &[call(DEX, swap(100, 0))]);
    ok(&mut s, &[call(DEX, ping())]); // via the target's any-selector entry
    ok(&mut s, &[call(OTHER, swap(1000, 0))]); // via the selector's any-target entry
}

#[test]
fn target_wildcard_entry_wins_over_selector_wildcard_entry() {
    let mut s = store_with(
        vec![
            entry(any_selector(DEX), 0, vec![]),
            entry(
                any_target(SWAP),
                0,
                vec![ParamRule::new(Condition::Gte, 1, u(50))],
            ),
        ],
        vec![],
    );
    ok(&mut s, &[call(DEX, swap(1, 0))]);
    assert_eq!(
        rejected(&mut s, &[call(OTHER, swap(1, 0))]),
        Violation::RuleFailed { index: 0, rule: 0 }
    );
    ok(&mut s, &[call(OTHER, swap(1, 50))]);
}

#[test]
fn exact_entry_value_limit_is_not_rescued_by_a_wildcard() {
    let mut s = store_with(
        vec![
            entry(exact(DEX, SWAP), 0, vec![]),
            entry(any_selector(DEX), 100, vec![]),
        ],
        vec![],
    );
    assert_eq!(
        rejected(&mut s, &[(DEX, n(50), swap(1, 1))]),
        Violation::ValueTooHigh {
            index: 0,
            value: n(50),
            max: U256::ZERO
        }
    );
    ok(&mut s, &[(DEX, n(50), ping())]);
}

#[test]
fn empty_record_allows_nothing() {
    let mut s = store_with(vec![], vec![]);
    assert_eq!(
        rejected(&mut s, &[call(DEX, ping())]),
        Violation::CallNotAllowed {
            index: 0,
            target: DEX,
            selector: PING
        }
    );
    assert_eq!(
        rejected(&mut s, &[pay(OTHER, 0)]),
        Violation::CallNotAllowed {
            index: 0,
            target: OTHER,
            selector: [0; 4]
        }
    );
    assert_eq!(
        rejected(&mut s, &[call(TOKEN, transfer(OTHER, n(0)))]),
        Violation::CallNotAllowed {
            index: 0,
            target: TOKEN,
            selector: TRANSFER
        }
    );
}

#[test]
fn calldata_of_one_to_three_bytes_is_too_short() {
    let mut s = store_with(vec![entry(any_selector(DEX), 0, vec![])], vec![]);
    for len in 1..=3usize {
        assert_eq!(
            rejected(&mut s, &[call(DEX, vec![0xab; len])]),
            Violation::CalldataTooShort { index: 0 },
            "{len} bytes"
        );
    }
    assert_eq!(
        rejected(&mut s, &[call(DEX, ping()), call(DEX, vec![1, 2])]),
        Violation::CalldataTooShort { index: 1 }
    );
}

#[test]
fn calls_to_the_account_or_the_module_are_self_calls() {
    let any_empty = CallKey {
        target: TargetMatch::Any,
        selector: SelectorMatch::Empty,
    };
    let mut s = store_with(
        vec![
            entry(any_target(PING), 0, vec![]),
            entry(any_empty, 0, vec![]),
            entry(any_selector(ACCOUNT), 0, vec![]),
            entry(any_selector(MODULE), 0, vec![]),
        ],
        vec![],
    );
    assert_eq!(
        rejected(&mut s, &[call(ACCOUNT, ping())]),
        Violation::SelfCall { index: 0 }
    );
    assert_eq!(
        rejected(&mut s, &[call(MODULE, ping())]),
        Violation::SelfCall { index: 0 }
    );
    assert_eq!(
        rejected(&mut s, &[pay(ACCOUNT, 0)]),
        Violation::SelfCall { index: 0 }
    );
    assert_eq!(
        rejected(&mut s, &[pay(MODULE, 0)]),
        Violation::SelfCall { index: 0 }
    );
    assert_eq!(
        rejected(&mut s, &[call(DEX, ping()), call(ACCOUNT, ping())]),
        Violation::SelfCall { index: 1 }
    );
    ok(&mut s, &[call(DEX, ping())]);
}

// ---------------------------------------------------------------- native value

#[test]
fn value_above_the_per_call_maximum_is_too_high() {
    let mut s = store_with(vec![entry(empty(OTHER), 100, vec![])], vec![]);
    ok(&mut s, &[pay(OTHER, 100)]);
    assert_eq!(
        rejected(&mut s, &[pay(OTHER, 101)]),
        Violation::ValueTooHigh {
            index: 0,
            value: n(101),
            max: n(100)
        }
    );
    assert_eq!(
        rejected(&mut s, &[pay(OTHER, 1), pay(OTHER, 101)]),
        Violation::ValueTooHigh {
            index: 1,
            value: n(101),
            max: n(100)
        }
    );
    // A value above 128 bits is compared in full, not truncated.
    let huge = (U256::from(1) << 128) + n(1);
    assert_eq!(
        rejected(&mut s, &[(OTHER, huge, vec![])]),
        Violation::ValueTooHigh {
            index: 0,
            value: huge,
            max: n(100)
        }
    );
}

fn native_store(cap: Limit) -> MemoryStore {
    let mut r = record(vec![entry(empty(OTHER), u128::MAX, vec![])], vec![]);
    r.native_cap = cap;
    store(&r)
}

#[test]
fn native_cap_is_exhausted_by_the_third_op() {
    let mut s = native_store(Limit::Limited(100));
    assert_eq!(native_left(&s), 100);
    assert_eq!(ok(&mut s, &[pay(OTHER, 40)]).native_spent, n(40));
    assert_eq!(native_left(&s), 60);
    ok(&mut s, &[pay(OTHER, 40)]);
    assert_eq!(native_left(&s), 20);
    assert_eq!(
        rejected(&mut s, &[pay(OTHER, 40)]),
        Violation::NativeCapExceeded {
            requested: n(40),
            remaining: n(20)
        }
    );
    assert_eq!(native_left(&s), 20);
    ok(&mut s, &[pay(OTHER, 20)]);
    assert_eq!(native_left(&s), 0);
    assert_eq!(
        rejected(&mut s, &[pay(OTHER, 1)]),
        Violation::NativeCapExceeded {
            requested: n(1),
            remaining: n(0)
        }
    );
}

#[test]
fn native_cap_is_summed_over_a_batch() {
    let mut s = native_store(Limit::Limited(100));
    assert_eq!(
        rejected(&mut s, &[pay(OTHER, 60), pay(OTHER, 50)]),
        Violation::NativeCapExceeded {
            requested: n(110),
            remaining: n(100)
        }
    );
    let out = ok(&mut s, &[pay(OTHER, 60), pay(OTHER, 40)]);
    assert_eq!(out.native_spent, n(100));
    assert_eq!(native_left(&s), 0);
}

#[test]
fn zero_native_cap_forbids_any_value_but_allows_value_free_calls() {
    let mut s = native_store(Limit::Limited(0));
    assert_eq!(
        rejected(&mut s, &[pay(OTHER, 1)]),
        Violation::NativeCapExceeded {
            requested: n(1),
            remaining: n(0)
        }
    );
    let out = ok(&mut s, &[pay(OTHER, 0), pay(OTHER, 0)]);
    assert_eq!(out.native_spent, U256::ZERO);
    assert_eq!(out.header, None);
}

#[test]
fn unlimited_native_cap_allows_any_value_and_writes_nothing() {
    let mut s = native_store(Limit::Unlimited);
    let before = s.header;
    let max = U256::from(u128::MAX);
    let out = ok(&mut s, &[(OTHER, max, vec![]), (OTHER, max, vec![])]);
    assert_eq!(out.native_spent, max + max);
    assert_eq!(out.header, None);
    assert_eq!(s.header, before);
}

// ---------------------------------------------------------------- token caps

fn token_store(limit: TokenLimit) -> MemoryStore {
    store_with(
        vec![
            entry(any_selector(TOKEN), 0, vec![]),
            entry(any_selector(TOKEN2), 0, vec![]),
        ],
        vec![
            TokenCap {
                token: TOKEN,
                limit,
            },
            cap(TOKEN2, 1000),
        ],
    )
}

#[test]
fn token_cap_counts_transfer_transfer_from_approve_and_increase_allowance() {
    let mut s = token_store(TokenLimit::Limited(n(1000)));
    let ops: [(Vec<u8>, u64); 4] = [
        (transfer(OTHER, n(100)), 900),
        (transfer_from(ACCOUNT, OTHER, n(200)), 700),
        (approve(SPENDER, n(300)), 400),
        (increase_allowance(SPENDER, n(400)), 0),
    ];
    for (data, left) in ops {
        let out = ok(&mut s, &[call(TOKEN, data)]);
        assert_eq!(out.token_caps.len(), 1);
        assert_eq!(token_left(&s, TOKEN), n(left));
    }
    assert_eq!(
        rejected(&mut s, &[call(TOKEN, transfer(OTHER, n(1)))]),
        Violation::TokenCapExceeded {
            token: TOKEN,
            requested: n(1),
            remaining: n(0)
        }
    );
    assert_eq!(
        rejected(&mut s, &[call(TOKEN, approve(SPENDER, n(1)))]),
        Violation::TokenCapExceeded {
            token: TOKEN,
            requested: n(1),
            remaining: n(0)
        }
    );
    // Zero amounts and non-spend calls still pass, and write nothing.
    let out = ok(&mut s, &[call(TOKEN, transfer(OTHER, n(0)))]);
    assert_eq!(out.token_spent, vec![(TOKEN, U256::ZERO)]);
    assert!(out.token_caps.is_empty());
    let out = ok(&mut s, &[call(TOKEN, ping())]);
    assert!(out.token_spent.is_empty());
}

#[test]
fn token_spends_are_summed_within_a_batch() {
    let mut s = token_store(TokenLimit::Limited(n(1000)));
    assert_eq!(
        rejected(
            &mut s,
            &[
                call(TOKEN, transfer(OTHER, n(600))),
                call(TOKEN, approve(SPENDER, n(500)))
            ]
        ),
        Violation::TokenCapExceeded {
            token: TOKEN,
            requested: n(1100),
            remaining: n(1000)
        }
    );
    let out = ok(
        &mut s,
        &[
            call(TOKEN, transfer(OTHER, n(600))),
            call(TOKEN2, transfer(OTHER, n(600))),
            call(TOKEN, approve(SPENDER, n(400))),
        ],
    );
    assert_eq!(out.token_spent, vec![(TOKEN, n(1000)), (TOKEN2, n(600))]);
    assert_eq!(token_left(&s, TOKEN), U256::ZERO);
    assert_eq!(token_left(&s, TOKEN2), n(400));
}

#[test]
fn spend_on_a_token_without_a_cap_is_refused() {
    let mut s = store_with(
        vec![entry(exact(TOKEN2, TRANSFER), 0, vec![])],
        vec![cap(TOKEN, 1000)],
    );
    assert_eq!(
        rejected(&mut s, &[call(TOKEN2, transfer(OTHER, n(1)))]),
        Violation::TokenCapMissing { token: TOKEN2 }
    );
    // A spend selector allowed on any target is a spend on whatever the target is.
    let mut s = store_with(
        vec![entry(any_target(APPROVE), 0, vec![])],
        vec![cap(TOKEN, 1000)],
    );
    ok(&mut s, &[call(TOKEN, approve(SPENDER, n(5)))]);
    assert_eq!(
        rejected(&mut s, &[call(DEX, approve(SPENDER, n(0)))]),
        Violation::TokenCapMissing { token: DEX }
    );
}

#[test]
fn unlimited_token_cap_never_writes() {
    let mut s = token_store(TokenLimit::Unlimited);
    let before = s.tokens.clone();
    let out = ok(&mut s, &[call(TOKEN, transfer(OTHER, U256::MAX))]);
    assert!(out.token_caps.is_empty());
    assert_eq!(out.token_spent, vec![(TOKEN, U256::MAX)]);
    assert_eq!(s.tokens, before);
}

#[test]
fn token_amounts_overflowing_256_bits_are_refused() {
    let mut s = token_store(TokenLimit::Unlimited);
    let half = U256::from(1) << 255;
    assert_eq!(
        rejected(
            &mut s,
            &[
                call(TOKEN, transfer(OTHER, half)),
                call(TOKEN, approve(SPENDER, half))
            ]
        ),
        Violation::AmountOverflow
    );
}

#[test]
fn malformed_token_calls_are_refused() {
    let mut s = token_store(TokenLimit::Limited(n(1000)));
    let t = transfer(OTHER, n(1));
    let mut trailing = t.clone();
    trailing.push(0);
    let mut padded = t.clone();
    padded.extend_from_slice(&[0; 32]);
    let mut dirty = t.clone();
    dirty[4 + 11] = 1;
    let mut dirty_to = transfer_from(ACCOUNT, OTHER, n(1));
    dirty_to[4 + 32] = 0xff;
    let mut dirty_spender = approve(SPENDER, n(1));
    dirty_spender[4] = 0x80;
    for (k, data) in [
        trailing,
        padded,
        t[..67].to_vec(),
        dirty,
        dirty_to,
        dirty_spender,
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(
            rejected(&mut s, &[call(TOKEN, data)]),
            Violation::MalformedTokenCall { index: 0 },
            "case {k}"
        );
    }
    assert_eq!(
        rejected(
            &mut s,
            &[call(TOKEN, t.clone()), call(TOKEN, t[..36].to_vec())]
        ),
        Violation::MalformedTokenCall { index: 1 }
    );
    assert_eq!(token_left(&s, TOKEN), n(1000));
}

// ---------------------------------------------------------------- op count, gas, paymaster

fn limited_store(f: impl FnOnce(&mut SessionRecord)) -> MemoryStore {
    let mut r = record(
        vec![
            entry(empty(OTHER), 1000, vec![]),
            entry(any_selector(DEX), 0, vec![]),
        ],
        vec![],
    );
    f(&mut r);
    store(&r)
}

#[test]
fn op_limit_of_two_refuses_the_third_op() {
    let mut s = limited_store(|r| r.max_ops = Some(2));
    assert_eq!(counters(&s).ops_remaining, 2);
    assert!(ok(&mut s, &[pay(OTHER, 0)]).counters.is_some());
    assert_eq!(counters(&s).ops_remaining, 1);
    ok(&mut s, &[pay(OTHER, 0)]);
    assert_eq!(counters(&s).ops_remaining, 0);
    assert_eq!(
        rejected(&mut s, &[pay(OTHER, 0)]),
        Violation::OpLimitReached
    );
}

#[test]
fn op_limit_of_zero_refuses_the_first_op() {
    let mut s = limited_store(|r| r.max_ops = Some(0));
    assert_eq!(
        rejected(&mut s, &[pay(OTHER, 0)]),
        Violation::OpLimitReached
    );
    // The op count is checked before anything else.
    assert_eq!(
        rejected(&mut s, &[call(TOKEN, ping())]),
        Violation::OpLimitReached
    );
    assert_eq!(
        run(&mut s, &[pay(OTHER, 0)], U256::ZERO, Some(PAYMASTER)),
        Err(Violation::OpLimitReached)
    );
}

#[test]
fn uncapped_op_count_never_writes_the_header() {
    let mut s = limited_store(|_| {});
    let header = s.header;
    for _ in 0..3 {
        assert_eq!(ok(&mut s, &[pay(OTHER, 0)]).header, None);
    }
    assert_eq!(s.header, header);
}

fn prefund_of(verification: u128, call: u128, pre_verification: u64, max_fee: u128) -> U256 {
    let limits = B256::from_slice(&[verification.to_be_bytes(), call.to_be_bytes()].concat());
    let fees = B256::from_slice(&[1u128.to_be_bytes(), max_fee.to_be_bytes()].concat());
    gas::required_prefund(&limits, n(pre_verification), &fees)
}

#[test]
fn gas_budget_is_charged_the_prefund_until_it_runs_out() {
    let cost = prefund_of(100_000, 200_000, 50_000, 10_000_000_000);
    assert_eq!(cost, n(3_500_000_000_000_000));
    let mut s = limited_store(|r| r.gas_budget = Limit::Limited(10_000_000_000_000_000));
    let out = run(&mut s, &[pay(OTHER, 0)], cost, None).unwrap();
    assert!(out.counters.is_some());
    assert_eq!(gas_left(&s), 6_500_000_000_000_000);
    run(&mut s, &[pay(OTHER, 0)], cost, None).unwrap();
    assert_eq!(gas_left(&s), 3_000_000_000_000_000);
    assert_eq!(
        run(&mut s, &[pay(OTHER, 0)], cost, None),
        Err(Violation::GasBudgetExceeded {
            cost,
            remaining: n(3_000_000_000_000_000)
        })
    );
    // A cheaper op still fits what is left.
    run(&mut s, &[pay(OTHER, 0)], n(3_000_000_000_000_000), None).unwrap();
    assert_eq!(gas_left(&s), 0);
}

#[test]
fn zero_gas_budget_refuses_any_prefund_and_allows_a_free_op() {
    let mut s = limited_store(|r| r.gas_budget = Limit::Limited(0));
    assert_eq!(
        run(&mut s, &[pay(OTHER, 0)], n(1), None),
        Err(Violation::GasBudgetExceeded {
            cost: n(1),
            remaining: n(0)
        })
    );
    assert_eq!(
        run(&mut s, &[pay(OTHER, 0)], U256::ZERO, None)
            .unwrap()
            .counters,
        None
    );
}

#[test]
fn prefund_above_128_bits_exceeds_any_limited_budget() {
    let mut s = limited_store(|r| r.gas_budget = Limit::Limited(u128::MAX));
    let cost = U256::from(u128::MAX) + n(1);
    assert_eq!(
        run(&mut s, &[pay(OTHER, 0)], cost, None),
        Err(Violation::GasBudgetExceeded {
            cost,
            remaining: U256::from(u128::MAX)
        })
    );
}

#[test]
fn saturated_prefund_exceeds_a_realistic_budget() {
    let budget = 10u128.pow(24); // a million ether
    let mut s = limited_store(|r| r.gas_budget = Limit::Limited(budget));
    let saturated = prefund_of(u128::MAX, u128::MAX, u64::MAX, u128::MAX);
    assert_eq!(
        run(&mut s, &[pay(OTHER, 0)], saturated, None),
        Err(Violation::GasBudgetExceeded {
            cost: saturated,
            remaining: U256::from(budget)
        })
    );
}

#[test]
fn saturated_prefund_exceeds_even_the_largest_limited_budget() {
    // The true cost is about 2^257 wei; the charge must not fit a 2^128 - 1 budget.
    let mut s = limited_store(|r| r.gas_budget = Limit::Limited(u128::MAX));
    let saturated = prefund_of(u128::MAX, u128::MAX, u64::MAX, u128::MAX);
    assert!(matches!(
        run(&mut s, &[pay(OTHER, 0)], saturated, None),
        Err(Violation::GasBudgetExceeded { .. })
    ));
}

#[test]
fn unlimited_gas_budget_is_never_charged() {
    let mut s = limited_store(|_| {});
    let before = s.counters;
    assert_eq!(
        run(&mut s, &[pay(OTHER, 0)], U256::MAX, None)
            .unwrap()
            .counters,
        None
    );
    assert_eq!(s.counters, before);
}

#[test]
fn gas_goes_to_the_counters_word_and_native_to_the_header() {
    let mut s = limited_store(|r| {
        r.gas_budget = Limit::Limited(1000);
        r.native_cap = Limit::Limited(500);
    });
    let out = run(&mut s, &[pay(OTHER, 200)], n(300), None).unwrap();
    assert_eq!(
        out.counters,
        Some(
            CountersWord {
                gas_remaining: 700,
                ops_remaining: 0
            }
            .pack()
        )
    );
    assert_eq!(
        out.header
            .map(|h| SessionHeader::unpack(&h).native_remaining),
        Some(300)
    );
    // A native-cap failure after the gas charge writes neither.
    assert_eq!(
        run(&mut s, &[pay(OTHER, 301)], n(300), None),
        Err(Violation::NativeCapExceeded {
            requested: n(301),
            remaining: n(300)
        })
    );
    assert_eq!((gas_left(&s), native_left(&s)), (700, 300));
}

#[test]
fn gas_budget_is_checked_before_the_calls() {
    let mut s = limited_store(|r| r.gas_budget = Limit::Limited(10));
    assert_eq!(
        run(&mut s, &[call(TOKEN, ping())], n(11), None),
        Err(Violation::GasBudgetExceeded {
            cost: n(11),
            remaining: n(10)
        })
    );
}

#[test]
fn paymaster_the_session_does_not_name_is_refused() {
    let mut s = limited_store(|_| {});
    assert_eq!(
        run(&mut s, &[pay(OTHER, 0)], U256::ZERO, Some(PAYMASTER)),
        Err(Violation::PaymasterNotAllowed {
            paymaster: PAYMASTER
        })
    );
    let mut s = limited_store(|r| r.paymaster = Some(PAYMASTER));
    assert_eq!(
        run(&mut s, &[pay(OTHER, 0)], U256::ZERO, Some(PAYMASTER2)),
        Err(Violation::PaymasterNotAllowed {
            paymaster: PAYMASTER2
        })
    );
    // A paymasterAndData too short to name anyone reads as the zero address.
    let short = gas::paymaster_of(&[0xfa; 19]);
    assert_eq!(
        run(&mut s, &[pay(OTHER, 0)], U256::ZERO, short),
        Err(Violation::PaymasterNotAllowed {
            paymaster: Address::ZERO
        })
    );
}

#[test]
fn named_paymaster_passes_and_the_gas_budget_is_not_charged() {
    let mut s = limited_store(|r| {
        r.paymaster = Some(PAYMASTER);
        r.gas_budget = Limit::Limited(0);
    });
    let mut pnd = PAYMASTER.to_vec();
    pnd.extend_from_slice(&[0; 32]);
    let paymaster = gas::paymaster_of(&pnd);
    assert_eq!(paymaster, Some(PAYMASTER));
    let before = s.counters;
    let out = run(&mut s, &[pay(OTHER, 0)], U256::MAX, paymaster).unwrap();
    assert_eq!(out.counters, None);
    assert_eq!(s.counters, before);
    // Without the paymaster the same op is charged, and the zero budget refuses it.
    assert_eq!(
        run(&mut s, &[pay(OTHER, 0)], n(1), None),
        Err(Violation::GasBudgetExceeded {
            cost: n(1),
            remaining: n(0)
        })
    );
}

#[test]
fn validation_data_carries_the_session_window() {
    let mut s = limited_store(|_| {});
    assert_eq!(
        ok(&mut s, &[pay(OTHER, 0)]).validation_data,
        ValidationData {
            sig_failed: false,
            valid_after: 100,
            valid_until: 200
        }
    );
    let mut s = limited_store(|r| {
        r.valid_after = 0;
        r.valid_until = 0;
    });
    assert_eq!(
        ok(&mut s, &[pay(OTHER, 0)]).validation_data,
        ValidationData::default()
    );
}

// ---------------------------------------------------------------- lazy storage reads

/// Storage words the engine read for one op.
fn reads_for(s: &mut MemoryStore, calls: &[Call]) -> (Result<OpOutcome, Violation>, usize) {
    s.reads = 0;
    let r = run(s, calls, U256::ZERO, None);
    (r, s.reads)
}

#[test]
fn wildcard_lookups_are_skipped_when_the_record_has_no_wildcards() {
    let mut s = store_with(vec![entry(exact(DEX, PING), 0, vec![])], vec![]);
    let (r, reads) = reads_for(&mut s, &[call(DEX, swap(1, 1))]);
    assert_eq!(
        r,
        Err(Violation::CallNotAllowed {
            index: 0,
            target: DEX,
            selector: SWAP
        })
    );
    assert_eq!(reads, 1, "only the exact key is looked up");

    let mut s = store_with(
        vec![
            entry(exact(DEX, PING), 0, vec![]),
            entry(any_target(PING), 0, vec![]),
        ],
        vec![],
    );
    let (_, reads) = reads_for(&mut s, &[call(DEX, swap(1, 1))]);
    assert_eq!(reads, 2, "exact key, then the any-target key");

    let mut s = store_with(
        vec![
            entry(any_selector(OTHER), 0, vec![]),
            entry(any_target(PING), 0, vec![]),
        ],
        vec![],
    );
    let (_, reads) = reads_for(&mut s, &[call(DEX, swap(1, 1))]);
    assert_eq!(reads, 3, "exact, any-selector and any-target keys");
}

#[test]
fn one_of_reads_stored_values_only_up_to_the_first_match() {
    let values: Vec<B256> = (1..=8).map(u).collect();
    let rule = ParamRule {
        condition: Condition::OneOf,
        word_index: 0,
        values,
    };
    let mut s = store_with(vec![entry(exact(DEX, SWAP), 0, vec![rule])], vec![]);
    let (r, first) = reads_for(&mut s, &[call(DEX, swap(1, 0))]);
    assert!(r.is_ok());
    let (r, last) = reads_for(&mut s, &[call(DEX, swap(8, 0))]);
    assert!(r.is_ok());
    let (r, miss) = reads_for(&mut s, &[call(DEX, swap(9, 0))]);
    assert_eq!(r, Err(Violation::RuleFailed { index: 0, rule: 0 }));
    assert_eq!(last - first, 7);
    assert_eq!(miss, last);
}

// ---------------------------------------------------------------- cap invariant

const NATIVE_CAP: u64 = 1000;
const TOKEN_CAP: u64 = 1000;

#[derive(Clone, Debug)]
enum Action {
    Pay(u64),
    Transfer(u64),
    TransferFrom(u64),
    Approve(u64),
    IncreaseAllowance(u64),
    Ping,
}

impl Action {
    fn call(&self) -> Call {
        match *self {
            Action::Pay(v) => pay(OTHER, v),
            Action::Transfer(a) => call(TOKEN, transfer(OTHER, n(a))),
            Action::TransferFrom(a) => call(TOKEN, transfer_from(ACCOUNT, OTHER, n(a))),
            Action::Approve(a) => call(TOKEN, approve(SPENDER, n(a))),
            Action::IncreaseAllowance(a) => call(TOKEN, increase_allowance(SPENDER, n(a))),
            Action::Ping => call(TOKEN, ping()),
        }
    }

    fn native(&self) -> u64 {
        if let Action::Pay(v) = self {
            *v
        } else {
            0
        }
    }

    fn tokens(&self) -> u64 {
        match *self {
            Action::Transfer(a)
            | Action::TransferFrom(a)
            | Action::Approve(a)
            | Action::IncreaseAllowance(a) => a,
            _ => 0,
        }
    }
}

fn arb_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0u64..500).prop_map(Action::Pay),
        (0u64..600).prop_map(Action::Transfer),
        (0u64..600).prop_map(Action::TransferFrom),
        (0u64..600).prop_map(Action::Approve),
        (0u64..600).prop_map(Action::IncreaseAllowance),
        Just(Action::Ping),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn accepted_spends_never_exceed_the_caps(
        ops in proptest::collection::vec(proptest::collection::vec(arb_action(), 1..=4), 1..=8),
    ) {
        let mut r = record(
            vec![entry(empty(OTHER), 400, vec![]), entry(any_selector(TOKEN), 0, vec![])],
            vec![cap(TOKEN, TOKEN_CAP)],
        );
        r.native_cap = Limit::Limited(NATIVE_CAP as u128);
        let mut s = store(&r);
        let (mut native, mut tokens) = (0u64, 0u64);
        for op in &ops {
            let calls: Vec<Call> = op.iter().map(Action::call).collect();
            let op_native: u64 = op.iter().map(Action::native).sum();
            let op_tokens: u64 = op.iter().map(Action::tokens).sum();
            match run(&mut s, &calls, U256::ZERO, None) {
                Ok(out) => {
                    prop_assert_eq!(out.native_spent, n(op_native));
                    let spent = out.token_spent.iter().find(|(t, _)| *t == TOKEN).map(|(_, a)| *a);
                    let touched = op.iter().any(|a| !matches!(a, Action::Pay(_) | Action::Ping));
                    prop_assert_eq!(spent, touched.then(|| n(op_tokens)));
                    native += op_native;
                    tokens += op_tokens;
                }
                Err(Violation::NativeCapExceeded { requested, remaining }) => {
                    prop_assert_eq!(requested, n(op_native));
                    prop_assert_eq!(remaining, n(NATIVE_CAP - native));
                    prop_assert!(native + op_native > NATIVE_CAP);
                }
                Err(Violation::TokenCapExceeded { token, requested, remaining }) => {
                    prop_assert_eq!(token, TOKEN);
                    prop_assert_eq!(requested, n(op_tokens));
                    prop_assert_eq!(remaining, n(TOKEN_CAP - tokens));
                    prop_assert!(tokens + op_tokens > TOKEN_CAP);
                    prop_assert!(native + op_native <= NATIVE_CAP);
                }
                Err(Violation::ValueTooHigh { index, value, max }) => {
                    prop_assert_eq!(max, n(400));
                    prop_assert!(value > n(400));
                    prop_assert_eq!(value, n(op[index].native()));
                }
                Err(other) => prop_assert!(false, "unexpected rejection {:?}", other),
            }
            prop_assert!(native <= NATIVE_CAP);
            prop_assert!(tokens <= TOKEN_CAP);
            prop_assert_eq!(native_left(&s), (NATIVE_CAP - native) as u128);
            prop_assert_eq!(token_left(&s, TOKEN), n(TOKEN_CAP - tokens));
        }
    }
}

// ---------------------------------------------------------------- amounts above 64 bits

/// 20 ether and 100 ether: above `u64::MAX` wei, so a debit that kept only the low limb
/// would leave the wrong amount.
const TWENTY_ETH: u128 = 20_000_000_000_000_000_000;
const HUNDRED_ETH: u128 = 100_000_000_000_000_000_000;

#[test]
fn native_debits_above_64_bits_are_exact() {
    let mut r = record(vec![entry(empty(OTHER), TWENTY_ETH, vec![])], vec![]);
    r.native_cap = Limit::Limited(HUNDRED_ETH);
    let mut s = store(&r);
    ok(&mut s, &[(OTHER, U256::from(TWENTY_ETH), vec![])]);
    assert_eq!(native_left(&s), HUNDRED_ETH - TWENTY_ETH);
}

#[test]
fn gas_debits_above_64_bits_are_exact() {
    let mut r = record(vec![entry(exact(TOKEN, PING), 0, vec![])], vec![]);
    r.gas_budget = Limit::Limited(HUNDRED_ETH);
    let mut s = store(&r);
    run(&mut s, &[call(TOKEN, ping())], U256::from(TWENTY_ETH), None).unwrap();
    assert_eq!(gas_left(&s), HUNDRED_ETH - TWENTY_ETH);
}

// ---------------------------------------------------------------- what the simulator counts

/// The simulator's gas model counts storage words read: a capped token adds its cap word, a
/// counted session its counters word, a named paymaster its paymaster word — one each.
#[test]
fn each_optional_word_read_counts_once() {
    let reads = |r: &SessionRecord, calls: &[Call], paymaster: Option<Address>| {
        let mut s = store(r);
        s.reads = 0;
        run(&mut s, calls, U256::ZERO, paymaster).unwrap();
        s.reads
    };
    let base = record(
        vec![
            entry(exact(TOKEN, PING), 0, vec![]),
            entry(exact(TOKEN, TRANSFER), 0, vec![]),
        ],
        vec![cap(TOKEN, 10)],
    );
    let ping_op = [call(TOKEN, ping())];
    let plain = reads(&base, &ping_op, None);
    assert!(plain >= 1, "the call entry is read");
    // Same entry size, plus the token's cap word.
    let transfer_op = [call(TOKEN, transfer(OTHER, n(5)))];
    assert_eq!(reads(&base, &transfer_op, None), plain + 1);

    let mut counted = base.clone();
    counted.max_ops = Some(3);
    assert_eq!(reads(&counted, &ping_op, None), plain + 1);

    let mut sponsored = base.clone();
    sponsored.paymaster = Some(PAYMASTER);
    assert_eq!(reads(&sponsored, &ping_op, Some(PAYMASTER)), plain + 1);
}

// ---------------------------------------------------------------- periodic caps

/// A session valid [1000, 1000 + 10 days], caps renewing daily: 100 wei of native value, 50
/// of TOKEN, 3 ops, a gas budget of 1,000 wei.
fn daily_store() -> MemoryStore {
    let mut r = record(
        vec![
            entry(empty(OTHER), 1000, vec![]),
            entry(exact(TOKEN, TRANSFER), 0, vec![]),
        ],
        vec![TokenCap {
            token: TOKEN,
            limit: TokenLimit::Limited(n(50)),
        }],
    );
    r.valid_after = 1000;
    r.valid_until = 1000 + 10 * DAY;
    r.native_cap = Limit::Limited(100);
    r.gas_budget = Limit::Limited(1000);
    r.max_ops = Some(3);
    r.period = Some(DAY as u32);
    store(&r)
}

const DAY: u64 = 86_400;

fn in_period(
    s: &mut MemoryStore,
    calls: &[Call],
    prefund: u64,
    period: u32,
) -> Result<OpOutcome, Violation> {
    run_in(s, calls, n(prefund), None, period)
}

fn period_counters(s: &MemoryStore) -> PeriodCounters {
    PeriodCounters::unpack(&s.counters)
}

fn window_of(o: &OpOutcome) -> (u64, u64) {
    (o.validation_data.valid_after, o.validation_data.valid_until)
}

#[test]
fn a_periodic_op_gets_its_periods_window_with_exact_bounds() {
    let mut s = daily_store();
    // Period n covers [1000 + n·DAY, 1000 + (n+1)·DAY − 1]: EntryPoint's bounds are inclusive.
    let o = in_period(&mut s, &[pay(OTHER, 1)], 0, 0).unwrap();
    assert_eq!(window_of(&o), (1000, 1000 + DAY - 1));
    let o = in_period(&mut s, &[pay(OTHER, 1)], 0, 3).unwrap();
    assert_eq!(window_of(&o), (1000 + 3 * DAY, 1000 + 4 * DAY - 1));
    // The last whole period, then the session's last second, which starts period 10 (the
    // window is cut at validUntil).
    let o = in_period(&mut s, &[pay(OTHER, 1)], 0, 9).unwrap();
    assert_eq!(window_of(&o), (1000 + 9 * DAY, 1000 + 10 * DAY - 1));
    let o = in_period(&mut s, &[pay(OTHER, 1)], 0, 10).unwrap();
    assert_eq!(window_of(&o), (1000 + 10 * DAY, 1000 + 10 * DAY));
    let mut u = daily_store();
    assert_eq!(
        in_period(&mut u, &[pay(OTHER, 1)], 0, 11),
        Err(Violation::PeriodOutOfRange { period: 11 })
    );
    assert_eq!(
        in_period(&mut u, &[pay(OTHER, 1)], 0, u32::MAX),
        Err(Violation::PeriodOutOfRange { period: u32::MAX })
    );
}

#[test]
fn every_cap_is_spent_in_one_period_and_renews_in_the_next() {
    let mut s = daily_store();
    // Period 0: 100 wei, 50 tokens, 1,000 wei of gas, 3 ops — in three ops.
    in_period(
        &mut s,
        &[pay(OTHER, 60), call(TOKEN, transfer(OTHER, n(30)))],
        400,
        0,
    )
    .unwrap();
    in_period(&mut s, &[pay(OTHER, 40)], 400, 0).unwrap();
    in_period(&mut s, &[call(TOKEN, transfer(OTHER, n(20)))], 200, 0).unwrap();
    let c = period_counters(&s);
    assert_eq!(
        (c.period, c.native_spent, c.gas_spent, c.ops_spent),
        (0, 100, 1000, 3)
    );
    assert_eq!(
        PeriodicTokenWord::unpack(&s.tokens[&TOKEN]).unwrap(),
        PeriodicTokenWord {
            period: 0,
            cap: 50,
            spent: 50
        }
    );
    // Each cap is exhausted in period 0 ...
    assert_eq!(
        in_period(&mut s, &[pay(OTHER, 0)], 0, 0),
        Err(Violation::OpLimitReached)
    );
    // ... and whole again in period 1: the same three ops pass.
    in_period(
        &mut s,
        &[pay(OTHER, 60), call(TOKEN, transfer(OTHER, n(30)))],
        400,
        1,
    )
    .unwrap();
    in_period(&mut s, &[pay(OTHER, 40)], 400, 1).unwrap();
    in_period(&mut s, &[call(TOKEN, transfer(OTHER, n(20)))], 200, 1).unwrap();
    let c = period_counters(&s);
    assert_eq!(
        (c.period, c.native_spent, c.gas_spent, c.ops_spent),
        (1, 100, 1000, 3)
    );
}

#[test]
fn each_cap_refuses_the_excess_within_a_period_and_nothing_leaks_across() {
    for (calls, prefund, expected) in [
        (
            vec![pay(OTHER, 101)],
            0,
            Violation::NativeCapExceeded {
                requested: n(101),
                remaining: n(100),
            },
        ),
        (
            vec![call(TOKEN, transfer(OTHER, n(51)))],
            0,
            Violation::TokenCapExceeded {
                token: TOKEN,
                requested: n(51),
                remaining: n(50),
            },
        ),
        (
            vec![pay(OTHER, 1)],
            1001,
            Violation::GasBudgetExceeded {
                cost: n(1001),
                remaining: n(1000),
            },
        ),
    ] {
        // Spend part of period 2 first: what is left is the period's, not the session's.
        let mut s = daily_store();
        in_period(&mut s, &[pay(OTHER, 0)], 0, 2).unwrap();
        assert_eq!(in_period(&mut s, &calls, prefund, 2), Err(expected));
        // Period 3 starts from zero, not from period 2's leftovers (nor their sum).
        let mut s = daily_store();
        in_period(&mut s, &[pay(OTHER, 99)], 999, 2).unwrap();
        assert_eq!(in_period(&mut s, &calls, prefund, 3), Err(expected));
    }
}

#[test]
fn an_op_naming_a_period_before_the_counters_is_refused_and_changes_nothing() {
    let mut s = daily_store();
    in_period(&mut s, &[pay(OTHER, 10)], 0, 4).unwrap();
    // `run_in` checks that a refused op leaves the store as it was.
    assert_eq!(
        in_period(&mut s, &[pay(OTHER, 1)], 0, 3),
        Err(Violation::PeriodClosed {
            period: 3,
            current: 4
        })
    );
    assert_eq!(period_counters(&s).period, 4);
    // Naming a later period skips ahead (periods need not be consecutive).
    in_period(&mut s, &[pay(OTHER, 100)], 0, 7).unwrap();
    assert_eq!(period_counters(&s).native_spent, 100);
}

#[test]
fn a_token_word_left_at_an_earlier_period_starts_afresh() {
    let mut s = daily_store();
    in_period(&mut s, &[call(TOKEN, transfer(OTHER, n(50)))], 0, 0).unwrap();
    // Periods 1 and 2 spend no token; period 3 finds the word still at period 0.
    in_period(&mut s, &[pay(OTHER, 1)], 0, 1).unwrap();
    in_period(&mut s, &[pay(OTHER, 1)], 0, 3).unwrap();
    assert_eq!(
        PeriodicTokenWord::unpack(&s.tokens[&TOKEN]).unwrap().period,
        0
    );
    in_period(&mut s, &[call(TOKEN, transfer(OTHER, n(50)))], 0, 3).unwrap();
    assert_eq!(
        PeriodicTokenWord::unpack(&s.tokens[&TOKEN]).unwrap(),
        PeriodicTokenWord {
            period: 3,
            cap: 50,
            spent: 50
        }
    );
}

#[test]
fn an_op_spending_nothing_in_the_current_period_writes_nothing() {
    let mut r = record(vec![entry(empty(OTHER), 1000, vec![])], vec![]);
    (r.valid_after, r.valid_until) = (1000, 0);
    r.period = Some(3600);
    let mut s = store(&r);
    // Native value and gas unlimited, no op count: period 0's counters never change.
    let o = in_period(&mut s, &[pay(OTHER, 5)], 0, 0).unwrap();
    assert_eq!((o.header, o.counters), (None, None));
    // A later period moves the counters' period: that is a write.
    let o = in_period(&mut s, &[pay(OTHER, 5)], 0, 1).unwrap();
    assert_eq!(PeriodCounters::unpack(&o.counters.unwrap()).period, 1);
}

proptest! {
    /// Random ops of a daily session naming random periods, against a model that keeps one
    /// tally per period: the engine accepts exactly what fits the named period's caps and is
    /// not before the latest period used, and what it writes is the model's.
    #[test]
    fn periodic_counters_match_a_per_period_model(
        ops in proptest::collection::vec((0u32..6, 0u64..70, 0u64..40, 0u64..600), 1..40),
    ) {
        let mut s = daily_store();
        // (period, native, tokens, gas, ops) used in the counters' period.
        let mut model: (u32, u64, u64, u64, u32) = (0, 0, 0, 0, 0);
        for (period, wei, tokens, prefund) in ops {
            let calls = [pay(OTHER, wei), call(TOKEN, transfer(OTHER, n(tokens)))];
            let got = in_period(&mut s, &calls, prefund, period);
            let base = if period > model.0 { (period, 0, 0, 0, 0) } else { model };
            let expected = if period < model.0 {
                Err(Violation::PeriodClosed { period, current: model.0 })
            } else if base.4 >= 3 {
                Err(Violation::OpLimitReached)
            } else if base.3 + prefund > 1000 {
                Err(Violation::GasBudgetExceeded { cost: n(prefund), remaining: n(1000 - base.3) })
            } else if wei > 0 && base.1 + wei > 100 {
                Err(Violation::NativeCapExceeded { requested: n(wei), remaining: n(100 - base.1) })
            } else if base.2 + tokens > 50 {
                Err(Violation::TokenCapExceeded { token: TOKEN, requested: n(tokens), remaining: n(50 - base.2) })
            } else {
                Ok((base.0, base.1 + wei, base.2 + tokens, base.3 + prefund, base.4 + 1))
            };
            match (got, expected) {
                (Ok(o), Ok(next)) => {
                    model = next;
                    let start = 1000 + u64::from(period) * DAY;
                    prop_assert_eq!(window_of(&o), (start, start + DAY - 1));
                    let c = period_counters(&s);
                    prop_assert_eq!(
                        (c.period, c.native_spent, c.gas_spent, c.ops_spent),
                        (model.0, u128::from(model.1), u128::from(model.3), model.4)
                    );
                    let t = PeriodicTokenWord::unpack(&s.tokens[&TOKEN]).unwrap();
                    // The token word catches up only when the token is spent.
                    if tokens > 0 {
                        prop_assert_eq!((t.period, t.spent), (model.0, u128::from(model.2)));
                    }
                }
                (got, expected) => prop_assert_eq!(got.map(|_| ()), expected.map(|_| ())),
            }
        }
    }
}
