//! The same story behind the canonical EntryPoint v0.8 (`@account-abstraction/contracts@0.8.0`,
//! hash-checked, at `0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108`), on OpenZeppelin's account bound
//! to it: the module does not care which EntryPoint calls the account. v0.8's userOpHash is an
//! EIP-712 hash, so a session signature made for one EntryPoint is refused by the other.

mod common;

use alloy_primitives::U256;
use alloy_sol_types::SolError;
use common::*;
use devnet_bundler::{EntryPointVersion, World};
use session_key_validator::abi;

/// A world bound to v0.8 with the demo session installed (as `Setup::new`, for v0.8).
fn setup_v08() -> Setup {
    Setup::behind(EntryPointVersion::V08, demo_record)
}

#[test]
fn both_entry_points_sit_at_their_canonical_addresses() {
    let world = World::new().unwrap();
    for version in EntryPointVersion::ALL {
        assert!(
            !world.chain.code(version.address()).is_empty(),
            "{}",
            version.label()
        );
    }
    assert_eq!(world.entry_point, EntryPointVersion::V07.address());
    let world = World::with_entry_point(EntryPointVersion::V08).unwrap();
    assert_eq!(
        world.entry_point.to_string(),
        "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108"
    );
}

#[test]
fn grant_use_refuse_revoke_behind_v08() {
    let mut s = setup_v08();
    let token = s.world.token;
    let report = s.run(single(token, 0, transfer(ALICE, 30 * TOKENS)));
    assert_executed(&report);
    assert!(report.validation.violations.is_empty());
    assert!(report.validation.ran_stylus());
    assert_eq!(s.world.token_balance(ALICE), U256::from(30 * TOKENS));

    let before = s.probe();
    let report = s.run(single(token, 0, approve(ATTACKER, TOKENS)));
    assert_rejected_with(
        &report,
        abi::RuleFailed {
            callIndex: U256::ZERO,
            ruleIndex: U256::ZERO,
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);

    assert!(
        s.world
            .revoke_session(&s.account, s.key.address)
            .unwrap()
            .success
    );
    let before = s.probe();
    let report = s.run(single(token, 0, transfer(ALICE, TOKENS)));
    assert_rejected_with(
        &report,
        abi::SessionNotActive {
            account: s.account.address,
            signer: s.key.address,
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
}

#[test]
fn a_signature_for_the_v07_hash_is_refused_behind_v08() {
    let mut s = setup_v08();
    let call = single(s.world.token, 0, transfer(ALICE, TOKENS));
    let mut op = s.world.session_op(&s.account, &s.key, call);
    let v08_hash = s.world.user_op_hash(&op);
    // The same op as EntryPoint v0.7 would hash it (v0.7 is deployed in the same world).
    let v07 = EntryPointVersion::V07.address();
    let v07_hash = s.world.view(
        v07,
        devnet_bundler::bindings::IEntryPointV07::getUserOpHashCall { userOp: op.clone() },
    );
    assert_ne!(v07_hash, v08_hash);
    op.signature = s.key.session_signature(v07_hash, s.world.module).into();
    let before = s.probe();
    let report = s.world.submit(op).unwrap();
    assert_eq!(report.ops[0].reason(), Some("AA24 signature error"));
    assert_eq!(s.probe(), before);
}
