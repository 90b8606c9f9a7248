//! Solidity-facing types, events and errors of the validator.
//!
//! Every rejection is a typed error carrying the context needed to see *which* rule failed;
//! EntryPoint wraps a validation revert as `FailedOpWithRevert(opIndex, "AA23 reverted", inner)`.

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::sol;
use alloy_sol_types::SolError;
use sessionkey_policy::{ExecutionError, RecordError, Violation};

sol! {
    #![sol(all_derives)]

    /// EntryPoint v0.7's packed user operation (decoded on-chain by
    /// `sessionkey_policy::userop`; declared here for the ABI and for tests).
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
    error MalformedCalldata(uint8 code);

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

/// A revert: one of the typed errors above, already ABI-encoded (`selector ‖ static args`).
///
/// Built by hand rather than derived: every error's arguments are static words, so the encoding
/// is their concatenation, and the derived per-type encoders cost ~10 KB of WASM. The contract
/// tests compare these bytes with alloy's `SolError::abi_encode` of the expected error, which
/// checks the exact error and this encoder at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Vec<u8>);

impl Error {
    /// `selector ‖ args`.
    #[inline(never)]
    pub fn new(selector: [u8; 4], args: &[B256]) -> Self {
        let mut out = Vec::with_capacity(4 + 32 * args.len());
        out.extend_from_slice(&selector);
        for w in args {
            out.extend_from_slice(w.as_slice());
        }
        Self(out)
    }

    /// `NotInstalled(account)`.
    pub fn not_installed(account: Address) -> Self {
        Self::new(NotInstalled::SELECTOR, &[addr(account)])
    }

    /// `AlreadyInstalled(account)`.
    pub fn already_installed(account: Address) -> Self {
        Self::new(AlreadyInstalled::SELECTOR, &[addr(account)])
    }

    /// `SessionAlreadyActive(account, signer)`.
    pub fn session_already_active(account: Address, signer: Address) -> Self {
        Self::new(
            SessionAlreadyActive::SELECTOR,
            &[addr(account), addr(signer)],
        )
    }

    /// `SessionNotActive(account, signer)`.
    pub fn session_not_active(account: Address, signer: Address) -> Self {
        Self::new(SessionNotActive::SELECTOR, &[addr(account), addr(signer)])
    }

    /// `InvalidSignatureLength(length)`.
    pub fn invalid_signature_length(length: usize) -> Self {
        Self::new(InvalidSignatureLength::SELECTOR, &[index(length)])
    }

    /// `SenderMismatch(sender, caller)`.
    pub fn sender_mismatch(sender: Address, caller: Address) -> Self {
        Self::new(SenderMismatch::SELECTOR, &[addr(sender), addr(caller)])
    }
}

impl From<Error> for Vec<u8> {
    fn from(e: Error) -> Vec<u8> {
        e.0
    }
}

#[inline(never)]
fn addr(a: Address) -> B256 {
    a.into_word()
}

#[inline(never)]
fn uint(v: U256) -> B256 {
    B256::from(v.to_be_bytes::<32>())
}

#[inline(never)]
fn index(i: usize) -> B256 {
    uint(U256::from(i))
}

impl From<RecordError> for Error {
    fn from(e: RecordError) -> Self {
        Self::new(
            InvalidRecord::SELECTOR,
            &[B256::with_last_byte(e.code()), index(e.position())],
        )
    }
}

impl Error {
    /// `MalformedCalldata(code)`: the module's own arguments are not canonical ABI.
    pub fn calldata(e: ExecutionError) -> Self {
        Self::new(
            MalformedCalldata::SELECTOR,
            &[B256::with_last_byte(e.code())],
        )
    }
}

impl From<ExecutionError> for Error {
    fn from(e: ExecutionError) -> Self {
        Self::new(
            MalformedExecution::SELECTOR,
            &[B256::with_last_byte(e.code())],
        )
    }
}

impl From<Violation> for Error {
    fn from(v: Violation) -> Self {
        match v {
            Violation::SelfCall { index: i } => Self::new(SelfCallRejected::SELECTOR, &[index(i)]),
            Violation::CallNotAllowed {
                index: i,
                target,
                selector,
            } => Self::new(
                CallNotAllowed::SELECTOR,
                &[index(i), addr(target), B256::right_padding_from(&selector)],
            ),
            Violation::CalldataTooShort { index: i } => {
                Self::new(CalldataTooShort::SELECTOR, &[index(i)])
            }
            Violation::ValueTooHigh {
                index: i,
                value,
                max,
            } => Self::new(ValueTooHigh::SELECTOR, &[index(i), uint(value), uint(max)]),
            Violation::ParamMissing { index: i, rule } => {
                Self::new(ParamMissing::SELECTOR, &[index(i), index(rule)])
            }
            Violation::RuleFailed { index: i, rule } => {
                Self::new(RuleFailed::SELECTOR, &[index(i), index(rule)])
            }
            Violation::MalformedTokenCall { index: i } => {
                Self::new(MalformedTokenCall::SELECTOR, &[index(i)])
            }
            Violation::TokenCapMissing { token } => {
                Self::new(TokenCapMissing::SELECTOR, &[addr(token)])
            }
            Violation::TokenCapExceeded {
                token,
                requested,
                remaining,
            } => Self::new(
                TokenCapExceeded::SELECTOR,
                &[addr(token), uint(requested), uint(remaining)],
            ),
            Violation::NativeCapExceeded {
                requested,
                remaining,
            } => Self::new(
                NativeCapExceeded::SELECTOR,
                &[uint(requested), uint(remaining)],
            ),
            Violation::OpLimitReached => Self::new(OpLimitReached::SELECTOR, &[]),
            Violation::GasBudgetExceeded { cost, remaining } => {
                Self::new(GasBudgetExceeded::SELECTOR, &[uint(cost), uint(remaining)])
            }
            Violation::PaymasterNotAllowed { paymaster } => {
                Self::new(PaymasterNotAllowed::SELECTOR, &[addr(paymaster)])
            }
            Violation::AmountOverflow => Self::new(AmountOverflow::SELECTOR, &[]),
        }
    }
}

/// Lists every error for `export-abi` (the derive that would do this also generates the ~10 KB
/// encoder this module replaces).
#[cfg(feature = "export-abi")]
impl stylus_sdk::abi::export::internal::InnerTypes for Error {
    fn inner_types() -> Vec<stylus_sdk::abi::export::internal::InnerType> {
        use alloc::format;
        use core::any::TypeId;
        use stylus_sdk::abi::export::internal::InnerType;
        macro_rules! errors {
            ($($e:ty),* $(,)?) => {
                alloc::vec![$(InnerType {
                    name: format!("error {};", <$e as SolError>::SIGNATURE.replace(',', ", ")),
                    id: TypeId::of::<$e>(),
                }),*]
            };
        }
        errors!(
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
        )
    }
}
