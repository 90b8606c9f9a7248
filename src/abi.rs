//! Solidity-facing types, events and errors of the validator.
//!
//! Every rejection is a typed error carrying the context needed to see *which* rule failed;
//! EntryPoint wraps a validation revert as `FailedOpWithRevert(opIndex, "AA23 reverted", inner)`.

use alloc::vec::Vec;
use alloy_sol_types::sol;
use sessionkey_policy::{ExecutionError, RecordError, Violation};
use stylus_sdk::prelude::*;

sol! {
    #![sol(all_derives)]

    /// EntryPoint v0.7's packed user operation.
    #[derive(AbiType)]
    struct PackedUserOperation {
        address sender;
        uint256 nonce;
        bytes initCode;
        bytes callData;
        bytes32 accountGasLimits;
        uint256 preVerificationGas;
        bytes32 gasFees;
        bytes paymasterAndData;
        bytes signature;
    }

    /// The module was installed on `account`.
    event ModuleInstalled(address indexed account);
    /// The module was uninstalled from `account`; every session of it is dead.
    event ModuleUninstalled(address indexed account);
    /// A session was registered; `recordHash` is keccak256 of its encoded record.
    event SessionRegistered(address indexed account, address indexed signer, uint64 permNonce, bytes32 recordHash);
    /// One session was revoked.
    event SessionRevoked(address indexed account, address indexed signer, uint64 permNonce);
    /// Every session registered with a nonce below `revokedBelow` was revoked.
    event AllSessionsRevoked(address indexed account, uint64 revokedBelow);

    error NotInstalled(address account);
    error AlreadyInstalled(address account);
    error SessionAlreadyActive(address account, address signer);
    error SessionNotActive(address account, address signer);
    error InvalidRecord(uint8 code, uint256 position);
    error InvalidSignatureLength(uint256 length);
    error SenderMismatch(address sender, address caller);
    error MalformedExecution(uint8 code);

    error SelfCallRejected(uint256 callIndex);
    error CallNotAllowed(uint256 callIndex, address target, bytes4 selector);
    error CalldataTooShort(uint256 callIndex);
    error ValueTooHigh(uint256 callIndex, uint256 value, uint256 max);
    error ParamMissing(uint256 callIndex, uint256 ruleIndex);
    error RuleFailed(uint256 callIndex, uint256 ruleIndex);
    error MalformedTokenCall(uint256 callIndex);
    error TokenCapMissing(address token);
    error TokenCapExceeded(address token, uint256 requested, uint256 remaining);
    error NativeCapExceeded(uint256 requested, uint256 remaining);
    error OpLimitReached();
    error GasBudgetExceeded(uint256 cost, uint256 remaining);
    error PaymasterNotAllowed(address paymaster);
    error AmountOverflow();
}

/// Every error the validator reverts with.
#[derive(SolidityError, Debug, PartialEq, Eq)]
pub enum Error {
    /// The caller account has not installed the module.
    NotInstalled(NotInstalled),
    /// `onInstall` on an account that already has the module.
    AlreadyInstalled(AlreadyInstalled),
    /// Registering a signer whose session is still live (revoke it first).
    SessionAlreadyActive(SessionAlreadyActive),
    /// Revoking or using a session that is not live.
    SessionNotActive(SessionNotActive),
    /// The permission record is not canonical or breaks a rule (see `RecordError` codes).
    InvalidRecord(InvalidRecord),
    /// `userOp.signature` is not `signer(20) ‖ r ‖ s ‖ v`.
    InvalidSignatureLength(InvalidSignatureLength),
    /// `userOp.sender` is not the calling account.
    SenderMismatch(SenderMismatch),
    /// `userOp.callData` is not a canonical, supported `execute` (see `ExecutionError` codes).
    MalformedExecution(MalformedExecution),
    /// Policy: call to the account or the module.
    SelfCallRejected(SelfCallRejected),
    /// Policy: no entry for this target and selector.
    CallNotAllowed(CallNotAllowed),
    /// Policy: calldata of 1–3 bytes.
    CalldataTooShort(CalldataTooShort),
    /// Policy: per-call value limit.
    ValueTooHigh(ValueTooHigh),
    /// Policy: a rule's word is past the calldata.
    ParamMissing(ParamMissing),
    /// Policy: a rule does not hold.
    RuleFailed(RuleFailed),
    /// Policy: ERC-20 spend calldata not canonical.
    MalformedTokenCall(MalformedTokenCall),
    /// Policy: ERC-20 spend on a token with no cap.
    TokenCapMissing(TokenCapMissing),
    /// Policy: ERC-20 cap.
    TokenCapExceeded(TokenCapExceeded),
    /// Policy: native-value cap.
    NativeCapExceeded(NativeCapExceeded),
    /// Policy: op count.
    OpLimitReached(OpLimitReached),
    /// Policy: gas-fee budget.
    GasBudgetExceeded(GasBudgetExceeded),
    /// Policy: paymaster not named by the session.
    PaymasterNotAllowed(PaymasterNotAllowed),
    /// Policy: amounts overflow.
    AmountOverflow(AmountOverflow),
}

impl From<RecordError> for Error {
    fn from(e: RecordError) -> Self {
        Error::InvalidRecord(InvalidRecord { code: e.code(), position: alloy_primitives::U256::from(e.position()) })
    }
}

impl From<ExecutionError> for Error {
    fn from(e: ExecutionError) -> Self {
        Error::MalformedExecution(MalformedExecution { code: e.code() })
    }
}

impl From<Violation> for Error {
    fn from(v: Violation) -> Self {
        use alloy_primitives::U256;
        let ix = |i: usize| U256::from(i);
        match v {
            Violation::SelfCall { index } => Error::SelfCallRejected(SelfCallRejected { callIndex: ix(index) }),
            Violation::CallNotAllowed { index, target, selector } => Error::CallNotAllowed(CallNotAllowed {
                callIndex: ix(index),
                target,
                selector: selector.into(),
            }),
            Violation::CalldataTooShort { index } => Error::CalldataTooShort(CalldataTooShort { callIndex: ix(index) }),
            Violation::ValueTooHigh { index, value, max } => {
                Error::ValueTooHigh(ValueTooHigh { callIndex: ix(index), value, max })
            }
            Violation::ParamMissing { index, rule } => {
                Error::ParamMissing(ParamMissing { callIndex: ix(index), ruleIndex: ix(rule) })
            }
            Violation::RuleFailed { index, rule } => {
                Error::RuleFailed(RuleFailed { callIndex: ix(index), ruleIndex: ix(rule) })
            }
            Violation::MalformedTokenCall { index } => {
                Error::MalformedTokenCall(MalformedTokenCall { callIndex: ix(index) })
            }
            Violation::TokenCapMissing { token } => Error::TokenCapMissing(TokenCapMissing { token }),
            Violation::TokenCapExceeded { token, requested, remaining } => {
                Error::TokenCapExceeded(TokenCapExceeded { token, requested, remaining })
            }
            Violation::NativeCapExceeded { requested, remaining } => {
                Error::NativeCapExceeded(NativeCapExceeded { requested, remaining })
            }
            Violation::OpLimitReached => Error::OpLimitReached(OpLimitReached {}),
            Violation::GasBudgetExceeded { cost, remaining } => {
                Error::GasBudgetExceeded(GasBudgetExceeded { cost, remaining })
            }
            Violation::PaymasterNotAllowed { paymaster } => {
                Error::PaymasterNotAllowed(PaymasterNotAllowed { paymaster })
            }
            Violation::AmountOverflow => Error::AmountOverflow(AmountOverflow {}),
        }
    }
}

/// Unused import guard for `Vec` on targets where `sol!` does not need it.
#[allow(dead_code)]
type _Bytes = Vec<u8>;
