//! The product story on the embedded devnet, step by step: an owner grants a session key a
//! narrow permission, the key's allowed ops execute, four attacks or mistakes are refused with
//! the reason, the owner revokes, and the very next op fails. Every row carries its gas.
//! `sessionkey demo` (and `scripts/demo.sh`) print it as a table or as JSON.

use std::fmt::Write as _;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use devnet_fixtures::bindings::Counter;
use serde::Serialize;
use stylus_devnet::CallOutcome;

use crate::revert::describe_module_error;
use crate::scenarios::{approve, demo_record, single, transfer, ALICE, ATTACKER, DEX, UNIT};
use crate::{BundleReport, OpOutcome, SessionKey, World, WorldError};

/// One step of the story.
#[derive(Clone, Debug, Serialize)]
pub struct DemoRow {
    /// 1-based step number.
    pub step: usize,
    /// Who acts: `owner` or `session key`.
    pub actor: &'static str,
    /// What they try.
    pub action: String,
    /// `executed`, `rejected` or `done`.
    pub result: &'static str,
    /// Why it was rejected (EntryPoint's code and the module's reason), or what it did.
    pub detail: String,
    /// Gas of the transaction (`handleOps` for session ops).
    pub gas: u64,
    /// Whether the step turned out as the story expects.
    pub as_expected: bool,
    /// Token balances after the step: (account, ALICE), in whole tokens; DEX allowance.
    pub account_tokens: String,
    /// ALICE's token balance.
    pub alice_tokens: String,
    /// The account's allowance to the DEX.
    pub dex_allowance: String,
}

/// The whole story.
#[derive(Clone, Debug, Serialize)]
pub struct DemoReport {
    /// The module's address on the devnet.
    pub module: Address,
    /// The smart account.
    pub account: Address,
    /// The session key.
    pub session_key: Address,
    /// Deployed size of the module (4 + brotli).
    pub module_deployed_bytes: usize,
    /// The permission granted, in words.
    pub permission: Vec<String>,
    /// The steps.
    pub steps: Vec<DemoRow>,
    /// Whether every step turned out as expected.
    pub all_as_expected: bool,
}

struct Story {
    world: World,
    account: crate::Account,
    key: SessionKey,
    rows: Vec<DemoRow>,
}

fn tokens(v: U256) -> String {
    let unit = U256::from(UNIT);
    let whole = v / unit;
    let frac = v % unit;
    if frac.is_zero() {
        whole.to_string()
    } else {
        format!("{whole}.{}", frac.to_string().trim_end_matches('0'))
    }
}

impl Story {
    fn push(
        &mut self,
        actor: &'static str,
        action: String,
        result: &'static str,
        detail: String,
        gas: u64,
        ok: bool,
    ) {
        let account = self.account.address;
        let row = DemoRow {
            step: self.rows.len() + 1,
            actor,
            action,
            result,
            detail,
            gas,
            as_expected: ok,
            account_tokens: tokens(self.world.token_balance(account)),
            alice_tokens: tokens(self.world.token_balance(ALICE)),
            dex_allowance: tokens(self.world.allowance(account, DEX)),
        };
        self.rows.push(row);
    }

    fn owner_tx(
        &mut self,
        action: &str,
        outcome: Result<CallOutcome, WorldError>,
    ) -> Result<(), WorldError> {
        let outcome = outcome?;
        // OpenZeppelin's account takes admin calls only through the EntryPoint: the owner's
        // action is an owner-signed userOp in its own `handleOps`.
        let detail = if outcome.success {
            "owner-signed userOp executed".into()
        } else {
            format!("{:?}", outcome.status)
        };
        self.push(
            "owner",
            action.into(),
            "done",
            detail,
            outcome.gas_used,
            outcome.success,
        );
        Ok(())
    }

    fn session_op(
        &mut self,
        action: &str,
        call_data: Vec<u8>,
        expect_ok: bool,
    ) -> Result<BundleReport, WorldError> {
        let key = self.key.clone();
        let op = self.world.session_op(&self.account, &key, call_data);
        let report = self.world.submit(op)?;
        let (result, detail) = match &report.ops[..] {
            [OpOutcome::Included { success: true, .. }] => (
                "executed",
                "included by EntryPoint and executed".to_string(),
            ),
            [OpOutcome::Included {
                success: false,
                revert,
                ..
            }] => (
                "executed",
                format!(
                    "execution reverted: 0x{}",
                    revert
                        .as_ref()
                        .map(|r| crate::world::hex(r))
                        .unwrap_or_default()
                ),
            ),
            [OpOutcome::Rejected {
                reason,
                inner: Some(inner),
                ..
            }] => (
                "rejected",
                format!("{reason}: {}", describe_module_error(inner)),
            ),
            [OpOutcome::Rejected { reason, .. }] => ("rejected", reason.clone()),
            other => ("rejected", format!("{other:?}")),
        };
        let ok = (result == "executed") == expect_ok && report.validation.violations.is_empty();
        self.push(
            "session key",
            action.into(),
            result,
            detail,
            report.gas_used,
            ok,
        );
        Ok(report)
    }
}

/// Runs the story on a fresh devnet.
///
/// # Errors
///
/// Setting up the world or a transaction the devnet refuses.
pub fn run() -> Result<DemoReport, WorldError> {
    let mut world = World::new()?;
    let start = 1_750_000_000;
    world.chain.set_block_timestamp(start);
    let account = world.create_account(SessionKey::from_seed(1), 10)?;
    world.mint(account.address, U256::from(1000 * UNIT))?;
    let key = SessionKey::from_seed(7);
    let token = world.token;
    let record = demo_record(key.address, token, start);
    let permission = vec![
        format!("token {token}: approve(spender, amount) only with spender == DEX {DEX} and amount <= 100 TST"),
        format!("token {token}: transfer(to, amount) with amount <= 50 TST per call"),
        "token spend authority capped at 150 TST in total (approve 100 + transfers 50)".to_string(),
        format!("plain ETH only to ALICE {ALICE}, <= 0.1 ETH per call and in total"),
        format!("valid from {start} to {} (one hour); anything else: refused", start + 3600),
    ];
    let mut story = Story {
        world,
        account,
        key,
        rows: Vec::new(),
    };

    let install = story.world.install_module(&story.account, record.encode());
    story.owner_tx(
        "installs the module and grants the session key (owner-signed op)",
        install,
    )?;
    story.session_op(
        "approve(DEX, 100 TST)",
        single(token, U256::ZERO, approve(DEX, U256::from(100 * UNIT))),
        true,
    )?;
    story.session_op(
        "transfer(ALICE, 40 TST)",
        single(token, U256::ZERO, transfer(ALICE, U256::from(40 * UNIT))),
        true,
    )?;
    story.session_op(
        "approve(ATTACKER, 1 TST)",
        single(token, U256::ZERO, approve(ATTACKER, U256::from(UNIT))),
        false,
    )?;
    story.session_op(
        "transfer(ALICE, 20 TST): over the 150 TST cap (10 left)",
        single(token, U256::ZERO, transfer(ALICE, U256::from(20 * UNIT))),
        false,
    )?;
    let counter = story.world.counter;
    story.session_op(
        "Counter.ping(1): a contract the session may not call",
        single(
            counter,
            U256::ZERO,
            Counter::pingCall { x: U256::from(1) }.abi_encode(),
        ),
        false,
    )?;
    // After the window: EntryPoint enforces the validUntil the module returned.
    let snapshot = story.world.chain.snapshot();
    story.world.chain.set_block_timestamp(start + 3601);
    story.session_op(
        "transfer(ALICE, 1 TST) one hour and one second later",
        single(token, U256::ZERO, transfer(ALICE, U256::from(UNIT))),
        false,
    )?;
    story.world.chain.revert_to(&snapshot);
    story.session_op(
        "transfer(ALICE, 5 TST), back inside the window",
        single(token, U256::ZERO, transfer(ALICE, U256::from(5 * UNIT))),
        true,
    )?;
    let signer = story.key.address;
    let revoke = story.world.revoke_session(&story.account, signer);
    story.owner_tx("revokes the session key", revoke)?;
    story.session_op(
        "transfer(ALICE, 1 TST) right after the revoke",
        single(token, U256::ZERO, transfer(ALICE, U256::from(UNIT))),
        false,
    )?;

    let all = story.rows.iter().all(|r| r.as_expected);
    Ok(DemoReport {
        module: story.world.module,
        account: story.account.address,
        session_key: story.key.address,
        module_deployed_bytes: crate::deployable_contract().len(),
        permission,
        steps: story.rows,
        all_as_expected: all,
    })
}

impl DemoReport {
    /// JSON, for scripts.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the report serialises")
    }

    /// A table for people.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Session keys on Arbitrum Stylus — the real module on the embedded devnet"
        );
        let _ = writeln!(
            out,
            "  module {} ({} bytes deployed), account {}, session key {}",
            self.module, self.module_deployed_bytes, self.account, self.session_key
        );
        let _ = writeln!(out, "  permission granted:");
        for p in &self.permission {
            let _ = writeln!(out, "    - {p}");
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:>2}  {:<11}  {:<66}  {:<8}  {:>9}  {:>8}  {:>6}  {:>9}",
            "#", "who", "action", "result", "gas", "acct TST", "ALICE", "DEX allow"
        );
        for r in &self.steps {
            let _ = writeln!(
                out,
                "{:>2}  {:<11}  {:<66}  {:<8}  {:>9}  {:>8}  {:>6}  {:>9}{}",
                r.step,
                r.actor,
                r.action,
                r.result,
                r.gas,
                r.account_tokens,
                r.alice_tokens,
                r.dex_allowance,
                if r.as_expected {
                    ""
                } else {
                    "  <-- UNEXPECTED"
                }
            );
            let _ = writeln!(out, "    {}", r.detail);
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            if self.all_as_expected {
                "Every step turned out as the permission says."
            } else {
                "SOME STEPS DID NOT TURN OUT AS EXPECTED."
            }
        );
        out
    }
}
