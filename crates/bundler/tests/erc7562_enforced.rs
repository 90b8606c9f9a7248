//! `World` refuses any bundle whose validation breaks ERC-7562, as a bundler drops it, and
//! leaves the chain as it was.

use alloy_primitives::{address, Address, Bytes, U256};
use alloy_sol_types::SolCall;
use devnet_bundler::bindings::{IEntryPointV07, PackedUserOperation};
use devnet_bundler::world::pair;
use devnet_bundler::{World, WorldError};

/// An "account" whose `validateUserOp` (indeed every call) reads TIMESTAMP, then returns 32
/// zero bytes (validationData 0): `TIMESTAMP POP PUSH1 32 PUSH1 0 RETURN`.
const CLOCK_READER: &[u8] = &[0x42, 0x50, 0x60, 0x20, 0x60, 0x00, 0xf3];
const SENDER: Address = address!("00000000000000000000000000000000000c10c4");

fn op() -> PackedUserOperation {
    PackedUserOperation {
        sender: SENDER,
        nonce: U256::ZERO,
        initCode: Bytes::new(),
        callData: Bytes::new(),
        accountGasLimits: pair(200_000, 100_000),
        preVerificationGas: U256::from(50_000),
        gasFees: pair(0, 10_000_000),
        paymasterAndData: Bytes::new(),
        signature: Bytes::new(),
    }
}

#[test]
fn a_bundle_breaking_op_011_is_refused_and_leaves_nothing() {
    let mut world = World::new().expect("world");
    world
        .chain
        .set_code(SENDER, Bytes::from_static(CLOCK_READER));
    // A deposit, so EntryPoint asks the account for no prefund.
    let deposit = IEntryPointV07::depositToCall { account: SENDER }.abi_encode();
    let out = world
        .chain
        .call(
            world.deployer,
            world.entry_point,
            U256::from(10u64).pow(U256::from(18u64)),
            deposit.into(),
            1_000_000,
        )
        .unwrap();
    assert!(out.success);

    let before = (
        world.entry_point_nonce(SENDER, U256::ZERO),
        world.chain.block_number(),
        world.chain.balance(world.bundler),
    );
    match world.submit(op()) {
        Err(WorldError::Erc7562 {
            op_index,
            violations,
        }) => {
            assert_eq!(op_index, 0);
            assert_eq!(violations.len(), 1, "{violations:?}");
            assert!(violations[0].starts_with("OP-011"), "{violations:?}");
            assert!(violations[0].ends_with("TIMESTAMP"), "{violations:?}");
        }
        other => panic!("expected an ERC-7562 refusal, got {other:?}"),
    }
    let after = (
        world.entry_point_nonce(SENDER, U256::ZERO),
        world.chain.block_number(),
        world.chain.balance(world.bundler),
    );
    assert_eq!(after, before, "the refused bundle left nothing");

    // Without enforcement the same bundle lands, and the check still reports the rule.
    world.enforce_erc7562 = false;
    let report = world.submit(op()).expect("handleOps runs");
    assert!(report.ops[0].succeeded(), "{:?}", report.ops);
    let rules: Vec<&str> = report
        .validation
        .violations
        .iter()
        .map(|v| v.rule.id())
        .collect();
    assert_eq!(rules, ["OP-011"]);
    assert_eq!(world.entry_point_nonce(SENDER, U256::ZERO), U256::from(1));
}
