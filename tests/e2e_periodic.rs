//! Periodic caps end to end: the release WASM behind EntryPoint v0.7 on the devnet. The op names
//! its period; the module checks that period's counters and returns the period's window, and
//! EntryPoint — not the module, which never reads the clock — refuses an op outside it (AA22).
//! Spending the cap in one period and again in the next, naming the next period a second early,
//! replaying an earlier period after a later one, and both edges of a period, exactly.

mod common;

use alloy_primitives::U256;
use common::*;
use devnet_bundler::{BundleReport, OpOutcome};
use sessionkey_policy::error::ModuleError;
use sessionkey_policy::Violation;

/// Ten-minute periods from the demo window's start (1000): period `n` is
/// `[1000 + 600·n, 1599 + 600·n]`. The demo caps — 150 tokens, 1 ETH — become per period.
const PERIOD: u64 = 600;

fn start(n: u64) -> u64 {
    1000 + PERIOD * n
}

fn setup() -> Setup {
    Setup::with_record(|signer, token| {
        let mut r = demo_record(signer, token);
        r.period = Some(PERIOD as u32);
        r
    })
}

/// Runs a transfer of `tokens` to ALICE naming `period`, at block time `at`.
fn transfer_in(s: &mut Setup, period: u32, tokens: u128, at: u64) -> BundleReport {
    s.world.chain.set_block_timestamp(at);
    let call = single(s.world.token, 0, transfer(ALICE, tokens * TOKENS));
    let key = s.key.clone();
    let op = s.world.periodic_session_op(&s.account, &key, call, period);
    s.world.submit(op).expect("handleOps runs")
}

fn assert_not_due(report: &BundleReport) {
    assert!(
        matches!(&report.ops[..], [OpOutcome::Rejected { reason, .. }] if reason == "AA22 expired or not due"),
        "{:?}",
        report.ops
    );
    // The module returned a window; it read no clock.
    assert!(report.validation.violations.is_empty());
}

#[test]
fn the_cap_is_spent_in_one_period_and_again_in_the_next() {
    let mut s = setup();
    // Period 1, [1600, 2199]: the whole 150 tokens, then not one more.
    assert_executed(&transfer_in(&mut s, 1, 150, 2000));
    let before = s.probe();
    let report = transfer_in(&mut s, 1, 1, 2000);
    let expected = ModuleError::Violation(Violation::TokenCapExceeded {
        token: s.world.token,
        requested: U256::from(TOKENS),
        remaining: U256::ZERO,
    });
    assert_rejected_with(&report, expected.encode());
    assert_eq!(s.probe(), before);
    // Period 2: 150 again.
    assert_executed(&transfer_in(&mut s, 2, 150, start(2)));
    assert_eq!(s.probe().balances[1], U256::from(300 * TOKENS));
}

#[test]
fn naming_the_next_period_one_second_early_fails_at_entry_point() {
    let mut s = setup();
    let before = s.probe();
    // 2199 is period 1's last second: period 2 is not due.
    assert_not_due(&transfer_in(&mut s, 2, 1, start(2) - 1));
    assert_eq!(s.probe(), before);
    // At 2200 it is.
    assert_executed(&transfer_in(&mut s, 2, 1, start(2)));
}

#[test]
fn a_period_is_valid_to_its_last_second_and_not_one_more() {
    let mut s = setup();
    assert_executed(&transfer_in(&mut s, 1, 1, start(2) - 1));
    let before = s.probe();
    assert_not_due(&transfer_in(&mut s, 1, 1, start(2)));
    assert_eq!(s.probe(), before);
}

#[test]
fn replaying_an_earlier_period_after_a_later_one_is_refused() {
    let mut s = setup();
    assert_executed(&transfer_in(&mut s, 1, 150, 2000));
    assert_executed(&transfer_in(&mut s, 2, 150, start(2)));
    // Period 1 again: its counters are gone, and the module says so before EntryPoint would
    // find its window past.
    let before = s.probe();
    let report = transfer_in(&mut s, 1, 1, start(2) + 1);
    let expected = ModuleError::Violation(Violation::PeriodClosed {
        period: 1,
        current: 2,
    });
    assert_rejected_with(&report, expected.encode());
    assert_eq!(s.probe(), before);
}
