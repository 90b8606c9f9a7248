//! The committed interface (`abi/ISessionKeyValidator.sol`) is the contract's single source:
//! the router's selectors, the events and the errors are generated from it
//! (`sessionkey_policy::interface`). What is left to check here is what the file itself must
//! get right: ERC-7579's standard selectors, and that it declares what export-abi prints plus the
//! hand-routed `validateUserOp`. The errors' round trip is `crates/policy/tests/module_errors.rs`.

use alloy_sol_types::SolCall;
use sessionkey_policy::userop::VALIDATE_USER_OP_SELECTOR;

use sessionkey_policy::interface::ISessionKeyValidator as I;

#[test]
fn erc7579_selectors_are_the_standard_ones() {
    assert_eq!(I::onInstallCall::SELECTOR, [0x6d, 0x61, 0xfe, 0x70]);
    assert_eq!(I::onUninstallCall::SELECTOR, [0x8a, 0x91, 0xb0, 0xe3]);
    assert_eq!(I::isModuleTypeCall::SELECTOR, [0xec, 0xd0, 0x59, 0x61]);
    assert_eq!(I::isInitializedCall::SELECTOR, [0xd6, 0x0b, 0x34, 0x7f]);
    assert_eq!(I::validateUserOpCall::SELECTOR, [0x97, 0x00, 0x32, 0x03]);
    assert_eq!(
        I::isValidSignatureWithSenderCall::SELECTOR,
        [0xf5, 0x51, 0xe2, 0xee]
    );
}

#[test]
fn validate_user_op_is_routed_by_its_interface_selector() {
    assert_eq!(I::validateUserOpCall::SELECTOR, VALIDATE_USER_OP_SELECTOR);
    assert_eq!(
        super::harness::validate_selector(),
        VALIDATE_USER_OP_SELECTOR
    );
}

mod generated {
    alloy_sol_types::sol!("abi/ISessionKeyValidator.generated.sol");
}

#[test]
fn the_complete_interface_is_the_generated_one_plus_validate_user_op() {
    use alloy_sol_types::SolInterface;
    let complete =
        I::ISessionKeyValidatorCalls::selectors().collect::<std::collections::BTreeSet<_>>();
    let exported = generated::ISessionKeyValidator::ISessionKeyValidatorCalls::selectors()
        .collect::<std::collections::BTreeSet<_>>();
    let extra: Vec<_> = complete.difference(&exported).copied().collect();
    assert_eq!(extra, vec![VALIDATE_USER_OP_SELECTOR]);
    assert!(exported.is_subset(&complete));
}
