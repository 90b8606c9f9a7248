//! Devnet conformance on the EVM side: the npm `SimpleAccountFactory`/`SimpleAccount` (v0.7)
//! behind the canonical EntryPoint run a plain owner-signed userOp end to end, including the
//! account's counterfactual deployment through `initCode` (EntryPoint's SenderCreator).

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{sol, SolCall, SolValue};
use devnet_bundler::bindings::{owner_digest, ISimpleAccountFactory, PackedUserOperation};
use devnet_bundler::world::pair;
use devnet_bundler::{OpOutcome, SessionKey, World, TX_GAS};
use devnet_fixtures::{Fixtures, SIMPLE_ACCOUNT_FACTORY};

sol! {
    function execute(address dest, uint256 value, bytes func);
}

#[test]
fn simple_account_is_created_and_executes_a_plain_user_op() {
    let mut world = World::new().expect("world");
    let fixtures = Fixtures::load().expect("fixtures");
    let factory_art = fixtures
        .artifact(SIMPLE_ACCOUNT_FACTORY)
        .expect("factory artifact");
    let factory = world
        .chain
        .deploy_evm(
            world.deployer,
            factory_art.initcode(&world.entry_point.abi_encode()).into(),
        )
        .expect("factory deploys");

    let owner = SessionKey::from_seed(3);
    let salt = U256::from(42);
    let sender: Address = world.view(
        factory,
        ISimpleAccountFactory::getAddressCall {
            owner: owner.address,
            salt,
        },
    );
    assert!(world.chain.code(sender).is_empty(), "counterfactual");
    world
        .chain
        .fund(sender, U256::from(10u64).pow(U256::from(18)));

    let recipient = Address::repeat_byte(0x77);
    let mut init_code = factory.to_vec();
    init_code.extend(
        ISimpleAccountFactory::createAccountCall {
            owner: owner.address,
            salt,
        }
        .abi_encode(),
    );
    let mut op = PackedUserOperation {
        sender,
        nonce: U256::ZERO,
        initCode: init_code.into(),
        callData: executeCall {
            dest: recipient,
            value: U256::from(12345),
            func: Bytes::new(),
        }
        .abi_encode()
        .into(),
        accountGasLimits: pair(1_000_000, 200_000),
        preVerificationGas: U256::from(50_000),
        gasFees: pair(0, 10_000_000),
        paymasterAndData: Bytes::new(),
        signature: Bytes::new(),
    };
    let hash = world.user_op_hash(&op);
    op.signature = owner.sign_digest(owner_digest(hash)).to_vec().into();

    let report = world.submit(op).expect("handleOps runs");
    assert!(
        matches!(report.ops[..], [OpOutcome::Included { success: true, .. }]),
        "{:?}",
        report.ops
    );
    assert!(
        !world.chain.code(sender).is_empty(),
        "the account was deployed by initCode"
    );
    assert_eq!(world.chain.balance(recipient), U256::from(12345));
    assert!(report.gas_used > 100_000 && report.gas_used < TX_GAS);
}
