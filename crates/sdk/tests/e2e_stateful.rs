//! The stateful properties of `stateful.rs`, end to end: random sequences on the embedded devnet,
//! every session op through EntryPoint v0.7's `handleOps` on the release WASM, every admin call
//! as an owner op of OpenZeppelin's ERC-7579 account. Fewer, shorter sequences (each op is a
//! bundle, each admin call another), each on a fresh account of one shared world.
//!
//! Checked after every step, from what the chain shows (balances, allowances, the counter, the
//! module's words read through its getters):
//! - caps: what executed under a registration — native value (ALICE's balance), token amounts
//!   (ALICE's balance, the allowances), prefund charged to the gas budget, op count — never
//!   exceeds its caps, and every executed call is one its policies allow;
//! - dead: no op of a revoked, revoked-all, uninstalled, superseded or expired session (or
//!   signed by another key) executes;
//! - no-write: a rejected op or refused admin call changes none of the module's words, balances
//!   or allowances;
//! - agreement: EntryPoint's verdict is the simulator's (included / AA24 / AA23 with the same
//!   typed error), and an included op leaves the module's words the simulator predicts.
//!
//! `STATEFUL_E2E_CASES` sets the number of sequences (default 16); the seed is fixed, so a
//! failure reproduces.

use std::cell::RefCell;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use devnet_bundler::bindings::Counter;
use devnet_bundler::scenarios::{approve, batch, single, transfer, ALICE, ATTACKER, DEX, UNIT};
use devnet_bundler::{Account, OpOutcome, SessionKey, World};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use sessionkey_policy::erc20::{APPROVE, TRANSFER};
use sessionkey_policy::layout::{CallKey, SelectorMatch, TargetMatch};
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::{
    CallPolicy, Condition, Limit, ParamRule, SessionRecord, TokenCap, TokenLimit,
};
use sessionkey_sdk::{simulate, Outcome, SessionView};

const SIGNERS: usize = 3;
/// Native value unit of the ops (the account holds 10 ETH).
const WEI: u128 = 1_000_000_000_000;
/// `requiredPrefund` of every op `World::op` builds: (1.5M + 1M + 60k gas) × 0.01 gwei.
const PREFUND: u128 = (1_500_000 + 1_000_000 + 60_000) * 10_000_000;
/// Start of every sequence; windows and advances are chosen so the clock never lands on a
/// window's edge (whose inclusiveness is EntryPoint's business, not this module's).
const START: u64 = 2_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cap {
    None,
    Limited(u64),
    Unlimited,
}

#[derive(Clone, Debug)]
struct RegSpec {
    valid_after: u64,
    length: u64,
    native: Option<u128>,
    gas: Option<u128>,
    max_ops: Option<u32>,
    /// Bits of the menu: 0 approve(DEX, ≤ 100) and 1 transfer on the token, 2 ETH to ALICE
    /// (≤ 3 units a call), 3 anything on the counter.
    calls: u8,
    token: Cap,
}

impl RegSpec {
    fn window(&self) -> (u64, u64) {
        let until = if self.length == 0 {
            0
        } else {
            self.valid_after + self.length
        };
        (self.valid_after, until)
    }

    fn record(&self, signer: Address, token: Address, counter: Address) -> SessionRecord {
        let (valid_after, valid_until) = self.window();
        let key = |target, selector| CallKey { target, selector };
        let mut calls = Vec::new();
        let has = |i: u8| self.calls & (1 << i) != 0;
        if has(0) {
            calls.push(CallPolicy {
                key: key(TargetMatch::Exact(token), SelectorMatch::Exact(APPROVE)),
                max_value: 0,
                rules: vec![
                    ParamRule::new(Condition::Eq, 0, DEX.into_word()),
                    ParamRule::new(Condition::Lte, 1, B256::from(U256::from(100 * UNIT))),
                ],
            });
        }
        if has(1) {
            calls.push(CallPolicy {
                key: key(TargetMatch::Exact(token), SelectorMatch::Exact(TRANSFER)),
                max_value: 0,
                rules: vec![],
            });
        }
        if has(2) {
            calls.push(CallPolicy {
                key: key(TargetMatch::Exact(ALICE), SelectorMatch::Empty),
                max_value: 3 * WEI,
                rules: vec![],
            });
        }
        if has(3) {
            calls.push(CallPolicy {
                key: key(TargetMatch::Exact(counter), SelectorMatch::Any),
                max_value: 0,
                rules: vec![],
            });
        }
        calls.sort_by_key(|c| c.key.to_bytes());
        let token_caps = match self.token {
            Cap::None => vec![],
            Cap::Limited(v) => vec![TokenCap {
                token,
                limit: TokenLimit::Limited(U256::from(v as u128 * UNIT)),
            }],
            Cap::Unlimited => vec![TokenCap {
                token,
                limit: TokenLimit::Unlimited,
            }],
        };
        SessionRecord {
            signer,
            signer_key: Default::default(),
            valid_after,
            valid_until,
            native_cap: self
                .native
                .map_or(Limit::Unlimited, |n| Limit::Limited(n * WEI)),
            gas_budget: self
                .gas
                .map_or(Limit::Unlimited, |k| Limit::Limited(k * PREFUND)),
            max_ops: self.max_ops,
            paymaster: None,
            period: None,
            calls,
            token_caps,
            typed_data_scopes: Vec::new(),
        }
    }
}

/// One call of an op, symbolic.
#[derive(Clone, Copy, Debug)]
enum CallSpec {
    Approve {
        to_dex: bool,
        amount: u64,
    },
    Transfer {
        amount: u64,
    },
    Eth {
        units: u64,
    },
    Ping,
    /// A call to the account itself.
    SelfCall,
}

#[derive(Clone, Debug)]
struct OpSpec {
    signer: usize,
    live: bool,
    impostor: bool,
    delegate: bool,
    calls: Vec<CallSpec>,
}

#[derive(Clone, Debug)]
enum Step {
    Register { signer: usize, spec: RegSpec },
    Supersede { signer: usize, spec: RegSpec },
    Op(OpSpec),
    Revoke { signer: usize },
    RevokeAll,
    Uninstall,
    Reinstall { regs: Vec<(usize, RegSpec)> },
    Advance { secs: u64 },
}

fn reg_spec() -> impl Strategy<Value = RegSpec> {
    (
        // (after, length): open-ended; expired before the start; opening and closing on the way;
        // open now, closing on the way.
        prop::sample::select(vec![
            (0u64, 0u64),
            (0, 0),
            (0, 0),
            (0, 300),
            (2_100, 300),
            (1_900, 300),
        ]),
        prop::option::weighted(0.8, 0u128..=8),
        prop::option::weighted(0.4, 1u128..=4),
        prop::option::weighted(0.4, 1u32..=4),
        prop::collection::vec(prop::bool::weighted(0.85), 4)
            .prop_map(|b| b.iter().rev().fold(0u8, |m, x| (m << 1) | *x as u8)),
        prop_oneof![
            1 => Just(Cap::None),
            3 => (0u64..=250).prop_map(Cap::Limited),
            1 => Just(Cap::Unlimited),
        ],
    )
        .prop_map(
            |((valid_after, length), native, gas, max_ops, calls, token)| RegSpec {
                valid_after,
                length,
                native,
                gas,
                max_ops,
                calls,
                token,
            },
        )
}

fn call_spec() -> impl Strategy<Value = CallSpec> {
    prop_oneof![
        6 => (prop::bool::weighted(0.9), 0u64..=110).prop_map(|(to_dex, amount)| CallSpec::Approve { to_dex, amount }),
        6 => (0u64..=120).prop_map(|amount| CallSpec::Transfer { amount }),
        6 => prop_oneof![4 => 0u64..=3, 1 => Just(4u64)].prop_map(|units| CallSpec::Eth { units }),
        4 => Just(CallSpec::Ping),
        1 => Just(CallSpec::SelfCall),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let op = (
        0usize..=SIGNERS,
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.05),
        prop::bool::weighted(0.05),
        prop_oneof![4 => prop::collection::vec(call_spec(), 1..=1), 1 => prop::collection::vec(call_spec(), 2..=3)],
    )
        .prop_map(|(signer, live, impostor, delegate, calls)| {
            Step::Op(OpSpec {
                signer,
                live,
                impostor,
                delegate,
                calls,
            })
        });
    prop_oneof![
        3 => (0usize..SIGNERS, reg_spec()).prop_map(|(signer, spec)| Step::Register { signer, spec }),
        2 => (0usize..SIGNERS, reg_spec()).prop_map(|(signer, spec)| Step::Supersede { signer, spec }),
        20 => op,
        2 => (0usize..SIGNERS).prop_map(|signer| Step::Revoke { signer }),
        1 => Just(Step::RevokeAll),
        1 => Just(Step::Uninstall),
        2 => prop::collection::vec((0usize..SIGNERS, reg_spec()), 0..=2).prop_map(|regs| Step::Reinstall { regs }),
        2 => prop::sample::select(vec![37u64, 150]).prop_map(|secs| Step::Advance { secs }),
    ]
}

fn case() -> impl Strategy<Value = (Vec<RegSpec>, Vec<Step>)> {
    (
        prop::collection::vec(reg_spec(), 1..=SIGNERS),
        prop::collection::vec(step(), 4..=14),
    )
}

#[derive(Default, Debug)]
struct Spent {
    native: u128,
    token: u128,
    ops: u32,
    gas: u128,
}

struct Reg {
    spec: RegSpec,
    perm_nonce: u64,
    revoked: bool,
    spent: Spent,
    store: MemoryStore,
}

/// Everything an op or admin call could change that the properties look at.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Probe {
    account_eth: U256,
    alice_eth: U256,
    alice_tokens: U256,
    account_tokens: U256,
    allowances: [U256; 2],
    counter: U256,
    installed: bool,
    /// Per signer: the session's four words and its token-cap word.
    words: Vec<[B256; 5]>,
}

struct Run<'w> {
    world: &'w mut World,
    account: Account,
    keys: Vec<SessionKey>,
    installed: bool,
    next_nonce: u64,
    revoked_below: u64,
    now: u64,
    regs: Vec<Option<Reg>>,
}

type Checked = Result<(), TestCaseError>;

macro_rules! check {
    ($prop:literal, $cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(TestCaseError::fail(format!(concat!("[", $prop, "] {}"), format!($($fmt)+))));
        }
    };
}

/// Figures of the whole run.
#[derive(Default, Debug)]
struct Figures {
    cases: u64,
    steps: u64,
    ops: u64,
    executed: u64,
    rejected: u64,
    admin: u64,
    admin_refused: u64,
    /// Rejections by EntryPoint's reason and the module's error.
    rejections: std::collections::BTreeMap<String, u64>,
}

thread_local! {
    static FIGURES: RefCell<Figures> = RefCell::new(Figures::default());
}

fn count(f: impl FnOnce(&mut Figures)) {
    FIGURES.with(|x| f(&mut x.borrow_mut()));
}

impl Run<'_> {
    fn live(&self, s: usize) -> bool {
        s < SIGNERS
            && self.installed
            && self.regs[s]
                .as_ref()
                .is_some_and(|r| !r.revoked && r.perm_nonce >= self.revoked_below)
    }

    fn record(&self, s: usize, spec: &RegSpec) -> SessionRecord {
        spec.record(self.keys[s].address, self.world.token, self.world.counter)
    }

    fn probe(&mut self) -> Probe {
        let a = self.account.address;
        let w = &mut *self.world;
        let token = w.token;
        Probe {
            account_eth: w.chain.balance(a),
            alice_eth: w.chain.balance(ALICE),
            alice_tokens: w.token_balance(ALICE),
            account_tokens: w.token_balance(a),
            allowances: [DEX, ATTACKER].map(|s| w.allowance(a, s)),
            counter: w.counter_count(),
            installed: w.module_installed(a),
            words: self
                .keys
                .iter()
                .map(|k| {
                    let (x, h, c, p) = w.session_words(a, k.address);
                    [x, h, c, p, w.token_cap_word(a, k.address, token)]
                })
                .collect(),
        }
    }

    /// The module's words only (an owner op pays gas from the account, so balances move).
    fn module_words(p: &Probe) -> (bool, &Vec<[B256; 5]>) {
        (p.installed, &p.words)
    }

    fn admin(
        &mut self,
        what: &str,
        expect_ok: bool,
        call: impl FnOnce(&mut Self) -> bool,
    ) -> Checked {
        count(|f| f.admin += 1);
        let before = self.probe();
        let ok = call(self);
        check!(
            "model",
            ok == expect_ok,
            "{what}: succeeded {ok}, model expects {expect_ok}"
        );
        if !ok {
            count(|f| f.admin_refused += 1);
            let after = self.probe();
            check!(
                "no-write",
                Self::module_words(&before) == Self::module_words(&after),
                "{what}: refused but changed the module's words"
            );
        }
        Ok(())
    }

    fn new_reg(&mut self, s: usize, spec: &RegSpec) {
        let record = self.record(s, spec);
        let perm_nonce = self.next_nonce;
        self.next_nonce += 1;
        self.regs[s] = Some(Reg {
            spec: spec.clone(),
            perm_nonce,
            revoked: false,
            spent: Spent::default(),
            store: MemoryStore::new(&record, perm_nonce),
        });
    }

    fn register(&mut self, s: usize, spec: &RegSpec) -> Checked {
        let ok = self.installed && !self.live(s);
        let record = self.record(s, spec).encode();
        let account = self.account.clone();
        self.admin("registerSession", ok, |r| {
            r.world.register_session(&account, record).unwrap().success
        })?;
        if ok {
            self.new_reg(s, spec);
        }
        Ok(())
    }

    fn revoke(&mut self, s: usize) -> Checked {
        let ok = self.live(s);
        let (account, signer) = (self.account.clone(), self.keys[s].address);
        self.admin("revokeSession", ok, |r| {
            r.world.revoke_session(&account, signer).unwrap().success
        })?;
        if ok {
            self.regs[s].as_mut().unwrap().revoked = true;
        }
        Ok(())
    }

    fn install(&mut self, regs: &[(usize, RegSpec)]) -> Checked {
        let distinct = regs
            .iter()
            .enumerate()
            .all(|(i, (s, _))| regs[..i].iter().all(|(t, _)| t != s));
        let ok = !self.installed && distinct;
        let data: Vec<u8> = regs
            .iter()
            .flat_map(|(s, spec)| self.record(*s, spec).encode())
            .collect();
        let account = self.account.clone();
        self.admin("installModule", ok, |r| {
            r.world.install_module(&account, data).unwrap().success
        })?;
        if ok {
            self.installed = true;
            for (s, spec) in regs {
                self.new_reg(*s, spec);
            }
        }
        Ok(())
    }

    fn kill_all(&mut self, uninstall: bool) -> Checked {
        let ok = self.installed;
        let account = self.account.clone();
        self.admin(
            if uninstall {
                "uninstallModule"
            } else {
                "revokeAllSessions"
            },
            ok,
            |r| {
                if uninstall {
                    r.world.uninstall_module(&account).unwrap().success
                } else {
                    r.world.revoke_all_sessions(&account).unwrap().success
                }
            },
        )?;
        if ok {
            self.revoked_below = self.next_nonce;
            self.installed &= !uninstall;
        }
        Ok(())
    }

    fn call_data(&self, op: &OpSpec) -> Vec<u8> {
        let token = self.world.token;
        let calls: Vec<(Address, U256, Vec<u8>)> = op
            .calls
            .iter()
            .map(|c| match *c {
                CallSpec::Approve { to_dex, amount } => (
                    token,
                    U256::ZERO,
                    approve(
                        if to_dex { DEX } else { ATTACKER },
                        U256::from(amount as u128 * UNIT),
                    ),
                ),
                CallSpec::Transfer { amount } => (
                    token,
                    U256::ZERO,
                    transfer(ALICE, U256::from(amount as u128 * UNIT)),
                ),
                CallSpec::Eth { units } => (ALICE, U256::from(units as u128 * WEI), vec![]),
                CallSpec::Ping => (
                    self.world.counter,
                    U256::ZERO,
                    Counter::pingCall { x: U256::from(1) }.abi_encode(),
                ),
                CallSpec::SelfCall => (self.account.address, U256::ZERO, vec![]),
            })
            .collect();
        let mut data = match &calls[..] {
            [(t, v, d)] => single(*t, *v, d.clone()),
            many => batch(many),
        };
        if op.delegate {
            data[4] = 0xff;
        }
        data
    }

    fn op(&mut self, spec: &OpSpec) -> Checked {
        count(|f| f.ops += 1);
        let mut spec = spec.clone();
        let live: Vec<usize> = (0..SIGNERS).filter(|s| self.live(*s)).collect();
        if spec.live && !live.is_empty() {
            spec.signer = live[spec.signer % live.len()];
        }
        let s = spec.signer;
        let key = self.keys[s].clone();
        let call_data = self.call_data(&spec);
        let mut op = self.world.session_op(&self.account, &key, call_data);
        if spec.impostor {
            let other = self.keys[(s + 1) % self.keys.len()].clone();
            self.world.sign_session(&mut op, &other);
            let mut sig = op.signature.to_vec();
            sig[..20].copy_from_slice(key.address.as_slice());
            op.signature = sig.into();
        }
        let hash = self.world.user_op_hash(&op);
        let verdict = self.installed.then(|| {
            let dummy;
            let store = match self.regs.get(s).and_then(Option::as_ref) {
                Some(r) => &r.store,
                None => {
                    dummy = MemoryStore::new(
                        &RegSpec::dead().record(key.address, self.world.token, self.world.counter),
                        0,
                    );
                    &dummy
                }
            };
            simulate(
                &SessionView {
                    signer: key.address,
                    store,
                    revoked: !self.live(s),
                },
                self.world.module,
                &devnet_bundler::world::sdk_op(&op),
                hash,
            )
        });
        let before = self.probe();
        let report = self.world.submit(op).expect("handleOps runs");
        let after = self.probe();

        let (user_op_cost, included) = match &report.ops[..] {
            [OpOutcome::Included {
                success,
                actual_gas_cost,
                revert,
                ..
            }] => {
                check!(
                    "model",
                    *success,
                    "an included op's execution reverted: {revert:?} ({spec:?})"
                );
                (*actual_gas_cost, true)
            }
            [OpOutcome::Rejected { reason, inner, .. }] => {
                let named = match (&verdict, inner) {
                    (Some(v), Some(_)) => match v.outcome {
                        Outcome::Reverts(r) => format!("{reason}: {}", r.error_name()),
                        _ => reason.clone(),
                    },
                    _ => reason.clone(),
                };
                count(|f| *f.rejections.entry(named).or_default() += 1);
                // Agreement: the simulator names the same refusal.
                if let Some(v) = &verdict {
                    match v.outcome {
                        Outcome::Returns(vd) if vd.sig_failed => {
                            check!(
                                "agreement",
                                reason == "AA24 signature error",
                                "{reason} vs signature failure"
                            )
                        }
                        Outcome::Returns(vd) => {
                            // Accepted by the module: only the window can refuse it.
                            let in_window = self.now >= vd.valid_after
                                && (vd.valid_until == 0 || self.now <= vd.valid_until);
                            check!(
                                "agreement",
                                !in_window && reason.starts_with("AA22"),
                                "{reason}: simulator accepts {vd:?} at {}",
                                self.now
                            )
                        }
                        Outcome::Reverts(r) => {
                            check!(
                                "agreement",
                                reason == "AA23 reverted"
                                    && inner.as_ref() == Some(&r.revert_data()),
                                "{reason} {inner:?} vs simulator {r:?}"
                            )
                        }
                    }
                }
                (U256::ZERO, false)
            }
            other => return Err(TestCaseError::fail(format!("unexpected bundle: {other:?}"))),
        };
        if !included {
            count(|f| f.rejected += 1);
            check!(
                "no-write",
                before == after,
                "rejected op changed {before:?} -> {after:?}"
            );
            return Ok(());
        }
        count(|f| f.executed += 1);
        let verdict = verdict.expect("included, so installed");
        check!(
            "agreement",
            verdict.passes(),
            "included but the simulator says {:?}",
            verdict.outcome
        );

        // Dead sessions never execute.
        check!(
            "dead",
            self.live(s),
            "signer {s} is not live but its op executed"
        );
        check!(
            "dead",
            !spec.impostor,
            "an op signed by another key executed"
        );
        let now = self.now;
        let reg = self.regs[s].as_mut().unwrap();
        let (a, u) = reg.spec.window();
        check!(
            "dead",
            now >= a && (u == 0 || now <= u),
            "executed at {now} outside [{a}, {u}]"
        );

        // Caps, from what the chain shows.
        check!("caps", !spec.delegate, "a delegatecall executed");
        let mut native = 0u128;
        let (mut sent, mut token) = (0u128, 0u128);
        let mut approvals = before.allowances;
        for c in &spec.calls {
            let has = |i: u8| reg.spec.calls & (1 << i) != 0;
            let allowed = match *c {
                CallSpec::Approve { to_dex, amount } => has(0) && to_dex && amount <= 100,
                CallSpec::Transfer { .. } => has(1),
                CallSpec::Eth { units } => has(2) && units <= 3,
                CallSpec::Ping => has(3),
                CallSpec::SelfCall => false,
            };
            check!(
                "caps",
                allowed,
                "call no policy allows executed: {c:?} under {:?}",
                reg.spec
            );
            match *c {
                CallSpec::Approve { to_dex, amount } => {
                    token += amount as u128 * UNIT;
                    approvals[usize::from(!to_dex)] = U256::from(amount as u128 * UNIT);
                }
                CallSpec::Transfer { amount } => {
                    token += amount as u128 * UNIT;
                    sent += amount as u128 * UNIT;
                }
                CallSpec::Eth { units } => native += units as u128 * WEI,
                _ => {}
            }
        }
        check!(
            "caps",
            after.alice_eth - before.alice_eth == U256::from(native),
            "ALICE got {} wei, the op sent {native}",
            after.alice_eth - before.alice_eth
        );
        check!(
            "caps",
            after.alice_tokens - before.alice_tokens == U256::from(sent),
            "ALICE's tokens moved by other than {sent}"
        );
        check!(
            "caps",
            after.allowances == approvals,
            "allowances {:?}, expected {approvals:?}",
            after.allowances
        );
        check!(
            "caps",
            user_op_cost <= U256::from(PREFUND),
            "op cost {user_op_cost} > its prefund"
        );
        reg.spent.native += native;
        reg.spent.token += token;
        reg.spent.ops += 1;
        reg.spent.gas += PREFUND;
        let spent = &reg.spent;
        if let Some(n) = reg.spec.native {
            check!(
                "caps",
                spent.native <= n * WEI,
                "native {} > cap",
                spent.native
            );
        }
        match reg.spec.token {
            Cap::None => check!("caps", spent.token == 0, "spent tokens without a cap"),
            Cap::Limited(v) => check!(
                "caps",
                spent.token <= v as u128 * UNIT,
                "tokens {} > cap",
                spent.token
            ),
            Cap::Unlimited => {}
        }
        if let Some(n) = reg.spec.max_ops {
            check!("caps", spent.ops <= n, "ops {} > {n}", spent.ops);
        }
        if let Some(k) = reg.spec.gas {
            check!(
                "caps",
                spent.gas <= k * PREFUND,
                "gas {} > budget",
                spent.gas
            );
        }

        // Agreement: the module's words are the simulator's.
        reg.store = verdict.store_after.clone().expect("passes");
        let words = &after.words[s];
        check!("agreement", words[1] == reg.store.header.pack(), "header");
        check!(
            "agreement",
            words[2] == reg.store.counters
                || !sessionkey_policy::memory::has_counters(reg.store.header.flags),
            "counters"
        );
        if let Some(w) = reg.store.tokens.get(&self.world.token) {
            check!("agreement", words[4] == *w, "token cap word");
        }
        Ok(())
    }

    fn step(&mut self, step: &Step) -> Checked {
        count(|f| f.steps += 1);
        match step {
            Step::Register { signer, spec } => self.register(*signer, spec),
            Step::Supersede { signer, spec } => {
                if self.live(*signer) {
                    self.revoke(*signer)?;
                }
                self.register(*signer, spec)
            }
            Step::Op(op) => self.op(op),
            Step::Revoke { signer } => self.revoke(*signer),
            Step::RevokeAll => self.kill_all(false),
            Step::Uninstall => self.kill_all(true),
            Step::Reinstall { regs } => self.install(regs),
            Step::Advance { secs } => {
                self.now += secs;
                self.world.chain.set_block_timestamp(self.now);
                Ok(())
            }
        }
    }
}

impl RegSpec {
    /// For a signer never registered (the simulator is told it is dead).
    fn dead() -> Self {
        RegSpec {
            valid_after: 0,
            length: 0,
            native: None,
            gas: None,
            max_ops: None,
            calls: 0,
            token: Cap::None,
        }
    }
}

fn run_case(world: &mut World, install: &[RegSpec], steps: &[Step]) -> Checked {
    world.chain.set_block_timestamp(START);
    let account = world
        .create_account(SessionKey::from_seed(1), 10)
        .expect("account deploys");
    world
        .mint(account.address, U256::from(100_000 * UNIT))
        .expect("mint");
    let mut run = Run {
        world,
        account,
        keys: (0..=SIGNERS as u8)
            .map(|i| SessionKey::from_seed(20 + i))
            .collect(),
        installed: false,
        next_nonce: 0,
        revoked_below: 0,
        now: START,
        regs: (0..SIGNERS).map(|_| None).collect(),
    };
    let regs: Vec<(usize, RegSpec)> = install.iter().cloned().enumerate().collect();
    run.install(&regs)?;
    for step in steps {
        run.step(step)?;
    }
    count(|f| f.cases += 1);
    Ok(())
}

#[test]
fn devnet_sequences_keep_caps_liveness_and_storage() {
    let cases = std::env::var("STATEFUL_E2E_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let config = Config {
        cases,
        failure_persistence: None,
        // Each shrink step replays a sequence on the devnet: keep shrinking bounded.
        max_shrink_iters: 256,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let world = RefCell::new(World::new().expect("world deploys"));
    let started = std::time::Instant::now();
    let result = runner.run(&case(), |(install, steps)| {
        run_case(&mut world.borrow_mut(), &install, &steps)
    });
    let figures = FIGURES.with(|f| format!("{:?}", f.borrow()));
    eprintln!(
        "e2e stateful: {figures} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    FIGURES.with(|f| {
        let f = f.borrow();
        assert!(
            f.executed > 0 && f.rejected > 0 && f.admin_refused > 0,
            "{f:?}"
        );
    });
}
