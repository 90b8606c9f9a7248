//! Stateful properties over long sequences (issue #11, part 3).
//!
//! A case is an install followed by a random interleaving of registrations (fresh, invalid,
//! superseding), single and batch ops in every call type (the refused ones included),
//! revocations, revoke-all, uninstall/reinstall and clock advances. Registrations are of
//! secp256k1 keys (signers 0..3) or raw P-256 keys (signers 3..5), with caps for the session's
//! life or per period (`period`: every cap renews each period). An op on a periodic session
//! names its period in its signature: mostly the current one, sometimes a past, a later, or one
//! past the session's end, sometimes signed for another period than it names. Every step runs on
//! the contract itself (its router on stylus-test's `TestVM`) and every op also through the
//! SDK's simulator, next to a reference model written here from the words, not from the
//! engine. Properties, checked after every step:
//!
//! 1. **caps**: what executed under a registration (native value, each token, prefund charged
//!    to the gas budget, op count) never exceeds that registration's caps — for a periodic
//!    registration, what executed within any one period never exceeds the caps, and nothing of
//!    one period counts in another — and every executed call is one its call policies allow;
//! 2. **dead**: nothing a revoked, expired, uninstalled or superseded session signs executes,
//!    nor an op signed by another key, in a malleable form, or for another period than it names;
//! 3. **no-write**: a rejected op (or refused admin call) changes no storage word;
//! 4. **agreement**: the simulator's verdict equals the contract's (validationData word or
//!    revert bytes), and the words an accepted op writes are exactly those it predicts.
//!
//! The model also predicts, on its own, the verdict of every check that comes before the call
//! policies (liveness, signature shape, the named period, op count, paymaster, gas budget), the
//! `remaining` of every cap violation, the returned window and signature-failure bit, and the
//! session's stored counters and token words after every executed op.
//!
//! "Executed" is what EntryPoint would do with the answer: validation returned without the
//! signature-failure bit and the clock lies in the returned window (the module never reads the
//! clock; a periodic session returns the named period's window). When EntryPoint would refuse
//! an accepted op, the bundle reverts, so the test puts the storage back. `userOpHash` is an
//! argument of `validateUserOp`, so one hash serves every op, and each signature and its
//! precompile answer are computed once per (signer, form, period).
//!
//! P-256 signatures are checked by the `P256VERIFY` precompile, answered here by the
//! workspace's stand-in. WebAuthn signers are left out: their verification makes three
//! precompile calls (SHA-256 twice, then `P256VERIFY`), and the `TestVM` answers every static
//! call with the last mocked return data, so it cannot run here (`tests/e2e_passkeys.rs` covers
//! them on the devnet).
//!
//! Case count: `PROPTEST_CASES` (default 256); `scripts/properties.sh` runs 100,000 in release.
//! `STATEFUL_STATS=<file>` appends the run's figures to that file.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};

use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolError};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRunner};
use session_key_validator::p256::P256VERIFY;
use sessionkey_policy::erc20::{APPROVE, TRANSFER};
use sessionkey_policy::layout::{
    session_word, CallKey, CountersWord, PeriodCounters, PeriodicTokenWord, SelectorMatch,
    SessionHeader, TargetMatch, TokenCapWord, MIN_PERIOD,
};
use sessionkey_policy::memory::{has_counters, MemoryStore};
use sessionkey_policy::record::{SignerKey, MAX_TIMESTAMP};
use sessionkey_policy::signature::HALF_ORDER;
use sessionkey_policy::signer::{P256PublicKey, P256_ORDER};
use sessionkey_policy::validation_data::ValidationData;
use sessionkey_policy::{
    CallPolicy, Condition, Limit, ParamRule, SessionRecord, TokenCap, TokenLimit,
};
use sessionkey_sdk::account_calls::{self, Call, IERC7579Account, ISessionKeyValidator as I};
use sessionkey_sdk::key::{period_session_digest, session_digest};
use sessionkey_sdk::p256_key::P256Key;
use sessionkey_sdk::simulate::{simulate, Outcome, SessionView};
use sessionkey_sdk::user_op::{session_user_op, GasLimits, Paymaster};
use sessionkey_sdk::{PackedUserOperation, SessionKey};
use support::{diff, slots, Contract, ECRECOVER};

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
/// Signers 0..3 are secp256k1 keys, 3..5 P-256 keys: 0..5 get registered.
const SECP_SIGNERS: usize = 3;
const SIGNERS: usize = 5;
/// A secp256k1 signer that never is.
const UNREGISTERED: usize = SIGNERS;
/// Gas limits of every op: the prefund is `GAS_UNITS × maxFeePerGas`.
const GAS_UNITS: u128 = 100 + 50 + 10;
const START: u64 = 150;

/// Whether signer `s` is a P-256 key.
fn is_p256(s: usize) -> bool {
    (SECP_SIGNERS..SIGNERS).contains(&s)
}

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
    /// Caps per period of this many seconds (below [`MIN_PERIOD`]: the contract must refuse
    /// the record).
    period: Option<u32>,
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

    /// Whether the contract must refuse the record.
    fn invalid(&self) -> bool {
        self.broken || self.period.is_some_and(|p| p < MIN_PERIOD)
    }

    /// The period the clock is in (0 before the session starts).
    fn current_period(&self, now: u64) -> u32 {
        let (after, _) = self.window();
        let length = self.period.expect("periodic") as u64;
        (now.saturating_sub(after) / length) as u32
    }

    /// Period `n`'s window, `[after + n·P, after + (n+1)·P − 1]` cut at the session's end;
    /// `None` when it starts past the end (or past 48 bits for an open session).
    fn period_window(&self, n: u32) -> Option<(u64, u64)> {
        let (after, until) = self.window();
        let length = self.period.expect("periodic") as u128;
        let start = after as u128 + n as u128 * length;
        let last = if until == 0 {
            MAX_TIMESTAMP as u128
        } else {
            until as u128
        };
        (start <= last).then(|| (start as u64, (start + length - 1).min(last) as u64))
    }

    /// The first period past the session's end (`u32::MAX` for an open session).
    fn first_period_past_end(&self) -> u32 {
        let (after, until) = self.window();
        if until == 0 {
            return u32::MAX;
        }
        ((until - after) / self.period.expect("periodic") as u64 + 1) as u32
    }

    /// The period an op picking `pick` names now.
    fn named_period(&self, pick: Pick, now: u64) -> u32 {
        let current = self.current_period(now);
        match pick {
            Pick::Current => current,
            Pick::Back(k) => current.saturating_sub(k),
            Pick::Ahead(k) => current + k,
            Pick::PastEnd => self.first_period_past_end(),
            Pick::Max => u32::MAX,
        }
    }

    fn cap(&self, token: Address) -> Cap {
        match token {
            t if t == TA => self.ta,
            t if t == TB => self.tb,
            _ => Cap::None,
        }
    }

    fn record(&self, s: usize) -> SessionRecord {
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
            signer: Harness::signer(s),
            signer_key: match keys().p256_public(s) {
                Some(key) => SignerKey::P256(key),
                None => SignerKey::Secp256k1,
            },
            valid_after,
            valid_until,
            native_cap: self.native.map_or(Limit::Unlimited, Limit::Limited),
            gas_budget: self
                .gas
                .map_or(Limit::Unlimited, |k| Limit::Limited(k * GAS_UNITS)),
            max_ops: self.max_ops,
            paymaster: self.paymaster.then_some(PM),
            period: self.period,
            calls,
            token_caps,
            typed_data_scopes: Vec::new(),
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Sig {
    Good,
    /// Names the signer, signed by another key of the same kind.
    WrongKey,
    /// The key's own signature with `s` replaced by `n − s` (the malleable twin; `v` flipped
    /// for secp256k1): the precompile accepts it, the module must not.
    HighS,
    /// One byte short.
    Short,
}

/// Which period an op on a periodic session names, relative to the clock's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pick {
    Current,
    /// This many periods before the current one (at least period 0).
    Back(u32),
    /// This many after it.
    Ahead(u32),
    /// The first period past the session's end (`u32::MAX` for an open session).
    PastEnd,
    Max,
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
    /// `live` picks among the live periodic and P-256 sessions (else among the live lifetime
    /// secp256k1 ones).
    new_kinds: bool,
    sig: Sig,
    mode: Mode,
    calls: Vec<CallSpec>,
    fee: u128,
    paymaster: Pm,
    /// The period named (periodic sessions).
    period: Pick,
    /// Signed for the named period plus this (0: the named one).
    sign_off: i32,
    /// The signature has the other shape: no period for a periodic session, a period for a
    /// lifetime one.
    wrong_shape: bool,
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

/// A period with probability `periodic` (0 and 1 included).
fn period(periodic: f64) -> BoxedStrategy<Option<u32>> {
    let length = prop_oneof![
        30 => prop::sample::select(vec![MIN_PERIOD, MIN_PERIOD, 90, 150]),
        1 => Just(MIN_PERIOD - 1),
    ];
    if periodic <= 0.0 {
        Just(None).boxed()
    } else if periodic >= 1.0 {
        length.prop_map(Some).boxed()
    } else {
        prop::option::weighted(periodic, length).boxed()
    }
}

/// A registration, periodic with probability `periodic`: periods of one to a few clock moves
/// (the clock advances by 1–200 s), once in a while one the contract must refuse.
fn reg_spec(periodic: f64) -> impl Strategy<Value = RegSpec> {
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
            period(periodic),
        ),
    )
        .prop_map(
            |(
                (valid_after, length, native, gas, max_ops),
                (paymaster, calls, ta, tb, broken, period),
            )| {
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
                    period,
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

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        82 => Just(Pick::Current),
        8 => (1u32..=2).prop_map(Pick::Back),
        5 => (1u32..=2).prop_map(Pick::Ahead),
        3 => Just(Pick::PastEnd),
        1 => Just(Pick::Max),
    ]
}

/// An op. `new_kinds: false` generates exactly the ops this test always made for lifetime
/// secp256k1 sessions (signers 0..3 or the unregistered one, a live one among the live lifetime
/// secp256k1 sessions); `true` an op for the periodic and P-256 sessions, in every form.
fn op_spec(new_kinds: bool) -> impl Strategy<Value = OpSpec> {
    let signer = if new_kinds {
        prop_oneof![9 => 0usize..SIGNERS, 1 => Just(UNREGISTERED)].boxed()
    } else {
        prop_oneof![9 => 0usize..SECP_SIGNERS, 1 => Just(UNREGISTERED)].boxed()
    };
    let sig = if new_kinds {
        prop_oneof![
            36 => Just(Sig::Good),
            1 => Just(Sig::WrongKey),
            2 => Just(Sig::HighS),
            1 => Just(Sig::Short),
        ]
        .boxed()
    } else {
        prop_oneof![
            38 => Just(Sig::Good),
            1 => Just(Sig::WrongKey),
            1 => Just(Sig::Short),
        ]
        .boxed()
    };
    let period = if new_kinds {
        (
            pick(),
            prop_oneof![22 => Just(0i32), 1 => Just(-1), 1 => Just(1)],
            prop::bool::weighted(0.02),
        )
            .boxed()
    } else {
        Just((Pick::Current, 0, false)).boxed()
    };
    (
        (
            signer,
            prop::bool::weighted(0.8),
            sig,
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
        ),
        period,
    )
        .prop_map(
            move |(
                (signer, live, sig, mode, calls, fee, paymaster),
                (period, sign_off, wrong_shape),
            )| OpSpec {
                signer,
                live,
                new_kinds,
                sig,
                mode,
                calls,
                fee,
                paymaster,
                period,
                sign_off,
                wrong_shape,
            },
        )
}

/// A registration of the kinds added to this test: a periodic secp256k1 session, or a P-256
/// one (periodic or not).
/// Their windows are mostly open around the start of the clock (150) and for several periods
/// after it, so that ops execute in one period and then in a later one.
fn new_kind_reg() -> impl Strategy<Value = (usize, RegSpec)> {
    (
        prop_oneof![
            (0..SECP_SIGNERS, reg_spec(1.0)),
            (SECP_SIGNERS..SIGNERS, reg_spec(0.4)),
        ],
        prop::sample::select(vec![0u64, 100, 150, 300]),
        prop::sample::select(vec![0u64, 0, 400, 1000]),
    )
        .prop_map(|((s, mut spec), valid_after, length)| {
            spec.valid_after = valid_after;
            spec.length = length;
            (s, spec)
        })
}

/// The steps this test always made (lifetime secp256k1 sessions, weights as they were), and the
/// steps for periodic and P-256 sessions on top of them.
fn step() -> impl Strategy<Value = Step> {
    let secp = || 0..SECP_SIGNERS;
    let lifetime = || reg_spec(0.0);
    prop_oneof![
        6 => (secp(), lifetime()).prop_map(|(signer, spec)| Step::Register { signer, spec }),
        3 => (secp(), lifetime()).prop_map(|(signer, spec)| Step::Supersede { signer, spec }),
        40 => op_spec(false).prop_map(Step::Op),
        2 => prop::sample::select(vec![0, 1, 2, UNREGISTERED]).prop_map(|signer| Step::Revoke { signer }),
        1 => Just(Step::RevokeAll),
        1 => Just(Step::Uninstall),
        8 => (
            prop::collection::vec((secp(), lifetime()), 0..=3),
            prop::collection::vec(new_kind_reg(), 0..=1),
        )
            .prop_map(|(mut regs, new)| {
                regs.extend(new);
                Step::Reinstall { regs }
            }),
        3 => prop::sample::select(vec![1u64, 25, 60, 200]).prop_map(|secs| Step::Advance { secs }),
        // Periodic and P-256 sessions.
        4 => new_kind_reg().prop_map(|(signer, spec)| Step::Register { signer, spec }),
        1 => new_kind_reg().prop_map(|(signer, spec)| Step::Supersede { signer, spec }),
        18 => op_spec(true).prop_map(Step::Op),
        1 => (SECP_SIGNERS..SIGNERS).prop_map(|signer| Step::Revoke { signer }),
        // Moves of about a period, so that periods roll over.
        3 => prop::sample::select(vec![30u64, 60, 90]).prop_map(|secs| Step::Advance { secs }),
    ]
}

/// A case: the install's records, then the steps (as many of the steps this test always made
/// as before, the new ones on top).
fn case() -> impl Strategy<Value = (Vec<(usize, RegSpec)>, Vec<Step>)> {
    (
        // Distinct signers, valid records: the install itself succeeds.
        (
            prop::collection::vec(reg_spec(0.0), 0..=SECP_SIGNERS),
            prop::option::weighted(0.35, (p256_signer(), reg_spec(0.4))),
        )
            .prop_map(|(specs, p256)| {
                specs
                    .into_iter()
                    .enumerate()
                    .chain(p256)
                    .map(|(s, mut spec)| {
                        spec.broken = false;
                        spec.period = spec.period.map(|p| p.max(MIN_PERIOD));
                        (s, spec)
                    })
                    .collect()
            }),
        prop::collection::vec(step(), 1..=56),
    )
}

fn p256_signer() -> impl Strategy<Value = usize> {
    SECP_SIGNERS..SIGNERS
}

// ---------------------------------------------------------------------------------------------
// Keys: one hash for every op, so each signature and its precompile answer are computed once.

enum Key {
    Secp(SessionKey),
    P256(P256Key),
}

struct Keys {
    hash: B256,
    /// Per signer (the unregistered one last): its key, and another key of the same kind that
    /// signs ops naming it.
    keys: Vec<Key>,
    wrong: Vec<Key>,
    addresses: Vec<Address>,
    /// Per signer: the slot of its session's word 0 on the account.
    session_base: Vec<U256>,
}

impl Keys {
    /// Signer `s`'s P-256 public key, for the P-256 signers.
    fn p256_public(&self, s: usize) -> Option<P256PublicKey> {
        match &self.keys[s] {
            Key::P256(k) => Some(k.public_key()),
            Key::Secp(_) => None,
        }
    }
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let key = |s: usize, seed: u8| {
            if is_p256(s) {
                Key::P256(sessionkey_testkit::p256_key(seed))
            } else {
                Key::Secp(SessionKey::from_bytes(&[seed; 32]).unwrap())
            }
        };
        // The secp256k1 signers keep the seeds they always had (0x31.., the unregistered one
        // 0x34).
        let seed = |s: usize| match s {
            s if s < SECP_SIGNERS => 0x31 + s as u8,
            UNREGISTERED => 0x34,
            s => 0x41 + s as u8,
        };
        let keys: Vec<Key> = (0..=UNREGISTERED).map(|s| key(s, seed(s))).collect();
        let wrong = (0..=UNREGISTERED).map(|s| key(s, 0x61 + s as u8)).collect();
        let addresses: Vec<Address> = keys
            .iter()
            .map(|k| match k {
                Key::Secp(k) => k.address(),
                Key::P256(k) => k.address(),
            })
            .collect();
        let session_base = addresses
            .iter()
            .map(|a| slots::session(ACCOUNT, *a, 0))
            .collect();
        Keys {
            hash: keccak256("stateful sequences"),
            keys,
            wrong,
            addresses,
            session_base,
        }
    })
}

/// An op's signature and the precompile's answer for it (ecrecover or `P256VERIFY`: address,
/// input, output), as the contract will ask.
struct Signed {
    bytes: Vec<u8>,
    mock: (Address, Vec<u8>, Vec<u8>),
}

/// Signer `s`'s signature in form `sig`, naming period `named` (`None`: the lifetime shape)
/// and signed for `signed` (with the same shape), computed once.
fn signature(s: usize, sig: Sig, named: Option<u32>, signed_for: Option<u32>) -> Arc<Signed> {
    type Cache = HashMap<(usize, Sig, Option<u32>, Option<u32>), Arc<Signed>>;
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap().get(&(s, sig, named, signed_for)) {
        return hit.clone();
    }
    let k = keys();
    let digest = |period: Option<u32>| match period {
        None => session_digest(&k.hash, MODULE),
        Some(p) => period_session_digest(&k.hash, MODULE, p),
    };
    let (signed_digest, named_digest) = (digest(signed_for), digest(named));
    let signing = if sig == Sig::WrongKey {
        &k.wrong[s]
    } else {
        &k.keys[s]
    };
    let (proof, mock) = match signing {
        Key::Secp(key) => {
            let mut sg = key.sign_digest(&signed_digest);
            sg.signer = k.addresses[s];
            if sig == Sig::HighS {
                let order = HALF_ORDER * U256::from(2) + U256::from(1);
                sg.s = B256::from(order - U256::from_be_bytes(sg.s.0));
                sg.v = if sg.v == 27 { 28 } else { 27 };
            }
            let input = sg.ecrecover_input(&named_digest);
            let output = support::precompile_ecrecover(&input);
            (
                sg.to_bytes()[20..].to_vec(),
                (ECRECOVER, input.to_vec(), output),
            )
        }
        Key::P256(key) => {
            let mut sg = key.sign_prehash(&signed_digest);
            if sig == Sig::HighS {
                sg.s = B256::from(U256::from_be_bytes(P256_ORDER) - U256::from_be_bytes(sg.s.0));
            }
            // The contract checks against the session's key, whoever signed.
            let session_key = k.p256_public(s).expect("a P-256 signer");
            let input = sg.precompile_input(&named_digest, &session_key);
            let output = sessionkey_testkit::p256verify_precompile(&input);
            (
                [sg.r.as_slice(), sg.s.as_slice()].concat(),
                (P256VERIFY, input.to_vec(), output),
            )
        }
    };
    let mut bytes = k.addresses[s].to_vec();
    if let Some(p) = named {
        bytes.extend_from_slice(&p.to_be_bytes());
    }
    bytes.extend_from_slice(&proof);
    if sig == Sig::Short {
        bytes.pop();
    }
    let signed = Arc::new(Signed { bytes, mock });
    cache
        .lock()
        .unwrap()
        .insert((s, sig, named, signed_for), signed.clone());
    signed
}

/// Session word `n` of signer `s` on the account (slots derived once per signer).
fn session_slot(s: usize, n: u8) -> U256 {
    keys().session_base[s] + U256::from(n)
}

// ---------------------------------------------------------------------------------------------
// The reference model

/// What executed under one registration (in one period).
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
    /// What executed, per period (a lifetime registration: all under period 0).
    spent: BTreeMap<u32, Spent>,
    /// The period of the latest executed op (periodic registrations): an op naming an earlier
    /// one is refused.
    counters_period: u32,
    /// The simulator's words for this registration.
    store: MemoryStore,
    /// The slots of its token words for `TA` and `TB` (derived once).
    token_slots: [U256; 2],
}

impl Reg {
    fn token_slot(&self, token: Address) -> U256 {
        match token {
            t if t == TA => self.token_slots[0],
            t if t == TB => self.token_slots[1],
            t => unreachable!("no cap on {t}"),
        }
    }

    /// What executed in period `n` (lifetime: over the registration's life).
    fn used(&self, n: u32) -> Spent {
        self.spent.get(&n).cloned().unwrap_or_default()
    }
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
/// Executed ops by session kind.
static EXECUTED_LIFETIME_SECP: AtomicU64 = AtomicU64::new(0);
static EXECUTED_PERIODIC: AtomicU64 = AtomicU64::new(0);
static EXECUTED_P256: AtomicU64 = AtomicU64::new(0);
/// Ops executed in a later period than an earlier executed op of the same registration.
static ROLLOVERS: AtomicU64 = AtomicU64::new(0);
/// Executed ops charged to a period after an earlier one had used a cap.
static ROLLOVERS_AFTER_USE: AtomicU64 = AtomicU64::new(0);
/// Ops on a live session whose signature the module refuses (validation returns failure).
static SIG_FAILED_P256: AtomicU64 = AtomicU64::new(0);
static SIG_FAILED_PERIOD: AtomicU64 = AtomicU64::new(0);
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

/// The model's verdict on an op up to the call policies.
#[derive(Debug, PartialEq, Eq)]
enum Front {
    /// Reverts with exactly this data.
    Revert(Vec<u8>),
    /// Reverts with this error (its arguments are not the model's to know).
    Selector([u8; 4]),
    /// Gets to the call policies: returns, or reverts with a policy's or a cap's error.
    Policies,
}

/// The errors of the checks before the call policies.
const FRONT_ERRORS: [[u8; 4]; 9] = [
    I::NotInstalled::SELECTOR,
    I::SessionNotActive::SELECTOR,
    I::InvalidSignatureLength::SELECTOR,
    I::MalformedExecution::SELECTOR,
    I::PeriodClosed::SELECTOR,
    I::PeriodOutOfRange::SELECTOR,
    I::OpLimitReached::SELECTOR,
    I::PaymasterNotAllowed::SELECTOR,
    I::GasBudgetExceeded::SELECTOR,
];

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
                regs: std::array::from_fn(|_| None),
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

    /// The contract's words of a fresh registration are the simulator's, and the model's.
    fn check_registered(&self, s: usize) -> Checked {
        let reg = self.model.regs[s].as_ref().unwrap();
        let st = self.contract.storage();
        let get = |k: U256| st.get(&k).copied().unwrap_or_default();
        check!(
            "agreement",
            get(session_slot(s, 0)) == reg.store.header.pack(),
            "header of new registration of signer {s}"
        );
        if has_counters(reg.store.header.flags) {
            check!(
                "agreement",
                get(session_slot(s, 1)) == reg.store.counters,
                "counters of new registration of signer {s}"
            );
        }
        if reg.spec.period.is_some() {
            check!(
                "agreement",
                get(session_slot(s, session_word::PERIOD)) == reg.store.period,
                "period word of new registration of signer {s}"
            );
        }
        if let Some(key) = reg.store.key {
            check!(
                "agreement",
                get(session_slot(s, session_word::KEY_X)) == key.x
                    && get(session_slot(s, session_word::KEY_Y)) == key.y,
                "P-256 key words of new registration of signer {s}"
            );
        }
        for (token, word) in &reg.store.tokens {
            check!(
                "agreement",
                get(reg.token_slot(*token)) == *word,
                "token word of new registration of signer {s}"
            );
        }
        self.check_words(s, &st)
    }

    /// The session's words in `st` are what the model expects from what executed under it:
    /// the native field, the counters (a periodic session's: the period of its latest executed
    /// op and what executed in it, for the capped counters), every token word.
    fn check_words(&self, s: usize, st: &HashMap<U256, B256>) -> Checked {
        let reg = self.model.regs[s].as_ref().unwrap();
        let spec = &reg.spec;
        let get = |k: U256| st.get(&k).copied().unwrap_or_default();
        let header = SessionHeader::unpack(&get(session_slot(s, 0)));
        let periodic = spec.period.is_some();
        let native = match spec.native {
            Some(cap) if periodic => cap,
            Some(cap) => cap - reg.used(0).native,
            None => 0,
        };
        check!(
            "model",
            (
                header.perm_nonce,
                header.signer_kind,
                (header.valid_after, header.valid_until),
                header.native_remaining
            ) == (reg.perm_nonce, is_p256(s) as u8, spec.window(), native),
            "signer {s}: header {header:?}, model expects nonce {}, window {:?}, native {native}",
            reg.perm_nonce,
            spec.window()
        );
        let counters = get(session_slot(s, session_word::COUNTERS));
        if periodic {
            let n = reg.counters_period;
            let used = reg.used(n);
            let want = PeriodCounters {
                period: n,
                native_spent: if spec.native.is_some() {
                    used.native
                } else {
                    0
                },
                gas_spent: if spec.gas.is_some() { used.gas } else { 0 },
                ops_spent: if spec.max_ops.is_some() { used.ops } else { 0 },
            };
            check!(
                "model",
                PeriodCounters::unpack(&counters) == want,
                "signer {s}: counters {:?}, model expects {want:?}",
                PeriodCounters::unpack(&counters)
            );
        } else if spec.gas.is_some() || spec.max_ops.is_some() {
            let used = reg.used(0);
            let want = CountersWord {
                gas_remaining: spec.gas.map_or(0, |k| k * GAS_UNITS - used.gas),
                ops_remaining: spec.max_ops.map_or(0, |m| m - used.ops),
            };
            check!(
                "model",
                CountersWord::unpack(&counters) == want,
                "signer {s}: counters {:?}, model expects {want:?}",
                CountersWord::unpack(&counters)
            );
        }
        for token in [TA, TB] {
            let word = get(reg.token_slot(token));
            let spent_in = |n: u32| reg.used(n).tokens.get(&token).copied().unwrap_or(0);
            let want = match spec.cap(token) {
                Cap::None => B256::ZERO,
                Cap::Unlimited => TokenCapWord {
                    unlimited: true,
                    remaining: U256::ZERO,
                }
                .pack(),
                Cap::Limited(cap) if periodic => {
                    // The period of the latest op that spent some of it.
                    let n = reg
                        .spent
                        .iter()
                        .filter(|(_, used)| used.tokens.get(&token).is_some_and(|a| *a > 0))
                        .map(|(n, _)| *n)
                        .max()
                        .unwrap_or(0);
                    PeriodicTokenWord {
                        period: n,
                        cap: cap as u128,
                        spent: spent_in(n),
                    }
                    .pack()
                }
                Cap::Limited(cap) => TokenCapWord {
                    unlimited: false,
                    remaining: U256::from(cap as u128 - spent_in(0)),
                }
                .pack(),
            };
            check!(
                "model",
                word == want,
                "signer {s}: token {token} word {word}, model expects {want}"
            );
        }
        Ok(())
    }

    fn new_reg(&mut self, s: usize, spec: &RegSpec) {
        let record = spec.record(s);
        let perm_nonce = self.model.next_nonce;
        self.model.next_nonce += 1;
        self.model.regs[s] = Some(Reg {
            spec: spec.clone(),
            perm_nonce,
            revoked: false,
            spent: BTreeMap::new(),
            counters_period: 0,
            store: MemoryStore::new(&record, perm_nonce),
            token_slots: [TA, TB].map(|t| slots::token(ACCOUNT, Self::signer(s), perm_nonce, t)),
        });
    }

    fn register(&mut self, s: usize, spec: &RegSpec) -> Checked {
        let signer = Self::signer(s);
        let record = spec.record(s);
        let expected = if !self.model.installed {
            Err(I::NotInstalled { account: ACCOUNT }.abi_encode())
        } else if spec.invalid() {
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
        let records: Vec<SessionRecord> = regs.iter().map(|(s, spec)| spec.record(*s)).collect();
        let mut expected = Ok(());
        if self.model.installed {
            expected = Err(I::AlreadyInstalled { account: ACCOUNT }.abi_encode());
        } else {
            for (i, (s, spec)) in regs.iter().enumerate() {
                if spec.invalid() {
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

    fn build_op(op: &OpSpec, signature: &[u8]) -> PackedUserOperation {
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
        packed.signature = signature.to_vec().into();
        packed
    }

    /// The model's verdict on an op by live signer `s` naming period `named`, up to the call
    /// policies (liveness is the caller's).
    fn front(&self, s: usize, spec: &OpSpec, named: u32, sig_len: usize) -> Front {
        let reg = self.model.regs[s].as_ref().expect("live");
        let rs = &reg.spec;
        if spec.sig == Sig::Short || spec.wrong_shape {
            return Front::Revert(
                I::InvalidSignatureLength {
                    length: U256::from(sig_len),
                }
                .abi_encode(),
            );
        }
        if !matches!(spec.mode, Mode::Auto | Mode::Batch) {
            return Front::Selector(I::MalformedExecution::SELECTOR);
        }
        let n = if rs.period.is_some() {
            if named < reg.counters_period {
                return Front::Revert(
                    I::PeriodClosed {
                        period: named,
                        current: reg.counters_period,
                    }
                    .abi_encode(),
                );
            }
            if rs.period_window(named).is_none() {
                return Front::Revert(I::PeriodOutOfRange { period: named }.abi_encode());
            }
            named
        } else {
            0
        };
        let used = reg.used(n);
        if rs.max_ops.is_some_and(|m| used.ops >= m) {
            return Front::Selector(I::OpLimitReached::SELECTOR);
        }
        let refused = |paymaster| Front::Revert(I::PaymasterNotAllowed { paymaster }.abi_encode());
        match spec.paymaster {
            Pm::Named if rs.paymaster => {}
            Pm::Named => return refused(PM),
            Pm::Other => return refused(OTHER_PM),
            Pm::None => {
                if let Some(k) = rs.gas {
                    let remaining = k * GAS_UNITS - used.gas;
                    let cost = GAS_UNITS * spec.fee;
                    if cost > remaining {
                        return Front::Revert(
                            I::GasBudgetExceeded {
                                cost: U256::from(cost),
                                remaining: U256::from(remaining),
                            }
                            .abi_encode(),
                        );
                    }
                }
            }
        }
        Front::Policies
    }

    fn op(&mut self, spec: &OpSpec) -> Checked {
        OPS.fetch_add(1, Relaxed);
        let live: Vec<usize> = (0..SIGNERS)
            .filter(|s| {
                self.model.live(*s) && {
                    let r = self.model.regs[*s].as_ref().unwrap();
                    (is_p256(*s) || r.spec.period.is_some()) == spec.new_kinds
                }
            })
            .collect();
        let mut spec = spec.clone();
        if spec.live && !live.is_empty() {
            spec.signer = live[spec.signer % live.len()];
        }
        let spec = &spec;
        let k = keys();
        let s = spec.signer;
        let signer = Self::signer(s);
        let now = self.model.now;
        // The signature's shape (a period or not) and the period it names follow the signer's
        // latest registration, live or not.
        let reg_spec = self
            .model
            .regs
            .get(s)
            .and_then(Option::as_ref)
            .map(|r| &r.spec);
        let periodic = reg_spec.is_some_and(|r| r.period.is_some());
        let named = match reg_spec {
            Some(r) if periodic => r.named_period(spec.period, now),
            _ => 0,
        };
        let signed_for = named.wrapping_add_signed(spec.sign_off);
        let misnamed = periodic && signed_for != named;
        let (named_opt, signed_opt) = if periodic != spec.wrong_shape {
            (Some(named), Some(signed_for))
        } else {
            (None, None)
        };
        let signed = signature(s, spec.sig, named_opt, signed_opt);
        let op = Self::build_op(spec, &signed.bytes);
        // TestVM answers a static call with the return data of the latest mock, so the matching
        // one is set right before the call.
        // (Mocks and logs of earlier steps are dropped first: nothing reads them, and every
        // storage snapshot would copy them.)
        let (precompile, input, output) = &signed.mock;
        self.contract.vm.clear_mocks();
        self.contract
            .vm
            .mock_static_call(*precompile, input.clone(), Ok(output.clone()));
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
                    sim_store = MemoryStore::new(&RegSpec::dummy().record(s), 0);
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

        // The model's own verdict up to the call policies.
        let front = if !self.model.installed {
            Front::Selector(I::NotInstalled::SELECTOR)
        } else if !self.model.live(s) {
            Front::Revert(
                I::SessionNotActive {
                    account: ACCOUNT,
                    signer,
                }
                .abi_encode(),
            )
        } else {
            self.front(s, spec, named, op.signature.len())
        };
        match (&front, &got) {
            (Front::Revert(want), Err(data)) => check!(
                "model",
                want[..] == data[..],
                "reverted with {data}, model expects {} for {spec:?}",
                Bytes::from(want.clone())
            ),
            (Front::Selector(want), Err(data)) => check!(
                "model",
                data.get(..4) == Some(&want[..]),
                "reverted with {data}, model expects selector {want:02x?} for {spec:?}"
            ),
            (Front::Policies, Err(data)) => check!(
                "model",
                !FRONT_ERRORS
                    .iter()
                    .any(|sel| data.get(..4) == Some(&sel[..])),
                "reverted with {data} before the call policies; the model lets it through: \
                 {spec:?}"
            ),
            (Front::Policies, Ok(_)) => {}
            (_, Ok(w)) => check!(
                "model",
                false,
                "returned {w}, model expects a revert ({:?}) for {spec:?}",
                front
            ),
        }
        // What the op sends and spends, and what is left of the named period's (lifetime: the
        // session's) caps.
        let native_sum: u128 = spec.calls.iter().map(|c| c.value as u128).sum();
        let mut token_sums: BTreeMap<Address, u128> = BTreeMap::new();
        for c in &spec.calls {
            if let Some(amount) = c.data.spend() {
                *token_sums.entry(c.target()).or_default() += amount as u128;
            }
        }
        let period_of_op = if periodic { named } else { 0 };

        let word = match got {
            Err(data) => {
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
                // A cap refusal reports what is left of the period's cap, as the model counts.
                let reg = self.model.regs.get(s).and_then(Option::as_ref);
                if let Some(reg) = reg.filter(|_| front == Front::Policies) {
                    let used = reg.used(period_of_op);
                    if let Ok(e) = I::NativeCapExceeded::abi_decode(&data) {
                        let cap = reg.spec.native;
                        check!(
                            "model",
                            cap.is_some_and(|cap| {
                                e.remaining == U256::from(cap - used.native)
                                    && e.requested == U256::from(native_sum)
                                    && e.requested > e.remaining
                            }),
                            "{e:?}: model has cap {cap:?}, {} used in period {period_of_op}, \
                             {native_sum} requested",
                            used.native
                        );
                    }
                    if let Ok(e) = I::TokenCapExceeded::abi_decode(&data) {
                        let spent = used.tokens.get(&e.token).copied().unwrap_or(0);
                        let requested = token_sums.get(&e.token).copied().unwrap_or(0);
                        let cap = reg.spec.cap(e.token);
                        check!(
                            "model",
                            matches!(cap, Cap::Limited(c) if e.remaining == U256::from(c as u128 - spent))
                                && e.requested == U256::from(requested)
                                && e.requested > e.remaining,
                            "{e:?}: model has cap {cap:?}, {spent} used in period \
                             {period_of_op}, {requested} requested"
                        );
                    }
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
            predicted.insert(session_slot(s, 0), store_after.header.pack());
        }
        if store_after.counters != reg.store.counters {
            predicted.insert(session_slot(s, 1), store_after.counters);
        }
        for (token, w) in &store_after.tokens {
            if reg.store.tokens.get(token) != Some(w) {
                predicted.insert(reg.token_slot(*token), *w);
            }
        }
        let written = diff(&before, &after);
        check!(
            "agreement",
            written == predicted,
            "op wrote {written:?}, simulator predicts {predicted:?}"
        );

        // The model: the window returned is the session's (periodic: the named period's), the
        // signature fails exactly when it is not the key's own low-s signature for the named
        // period, and what the op sends fits what is left of the caps.
        let vd = ValidationData::unpack(U256::from_be_bytes(word.0)).expect("no aggregator");
        let window = if periodic {
            reg.spec.period_window(named).expect("in range, or refused")
        } else {
            reg.spec.window()
        };
        check!(
            "model",
            (vd.valid_after, vd.valid_until) == window,
            "returned window {vd:?}, model expects {window:?} for {spec:?}"
        );
        let sig_fails = spec.sig != Sig::Good || misnamed;
        check!(
            "model",
            vd.sig_failed == sig_fails,
            "signature failure bit {}, model expects {sig_fails} for {spec:?}",
            vd.sig_failed
        );
        let used = reg.used(period_of_op);
        if let (Some(cap), true) = (reg.spec.native, native_sum > 0) {
            check!(
                "model",
                native_sum <= cap - used.native,
                "returned with {native_sum} wei, {} left of cap {cap}",
                cap - used.native
            );
        }
        for (token, amount) in &token_sums {
            let spent = used.tokens.get(token).copied().unwrap_or(0);
            let fits = match reg.spec.cap(*token) {
                Cap::None => false,
                Cap::Limited(cap) => *amount <= cap as u128 - spent,
                Cap::Unlimited => true,
            };
            check!(
                "model",
                fits,
                "returned spending {amount} of {token}: cap {:?}, {spent} used",
                reg.spec.cap(*token)
            );
        }
        if vd.sig_failed {
            if is_p256(s) {
                SIG_FAILED_P256.fetch_add(1, Relaxed);
            }
            if misnamed && spec.sig == Sig::Good {
                SIG_FAILED_PERIOD.fetch_add(1, Relaxed);
            }
        }

        let in_window = now >= vd.valid_after && (vd.valid_until == 0 || now <= vd.valid_until);
        if vd.sig_failed || !in_window {
            // EntryPoint refuses the op and the bundle reverts with it.
            NOT_EXECUTED.fetch_add(1, Relaxed);
            self.contract.restore(&before);
            return Ok(());
        }
        EXECUTED.fetch_add(1, Relaxed);
        match (is_p256(s), periodic) {
            (false, false) => EXECUTED_LIFETIME_SECP.fetch_add(1, Relaxed),
            (true, false) => EXECUTED_P256.fetch_add(1, Relaxed),
            (p256, true) => {
                if p256 {
                    EXECUTED_P256.fetch_add(1, Relaxed);
                }
                EXECUTED_PERIODIC.fetch_add(1, Relaxed)
            }
        };

        // 2. dead: only a live registration's own key, inside its own window (periodic: in the
        // named period, which is the clock's), executes.
        check!(
            "dead",
            self.model.live(s),
            "signer {s} is not live but its op executed: {spec:?}"
        );
        check!(
            "dead",
            spec.sig == Sig::Good && !misnamed && !spec.wrong_shape,
            "op not signed by the session key for its period executed: {spec:?}"
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
            (vd.valid_after, vd.valid_until) == window,
            "returned window {vd:?} is not the current registration's ({window:?})"
        );
        if periodic {
            let current = reg.spec.current_period(now);
            check!(
                "dead",
                named == current && named >= reg.counters_period,
                "executed at {now} naming period {named}: the clock is in {current}, the \
                 counters in {}",
                reg.counters_period
            );
            if named > reg.counters_period && !reg.spent.is_empty() {
                ROLLOVERS.fetch_add(1, Relaxed);
                let prev = reg.used(reg.counters_period);
                let spec = &reg.spec;
                if (spec.max_ops.is_some() && prev.ops > 0)
                    || (spec.gas.is_some() && prev.gas > 0)
                    || (spec.native.is_some() && prev.native > 0)
                    || prev.tokens.values().any(|a| *a > 0)
                {
                    ROLLOVERS_AFTER_USE.fetch_add(1, Relaxed);
                }
            }
            reg.counters_period = named;
        }

        // 1. caps, and every call one of the current registration's policies.
        check!(
            "caps",
            matches!(spec.mode, Mode::Auto | Mode::Batch),
            "call type {:?} executed",
            spec.mode
        );
        let spent = reg.spent.entry(period_of_op).or_default();
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
            if let Some(amount) = c.data.spend() {
                *spent.tokens.entry(c.target()).or_default() += amount as u128;
            }
        }
        spent.native += native_sum;
        spent.ops += 1;
        match spec.paymaster {
            Pm::None => spent.gas += GAS_UNITS * spec.fee,
            Pm::Named => check!(
                "caps",
                reg.spec.paymaster,
                "paymaster used by a session naming none"
            ),
            Pm::Other => check!("caps", false, "another paymaster sponsored an executed op"),
        }
        // Within the op's period (lifetime: the session's life), nothing exceeds its cap.
        let spent = &reg.spent[&period_of_op];
        if let Some(cap) = reg.spec.native {
            check!(
                "caps",
                spent.native <= cap,
                "native {} > cap {cap} in period {period_of_op}",
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
                        "token {token}: {amount} > cap {cap} in period {period_of_op}"
                    )
                }
                Cap::Unlimited => {}
            }
        }
        if let Some(n) = reg.spec.max_ops {
            check!(
                "caps",
                spent.ops <= n,
                "ops {} > max {n} in period {period_of_op}",
                spent.ops
            );
        }
        if let Some(k) = reg.spec.gas {
            check!(
                "caps",
                spent.gas <= k * GAS_UNITS,
                "gas {} > budget {} in period {period_of_op}",
                spent.gas,
                k * GAS_UNITS
            );
        }
        reg.store = store_after.clone();
        // The stored words are the model's: nothing of an earlier period is carried over.
        self.check_words(s, &after)
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
            period: None,
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
        // Generation is a good part of the run; XorShift is plenty for test inputs.
        rng_algorithm: RngAlgorithm::XorShift,
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
    let figures = format!(
        "{figures} executed_lifetime_secp256k1={} executed_periodic={} executed_p256={} \
         rollovers={} rollovers_after_use={} sig_failed_p256={} sig_failed_other_period={}",
        load(&EXECUTED_LIFETIME_SECP),
        load(&EXECUTED_PERIODIC),
        load(&EXECUTED_P256),
        load(&ROLLOVERS),
        load(&ROLLOVERS_AFTER_USE),
        load(&SIG_FAILED_P256),
        load(&SIG_FAILED_PERIOD),
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
    // The periodic and P-256 paths, each reached at least once (the rarer events only in longer
    // runs: an op executed in a later period after a cap was used, or naming a closed period,
    // comes about once per 100 cases).
    let verdict = |name: &str| VERDICTS.lock().unwrap().get(name).copied().unwrap_or(0);
    let mut reached = Vec::new();
    if cases >= 256 {
        reached.extend([
            (
                "executed ops of periodic sessions",
                load(&EXECUTED_PERIODIC),
            ),
            ("executed ops of P-256 sessions", load(&EXECUTED_P256)),
            ("P-256 signature failures", load(&SIG_FAILED_P256)),
            (
                "ops naming a period past the end",
                verdict("PeriodOutOfRange"),
            ),
        ]);
    }
    if cases >= 1000 {
        reached.push(("ops signed for another period", load(&SIG_FAILED_PERIOD)));
    }
    if cases >= 10_000 {
        reached.extend([
            (
                "ops executed in a later period after a cap was used",
                load(&ROLLOVERS_AFTER_USE),
            ),
            ("ops naming a closed period", verdict("PeriodClosed")),
        ]);
    }
    for (what, n) in reached {
        assert!(n > 0, "no {what} in {cases} cases");
    }
}
