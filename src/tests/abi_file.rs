//! The committed complete interface (`abi/ISessionKeyValidator.sol`) agrees with the contract:
//! ERC-7579 selectors, the hand-routed `validateUserOp`, every error and every event.

use alloy_sol_types::{SolCall, SolError, SolEvent};
use sessionkey_policy::userop::VALIDATE_USER_OP_SELECTOR;

use crate::abi;

mod iface {
    alloy_sol_types::sol!("abi/ISessionKeyValidator.sol");
}
use iface::ISessionKeyValidator as I;

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
fn every_routed_selector_is_the_interface_one() {
    use crate::router::selector as r;
    let pairs = [
        (r::ON_INSTALL, I::onInstallCall::SELECTOR, "onInstall"),
        (r::ON_UNINSTALL, I::onUninstallCall::SELECTOR, "onUninstall"),
        (
            r::IS_MODULE_TYPE,
            I::isModuleTypeCall::SELECTOR,
            "isModuleType",
        ),
        (
            r::IS_INITIALIZED,
            I::isInitializedCall::SELECTOR,
            "isInitialized",
        ),
        (
            r::VALIDATE_USER_OP,
            I::validateUserOpCall::SELECTOR,
            "validateUserOp",
        ),
        (
            r::IS_VALID_SIGNATURE_WITH_SENDER,
            I::isValidSignatureWithSenderCall::SELECTOR,
            "isValidSignatureWithSender",
        ),
        (
            r::REGISTER_SESSION,
            I::registerSessionCall::SELECTOR,
            "registerSession",
        ),
        (
            r::REVOKE_SESSION,
            I::revokeSessionCall::SELECTOR,
            "revokeSession",
        ),
        (
            r::REVOKE_ALL_SESSIONS,
            I::revokeAllSessionsCall::SELECTOR,
            "revokeAllSessions",
        ),
        (
            r::SESSION_WORDS,
            I::sessionWordsCall::SELECTOR,
            "sessionWords",
        ),
        (
            r::TOKEN_CAP_WORD,
            I::tokenCapWordCall::SELECTOR,
            "tokenCapWord",
        ),
    ];
    for (routed, declared, name) in pairs {
        assert_eq!(routed, declared, "{name}");
    }
}

#[test]
fn validate_user_op_is_routed_by_its_interface_selector() {
    assert_eq!(I::validateUserOpCall::SELECTOR, VALIDATE_USER_OP_SELECTOR);
    assert_eq!(
        super::harness::validate_selector(),
        VALIDATE_USER_OP_SELECTOR
    );
}

#[test]
fn every_error_matches_the_contract() {
    macro_rules! same {
        ($($e:ident),* $(,)?) => {
            $(assert_eq!(I::$e::SELECTOR, abi::$e::SELECTOR, stringify!($e));)*
        };
    }
    same!(
        NotInstalled,
        AlreadyInstalled,
        SessionAlreadyActive,
        SessionNotActive,
        InvalidRecord,
        InvalidSignatureLength,
        SenderMismatch,
        MalformedExecution,
        MalformedCalldata,
        SelfCallRejected,
        CallNotAllowed,
        CalldataTooShort,
        ValueTooHigh,
        ParamMissing,
        RuleFailed,
        MalformedTokenCall,
        TokenCapMissing,
        TokenCapExceeded,
        NativeCapExceeded,
        OpLimitReached,
        GasBudgetExceeded,
        PaymasterNotAllowed,
        AmountOverflow,
    );
}

#[test]
fn every_event_matches_the_contract() {
    assert_eq!(
        I::ModuleInstalled::SIGNATURE_HASH,
        abi::ModuleInstalled::SIGNATURE_HASH
    );
    assert_eq!(
        I::ModuleUninstalled::SIGNATURE_HASH,
        abi::ModuleUninstalled::SIGNATURE_HASH
    );
    assert_eq!(
        I::SessionRegistered::SIGNATURE_HASH,
        abi::SessionRegistered::SIGNATURE_HASH
    );
    assert_eq!(
        I::SessionRevoked::SIGNATURE_HASH,
        abi::SessionRevoked::SIGNATURE_HASH
    );
    assert_eq!(
        I::AllSessionsRevoked::SIGNATURE_HASH,
        abi::AllSessionsRevoked::SIGNATURE_HASH
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
