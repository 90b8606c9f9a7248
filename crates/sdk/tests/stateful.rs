//! Stateful properties over long sequences (issue #11, part 3).
//!
//! A case is an install followed by a random interleaving of registrations (fresh, invalid,
//! superseding), single and batch ops in every call type (the refused ones included),
//! revocations, revoke-all, uninstall/reinstall and clock advances. Every step runs on the
//! contract itself (its router on stylus-test's `TestVM`) and every op also through the SDK's
//! simulator, next to a reference model written here from the words, not from the
//! engine. Properties, checked after every step:
//!
//! 1. **caps**: what executed under a registration (native value, each token, prefund charged
//!    to the gas budget, op count) never exceeds that registration's caps, and every executed
//!    call is one its call policies allow;
//! 2. **dead**: nothing a revoked, expired, uninstalled or superseded session signs executes;
//! 3. **no-write**: a rejected op (or refused admin call) changes no storage word;
//! 4. **agreement**: the simulator's verdict equals the contract's (validationData word or
//!    revert bytes), and the words an accepted op writes are exactly those it predicts.
//!
//! "Executed" is what EntryPoint would do with the answer: validation returned without the
//! signature-failure bit and the clock lies in the returned window (the module never reads the
//! clock). When EntryPoint would refuse an accepted op, the bundle reverts, so the test puts the
//! storage back. `userOpHash` is an argument of `validateUserOp`, so one hash serves every op and
//! each key's signature and ecrecover answer are computed once.
//!
//! Case count: `PROPTEST_CASES` (default 256); `scripts/properties.sh` runs 100,000 in release.
//! `STATEFUL_STATS=<file>` appends the run's figures to that file.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};

use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolError};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sessionkey_policy::erc20::{APPROVE, TRANSFER};
use sessionkey_policy::layout::{CallKey, SelectorMatch, TargetMatch};
use sessionkey_policy::memory::{has_counters, MemoryStore};
use sessionkey_policy::signature::SessionSignature;
use sessionkey_policy::validation_data::ValidationData;
use sessionkey_policy::{
    CallPolicy, Condition, Limit, ParamRule, SessionRecord, TokenCap, TokenLimit,
};
use sessionkey_sdk::account_calls::{self, Call, IERC7579Account, ISessionKeyValidator as I};
use sessionkey_sdk::key::session_digest;
use sessionkey_sdk::simulate::{simulate, Outcome, SessionView};
use sessionkey_sdk::user_op::{session_user_op, GasLimits, Paymaster};
use sessionkey_sdk::{PackedUserOperation, SessionKey};
use support::{diff, slots, Contract};

const MODULE: Address = address!("0x00000000000000000000000000000000000a11ce");
const ACCOUNT: Address = address!("0x000000000000000000000000000000000000acc0");
const TA: Address = address!("0x0000000000000000000000000000000000007041");
const TB: Address = address!("0x0000000000000000000000000000000000007042");
const TC: Address = address!("0x0000000000000000000000000000000000007043");
const DEX: Address = address!("0x0000000000000000000000000000000000000de0");
const ALICE: Address = address!("0x000000000000000000000000000000000000a71c");
const ATTACKER: Address = address!("0x000000000000000000000000000000000000bad0");
const PM: Address = address!("0x0000000000000000000000000000000000009a70");
const OTHER_PM: Address = address!("0x0000000000000000000000000000000000009a71");

/// Call targets an op draws from (the account and the module included: self-calls).
const TARGETS: [Address; 8] = [TA, TB, TC, DEX, ALICE, ATTACKER, ACCOUNT, MODULE];
/// Signers 0..3 get registered; 3 never is.
const SIGNERS: usize = 3;
/// Gas limits of every op: the prefund is `GAS_UNITS × maxFeePerGas`.
const GAS_UNITS: u128 = 100 + 50 + 10;
const START: u64 = 150;

sol! {
    function poke(uint256 x);
}

fn poke_selector() -> [u8; 4] {
    pokeCall::SELECTOR
}

// ---------------------------------------------------------------------------------------------
// Steps

/// A cap on one token in a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cap {
    None,
    Limited(u64),
    Unlimited,
}

/// What a registration allows.
#[derive(Clone, Debug)]
struct RegSpec {
    valid_after: u64,
    /// 0 = no expiry, else the window's length.
    length: u64,
    native: Option<u128>,
    /// Budget in units of one fee step's prefund; `None` = unlimited.
    gas: Option<u128>,
    max_ops: Option<u32>,
    paymaster: bool,
    /// Which of the [`MENU`] entries the record holds.
    calls: u8,
    ta: Cap,
    tb: Cap,
    /// An empty window: the contract must refuse the record.
    broken: bool,
}

impl RegSpec {
    fn window(&self) -> (u64, u64) {
        if self.broken {
            return (self.valid_after + 1, self.valid_after + 1);
        }
        let until = if self.length == 0 {
            0
        } else {
            self.valid_after + self.length
        };
        (self.valid_after, until)
    }

    fn cap(&self, token: Address) -> Cap {
        match token {
            t if t == TA => self.ta,
            t if t == TB => self.tb,
            _ => Cap::None,
        }
    }

    fn record(&self, signer: Address) -> SessionRecord {
        let (valid_after, valid_until) = self.window();
        let mut calls: Vec<CallPolicy> = (0..MENU)
            .filter(|i| self.calls & (1 << i) != 0)
            .map(menu_entry)
            .collect();
        calls.sort_by_key(|c| c.key.to_bytes());
        let mut token_caps = Vec::new();
        for (token, cap) in [(TA, self.ta), (TB, self.tb)] {
            let limit = match cap {
                Cap::None => continue,
                Cap::Limited(v) => TokenLimit::Limited(U256::from(v)),
                Cap::Unlimited => TokenLimit::Unlimited,
            };
            token_caps.push(TokenCap { token, limit });
        }
        SessionRecord {
            signer,
            signer_key: Default::default(),
            valid_after,
            valid_until,
            native_cap: self.native.map_or(Limit::Unlimited, Limit::Limited),
            gas_budget: self
                .gas
                .map_or(Limit::Unlimited, |k| Limit::Limited(k * GAS_UNITS)),
            max_ops: self.max_ops,
            paymaster: self.paymaster.then_some(PM),
            period: None,
            calls,
            token_caps,
        }
    }
}

/// The call policies a registration picks from.
const MENU: usize = 7;

fn menu_entry(i: usize) -> CallPolicy {
    let key = |target, selector| CallKey { target, selector };
    let word = |v: u64| B256::from(U256::from(v));
    let (key, max_value, rules) = match i {
        // approve(DEX, ≤ 100) on TA.
        0 => (
            key(TargetMatch::Exact(TA), SelectorMatch::Exact(APPROVE)),
            0,
            vec![
                ParamRule::new(Condition::Eq, 0, DEX.into_word()),
                ParamRule::new(Condition::Lte, 1, word(100)),
            ],
        ),
        1 => (
            key(TargetMatch::Exact(TA), SelectorMatch::Exact(TRANSFER)),
            0,
            vec![],
        ),
        // transfer on any contract (an any-target wildcard).
        2 => (
            key(TargetMatch::Any, SelectorMatch::Exact(TRANSFER)),
            0,
            vec![],
        ),
        3 => (
            key(TargetMatch::Exact(ALICE), SelectorMatch::Empty),
            3,
            vec![],
        ),
        // Anything on DEX (an any-selector wildcard), up to 2 wei a call.
        4 => (key(TargetMatch::Exact(DEX), SelectorMatch::Any), 2, vec![]),
        // poke(x ∈ {1, 2, 3}) on DEX: more specific than entry 4, never rescued by it.
        5 => (
            key(
                TargetMatch::Exact(DEX),
                SelectorMatch::Exact(poke_selector()),
            ),
            1,
            vec![ParamRule {
                condition: Condition::OneOf,
                word_index: 0,
                values: vec![word(1), word(2), word(3)],
            }],
        ),
        // approve(_, 1..=50) on TB.
        6 => (
            key(TargetMatch::Exact(TB), SelectorMatch::Exact(APPROVE)),
            0,
            vec![ParamRule {
                condition: Condition::InRange,
                word_index: 1,
                values: vec![word(1), word(50)],
            }],
        ),
        _ => unreachable!(),
    };
    CallPolicy {
        key,
        max_value,
        rules,
    }
}

/// One call's calldata, kept symbolic so the model can judge it without decoding bytes.
#[derive(Clone, Copy, Debug)]
enum Data {
    Approve {
        to_dex: bool,
        amount: u64,
    },
    Transfer {
        amount: u64,
    },
    Poke {
        x: u64,
    },
    Empty,
    /// An unknown selector.
    Junk,
    /// Two bytes: shorter than a selector.
    Short,
    /// `approve` with a trailing byte (not the canonical spend encoding).
    BadApprove,
}

impl Data {
    fn bytes(&self) -> Vec<u8> {
        let approve = |to_dex: bool, amount: u64| {
            let spender = if to_dex { DEX } else { ATTACKER };
            let mut v = APPROVE.to_vec();
            v.extend_from_slice(spender.into_word().as_slice());
            v.extend_from_slice(&U256::from(amount).to_be_bytes::<32>());
            v
        };
        match *self {
            Data::Approve { to_dex, amount } => approve(to_dex, amount),
            Data::Transfer { amount } => {
                let mut v = TRANSFER.to_vec();
                v.extend_from_slice(ALICE.into_word().as_slice());
                v.extend_from_slice(&U256::from(amount).to_be_bytes::<32>());
                v
            }
            Data::Poke { x } => pokeCall { x: U256::from(x) }.abi_encode(),
            Data::Empty => vec![],
            Data::Junk => vec![0xde, 0xad, 0xbe, 0xef],
            Data::Short => vec![0x09, 0x5e],
            Data::BadApprove => {
                let mut v = approve(true, 1);
                v.push(0);
                v
            }
        }
    }

    /// The ERC-20 amount the call moves or grants on its target.
    fn spend(&self) -> Option<u64> {
        match *self {
            Data::Approve { amount, .. } | Data::Transfer { amount } => Some(amount),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct CallSpec {
    target: usize,
    value: u64,
    data: Data,
}

impl CallSpec {
    fn target(&self) -> Address {
        TARGETS[self.target]
    }

    fn call(&self) -> Call {
        Call {
            target: self.target(),
            value: U256::from(self.value),
            data: self.data.bytes().into(),
        }
    }
}

/// How the op's `callData` is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Single for one call, batch for more.
    Auto,
    /// Batch even for one call.
    Batch,
    Delegate,
    Static,
    /// Batch call type, try exec type.
    Try,
    EmptyBatch,
    ExecuteUserOp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sig {
    Good,
    /// Names the signer, signed by another key.
    WrongKey,
    /// 84 bytes.
    Short,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pm {
    None,
    Named,
    Other,
}

#[derive(Clone, Debug)]
struct OpSpec {
    /// Index of the signing key; with `live`, the index among the live sessions instead
    /// (resolved when the step runs, so ops mostly reach a policy).
    signer: usize,
    live: bool,
    sig: Sig,
    mode: Mode,
    calls: Vec<CallSpec>,
    fee: u128,
    paymaster: Pm,
}

#[derive(Clone, Debug)]
enum Step {
    Register {
        signer: usize,
        spec: RegSpec,
    },
    /// Revoke when live, then register again: a new registration of the same key.
    Supersede {
        signer: usize,
        spec: RegSpec,
    },
    Op(OpSpec),
    Revoke {
        signer: usize,
    },
    RevokeAll,
    Uninstall,
    Reinstall {
        regs: Vec<(usize, RegSpec)>,
    },
    Advance {
        secs: u64,
    },
}

// ---------------------------------------------------------------------------------------------
// Strategies

fn cap() -> impl Strategy<Value = Cap> {
    prop_oneof![
        1 => Just(Cap::None),
        3 => (0u64..=300).prop_map(Cap::Limited),
        1 => Just(Cap::Unlimited),
    ]
}

fn reg_spec() -> impl Strategy<Value = RegSpec> {
    (
        (
            prop::sample::select(vec![0u64, 0, 100, 300]),
            prop::sample::select(vec![0u64, 0, 100, 400]),
            prop::option::weighted(0.8, 0u128..=12),
            prop::option::weighted(0.7, 0u128..=6),
            prop::option::weighted(0.5, 1u32..=5),
        ),
        (
            prop::bool::weighted(0.3),
            // Each policy of the menu with probability 0.85.
            prop::collection::vec(prop::bool::weighted(0.85), MENU)
                .prop_map(|bits| bits.iter().rev().fold(0u8, |m, b| (m << 1) | *b as u8)),
            cap(),
            cap(),
            prop::bool::weighted(0.05),
        ),
    )
        .prop_map(
            |((valid_after, length, native, gas, max_ops), (paymaster, calls, ta, tb, broken))| {
                RegSpec {
                    valid_after,
                    length,
                    native,
                    gas,
                    max_ops,
                    paymaster,
                    calls,
                    ta,
                    tb,
                    broken,
                }
            },
        )
}

fn data() -> impl Strategy<Value = Data> {
    prop_oneof![
        4 => (prop::bool::weighted(0.8), 0u64..=120).prop_map(|(to_dex, amount)| Data::Approve { to_dex, amount }),
        4 => (0u64..=120).prop_map(|amount| Data::Transfer { amount }),
        2 => (0u64..=4).prop_map(|x| Data::Poke { x }),
        3 => Just(Data::Empty),
        1 => Just(Data::Junk),
        1 => Just(Data::Short),
        1 => Just(Data::BadApprove),
    ]
}

/// Index of `a` in [`TARGETS`].
fn target_index(a: Address) -> usize {
    TARGETS.iter().position(|t| *t == a).unwrap()
}

fn call_spec() -> impl Strategy<Value = CallSpec> {
    let at = |target: Address, value: BoxedStrategy<u64>, data: BoxedStrategy<Data>| {
        (value, data).prop_map(move |(value, data)| CallSpec {
            target: target_index(target),
            value,
            data,
        })
    };
    let zero = || Just(0u64).boxed();
    let amount = || 0u64..=160;
    prop_oneof![
        // Mostly calls shaped like one of the menu's policies (so that ops do execute and caps
        // get reached), near their limits; then anything at all.
        2 => at(TA, zero(), (prop::bool::weighted(0.9), amount()).prop_map(|(to_dex, amount)| Data::Approve { to_dex, amount }).boxed()),
        2 => at(TA, zero(), amount().prop_map(|amount| Data::Transfer { amount }).boxed()),
        2 => (prop::sample::select(vec![TB, TB, TC, DEX]), amount()).prop_map(|(t, amount)| CallSpec {
            target: target_index(t),
            value: 0,
            data: Data::Transfer { amount },
        }),
        2 => at(ALICE, (0u64..=4).boxed(), Just(Data::Empty).boxed()),
        2 => at(DEX, (0u64..=3).boxed(), prop_oneof![Just(Data::Empty), Just(Data::Junk)].boxed()),
        2 => at(DEX, (0u64..=2).boxed(), (0u64..=4).prop_map(|x| Data::Poke { x }).boxed()),
        2 => at(TB, zero(), (0u64..=60).prop_map(|amount| Data::Approve { to_dex: true, amount }).boxed()),
        3 => (
            prop_oneof![12 => 0usize..6, 1 => 6usize..8],
            prop_oneof![3 => Just(0u64), 1 => 0u64..=4],
            data(),
        )
            .prop_map(|(target, value, data)| CallSpec {
                target,
                value,
                data,
            }),
    ]
}

fn op_spec() -> impl Strategy<Value = OpSpec> {
    (
        prop_oneof![9 => 0usize..SIGNERS, 1 => Just(SIGNERS)],
        prop::bool::weighted(0.8),
        prop_oneof![
            38 => Just(Sig::Good),
            1 => Just(Sig::WrongKey),
            1 => Just(Sig::Short),
        ],
        prop_oneof![
            60 => Just(Mode::Auto),
            2 => Just(Mode::Batch),
            1 => Just(Mode::Delegate),
            1 => Just(Mode::Static),
            1 => Just(Mode::Try),
            1 => Just(Mode::EmptyBatch),
            1 => Just(Mode::ExecuteUserOp),
        ],
        prop_oneof![
            6 => prop::collection::vec(call_spec(), 1..=1),
            3 => prop::collection::vec(call_spec(), 2..=2),
            2 => prop::collection::vec(call_spec(), 3..=4),
        ],
        0u128..=2,
        prop_oneof![20 => Just(Pm::None), 2 => Just(Pm::Named), 1 => Just(Pm::Other)],
    )
        .prop_map(|(signer, live, sig, mode, calls, fee, paymaster)| OpSpec {
            signer,
            live,
            sig,
            mode,
            calls,
            fee,
            paymaster,
        })
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0usize..SIGNERS, reg_spec()).prop_map(|(signer, spec)| Step::Register { signer, spec }),
        3 => (0usize..SIGNERS, reg_spec()).prop_map(|(signer, spec)| Step::Supersede { signer, spec }),
        40 => op_spec().prop_map(Step::Op),
        2 => (0usize..=SIGNERS).prop_map(|signer| Step::Revoke { signer }),
        1 => Just(Step::RevokeAll),
        1 => Just(Step::Uninstall),
        8 => prop::collection::vec((0usize..SIGNERS, reg_spec()), 0..=3).prop_map(|regs| Step::Reinstall { regs }),
        3 => prop::sample::select(vec![1u64, 25, 60, 200]).prop_map(|secs| Step::Advance { secs }),
    ]
}

/// A case: the install's records, then the steps.
fn case() -> impl Strategy<Value = (Vec<(usize, RegSpec)>, Vec<Step>)> {
    (
        // Distinct signers, valid records: the install itself succeeds.
        prop::collection::vec(reg_spec(), 0..=SIGNERS).prop_map(|specs| {
            specs
                .into_iter()
                .map(|mut spec| {
                    spec.broken = false;
                    spec
                })
                .enumerate()
                .collect()
        }),
        prop::collection::vec(step(), 1..=48),
    )
}

// ---------------------------------------------------------------------------------------------
// Keys: one hash for every op, so signatures and ecrecover answers are computed once.

struct Keys {
    hash: B256,
    addresses: Vec<Address>,
    /// Per signer: the good signature and the one by another key naming it.
    good: Vec<SessionSignature>,
    wrong: Vec<SessionSignature>,
    /// (ecrecover input, output) for every signature above.
    recover: Vec<([u8; 128], Vec<u8>)>,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let hash = keccak256("stateful sequences");
        let keys: Vec<SessionKey> = (0..=SIGNERS)
            .map(|i| SessionKey::from_bytes(&[0x31 + i as u8; 32]).unwrap())
            .collect();
        let good: Vec<SessionSignature> = keys
            .iter()
            .map(|k| k.sign_user_op_hash(&hash, MODULE))
            .collect();
        let wrong: Vec<SessionSignature> = (0..keys.len())
            .map(|i| {
                let mut s = keys[(i + 1) % keys.len()].sign_user_op_hash(&hash, MODULE);
                s.signer = keys[i].address();
                s
            })
            .collect();
        let digest = session_digest(&hash, MODULE);
        let recover = good
            .iter()
            .chain(&wrong)
            .map(|s| {
                let input = s.ecrecover_input(&digest);
                (input, support::precompile_ecrecover(&input))
            })
            .collect();
        Keys {
            hash,
            addresses: keys.iter().map(|k| k.address()).collect(),
            good,
            wrong,
            recover,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The reference model

/// What executed under one registration.
#[derive(Clone, Debug, Default)]
struct Spent {
    native: u128,
    tokens: BTreeMap<Address, u128>,
    ops: u32,
    gas: u128,
}

struct Reg {
    spec: RegSpec,
    perm_nonce: u64,
    revoked: bool,
    spent: Spent,
    /// The simulator's words for this registration.
    store: MemoryStore,
}

struct Model {
    installed: bool,
    next_nonce: u64,
    revoked_below: u64,
    now: u64,
    regs: [Option<Reg>; SIGNERS],
}

impl Model {
    fn live(&self, s: usize) -> bool {
        s < SIGNERS
            && self.installed
            && self.regs[s]
                .as_ref()
                .is_some_and(|r| !r.revoked && r.perm_nonce >= self.revoked_below)
    }
}

/// Per-run figures (all cases, all threads).
static CASES: AtomicU64 = AtomicU64::new(0);
static STEPS: AtomicU64 = AtomicU64::new(0);
static MAX_STEPS: AtomicU64 = AtomicU64::new(0);
static OPS: AtomicU64 = AtomicU64::new(0);
static EXECUTED: AtomicU64 = AtomicU64::new(0);
static REVERTED: AtomicU64 = AtomicU64::new(0);
static NOT_EXECUTED: AtomicU64 = AtomicU64::new(0);
static DEAD_REFUSED: AtomicU64 = AtomicU64::new(0);
static ADMIN: AtomicU64 = AtomicU64::new(0);
static ADMIN_REFUSED: AtomicU64 = AtomicU64::new(0);
/// Ops by verdict (error name, "returned", "signature failed").
static VERDICTS: Mutex<BTreeMap<&'static str, u64>> = Mutex::new(BTreeMap::new());

macro_rules! check {
    ($prop:literal, $cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(TestCaseError::fail(format!(concat!("[", $prop, "] {}"), format!($($fmt)+))));
        }
    };
}

struct Harness {
    contract: Contract,
    model: Model,
}

type Checked = Result<(), TestCaseError>;

impl Harness {
    fn new() -> Self {
        let contract = Contract::new(MODULE, ACCOUNT);
        Self {
            contract,
            model: Model {
                installed: false,
                next_nonce: 0,
                revoked_below: 0,
                now: START,
                regs: [None, None, None],
            },
        }
    }

    fn signer(s: usize) -> Address {
        keys().addresses[s]
    }

    /// Runs an admin call; `expected` is the model's verdict (`Err` with the revert data, or
    /// only its selector when `selector_only`).
    fn admin(&mut self, data: &[u8], expected: Result<(), Vec<u8>>, what: &str) -> Checked {
        ADMIN.fetch_add(1, Relaxed);
        let before = self.contract.storage();
        let got = self.contract.call(data);
        match (&expected, &got) {
            (Ok(()), Ok(_)) => {}
            (Err(want), Err(got_data)) => {
                ADMIN_REFUSED.fetch_add(1, Relaxed);
                let same = if want.len() == 4 {
                    got_data.get(..4) == Some(&want[..])
                } else {
                    want == got_data
                };
                check!(
                    "model",
                    same,
                    "{what}: reverted with {got_data:02x?}, model expects {want:02x?}"
                );
                let after = self.contract.storage();
                check!(
                    "no-write",
                    before == after,
                    "{what}: refused but wrote {:?}",
                    diff(&before, &after)
                );
            }
            _ => check!(
                "model",
                false,
                "{what}: contract {got:02x?}, model expects {expected:02x?}"
            ),
        }
        Ok(())
    }

    /// The contract's words of a fresh registration are the simulator's.
    fn check_registered(&self, s: usize) -> Checked {
        let reg = self.model.regs[s].as_ref().unwrap();
        let signer = Self::signer(s);
        let st = self.contract.storage();
        let get = |k: U256| st.get(&k).copied().unwrap_or_default();
        check!(
            "agreement",
            get(slots::session(ACCOUNT, signer, 0)) == reg.store.header.pack(),
            "header of new registration of signer {s}"
        );
        if has_counters(reg.store.header.flags) {
            check!(
                "agreement",
                get(slots::session(ACCOUNT, signer, 1)) == reg.store.counters,
                "counters of new registration of signer {s}"
            );
        }
        for (token, word) in &reg.store.tokens {
            check!(
                "agreement",
                get(slots::token(ACCOUNT, signer, reg.perm_nonce, *token)) == *word,
                "token word of new registration of signer {s}"
            );
        }
        Ok(())
    }

    fn new_reg(&mut self, s: usize, spec: &RegSpec) {
        let record = spec.record(Self::signer(s));
        let perm_nonce = self.model.next_nonce;
        self.model.next_nonce += 1;
        self.model.regs[s] = Some(Reg {
            spec: spec.clone(),
            perm_nonce,
            revoked: false,
            spent: Spent::default(),
            store: MemoryStore::new(&record, perm_nonce),
        });
    }

    fn register(&mut self, s: usize, spec: &RegSpec) -> Checked {
        let signer = Self::signer(s);
        let record = spec.record(signer);
        let expected = if !self.model.installed {
            Err(I::NotInstalled { account: ACCOUNT }.abi_encode())
        } else if spec.broken {
            Err(I::InvalidRecord::SELECTOR.to_vec())
        } else if self.model.live(s) {
            Err(I::SessionAlreadyActive {
                account: ACCOUNT,
                signer,
            }
            .abi_encode())
        } else {
            Ok(())
        };
        let ok = expected.is_ok();
        self.admin(
            &account_calls::register_session(&record),
            expected,
            "registerSession",
        )?;
        if ok {
            self.new_reg(s, spec);
            self.check_registered(s)?;
        }
        Ok(())
    }

    fn revoke(&mut self, s: usize) -> Checked {
        let signer = Self::signer(s);
        let expected = if !self.model.installed {
            Err(I::NotInstalled { account: ACCOUNT }.abi_encode())
        } else if !self.model.live(s) {
            Err(I::SessionNotActive {
                account: ACCOUNT,
                signer,
            }
            .abi_encode())
        } else {
            Ok(())
        };
        let ok = expected.is_ok();
        self.admin(
            &account_calls::revoke_session(signer),
            expected,
            "revokeSession",
        )?;
        if ok {
            self.model.regs[s].as_mut().unwrap().revoked = true;
        }
        Ok(())
    }

    fn revoke_all(&mut self, uninstall: bool) -> Checked {
        let expected = if self.model.installed {
            Ok(())
        } else {
            Err(I::NotInstalled { account: ACCOUNT }.abi_encode())
        };
        let ok = expected.is_ok();
        let data = if uninstall {
            I::onUninstallCall { data: Bytes::new() }.abi_encode()
        } else {
            account_calls::revoke_all_sessions().to_vec()
        };
        self.admin(
            &data,
            expected,
            if uninstall {
                "onUninstall"
            } else {
                "revokeAllSessions"
            },
        )?;
        if ok {
            self.model.revoked_below = self.model.next_nonce;
            if uninstall {
                self.model.installed = false;
            }
        }
        Ok(())
    }

    fn install(&mut self, regs: &[(usize, RegSpec)]) -> Checked {
        let records: Vec<SessionRecord> = regs
            .iter()
            .map(|(s, spec)| spec.record(Self::signer(*s)))
            .collect();
        let mut expected = Ok(());
        if self.model.installed {
            expected = Err(I::AlreadyInstalled { account: ACCOUNT }.abi_encode());
        } else {
            for (i, (s, spec)) in regs.iter().enumerate() {
                if spec.broken {
                    expected = Err(I::InvalidRecord::SELECTOR.to_vec());
                    break;
                }
                if regs[..i].iter().any(|(t, _)| t == s) {
                    expected = Err(I::SessionAlreadyActive {
                        account: ACCOUNT,
                        signer: Self::signer(*s),
                    }
                    .abi_encode());
                    break;
                }
            }
        }
        let ok = expected.is_ok();
        let data = I::onInstallCall {
            data: account_calls::install_data(&records),
        }
        .abi_encode();
        self.admin(&data, expected, "onInstall")?;
        if ok {
            self.model.installed = true;
            for (s, spec) in regs {
                self.new_reg(*s, spec);
                self.check_registered(*s)?;
            }
        }
        Ok(())
    }

    fn build_op(op: &OpSpec) -> PackedUserOperation {
        let k = keys();
        let calls: Vec<Call> = op.calls.iter().map(CallSpec::call).collect();
        let gas = GasLimits {
            verification_gas_limit: 100,
            call_gas_limit: 50,
            pre_verification_gas: 10,
            max_fee_per_gas: op.fee,
            max_priority_fee_per_gas: 0,
        };
        let pm = Paymaster {
            address: if op.paymaster == Pm::Other {
                OTHER_PM
            } else {
                PM
            },
            verification_gas_limit: 40,
            post_op_gas_limit: 20,
            data: Bytes::new(),
        };
        let pm = (op.paymaster != Pm::None).then_some(&pm);
        let mut packed = session_user_op(ACCOUNT, U256::ZERO, &calls, gas, pm).pack();
        let execute = |mode: B256, data: Vec<u8>| -> Bytes {
            IERC7579Account::executeCall {
                mode,
                executionCalldata: data.into(),
            }
            .abi_encode()
            .into()
        };
        let inner = |calldata: &Bytes| -> Vec<u8> {
            // The execution payload of the encoded `execute`.
            IERC7579Account::executeCall::abi_decode(calldata)
                .unwrap()
                .executionCalldata
                .to_vec()
        };
        let single = account_calls::execute_single(&calls[0]);
        let batch = account_calls::execute_batch(&calls);
        let mode = |b0: u8, b1: u8| {
            let mut m = B256::ZERO;
            m[0] = b0;
            m[1] = b1;
            m
        };
        packed.callData = match op.mode {
            Mode::Auto => packed.callData,
            Mode::Batch => batch,
            Mode::Delegate => execute(mode(0xff, 0), inner(&single)),
            Mode::Static => execute(mode(0xfe, 0), inner(&single)),
            Mode::Try => execute(mode(0x01, 0x01), inner(&batch)),
            Mode::EmptyBatch => account_calls::execute_batch(&[]),
            Mode::ExecuteUserOp => {
                let mut v = sessionkey_policy::execution::EXECUTE_USER_OP_SELECTOR.to_vec();
                v.extend_from_slice(&[0u8; 64]);
                v.into()
            }
        };
        let sig = match op.sig {
            Sig::Good | Sig::Short => k.good[op.signer],
            Sig::WrongKey => k.wrong[op.signer],
        };
        let mut sig = sig.to_bytes().to_vec();
        if op.sig == Sig::Short {
            sig.pop();
        }
        packed.signature = sig.into();
        packed
    }

    fn op(&mut self, spec: &OpSpec) -> Checked {
        OPS.fetch_add(1, Relaxed);
        let live: Vec<usize> = (0..SIGNERS).filter(|s| self.model.live(*s)).collect();
        let mut spec = spec.clone();
        if spec.live && !live.is_empty() {
            spec.signer = live[spec.signer % live.len()];
        }
        let spec = &spec;
        let k = keys();
        let op = Self::build_op(spec);
        let s = spec.signer;
        let signer = Self::signer(s);
        // TestVM answers a static call with the return data of the latest mock, so the matching
        // one is set right before the call.
        let recover = match spec.sig {
            Sig::Good | Sig::Short => &k.recover[s],
            Sig::WrongKey => &k.recover[k.good.len() + s],
        };
        self.contract.mock_ecrecover(&recover.0, recover.1.clone());
        let before = self.contract.storage();
        let got = self.contract.validate(&op, k.hash);
        let after = self.contract.storage();

        // 4. agreement: the simulator (which assumes an installed module) says the same.
        let sim_store;
        let verdict = if self.model.installed {
            let live = self.model.live(s);
            let store = match self.model.regs.get(s).and_then(Option::as_ref) {
                Some(r) => &r.store,
                None => {
                    sim_store = MemoryStore::new(&RegSpec::dummy().record(signer), 0);
                    &sim_store
                }
            };
            let view = SessionView {
                signer,
                store,
                revoked: !live,
            };
            let v = simulate(&view, MODULE, &op, k.hash);
            let name = match v.outcome {
                Outcome::Returns(vd) if vd.sig_failed => "signature failed",
                Outcome::Returns(_) => "returned",
                Outcome::Reverts(r) => r.error_name(),
            };
            *VERDICTS.lock().unwrap().entry(name).or_default() += 1;
            check!(
                "agreement",
                v.contract_result() == got,
                "simulator {:?} vs contract {got:?} for {spec:?}",
                v.outcome
            );
            Some(v)
        } else {
            *VERDICTS.lock().unwrap().entry("NotInstalled").or_default() += 1;
            let want: Bytes = I::NotInstalled { account: ACCOUNT }.abi_encode().into();
            check!(
                "model",
                got == Err(want),
                "op on an uninstalled module: {got:?}"
            );
            None
        };

        let word = match got {
            Err(_) => {
                // 3. no-write.
                REVERTED.fetch_add(1, Relaxed);
                check!(
                    "no-write",
                    before == after,
                    "rejected op wrote {:?}",
                    diff(&before, &after)
                );
                if !self.model.live(s) && spec.sig != Sig::Short {
                    DEAD_REFUSED.fetch_add(1, Relaxed);
                }
                return Ok(());
            }
            Ok(w) => w,
        };
        let verdict = verdict.expect("returned, so installed");
        let store_after = verdict.store_after.as_ref().expect("returned");

        // 4. agreement on storage: exactly the words the simulator predicts changed.
        let reg = self.model.regs[s]
            .as_ref()
            .expect("returned, so registered");
        let mut predicted = HashMap::new();
        if store_after.header != reg.store.header {
            predicted.insert(
                slots::session(ACCOUNT, signer, 0),
                store_after.header.pack(),
            );
        }
        if store_after.counters != reg.store.counters {
            predicted.insert(slots::session(ACCOUNT, signer, 1), store_after.counters);
        }
        for (token, w) in &store_after.tokens {
            if reg.store.tokens.get(token) != Some(w) {
                predicted.insert(slots::token(ACCOUNT, signer, reg.perm_nonce, *token), *w);
            }
        }
        let written = diff(&before, &after);
        check!(
            "agreement",
            written == predicted,
            "op wrote {written:?}, simulator predicts {predicted:?}"
        );

        let vd = ValidationData::unpack(U256::from_be_bytes(word.0)).expect("no aggregator");
        let now = self.model.now;
        let in_window = now >= vd.valid_after && (vd.valid_until == 0 || now <= vd.valid_until);
        if vd.sig_failed || !in_window {
            // EntryPoint refuses the op and the bundle reverts with it.
            NOT_EXECUTED.fetch_add(1, Relaxed);
            self.contract.restore(&before);
            return Ok(());
        }
        EXECUTED.fetch_add(1, Relaxed);

        // 2. dead: only a live registration's own key, inside its own window, executes.
        check!(
            "dead",
            self.model.live(s),
            "signer {s} is not live but its op executed: {spec:?}"
        );
        check!(
            "dead",
            spec.sig == Sig::Good,
            "op not signed by the session key executed: {spec:?}"
        );
        let reg = self.model.regs[s].as_mut().unwrap();
        let (after_t, until_t) = reg.spec.window();
        check!(
            "dead",
            now >= after_t && (until_t == 0 || now <= until_t),
            "executed at {now} outside the registration's window [{after_t}, {until_t}]"
        );
        check!(
            "dead",
            (vd.valid_after, vd.valid_until) == (after_t, until_t),
            "returned window {vd:?} is not the current registration's"
        );

        // 1. caps, and every call one of the current registration's policies.
        check!(
            "caps",
            matches!(spec.mode, Mode::Auto | Mode::Batch),
            "call type {:?} executed",
            spec.mode
        );
        let mut native = 0u128;
        for c in &spec.calls {
            check!(
                "caps",
                c.target() != ACCOUNT && c.target() != MODULE,
                "self-call executed: {c:?}"
            );
            check!(
                "caps",
                permitted(&reg.spec, c),
                "call no policy allows executed: {c:?} under {:?}",
                reg.spec
            );
            native += c.value as u128;
            if let Some(amount) = c.data.spend() {
                *reg.spent.tokens.entry(c.target()).or_default() += amount as u128;
            }
        }
        reg.spent.native += native;
        reg.spent.ops += 1;
        match spec.paymaster {
            Pm::None => reg.spent.gas += GAS_UNITS * spec.fee,
            Pm::Named => check!(
                "caps",
                reg.spec.paymaster,
                "paymaster used by a session naming none"
            ),
            Pm::Other => check!("caps", false, "another paymaster sponsored an executed op"),
        }
        let spent = &reg.spent;
        if let Some(cap) = reg.spec.native {
            check!(
                "caps",
                spent.native <= cap,
                "native {} > cap {cap}",
                spent.native
            );
        }
        for (token, amount) in &spent.tokens {
            match reg.spec.cap(*token) {
                Cap::None => check!("caps", false, "spent {amount} of uncapped token {token}"),
                Cap::Limited(cap) => {
                    check!(
                        "caps",
                        *amount <= cap as u128,
                        "token {token}: {amount} > cap {cap}"
                    )
                }
                Cap::Unlimited => {}
            }
        }
        if let Some(n) = reg.spec.max_ops {
            check!("caps", spent.ops <= n, "ops {} > max {n}", spent.ops);
        }
        if let Some(k) = reg.spec.gas {
            check!(
                "caps",
                spent.gas <= k * GAS_UNITS,
                "gas {} > budget {}",
                spent.gas,
                k * GAS_UNITS
            );
        }
        reg.store = store_after.clone();
        Ok(())
    }

    fn step(&mut self, step: &Step) -> Checked {
        match step {
            Step::Register { signer, spec } => self.register(*signer, spec),
            Step::Supersede { signer, spec } => {
                if self.model.live(*signer) {
                    self.revoke(*signer)?;
                }
                self.register(*signer, spec)
            }
            Step::Op(op) => self.op(op),
            Step::Revoke { signer } => {
                if *signer < SIGNERS {
                    self.revoke(*signer)
                } else {
                    let signer = Self::signer(*signer);
                    let expected = if self.model.installed {
                        Err(I::SessionNotActive {
                            account: ACCOUNT,
                            signer,
                        }
                        .abi_encode())
                    } else {
                        Err(I::NotInstalled { account: ACCOUNT }.abi_encode())
                    };
                    self.admin(
                        &account_calls::revoke_session(signer),
                        expected,
                        "revokeSession",
                    )
                }
            }
            Step::RevokeAll => self.revoke_all(false),
            Step::Uninstall => self.revoke_all(true),
            Step::Reinstall { regs } => self.install(regs),
            Step::Advance { secs } => {
                self.model.now += secs;
                Ok(())
            }
        }
    }
}

impl RegSpec {
    /// A record for a signer the model never registered (the simulator is told it is dead).
    fn dummy() -> Self {
        RegSpec {
            valid_after: 0,
            length: 0,
            native: None,
            gas: None,
            max_ops: None,
            paymaster: false,
            calls: 0,
            ta: Cap::None,
            tb: Cap::None,
            broken: false,
        }
    }
}

/// Whether one of the registration's call policies allows the call (the model's own reading of
/// [`menu_entry`]; the engine's most-specific lookup may refuse more, never less).
fn permitted(spec: &RegSpec, c: &CallSpec) -> bool {
    let t = c.target();
    let v = c.value;
    let has = |i: usize| spec.calls & (1 << i) != 0;
    if matches!(c.data, Data::Short | Data::BadApprove) {
        return false;
    }
    let poke_ok = |x: u64| (1..=3).contains(&x);
    (has(0)
        && t == TA
        && v == 0
        && matches!(c.data, Data::Approve { to_dex: true, amount } if amount <= 100))
        || (has(1) && t == TA && v == 0 && matches!(c.data, Data::Transfer { .. }))
        || (has(2) && v == 0 && matches!(c.data, Data::Transfer { .. }))
        || (has(3) && t == ALICE && v <= 3 && matches!(c.data, Data::Empty))
        || (has(4) && t == DEX && v <= 2)
        || (has(5) && t == DEX && v <= 1 && matches!(c.data, Data::Poke { x } if poke_ok(x)))
        || (has(6)
            && t == TB
            && v == 0
            && matches!(c.data, Data::Approve { amount, .. } if (1..=50).contains(&amount)))
}

fn run_case(install: &[(usize, RegSpec)], steps: &[Step]) -> Checked {
    let mut h = Harness::new();
    h.install(install)?;
    for step in steps {
        h.step(step)?;
    }
    CASES.fetch_add(1, Relaxed);
    STEPS.fetch_add(steps.len() as u64 + 1, Relaxed);
    MAX_STEPS.fetch_max(steps.len() as u64 + 1, Relaxed);
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

#[test]
fn long_sequences_keep_caps_liveness_storage_and_agreement() {
    let cases = cases();
    let config = Config {
        cases,
        // Shrunk failures are printed; nothing is written next to the sources.
        failure_persistence: None,
        ..Config::default()
    };
    let started = std::time::Instant::now();
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case(), |(install, steps)| run_case(&install, &steps));
    let secs = started.elapsed().as_secs_f64();
    let load = |a: &AtomicU64| a.load(Relaxed);
    let figures = format!(
        "cases={} seconds={secs:.1} steps={} max_steps={} ops={} executed={} reverted={} \
         accepted_not_executed={} dead_refused={} admin={} admin_refused={}",
        load(&CASES),
        load(&STEPS),
        load(&MAX_STEPS),
        load(&OPS),
        load(&EXECUTED),
        load(&REVERTED),
        load(&NOT_EXECUTED),
        load(&DEAD_REFUSED),
        load(&ADMIN),
        load(&ADMIN_REFUSED),
    );
    let figures = format!("{figures} verdicts={:?}", VERDICTS.lock().unwrap());
    eprintln!("stateful: {figures}");
    if let Ok(path) = std::env::var("STATEFUL_STATS") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("stats file");
        writeln!(f, "{figures}").unwrap();
    }
    if let Err(e) = result {
        panic!("{e}");
    }
    // The run reached every kind of outcome it is meant to exercise.
    if cases >= 32 {
        for (what, n) in [
            ("executed ops", load(&EXECUTED)),
            ("reverted ops", load(&REVERTED)),
            ("accepted, not executed", load(&NOT_EXECUTED)),
            ("ops of dead sessions", load(&DEAD_REFUSED)),
            ("refused admin calls", load(&ADMIN_REFUSED)),
        ] {
            assert!(n > 0, "no {what} in {cases} cases");
        }
    }
}
