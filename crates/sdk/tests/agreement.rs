//! The simulator agrees with the contract.
//!
//! The contract (`session-key-validator`, the crate the WASM is built from) runs natively on
//! stylus-test's `TestVM`, driven through its own router with calldata the SDK encodes — as
//! `src/tests/harness.rs` does — and the ecrecover precompile is answered with k256. For a corpus
//! of ops covering every outcome (each `Violation`, malformed executions, signature failures,
//! paymasters, caps consumed over a sequence of ops, revocation), the simulator must predict
//! exactly what `validateUserOp` does: the same validationData word, or byte-for-byte the same
//! revert data; and after every op that validates, the same storage words (header, spend, token
//! caps). Every verdict must also explain itself in a sentence.

use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall};
use sessionkey_policy::layout::{CountersWord, SessionHeader};
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::record::{Limit, SessionRecord, TokenLimit};
use sessionkey_policy::signature::HALF_ORDER;
use sessionkey_sdk::account_calls::{self, Call, ISessionKeyValidator as I, MODE_BATCH};
use sessionkey_sdk::builder::{CallBuilder, Calldata, Check, SessionBuilder, Target};
use sessionkey_sdk::explain::{explain, Context};
use sessionkey_sdk::function_book::FunctionBook;
use sessionkey_sdk::simulate::{simulate, Outcome, SessionView};
use sessionkey_sdk::user_op::{session_user_op, GasLimits, Paymaster};
use sessionkey_sdk::{PackedUserOperation, SessionKey};

mod support;
use support::Contract;

const MODULE: Address = address!("0x00000000000000000000000000000000000a11ce");
const ACCOUNT: Address = address!("0x000000000000000000000000000000000000acc0");
const TOKEN: Address = address!("0x0000000000000000000000000000000000007043");
const TOKEN2: Address = address!("0x0000000000000000000000000000000000007044");
const TOKEN3: Address = address!("0x0000000000000000000000000000000000007045");
const DEX: Address = address!("0x0000000000000000000000000000000000000de0");
const DEX2: Address = address!("0x0000000000000000000000000000000000000de2");
const ALICE: Address = address!("0x000000000000000000000000000000000000a71c");
const ATTACKER: Address = address!("0x000000000000000000000000000000000000bad0");
const PAYMASTER: Address = address!("0x0000000000000000000000000000000000009a70");
const ETH: u128 = 1_000_000_000_000_000_000;

sol! {
    function approve(address spender, uint256 amount);
    function transfer(address to, uint256 amount);
    function swap(uint256 amountIn, int256 minOut, address recipient);
    function poke(uint256 x);
    function executeUserOp(bytes32 a, bytes32 b);
}

/// A session of the simulator: record, words, revoked flag.
struct Session {
    key: SessionKey,
    record: SessionRecord,
    functions: FunctionBook,
    store: MemoryStore,
    revoked: bool,
}

impl Session {
    fn new(key: SessionKey, b: SessionBuilder) -> Self {
        let p = b.build().expect("valid permission");
        let mut functions = FunctionBook::standard();
        functions.extend(&p.functions);
        Self {
            store: MemoryStore::new(&p.record, 0),
            record: p.record,
            functions,
            key,
            revoked: false,
        }
    }
}

fn main_session() -> Session {
    let key = SessionKey::from_bytes(&[0x51; 32]).unwrap();
    let b = SessionBuilder::new(key.address())
        .valid_between(1_000, 1_000_000)
        .native_cap(Limit::Limited(2 * ETH))
        .gas_budget(Limit::Limited(30_000_000_000_000_000)) // 0.03 ETH
        .max_ops(40)
        .paymaster(PAYMASTER)
        .allow_wildcards()
        .call(
            CallBuilder::function(TOKEN, "approve(address spender, uint256 amount)")
                .rule("spender", Check::eq(DEX))
                .rule("amount", Check::lte(100u64)),
        )
        .call(CallBuilder::function(
            TOKEN,
            "transfer(address to, uint256 amount)",
        ))
        .call(
            CallBuilder::function(
                DEX,
                "swap(uint256 amountIn, int256 minOut, address recipient)",
            )
            .rule("amountIn", Check::in_range(1u64, 1000u64))
            .rule("minOut", Check::gte(-5i64))
            .rule("recipient", Check::one_of([ACCOUNT, ALICE])),
        )
        .call(CallBuilder::plain_transfer(ALICE).max_value(U256::from(ETH)))
        .call(
            CallBuilder::new(Target::Exact(DEX2), Calldata::AnyFunction)
                .max_value(U256::from(5u64)),
        )
        .call(CallBuilder::new(
            Target::Any,
            Calldata::Function("transfer(address to, uint256 amount)".into()),
        ))
        .token_cap(TOKEN, TokenLimit::Limited(U256::from(150)))
        .token_cap(TOKEN2, TokenLimit::Unlimited);
    Session::new(key, b)
}

fn small_session() -> Session {
    let key = SessionKey::from_bytes(&[0x52; 32]).unwrap();
    let b = SessionBuilder::new(key.address())
        .gas_budget(Limit::Unlimited)
        .max_ops(2)
        .call(CallBuilder::function(DEX2, "poke(uint256 x)").rule("x", Check::neq(0u64)));
    Session::new(key, b)
}

/// One op of the corpus.
struct Case {
    name: &'static str,
    session: usize,
    op: PackedUserOperation,
}

fn call(target: Address, value: u128, data: Vec<u8>) -> Call {
    Call {
        target,
        value: U256::from(value),
        data: data.into(),
    }
}

fn op_from(
    calls: &[Call],
    gas: GasLimits,
    paymaster: Option<&Paymaster>,
    nonce: u64,
) -> PackedUserOperation {
    session_user_op(ACCOUNT, U256::from(nonce), calls, gas, paymaster).pack()
}

fn hash_of(i: usize) -> B256 {
    keccak256((i as u64).to_be_bytes())
}

fn signed(op: PackedUserOperation, key: &SessionKey, i: usize) -> PackedUserOperation {
    let mut op = op;
    op.signature = key
        .sign_user_op_hash(&hash_of(i), MODULE)
        .to_bytes()
        .to_vec()
        .into();
    op
}

fn approve_data(spender: Address, amount: u128) -> Vec<u8> {
    approveCall {
        spender,
        amount: U256::from(amount),
    }
    .abi_encode()
}

fn transfer_data(to: Address, amount: U256) -> Vec<u8> {
    transferCall { to, amount }.abi_encode()
}

fn swap_data(amount_in: u64, min_out: i64, recipient: Address) -> Vec<u8> {
    swapCall {
        amountIn: U256::from(amount_in),
        minOut: alloy_primitives::I256::try_from(min_out).unwrap(),
        recipient,
    }
    .abi_encode()
}

/// The corpus: (name, session index, calls or raw op tweak), signed in order.
fn corpus(sessions: &[Session]) -> Vec<Case> {
    let g = GasLimits::default();
    let main = &sessions[0].key;
    let small = &sessions[1].key;
    let other = SessionKey::from_bytes(&[0x53; 32]).unwrap();
    let pm = Paymaster {
        address: PAYMASTER,
        verification_gas_limit: 50_000,
        post_op_gas_limit: 10_000,
        data: Bytes::from_static(b"pm"),
    };
    let bad_pm = Paymaster {
        address: ATTACKER,
        ..pm.clone()
    };
    // Signing keys by index: 0 main, 1 small, 2 other (unregistered).
    let keys = [main.clone(), small.clone(), other.clone()];
    let mut raw: Vec<(&'static str, usize, PackedUserOperation, Option<usize>)> = Vec::new();
    let mut push = |name, s: usize, op, key: Option<usize>| raw.push((name, s, op, key));
    let main_key = Some(0);
    let one = |c: Call| vec![c];

    push(
        "approve within rules",
        0,
        op_from(&one(call(TOKEN, 0, approve_data(DEX, 50))), g, None, 0),
        main_key,
    );
    push(
        "approve above the amount rule",
        0,
        op_from(&one(call(TOKEN, 0, approve_data(DEX, 101))), g, None, 1),
        main_key,
    );
    push(
        "approve to the wrong spender",
        0,
        op_from(&one(call(TOKEN, 0, approve_data(ATTACKER, 1))), g, None, 2),
        main_key,
    );
    push(
        "batch exceeding the token cap",
        0,
        op_from(
            &[
                call(TOKEN, 0, transfer_data(ALICE, U256::from(60))),
                call(TOKEN, 0, approve_data(DEX, 100)),
            ],
            g,
            None,
            3,
        ),
        main_key,
    );
    push(
        "transfer using up the token cap",
        0,
        op_from(
            &one(call(TOKEN, 0, transfer_data(ALICE, U256::from(100)))),
            g,
            None,
            4,
        ),
        main_key,
    );
    push(
        "token cap exhausted",
        0,
        op_from(&one(call(TOKEN, 0, approve_data(DEX, 1))), g, None, 5),
        main_key,
    );
    push(
        "plain transfer within value",
        0,
        op_from(&one(call(ALICE, ETH, vec![])), g, None, 6),
        main_key,
    );
    push(
        "plain transfer above value",
        0,
        op_from(&one(call(ALICE, ETH + 1, vec![])), g, None, 7),
        main_key,
    );
    push(
        "native cap exceeded over a batch",
        0,
        op_from(
            &[call(ALICE, ETH, vec![]), call(ALICE, ETH, vec![])],
            g,
            None,
            8,
        ),
        main_key,
    );
    push(
        "call to the account itself",
        0,
        op_from(&one(call(ACCOUNT, 0, approve_data(DEX, 1))), g, None, 9),
        main_key,
    );
    push(
        "call to the module",
        0,
        op_from(&one(call(MODULE, 0, vec![1, 2, 3, 4])), g, None, 10),
        main_key,
    );
    push(
        "unknown selector on the token",
        0,
        op_from(
            &one(call(TOKEN, 0, vec![0xde, 0xad, 0xbe, 0xef])),
            g,
            None,
            11,
        ),
        main_key,
    );
    push(
        "plain transfer to a stranger",
        0,
        op_from(&one(call(ATTACKER, 1, vec![])), g, None, 12),
        main_key,
    );
    push(
        "calldata of two bytes",
        0,
        op_from(&one(call(TOKEN, 0, vec![0x09, 0x5e])), g, None, 13),
        main_key,
    );
    let mut long_approve = approve_data(DEX, 1);
    long_approve.push(0);
    push(
        "approve with a trailing byte",
        0,
        op_from(&one(call(TOKEN, 0, long_approve)), g, None, 14),
        main_key,
    );
    push(
        "swap within rules",
        0,
        op_from(&one(call(DEX, 0, swap_data(10, -5, ALICE))), g, None, 15),
        main_key,
    );
    push(
        "swap with minOut below the signed bound",
        0,
        op_from(&one(call(DEX, 0, swap_data(10, -6, ALICE))), g, None, 16),
        main_key,
    );
    push(
        "swap with amountIn out of range",
        0,
        op_from(&one(call(DEX, 0, swap_data(0, 1, ALICE))), g, None, 17),
        main_key,
    );
    push(
        "swap to a recipient not in the set",
        0,
        op_from(&one(call(DEX, 0, swap_data(5, 1, ATTACKER))), g, None, 18),
        main_key,
    );
    let short_swap = swap_data(5, 1, ALICE)[..4 + 32].to_vec();
    push(
        "swap calldata too short for a rule",
        0,
        op_from(&one(call(DEX, 0, short_swap)), g, None, 19),
        main_key,
    );
    push(
        "any function on DEX2 within value",
        0,
        op_from(&one(call(DEX2, 5, vec![1, 2, 3, 4, 5])), g, None, 20),
        main_key,
    );
    push(
        "any function on DEX2 above value",
        0,
        op_from(&one(call(DEX2, 6, vec![])), g, None, 21),
        main_key,
    );
    push(
        "any-target transfer on an uncapped token",
        0,
        op_from(
            &one(call(TOKEN3, 0, transfer_data(ALICE, U256::from(1)))),
            g,
            None,
            22,
        ),
        main_key,
    );
    push(
        "any-target transfer on an unlimited token",
        0,
        op_from(
            &one(call(TOKEN2, 0, transfer_data(ALICE, U256::MAX))),
            g,
            None,
            23,
        ),
        main_key,
    );
    let half = U256::from(1) << 255;
    push(
        "token amounts overflowing 256 bits",
        0,
        op_from(
            &[
                call(TOKEN2, 0, transfer_data(ALICE, half)),
                call(TOKEN2, 0, transfer_data(ALICE, half)),
            ],
            g,
            None,
            24,
        ),
        main_key,
    );
    push(
        "sponsored by the named paymaster",
        0,
        op_from(&one(call(DEX2, 0, vec![])), g, Some(&pm), 25),
        main_key,
    );
    push(
        "sponsored by another paymaster",
        0,
        op_from(&one(call(DEX2, 0, vec![])), g, Some(&bad_pm), 26),
        main_key,
    );
    let pricey = GasLimits {
        max_fee_per_gas: 100_000_000_000,
        ..g
    };
    push(
        "gas fees above the budget",
        0,
        op_from(&one(call(DEX2, 0, vec![])), pricey, None, 27),
        main_key,
    );
    let overflow = GasLimits {
        max_fee_per_gas: u128::MAX,
        ..g
    };
    push(
        "prefund overflowing 128 bits",
        0,
        op_from(&one(call(DEX2, 0, vec![])), overflow, None, 28),
        main_key,
    );

    // Malformed executions.
    let base = op_from(&one(call(DEX2, 0, vec![])), g, None, 29);
    let mut delegate = base.clone();
    let mut mode = B256::ZERO;
    mode[0] = 0xff;
    delegate.callData = account_calls::IERC7579Account::executeCall {
        mode,
        executionCalldata: Bytes::from(vec![0u8; 52]),
    }
    .abi_encode()
    .into();
    push("delegatecall mode", 0, delegate, main_key);
    let mut try_mode = base.clone();
    let mut mode = B256::ZERO;
    mode[1] = 0x01;
    try_mode.callData = account_calls::IERC7579Account::executeCall {
        mode,
        executionCalldata: Bytes::from(vec![0u8; 52]),
    }
    .abi_encode()
    .into();
    push("try exec mode", 0, try_mode, main_key);
    let mut wrapped = base.clone();
    wrapped.callData = executeUserOpCall {
        a: B256::ZERO,
        b: B256::ZERO,
    }
    .abi_encode()
    .into();
    push("executeUserOp", 0, wrapped, main_key);
    let mut empty_batch = base.clone();
    empty_batch.callData = account_calls::IERC7579Account::executeCall {
        mode: MODE_BATCH,
        executionCalldata: alloy_sol_types::SolValue::abi_encode(
            &Vec::<account_calls::Execution>::new(),
        )
        .into(),
    }
    .abi_encode()
    .into();
    push("empty batch", 0, empty_batch, main_key);
    let seventeen: Vec<Call> = (0..17).map(|_| call(DEX2, 0, vec![])).collect();
    push(
        "batch of 17 calls",
        0,
        op_from(&seventeen, g, None, 30),
        main_key,
    );
    let mut trailing = base.clone();
    let mut cd = trailing.callData.to_vec();
    cd.push(0);
    trailing.callData = cd.into();
    push("execute with a trailing byte", 0, trailing, main_key);
    let mut wrong_fn = base.clone();
    wrong_fn.callData = Bytes::from(vec![0x12, 0x34, 0x56, 0x78]);
    push("callData not execute", 0, wrong_fn, main_key);

    // Signatures.
    let mut short_sig = signed(base.clone(), main, 0);
    short_sig.signature = short_sig.signature[..84].to_vec().into();
    push("signature of 84 bytes", 0, short_sig, None);
    push("signed by an unregistered key", 0, base.clone(), Some(2));
    let mut forged = signed(base.clone(), &other, 0);
    let mut sig = forged.signature.to_vec();
    sig[..20].copy_from_slice(main.address().as_slice());
    forged.signature = sig.into();
    push(
        "names the session but signed by another key",
        0,
        forged,
        None,
    );
    let mut high_s = signed(base.clone(), main, 0);
    let mut sig = high_s.signature.to_vec();
    let s = U256::from_be_slice(&sig[52..84]);
    let n: U256 = (HALF_ORDER << 1usize) + U256::from(1);
    sig[52..84].copy_from_slice(&(n - s).to_be_bytes::<32>());
    sig[84] = if sig[84] == 27 { 28 } else { 27 };
    high_s.signature = sig.into();
    push("high-s twin of a good signature", 0, high_s, None);
    let mut bad_v = signed(base.clone(), main, 0);
    let mut sig = bad_v.signature.to_vec();
    sig[84] = 1;
    bad_v.signature = sig.into();
    push("v = 1", 0, bad_v, None);

    // The small session: op limit, then revocation.
    let poke = |x: u64| call(DEX2, 0, pokeCall { x: U256::from(x) }.abi_encode());
    push(
        "small: poke(0) breaks the != rule",
        1,
        op_from(&one(poke(0)), g, None, 40),
        Some(1),
    );
    push(
        "small: first op",
        1,
        op_from(&one(poke(1)), g, None, 41),
        Some(1),
    );
    push(
        "small: second op",
        1,
        op_from(&one(poke(2)), g, None, 42),
        Some(1),
    );
    push(
        "small: op limit reached",
        1,
        op_from(&one(poke(3)), g, None, 43),
        Some(1),
    );

    raw.into_iter()
        .enumerate()
        .map(|(i, (name, session, op, key))| Case {
            name,
            session,
            op: match key {
                Some(k) => signed(op, &keys[k], i),
                None => op,
            },
        })
        .collect()
}

fn register(contract: &Contract, sessions: &[Session]) {
    // Install with the main session in onInstall data (the SDK's installModule initData),
    // then register the small one with registerSession (the SDK's module calldata).
    let install = I::onInstallCall {
        data: account_calls::install_data(std::slice::from_ref(&sessions[0].record)),
    }
    .abi_encode();
    contract.call(&install).expect("onInstall");
    contract
        .call(&account_calls::register_session(&sessions[1].record))
        .expect("registerSession");
}

fn check_words(contract: &Contract, s: &Session, name: &str) {
    let (header, counters) = contract.session_words(s.record.signer);
    let header = SessionHeader::unpack(&header);
    assert_eq!(
        header.native_remaining, s.store.header.native_remaining,
        "{name}: native left"
    );
    assert_eq!(header.flags, s.store.header.flags, "{name}: flags");
    assert_eq!(
        CountersWord::unpack(&counters),
        CountersWord::unpack(&s.store.counters),
        "{name}: counters"
    );
    for cap in &s.record.token_caps {
        assert_eq!(
            contract.token_word(s.record.signer, cap.token),
            s.store.tokens[&cap.token],
            "{name}: token word of {}",
            cap.token
        );
    }
}

/// What each case of the corpus must do (the case names say why).
const EXPECTED: [&str; 45] = [
    "valid",
    "RuleFailed",
    "RuleFailed",
    "TokenCapExceeded",
    "valid",
    "TokenCapExceeded",
    "valid",
    "ValueTooHigh",
    "NativeCapExceeded",
    "SelfCallRejected",
    "SelfCallRejected",
    "CallNotAllowed",
    "CallNotAllowed",
    "CalldataTooShort",
    "MalformedTokenCall",
    "valid",
    "RuleFailed",
    "RuleFailed",
    "RuleFailed",
    "ParamMissing",
    "valid",
    "ValueTooHigh",
    "TokenCapMissing",
    "valid",
    "AmountOverflow",
    "valid",
    "PaymasterNotAllowed",
    "GasBudgetExceeded",
    "GasBudgetExceeded",
    "MalformedExecution",
    "MalformedExecution",
    "MalformedExecution",
    "MalformedExecution",
    "MalformedExecution",
    "MalformedExecution",
    "MalformedExecution",
    "InvalidSignatureLength",
    "SessionNotActive",
    "bad-signature",
    "bad-signature",
    "bad-signature",
    "RuleFailed",
    "valid",
    "valid",
    "OpLimitReached",
];

#[test]
fn simulator_verdicts_equal_the_contracts() {
    let contract = Contract::new(MODULE, ACCOUNT);
    let mut sessions = vec![main_session(), small_session()];
    register(&contract, &sessions);
    let cases = corpus(&sessions);
    assert_eq!(cases.len(), EXPECTED.len());
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for (i, case) in cases.iter().enumerate() {
        let hash = hash_of(i);
        let s = &mut sessions[case.session];
        let view = SessionView {
            signer: s.record.signer,
            store: &s.store,
            revoked: s.revoked,
        };
        let verdict = simulate(&view, MODULE, &case.op, hash);
        let chain = contract.validate_signed(&case.op, hash, MODULE);
        assert_eq!(
            verdict.contract_result(),
            chain,
            "case #{i} `{}`: simulator vs contract",
            case.name
        );
        let ctx = Context {
            record: Some(&s.record),
            functions: &s.functions,
            calls: &verdict.calls,
            op: Some(&case.op),
            module: Some(MODULE),
            store: Some(&s.store),
        };
        let x = explain(&verdict, &ctx, None);
        assert!(
            !x.summary.is_empty(),
            "case `{}` explains itself",
            case.name
        );
        let key = match verdict.outcome {
            Outcome::Returns(vd) if vd.sig_failed => "bad-signature".to_owned(),
            Outcome::Returns(_) => "valid".to_owned(),
            Outcome::Reverts(r) => r.error_name().to_owned(),
        };
        assert_eq!(key, EXPECTED[i], "case #{i} `{}`", case.name);
        *outcomes.entry(key).or_default() += 1;
        if let Some(after) = verdict.store_after {
            s.store = after;
            check_words(&contract, s, case.name);
        }
    }

    // Revocation: the contract revokes, the simulator is told, both refuse the next op.
    let small = &mut sessions[1];
    contract
        .call(&account_calls::revoke_session(small.record.signer))
        .expect("revokeSession");
    small.revoked = true;
    let op = signed(
        op_from(
            &[call(DEX2, 0, pokeCall { x: U256::from(9) }.abi_encode())],
            GasLimits::default(),
            None,
            99,
        ),
        &small.key,
        999,
    );
    let view = SessionView {
        signer: small.record.signer,
        store: &small.store,
        revoked: true,
    };
    let verdict = simulate(&view, MODULE, &op, hash_of(999));
    assert_eq!(
        verdict.contract_result(),
        contract.validate_signed(&op, hash_of(999), MODULE)
    );
    assert!(matches!(
        verdict.outcome,
        Outcome::Reverts(sessionkey_sdk::Rejection::SessionNotActive { .. })
    ));

    // The corpus reaches every outcome the validator has.
    for name in [
        "valid",
        "bad-signature",
        "InvalidSignatureLength",
        "SessionNotActive",
        "MalformedExecution",
        "SelfCallRejected",
        "CallNotAllowed",
        "CalldataTooShort",
        "ValueTooHigh",
        "ParamMissing",
        "RuleFailed",
        "MalformedTokenCall",
        "TokenCapMissing",
        "TokenCapExceeded",
        "NativeCapExceeded",
        "OpLimitReached",
        "GasBudgetExceeded",
        "PaymasterNotAllowed",
        "AmountOverflow",
    ] {
        assert!(
            outcomes.contains_key(name),
            "no case reached {name}: {outcomes:?}"
        );
    }
}

#[test]
fn records_the_builder_makes_are_accepted_and_refused_ones_name_the_same_error() {
    // A record the contract refuses: the SDK's explanation of the revert names the same code.
    let contract = Contract::new(MODULE, ACCOUNT);
    contract
        .call(&I::onInstallCall { data: Bytes::new() }.abi_encode())
        .unwrap();
    let mut record = main_session().record;
    record.valid_until = record.valid_after; // empty window, bypassing the builder
    let err = contract
        .call(&account_calls::register_session(&record))
        .expect_err("refused");
    let functions = FunctionBook::standard();
    let (name, sentence) =
        sessionkey_sdk::explain::explain_revert(&err, &Context::bare(&functions)).unwrap();
    assert_eq!(name, "InvalidRecord");
    assert!(sentence.contains("an empty validity window"), "{sentence}");
}
