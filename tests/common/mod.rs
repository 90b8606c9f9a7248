//! Shared set-up of the end-to-end tests: a world with one account that installed the module,
//! the demo session, call builders, and a probe of every piece of state an op could change.
#![allow(dead_code)]

use alloy_primitives::{Address, B256, U256};
use devnet_bundler::scenarios;
use devnet_bundler::{Account, BundleReport, EntryPointVersion, OpOutcome, SessionKey, World};
use sessionkey_policy::SessionRecord;

pub use devnet_bundler::scenarios::{ALICE, ATTACKER, DEX};
/// One token with 18 decimals.
pub const TOKENS: u128 = 1_000_000_000_000_000_000;
pub const ETH: u128 = 1_000_000_000_000_000_000;

/// The world, an account with the module installed, and one session key.
pub struct Setup {
    pub world: World,
    pub account: Account,
    pub key: SessionKey,
}

/// The demo session ([`sessionkey_testkit::demo_record`] in 18-decimal tokens): on the token,
/// approve only to DEX up to 100 tokens, transfer freely; token cap 150; plain ETH to ALICE up to
/// 1 ETH per call, 1 ETH in total; valid [1000, 4600).
pub fn demo_record(signer: Address, token: Address) -> SessionRecord {
    sessionkey_testkit::demo_record(signer, token, DEX, ALICE, TOKENS)
}

impl Setup {
    /// Fresh world at time 2000; account funded with 10 ETH and 1,000 tokens; module installed with the
    /// demo session of key seed 7.
    pub fn new() -> Self {
        Self::with_record(demo_record)
    }

    /// Same, with a custom record.
    pub fn with_record(record: impl FnOnce(Address, Address) -> SessionRecord) -> Self {
        Self::behind(EntryPointVersion::V07, record)
    }

    /// Same, with the account bound to the EntryPoint of `version`.
    pub fn behind(
        version: EntryPointVersion,
        record: impl FnOnce(Address, Address) -> SessionRecord,
    ) -> Self {
        let (mut world, account) = funded_account(version);
        let key = SessionKey::from_seed(7);
        let record = record(key.address, world.token);
        let out = world.install_module(&account, record.encode()).unwrap();
        assert!(out.success, "installModule failed: {out:?}");
        Self {
            world,
            account,
            key,
        }
    }

    /// Runs `call_data` as a session op signed by `key`.
    pub fn run_as(&mut self, key: &SessionKey, call_data: Vec<u8>) -> BundleReport {
        let op = self.world.session_op(&self.account, key, call_data);
        self.world.submit(op).expect("handleOps runs")
    }

    /// Runs `call_data` as a session op signed by the setup's key.
    pub fn run(&mut self, call_data: Vec<u8>) -> BundleReport {
        let key = self.key.clone();
        self.run_as(&key, call_data)
    }

    /// An op naming the setup's session but signed by another key (authorizer 1: AA24).
    pub fn impostor_op(
        &mut self,
        call_data: Vec<u8>,
    ) -> devnet_bundler::bindings::PackedUserOperation {
        let impostor = SessionKey::from_seed(9);
        let mut op = self.world.session_op(&self.account, &impostor, call_data);
        let mut sig = op.signature.to_vec();
        sig[..20].copy_from_slice(self.key.address.as_slice());
        op.signature = sig.into();
        op
    }

    /// Every piece of state an op of this account could change.
    pub fn probe(&mut self) -> Probe {
        let w = &mut self.world;
        let (account_word, header, spend, paymaster) =
            w.session_words(self.account.address, self.key.address);
        let token = w.token;
        Probe {
            account_eth: w.chain.balance(self.account.address),
            alice_eth: w.chain.balance(ALICE),
            balances: [self.account.address, ALICE, ATTACKER, DEX].map(|a| w.token_balance(a)),
            allowances: [DEX, ATTACKER].map(|s| w.allowance(self.account.address, s)),
            module_words: [account_word, header, spend, paymaster],
            token_cap: w.token_cap_word(self.account.address, self.key.address, token),
            nonce: w.entry_point_nonce(self.account.address, w.module_nonce_key()),
            counter: w.counter_count(),
        }
    }
}

/// A fresh world at time 2000 (inside the demo window [1000, 4600)) and an account of owner
/// seed 1 bound to the EntryPoint of `version`, funded with 10 ETH and 1,000 tokens; the module
/// not installed.
pub fn funded_account(version: EntryPointVersion) -> (World, Account) {
    let mut world = World::with_entry_point(version).expect("world deploys");
    world.chain.set_block_timestamp(2000);
    let account = world
        .create_account(SessionKey::from_seed(1), 10)
        .expect("account deploys");
    world
        .mint(account.address, U256::from(1000 * TOKENS))
        .unwrap();
    (world, account)
}

/// A snapshot of the state the tests watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub account_eth: U256,
    pub alice_eth: U256,
    pub balances: [U256; 4],
    pub allowances: [U256; 2],
    pub module_words: [B256; 4],
    pub token_cap: B256,
    pub nonce: U256,
    pub counter: U256,
}

/// `execute(single(target, value, data))`.
pub fn single(target: Address, value: u128, data: Vec<u8>) -> Vec<u8> {
    scenarios::single(target, U256::from(value), data)
}

/// `execute(batch(calls))`.
pub fn batch(calls: &[(Address, u128, Vec<u8>)]) -> Vec<u8> {
    let calls: Vec<_> = calls
        .iter()
        .map(|(t, v, d)| (*t, U256::from(*v), d.clone()))
        .collect();
    scenarios::batch(&calls)
}

/// `approve(spender, amount)`.
pub fn approve(spender: Address, amount: u128) -> Vec<u8> {
    scenarios::approve(spender, U256::from(amount))
}

/// `transfer(to, amount)`.
pub fn transfer(to: Address, amount: u128) -> Vec<u8> {
    scenarios::transfer(to, U256::from(amount))
}

/// The op was rejected in validation with the module's typed error `expected`.
pub fn assert_rejected_with(report: &BundleReport, expected: Vec<u8>) {
    match &report.ops[..] {
        [OpOutcome::Rejected { reason, inner, .. }] => {
            assert_eq!(reason, "AA23 reverted", "EntryPoint's reason");
            assert_eq!(
                inner.as_ref().map(|b| b.to_vec()),
                Some(expected),
                "the module's error"
            );
        }
        other => panic!("expected a validation rejection, got {other:?}"),
    }
}

/// The op was included and executed successfully.
pub fn assert_executed(report: &BundleReport) {
    assert!(
        report.ops.len() == 1 && report.ops[0].succeeded(),
        "op did not execute: {:?}",
        report.ops
    );
}
