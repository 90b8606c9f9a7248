//! Every way an input can be refused, each with the context a user needs to fix it.
//!
//! Each enum has a stable one-byte `code()`: the on-chain contract reports that code in its
//! typed Solidity errors, and the SDK maps it back to the variant to explain the failure.

use alloy_primitives::{Address, U256};

/// Why the account's `execute` calldata is not accepted. Only the canonical ABI encoding that
/// Solidity's encoder produces is accepted, so the module and the account can never disagree on
/// what the op does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecutionError {
    /// Shorter than `execute(bytes32,bytes)`'s fixed head.
    TooShort,
    /// The selector is neither `execute` nor anything else this module decodes.
    UnknownSelector([u8; 4]),
    /// `executeUserOp` wraps the real calldata; it is refused rather than trusted.
    ExecuteUserOpUnsupported,
    /// Call type other than single (0x00) or batch (0x01): staticcall and delegatecall refused.
    UnsupportedCallType(u8),
    /// Exec type other than default/revert (0x00): try-mode hides failed calls, refused.
    UnsupportedExecType(u8),
    /// The unused, modeSelector or modePayload bytes of the mode are not zero.
    NonDefaultMode,
    /// An ABI offset is not the one the canonical encoder writes.
    NonCanonicalOffset,
    /// A length word points past the end of the data.
    LengthOutOfBounds,
    /// Padding after a `bytes` value is not zero.
    DirtyPadding,
    /// Bytes after the last encoded value.
    TrailingBytes,
    /// An address word has high bits set.
    DirtyAddress,
    /// A batch with no calls.
    EmptyBatch,
    /// A batch with more calls than [`crate::execution::MAX_BATCH`].
    BatchTooLarge(usize),
    /// A single execution shorter than `target(20) ‖ value(32)`.
    SingleTooShort,
}

impl ExecutionError {
    /// Stable code reported on-chain.
    pub fn code(&self) -> u8 {
        match self {
            Self::TooShort => 1,
            Self::UnknownSelector(_) => 2,
            Self::ExecuteUserOpUnsupported => 3,
            Self::UnsupportedCallType(_) => 4,
            Self::UnsupportedExecType(_) => 5,
            Self::NonDefaultMode => 6,
            Self::NonCanonicalOffset => 7,
            Self::LengthOutOfBounds => 8,
            Self::DirtyPadding => 9,
            Self::TrailingBytes => 10,
            Self::DirtyAddress => 11,
            Self::EmptyBatch => 12,
            Self::BatchTooLarge(_) => 13,
            Self::SingleTooShort => 14,
        }
    }
}

/// Why a permission record is not accepted at registration. `at` is the byte offset in the
/// encoded record where the problem was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// The record ends before a field it announced.
    Truncated {
        /// Byte offset.
        at: usize,
    },
    /// Unknown encoding version.
    UnsupportedVersion(u8),
    /// Session signer is the zero address (ecrecover's failure value).
    ZeroSigner,
    /// `valid_until` is set and not after `valid_after`.
    EmptyWindow {
        /// Start of the window.
        valid_after: u64,
        /// End of the window.
        valid_until: u64,
    },
    /// A flags byte has bits this version does not define.
    UnknownFlags {
        /// Byte offset.
        at: usize,
    },
    /// An explicit "unlimited" flag together with a non-zero limit, or a field that must be zero.
    ContradictoryLimit {
        /// Byte offset.
        at: usize,
    },
    /// More calls, rules, values or token caps than the limits allow.
    TooMany {
        /// Byte offset.
        at: usize,
    },
    /// Entries are not in strictly ascending key order (this also rejects duplicates).
    NotSorted {
        /// Byte offset.
        at: usize,
    },
    /// Any target together with any selector: a blank cheque, never accepted.
    UnboundedCall {
        /// Byte offset.
        at: usize,
    },
    /// Parameter rules on an entry that matches empty calldata.
    RulesWithoutCalldata {
        /// Byte offset.
        at: usize,
    },
    /// Unknown condition code.
    UnknownCondition {
        /// Byte offset.
        at: usize,
    },
    /// Wrong number of reference values for the condition.
    BadValueCount {
        /// Byte offset.
        at: usize,
    },
    /// A range whose minimum is above its maximum.
    EmptyRange {
        /// Byte offset.
        at: usize,
    },
    /// A call entry whose rules need more than 128 storage slots (ERC-7562 offset limit).
    TooLargeForStorage {
        /// Byte offset.
        at: usize,
    },
    /// A token limit at or above 2^248, or a native cap at or above 2^96 (use the unlimited flag
    /// instead).
    LimitTooLarge {
        /// Byte offset.
        at: usize,
    },
    /// Bytes after the record.
    TrailingBytes {
        /// Byte offset.
        at: usize,
    },
    /// A window bound above 48 bits (only [`crate::SessionRecord::validate`] can see this: the
    /// encoding has no room for it).
    TimestampTooLarge,
}

impl RecordError {
    /// Stable code reported on-chain.
    pub fn code(&self) -> u8 {
        match self {
            Self::Truncated { .. } => 1,
            Self::UnsupportedVersion(_) => 2,
            Self::ZeroSigner => 3,
            Self::EmptyWindow { .. } => 4,
            Self::UnknownFlags { .. } => 5,
            Self::ContradictoryLimit { .. } => 6,
            Self::TooMany { .. } => 7,
            Self::NotSorted { .. } => 8,
            Self::UnboundedCall { .. } => 9,
            Self::RulesWithoutCalldata { .. } => 10,
            Self::UnknownCondition { .. } => 11,
            Self::BadValueCount { .. } => 12,
            Self::EmptyRange { .. } => 13,
            Self::TooLargeForStorage { .. } => 14,
            Self::LimitTooLarge { .. } => 15,
            Self::TrailingBytes { .. } => 16,
            Self::TimestampTooLarge => 17,
        }
    }

    /// Byte offset in the encoded record, where one applies.
    pub fn position(&self) -> usize {
        match *self {
            Self::Truncated { at }
            | Self::UnknownFlags { at }
            | Self::ContradictoryLimit { at }
            | Self::TooMany { at }
            | Self::NotSorted { at }
            | Self::UnboundedCall { at }
            | Self::RulesWithoutCalldata { at }
            | Self::UnknownCondition { at }
            | Self::BadValueCount { at }
            | Self::EmptyRange { at }
            | Self::TooLargeForStorage { at }
            | Self::LimitTooLarge { at }
            | Self::TrailingBytes { at } => at,
            Self::UnsupportedVersion(_) | Self::TimestampTooLarge => 0,
            Self::ZeroSigner => 1,
            Self::EmptyWindow { .. } => 21,
        }
    }
}

/// Why a well-formed op breaks its session's permission record. `index` is the position of the
/// offending call in the op's execution (0 for a single call).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Violation {
    /// The call targets the account itself or this module (self-call escalation).
    SelfCall {
        /// Call index.
        index: usize,
    },
    /// No entry of the record matches this target and selector.
    CallNotAllowed {
        /// Call index.
        index: usize,
        /// Call target.
        target: Address,
        /// The call's selector (zero for empty calldata).
        selector: [u8; 4],
    },
    /// Calldata of 1–3 bytes: no selector, not empty either.
    CalldataTooShort {
        /// Call index.
        index: usize,
    },
    /// Native value above the entry's per-call maximum.
    ValueTooHigh {
        /// Call index.
        index: usize,
        /// Value sent.
        value: U256,
        /// Per-call maximum.
        max: U256,
    },
    /// A rule reads a word past the end of the calldata.
    ParamMissing {
        /// Call index.
        index: usize,
        /// Rule index within the entry.
        rule: usize,
    },
    /// A rule's condition does not hold.
    RuleFailed {
        /// Call index.
        index: usize,
        /// Rule index within the entry.
        rule: usize,
    },
    /// An ERC-20 spend call (transfer, transferFrom, approve, increaseAllowance) whose calldata is
    /// not exactly its canonical encoding.
    MalformedTokenCall {
        /// Call index.
        index: usize,
    },
    /// An ERC-20 spend on a token for which the record sets no cap (not even "unlimited").
    TokenCapMissing {
        /// Token.
        token: Address,
    },
    /// ERC-20 spend above what remains of the token's cap.
    TokenCapExceeded {
        /// Token.
        token: Address,
        /// Summed over the op.
        requested: U256,
        /// Left before this op.
        remaining: U256,
    },
    /// Native value above what remains of the session's cap.
    NativeCapExceeded {
        /// Summed over the op.
        requested: U256,
        /// Left before this op.
        remaining: U256,
    },
    /// The session's op count is used up.
    OpLimitReached,
    /// The op's maximum prefund is above what remains of the session's gas-fee budget.
    GasBudgetExceeded {
        /// `requiredPrefund` of the op.
        cost: U256,
        /// Left before this op.
        remaining: U256,
    },
    /// A paymaster the session does not name.
    PaymasterNotAllowed {
        /// The op's paymaster.
        paymaster: Address,
    },
    /// Sums overflowed 256 bits (only reachable with absurd values, refused all the same).
    AmountOverflow,
}

impl Violation {
    /// Stable code reported on-chain.
    pub fn code(&self) -> u8 {
        match self {
            Self::SelfCall { .. } => 1,
            Self::CallNotAllowed { .. } => 2,
            Self::CalldataTooShort { .. } => 3,
            Self::ValueTooHigh { .. } => 4,
            Self::ParamMissing { .. } => 5,
            Self::RuleFailed { .. } => 6,
            Self::MalformedTokenCall { .. } => 7,
            Self::TokenCapMissing { .. } => 8,
            Self::TokenCapExceeded { .. } => 9,
            Self::NativeCapExceeded { .. } => 10,
            Self::OpLimitReached => 11,
            Self::GasBudgetExceeded { .. } => 12,
            Self::PaymasterNotAllowed { .. } => 13,
            Self::AmountOverflow => 14,
        }
    }
}
