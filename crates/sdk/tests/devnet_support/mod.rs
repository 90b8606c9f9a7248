//! What the agreement tests against the devnet share: reading EntryPoint's report of an op as
//! the simulator's outcome says it must be.
#![allow(dead_code)]

use std::fmt::Debug;

use devnet_bundler::{BundleReport, OpOutcome};
use sessionkey_sdk::Outcome;

/// Asserts that EntryPoint did with the op what the simulator's `outcome` says — included and
/// run when it returns with a good signature, `AA24` when the signature failed, `AA23` with the
/// same typed error when it reverts — and, for a refused op, that `after()` still equals
/// `before` (nothing it could have changed did). Returns whether the op executed.
pub fn assert_chain_agrees<P: PartialEq + Debug>(
    name: &str,
    outcome: &Outcome,
    report: &BundleReport,
    before: &P,
    after: impl FnOnce() -> P,
) -> bool {
    match (outcome, &report.ops[..]) {
        (Outcome::Returns(vd), [OpOutcome::Included { success, .. }]) if !vd.sig_failed => {
            assert!(success, "{name}: the call ran");
            return true;
        }
        (Outcome::Returns(vd), [OpOutcome::Rejected { reason, inner, .. }]) if vd.sig_failed => {
            assert_eq!(reason, "AA24 signature error", "{name}");
            assert_eq!(inner, &None, "{name}");
        }
        (Outcome::Reverts(r), [OpOutcome::Rejected { reason, inner, .. }]) => {
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
    assert_eq!(&after(), before, "{name}: state");
    false
}

/// What the simulator says the op does, in a word: `executed`, `AA24`, or the error's name.
/// Each corpus names what each op must do, since agreement alone would not catch both sides
/// accepting what they must refuse.
pub fn class(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Returns(vd) if vd.sig_failed => "AA24",
        Outcome::Returns(_) => "executed",
        Outcome::Reverts(r) => r.error_name(),
    }
}
