//! Every ERC-7562 rule the checker applies, with a trace that breaks it and one that does not,
//! written in Solidity (`crates/devnet/solidity/Erc7562Probe.sol`) and traced on the devnet.
//! Each test asserts the exact rules every bundler profile reports.
//!
//! The probe is called directly from an EOA, so its frame is the root of the trace: the entity
//! it stands for is whichever role the scope gives its address (sender by default). OP-070 and
//! the Stylus out-of-gas reading are tested with WASM programs in
//! `crates/devnet/tests/validation_trace.rs`.

use alloy_primitives::{address, Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use devnet_bundler::bindings::Erc7562Probe as P;
use devnet_bundler::devnet::erc7562::{
    self, check_code_unchanged, Profile, Rule, ValidationScope, ERC7562, INFINITISM, INFINITISM_JS,
    PROFILES, RUNDLER,
};
use devnet_bundler::devnet::ValidationTrace;
use devnet_bundler::World;
use devnet_fixtures::{Fixtures, ERC7562_PROBE, PROBE_STORE};

/// Another account, with no code.
const OTHER: Address = address!("00000000000000000000000000000000005e5e5e");
/// An address with no code and no role.
const NOBODY: Address = address!("000000000000000000000000000000000000dead");
/// The EOA that calls the probe.
const CALLER: Address = address!("00000000000000000000000000000000000ca11e");

struct Lab {
    world: World,
    probe: Address,
    store: Address,
}

impl Lab {
    fn new() -> Self {
        let mut world = World::new().expect("world");
        let fixtures = Fixtures::load().expect("fixtures");
        let mut deploy = |name| {
            let artifact = fixtures.artifact(name).expect("artifact");
            world
                .chain
                .deploy_evm(world.deployer, artifact.initcode(&[]).into())
                .expect("deploys")
        };
        let probe = deploy(ERC7562_PROBE);
        let store = deploy(PROBE_STORE);
        world.chain.fund(probe, U256::from(1_000_000u64));
        world
            .chain
            .fund(CALLER, U256::from(10u64).pow(U256::from(18)));
        Self {
            world,
            probe,
            store,
        }
    }

    /// Traces one call of the probe.
    fn trace(&mut self, call: impl SolCall) -> ValidationTrace {
        self.trace_raw(self.probe, call.abi_encode())
    }

    fn trace_raw(&mut self, to: Address, data: Vec<u8>) -> ValidationTrace {
        self.world.chain.start_trace();
        self.world
            .chain
            .call(CALLER, to, U256::ZERO, Bytes::from(data), 3_000_000)
            .expect("the call runs");
        self.world.chain.take_trace()
    }

    /// The probe as the sender, validated through the real EntryPoint address.
    fn as_sender(&self) -> ValidationScope {
        ValidationScope::sender(self.probe, self.world.entry_point)
    }

    /// The probe as the paymaster of [`OTHER`]'s op.
    fn as_paymaster(&self) -> ValidationScope {
        ValidationScope {
            paymaster: Some(self.probe),
            ..ValidationScope::sender(OTHER, self.world.entry_point)
        }
    }

    /// The probe as the factory deploying [`OTHER`].
    fn as_factory(&self) -> ValidationScope {
        ValidationScope {
            factory: Some(self.probe),
            ..ValidationScope::sender(OTHER, self.world.entry_point)
        }
    }

    fn call_entry_point_as(&mut self, scope: &ValidationScope, call: impl SolCall) -> Vec<Rule> {
        let trace = self.trace(call);
        rules(&trace, scope, &ERC7562)
    }
}

fn staked(mut scope: ValidationScope, who: Address) -> ValidationScope {
    scope.staked.push(who);
    scope
}

/// The rules `profile` reports, in order.
fn rules(trace: &ValidationTrace, scope: &ValidationScope, profile: &Profile) -> Vec<Rule> {
    erc7562::check(trace, scope, profile)
        .into_iter()
        .map(|v| v.rule)
        .collect()
}

/// The rules every profile reports, as (profile name, rules).
fn all(trace: &ValidationTrace, scope: &ValidationScope) -> Vec<(&'static str, Vec<Rule>)> {
    PROFILES
        .iter()
        .map(|p| (p.name, rules(trace, scope, p)))
        .collect()
}

/// Every profile reports exactly `expected`.
fn assert_all(trace: &ValidationTrace, scope: &ValidationScope, expected: &[Rule]) {
    for (name, got) in all(trace, scope) {
        assert_eq!(got, expected, "profile {name}");
    }
}

#[test]
fn op_011_timestamp_is_blocked_chainid_is_not() {
    let mut lab = Lab::new();
    let scope = lab.as_sender();
    let trace = lab.trace(P::readTimestampCall {});
    assert_all(&trace, &scope, &[Rule::Op011]);
    let trace = lab.trace(P::readChainIdCall {});
    assert_all(&trace, &scope, &[]);
}

#[test]
fn op_011_invalid_is_blocked_by_the_erc_and_not_by_rundler() {
    let mut lab = Lab::new();
    let scope = lab.as_sender();
    let trace = lab.trace(P::invalidCall {});
    assert_eq!(rules(&trace, &scope, &ERC7562), [Rule::Op011]);
    assert_eq!(rules(&trace, &scope, &INFINITISM), [Rule::Op011]);
    assert_eq!(rules(&trace, &scope, &RUNDLER), []);
}

#[test]
fn op_012_gas_counts_unless_a_call_follows() {
    let mut lab = Lab::new();
    let scope = lab.as_sender();
    let trace = lab.trace(P::readGasLeftCall {});
    assert_all(&trace, &scope, &[Rule::Op012]);
    let store = lab.store;
    let trace = lab.trace(P::callTargetCall { target: store });
    assert_all(&trace, &scope, &[]);
}

#[test]
fn op_013_unassigned_opcodes_are_blocked_by_the_erc() {
    let mut lab = Lab::new();
    // Runtime `0x0c` (unassigned) and `0x00` (STOP), each behind an init code that returns it.
    let deploy = |lab: &mut Lab, op: u8| {
        let initcode = vec![0x60, op, 0x60, 0x00, 0x53, 0x60, 0x01, 0x60, 0x00, 0xf3];
        lab.world
            .chain
            .deploy_evm(lab.world.deployer, initcode.into())
            .expect("deploys")
    };
    let unassigned = deploy(&mut lab, 0x0c);
    let stop = deploy(&mut lab, 0x00);
    let scope = ValidationScope::sender(unassigned, lab.world.entry_point);
    let trace = lab.trace_raw(unassigned, vec![]);
    assert_eq!(rules(&trace, &scope, &ERC7562), [Rule::Op013]);
    assert_eq!(rules(&trace, &scope, &RUNDLER), []);
    let scope = ValidationScope::sender(stop, lab.world.entry_point);
    let trace = lab.trace_raw(stop, vec![]);
    assert_all(&trace, &scope, &[]);
}

#[test]
fn op_020_a_frame_out_of_gas_is_refused_even_when_caught() {
    let mut lab = Lab::new();
    let scope = lab.as_sender();
    let trace = lab.trace(P::burnInChildCall {});
    assert_all(&trace, &scope, &[Rule::Op020]);
    let trace = lab.trace(P::cheapChildCall {});
    assert_all(&trace, &scope, &[]);
}

#[test]
fn op_031_create2_only_once_in_the_deployment_frame_and_erep_060_by_a_staked_factory_s_sender() {
    let mut lab = Lab::new();
    let trace = lab.trace(P::create2ChildCall { salt: B256::ZERO });
    assert_all(&trace, &lab.as_sender(), &[Rule::Op031]);
    let trace = lab.trace(P::create2ChildCall {
        salt: B256::with_last_byte(9),
    });
    assert_all(&trace, &lab.as_factory(), &[]);
    let trace = lab.trace(P::create2TwiceCall {});
    assert_all(&trace, &lab.as_factory(), &[Rule::Op031]);
    // EREP-060: with a staked factory, the sender itself may CREATE2.
    let trace = lab.trace(P::create2ChildCall {
        salt: B256::with_last_byte(10),
    });
    let deploying = ValidationScope {
        factory: Some(OTHER),
        ..lab.as_sender()
    };
    assert_all(&trace, &deploying, &[Rule::Op031]);
    assert_all(&trace, &staked(deploying, OTHER), &[]);
}

#[test]
fn op_032_create_by_the_sender_only_when_it_has_a_factory() {
    let mut lab = Lab::new();
    let trace = lab.trace(P::createChildCall {});
    assert_all(&trace, &lab.as_sender(), &[Rule::Op032]);
    let with_factory = ValidationScope {
        factory: Some(OTHER),
        ..lab.as_sender()
    };
    let trace = lab.trace(P::createChildCall {});
    assert_all(&trace, &with_factory, &[]);
    // EREP-061: a staked factory may CREATE; an unstaked one may not.
    let trace = lab.trace(P::createChildCall {});
    assert_all(&trace, &lab.as_factory(), &[Rule::Op032]);
    let probe = lab.probe;
    assert_all(&trace, &staked(lab.as_factory(), probe), &[]);
}

#[test]
fn op_041_code_access_needs_code_and_op_042_exempts_the_sender_being_deployed() {
    let mut lab = Lab::new();
    let trace = lab.trace(P::codeIsEmptyCall { who: NOBODY });
    assert_all(&trace, &lab.as_sender(), &[Rule::Op041]);
    let store = lab.store;
    let trace = lab.trace(P::codeIsEmptyCall { who: store });
    assert_all(&trace, &lab.as_sender(), &[]);
    // OP-042: the factory may look at the (still empty) sender; a paymaster may not.
    let trace = lab.trace(P::codeIsEmptyCall { who: OTHER });
    assert_all(&trace, &lab.as_factory(), &[]);
    assert_all(&trace, &lab.as_paymaster(), &[Rule::Op041]);
}

#[test]
fn op_051_extcodesize_iszero_on_the_entry_point_and_op_054_anything_else() {
    let mut lab = Lab::new();
    let ep = lab.world.entry_point;
    let trace = lab.trace(P::codeIsEmptyCall { who: ep });
    assert_all(&trace, &lab.as_sender(), &[]);
    let trace = lab.trace(P::codeHashOfCall { who: ep });
    assert_all(&trace, &lab.as_sender(), &[Rule::Op054]);
    let probe = lab.probe;
    let trace = lab.trace(P::readNonceCall {
        entryPoint: ep,
        sender: probe,
    });
    assert_all(&trace, &lab.as_sender(), &[Rule::Op054]);
}

#[test]
fn op_052_deposit_to_from_sender_or_factory() {
    let mut lab = Lab::new();
    let ep = lab.world.entry_point;
    let probe = lab.probe;
    let call = || P::depositForCall {
        entryPoint: ep,
        account: probe,
    };
    let sender = lab.as_sender();
    assert_eq!(lab.call_entry_point_as(&sender, call()), []);
    let factory = lab.as_factory();
    assert_eq!(lab.call_entry_point_as(&factory, call()), []);
    let paymaster = lab.as_paymaster();
    let trace = lab.trace(call());
    assert_eq!(rules(&trace, &paymaster, &ERC7562), [Rule::Op054]);
    assert_eq!(rules(&trace, &paymaster, &RUNDLER), [Rule::Op054]);
    // The reference bundler allows depositTo from any entity.
    assert_eq!(rules(&trace, &paymaster, &INFINITISM), []);
}

#[test]
fn op_053_the_entry_point_fallback_from_the_sender_only() {
    let mut lab = Lab::new();
    let ep = lab.world.entry_point;
    let trace = lab.trace(P::payEntryPointCall { entryPoint: ep });
    assert_all(&trace, &lab.as_sender(), &[]);
    assert_eq!(rules(&trace, &lab.as_paymaster(), &ERC7562), [Rule::Op054]);
    assert_eq!(rules(&trace, &lab.as_paymaster(), &INFINITISM_JS), []);
}

#[test]
fn op_055_increment_nonce_by_the_sender_in_the_erc_only() {
    let mut lab = Lab::new();
    let ep = lab.world.entry_point;
    let trace = lab.trace(P::bumpNonceCall { entryPoint: ep });
    assert_eq!(rules(&trace, &lab.as_sender(), &ERC7562), []);
    assert_eq!(rules(&trace, &lab.as_paymaster(), &ERC7562), [Rule::Op054]);
    assert_eq!(rules(&trace, &lab.as_sender(), &RUNDLER), [Rule::Op054]);
    assert_eq!(rules(&trace, &lab.as_sender(), &INFINITISM), [Rule::Op054]);
}

#[test]
fn op_061_value_only_to_the_entry_point() {
    let mut lab = Lab::new();
    let store = lab.store;
    let trace = lab.trace(P::sendValueCall { target: store });
    assert_all(&trace, &lab.as_sender(), &[Rule::Op061]);
    let ep = lab.world.entry_point;
    let trace = lab.trace(P::sendValueCall { target: ep });
    assert_all(&trace, &lab.as_sender(), &[]);
}

#[test]
fn op_062_accepted_precompiles_differ_by_bundler() {
    let mut lab = Lab::new();
    let call = |n: u16| P::callPrecompileCall {
        precompile: Address::left_padding_from(&n.to_be_bytes()),
        input: Bytes::from(vec![0u8; 160]),
    };
    let scope = lab.as_sender();
    let trace = lab.trace(call(0x01));
    assert_all(&trace, &scope, &[]);
    // P256VERIFY (RIP-7212 / EIP-7951): the ERC and rundler accept it, the reference bundler's
    // native parser does not (it allows 1–9).
    let trace = lab.trace(call(0x100));
    assert_eq!(rules(&trace, &scope, &ERC7562), []);
    assert_eq!(rules(&trace, &scope, &RUNDLER), []);
    assert_eq!(rules(&trace, &scope, &INFINITISM), [Rule::Op062]);
    // The BLS12-381 G1 addition (0x0b): accepted by the ERC, not by the reference bundler.
    let trace = lab.trace(call(0x0b));
    assert_eq!(rules(&trace, &scope, &ERC7562), []);
    assert_eq!(rules(&trace, &scope, &INFINITISM), [Rule::Op062]);
}

#[test]
fn op_080_balance_needs_stake() {
    let mut lab = Lab::new();
    let store = lab.store;
    let probe = lab.probe;
    let trace = lab.trace(P::balanceOfCall { who: store });
    assert_all(&trace, &lab.as_sender(), &[Rule::Op080]);
    assert_all(&trace, &staked(lab.as_sender(), probe), &[]);
    let trace = lab.trace(P::selfBalanceCall {});
    assert_all(&trace, &lab.as_sender(), &[Rule::Op080]);
    assert_all(&trace, &staked(lab.as_sender(), probe), &[]);
}

#[test]
fn sto_010_own_storage_and_sto_031_an_entity_s_own_storage_needs_stake() {
    let mut lab = Lab::new();
    let probe = lab.probe;
    let trace = lab.trace(P::writeOwnCall {
        slot: B256::with_last_byte(5),
    });
    assert_all(&trace, &lab.as_sender(), &[]);
    assert_all(&trace, &lab.as_paymaster(), &[Rule::Sto031]);
    assert_all(&trace, &staked(lab.as_paymaster(), probe), &[]);
}

#[test]
fn sto_021_the_sender_s_associated_storage_elsewhere() {
    let mut lab = Lab::new();
    let (store, probe) = (lab.store, lab.probe);
    let trace = lab.trace(P::writeAssociatedCall { store, who: probe });
    assert_all(&trace, &lab.as_sender(), &[]);
    let trace = lab.trace(P::writeAtCall {
        store,
        slot: B256::with_last_byte(5),
    });
    assert_all(&trace, &lab.as_sender(), &[Rule::Sto021]);
    // Not even a staked entity may write storage that is no one's.
    assert_all(&trace, &staked(lab.as_sender(), probe), &[Rule::Sto021]);
}

#[test]
fn sto_022_associated_storage_during_deployment_needs_a_staked_factory() {
    let mut lab = Lab::new();
    let (store, probe) = (lab.store, lab.probe);
    let deploying = ValidationScope {
        factory: Some(OTHER),
        ..lab.as_sender()
    };
    let trace = lab.trace(P::writeAssociatedCall { store, who: probe });
    assert_all(&trace, &deploying, &[Rule::Sto022]);
    assert_all(&trace, &staked(deploying, OTHER), &[]);
}

#[test]
fn sto_032_storage_associated_with_an_entity_needs_stake() {
    let mut lab = Lab::new();
    let (store, probe) = (lab.store, lab.probe);
    let trace = lab.trace(P::writeAssociatedCall { store, who: probe });
    assert_all(&trace, &lab.as_paymaster(), &[Rule::Sto032]);
    assert_all(&trace, &staked(lab.as_paymaster(), probe), &[]);
}

#[test]
fn sto_033_reading_any_storage_needs_stake() {
    let mut lab = Lab::new();
    let (store, probe) = (lab.store, lab.probe);
    let trace = lab.trace(P::readAtCall {
        store,
        slot: B256::with_last_byte(5),
    });
    assert_all(&trace, &lab.as_sender(), &[Rule::Sto033]);
    assert_all(&trace, &staked(lab.as_sender(), probe), &[]);
}

#[test]
fn sto_040_an_entity_that_is_another_op_s_sender() {
    let mut lab = Lab::new();
    let trace = lab.trace(P::readChainIdCall {});
    let mut scope = lab.as_paymaster();
    assert_all(&trace, &scope, &[]);
    scope.mempool_senders.push(lab.probe);
    assert_all(&trace, &scope, &[Rule::Sto040]);
}

#[test]
fn sto_041_associated_storage_in_another_op_s_sender() {
    let mut lab = Lab::new();
    let (store, probe) = (lab.store, lab.probe);
    let trace = lab.trace(P::writeAssociatedCall { store, who: probe });
    let mut scope = lab.as_sender();
    assert_all(&trace, &scope, &[]);
    scope.mempool_senders.push(store);
    assert_all(&trace, &scope, &[Rule::Sto041]);
}

#[test]
fn erep_040_an_aggregator_must_be_staked() {
    let mut lab = Lab::new();
    let trace = lab.trace(P::readChainIdCall {});
    let scope = ValidationScope {
        aggregator: Some(NOBODY),
        ..lab.as_sender()
    };
    assert_all(&trace, &scope, &[Rule::Erep040]);
    assert_all(&trace, &staked(scope, NOBODY), &[]);
}

#[test]
fn erep_050_an_unstaked_paymaster_returns_no_context() {
    let mut lab = Lab::new();
    let probe = lab.probe;
    let trace = lab.trace(P::readChainIdCall {});
    let scope = ValidationScope {
        paymaster_context_len: 32,
        ..lab.as_paymaster()
    };
    assert_all(&trace, &scope, &[Rule::Erep050]);
    assert_all(&trace, &staked(scope, probe), &[]);
    assert_all(&trace, &lab.as_paymaster(), &[]);
}

#[test]
fn cod_010_code_used_must_not_change_between_validations() {
    let mut lab = Lab::new();
    let store = lab.store;
    let first = lab.trace(P::codeIsEmptyCall { who: store });
    let same = lab.trace(P::codeIsEmptyCall { who: store });
    assert!(check_code_unchanged(&first, &same).is_empty());
    lab.world.chain.set_code(store, Bytes::from_static(&[0x00]));
    let changed = lab.trace(P::codeIsEmptyCall { who: store });
    let violations = check_code_unchanged(&first, &changed);
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(
        (violations[0].rule, violations[0].code_address),
        (Rule::Cod010, store)
    );
}

#[test]
fn rundler_refuses_stylus_code_below_the_entry_point_frame() {
    let mut lab = Lab::new();
    let module = lab.world.module;
    // isModuleType(1)
    let mut is_module_type = vec![0xec, 0xd0, 0x59, 0x61];
    is_module_type.extend_from_slice(&U256::from(1).to_be_bytes::<32>());
    // From the probe's own frame (depth 0, where EntryPoint calls a Stylus *account*): allowed.
    let trace = lab.trace(P::callProgramCall {
        program: module,
        data: is_module_type.clone().into(),
    });
    assert_all(&trace, &lab.as_sender(), &[]);
    // From a frame below it (a module called by the account): rundler refuses.
    let trace = lab.trace(P::callFromBelowCall {
        program: module,
        data: is_module_type.into(),
    });
    assert_eq!(rules(&trace, &lab.as_sender(), &ERC7562), []);
    assert_eq!(
        rules(&trace, &lab.as_sender(), &RUNDLER),
        [Rule::RundlerStylus]
    );
}
