//! How each bundler would judge the module's validation, op by op, on every validation path:
//! the ERC as written, eth-infinitism's reference bundler (native and JavaScript tracer)
//! accept; rundler refuses only because it means to refuse Stylus code below the EntryPoint's
//! frame. In particular no tracer reads the module's ecrecover call as out of gas (OP-020):
//! the module forwards an explicit gas limit, so the call is reported with `cost <= gas`.

mod common;

use common::*;
use devnet_bundler::devnet::erc7562::{Rule, Subject};
use devnet_bundler::devnet::tracer::opcode;
use devnet_bundler::{BundleReport, ValidationCheck};
use session_key_validator::ecrecover::{ECRECOVER, ECRECOVER_GAS};

/// Asserts the verdict of every profile on one op's validation; answers whether the module
/// reached its signature check (ops refused by the policy revert before it).
fn assert_profiles(check: &ValidationCheck, module: alloy_primitives::Address) -> bool {
    assert!(check.ran_stylus(), "the module ran");
    assert_eq!(
        check.accepted_by(),
        ["erc7562", "infinitism", "infinitism-js"],
        "{:#?}",
        check.verdicts
    );
    let rundler = check.verdict("rundler").expect("rundler profile");
    let refused: Vec<_> = rundler
        .violations
        .iter()
        .map(|v| (v.rule, v.subject))
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, Rule::RundlerStylus);
    let Subject::Code(access) = refused[0].1 else {
        panic!("{refused:?}")
    };
    assert_eq!((access.opcode, access.address), (opcode::CALL, module));
    assert!(access.stylus);
    // The ecrecover call as a tracer receives it: explicit gas, cost within it.
    let module_frame = check.trace.stylus_frames().next().expect("a Stylus frame");
    assert_eq!(module_frame.reported_oog, None, "no step with gas < cost");
    let ecrecover: Vec<_> = module_frame
        .code_accesses
        .iter()
        .filter(|c| c.address == ECRECOVER)
        .collect();
    assert!(ecrecover.len() <= 1, "{ecrecover:?}");
    let Some(call) = ecrecover.first() else {
        return false;
    };
    assert_eq!(call.opcode, opcode::STATICCALL);
    let precompile = check
        .trace
        .frames
        .iter()
        .find(|f| f.code_address == ECRECOVER)
        .expect("the precompile frame");
    assert_eq!(precompile.gas_limit, ECRECOVER_GAS);
    assert_eq!(precompile.success, Some(true));
    true
}

/// Checks the report's single op; `signed` is whether the op reaches the signature check.
fn assert_report(report: &BundleReport, module: alloy_primitives::Address, signed: bool) {
    assert_eq!(report.validations.len(), 1);
    assert_eq!(assert_profiles(&report.validations[0], module), signed);
}

#[test]
fn every_validation_path_is_judged_the_same_by_each_bundler() {
    let mut s = Setup::new();
    let token = s.world.token;
    let module = s.world.module;
    let paths: Vec<(Vec<u8>, bool)> = vec![
        (single(token, 0, transfer(ALICE, 1)), true),
        (single(token, 0, approve(DEX, 1)), true),
        (single(ALICE, 1, vec![]), true),
        (
            batch(&[
                (token, 0, transfer(ALICE, 1)),
                (token, 0, approve(DEX, 1)),
                (ALICE, 1, vec![]),
            ]),
            true,
        ),
        (single(token, 0, approve(ATTACKER, 1)), false), // rejected by a rule
        (single(s.world.counter, 0, vec![1, 2, 3, 4]), false), // no entry
        (single(token, 0, transfer(ALICE, 1000 * TOKENS)), false), // over the cap
    ];
    for (call, signed) in paths {
        let report = s.run(call);
        assert_eq!(report.ops[0].succeeded(), signed, "{:?}", report.ops);
        assert_report(&report, module, signed);
    }
    // A signature by another key (authorizer 1), then a revoked session.
    let op = s.impostor_op(single(token, 0, transfer(ALICE, 1)));
    let report = s.world.submit(op).unwrap();
    assert_eq!(report.ops[0].reason(), Some("AA24 signature error"));
    assert_report(&report, module, true);
    assert!(
        s.world
            .revoke_session(&s.account, s.key.address)
            .unwrap()
            .success
    );
    let report = s.run(single(token, 0, transfer(ALICE, 1)));
    assert_report(&report, module, false);
}

#[test]
fn every_op_of_a_bundle_is_judged() {
    let mut s = Setup::new();
    let token = s.world.token;
    let module = s.world.module;
    let key = s.key.clone();
    let nonce_key = s.world.module_nonce_key();
    let ops: Vec<_> = (0..3u128)
        .map(|i| {
            let mut op = s.world.op(
                &s.account,
                nonce_key,
                single(token, 0, transfer(ALICE, 1 + i)),
            );
            op.nonce += alloy_primitives::U256::from(i);
            s.world.sign_session(&mut op, &key);
            op
        })
        .collect();
    let report = s.world.handle_ops(ops).expect("handleOps runs");
    assert!(
        report.ops.iter().all(|op| op.succeeded()),
        "{:?}",
        report.ops
    );
    assert_eq!(report.validations.len(), 3);
    for check in &report.validations {
        assert!(assert_profiles(check, module));
    }
}
