//! Every way an input can be refused, each with the context a user needs to fix it.
//!
//! [`ExecutionError`], [`RecordError`] and [`Violation`] are the engine's errors. Each variant
//! has a stable one-byte code, a name and a one-line summary, declared together in one table
//! per enum (`codes!`), so the code the contract reports, the lookups the SDK and the bundler
//! kit use to read it back, and the wording cannot disagree. [`ModuleError`] is everything the
//! contract reverts with, mapped both ways to the Solidity errors of
//! `abi/ISessionKeyValidator.sol` ([`crate::interface`]).

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolError;
use core::fmt;

use crate::interface::ISessionKeyValidator as I;

/// One table per enum: code, variant and summary. Generates `code()` (what the contract reports),
/// `name()`, and the lookups by code (`name_of`, `summary_of`) that read a reported code back.
/// `{ .. }` patterns match unit, tuple and struct variants alike, and a variant missing from the
/// table makes `code()` fail to compile.
macro_rules! codes {
    ($ty:ident { $($code:literal $variant:ident => $summary:literal,)+ }) => {
        impl $ty {
            /// Stable code reported on-chain.
            pub fn code(&self) -> u8 {
                match self {
                    $(Self::$variant { .. } => $code,)+
                }
            }

            /// The variant's name.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => stringify!($variant),)+
                }
            }

            /// The name of the variant with `code`, as the contract reports it.
            pub fn name_of(code: u8) -> Option<&'static str> {
                match code {
                    $($code => Some(stringify!($variant)),)+
                    _ => None,
                }
            }

            /// One line saying what the variant with `code` means (no payload).
            pub fn summary_of(code: u8) -> Option<&'static str> {
                match code {
                    $($code => Some($summary),)+
                    _ => None,
                }
            }

            /// Every code this enum defines, ascending.
            pub const CODES: &'static [u8] = &[$($code),+];
        }
    };
}

fn summary(s: Option<&'static str>) -> &'static str {
    // Every code comes from the same table as its summary.
    s.unwrap_or("(unknown code)")
}

/// Lower-case hex of a few bytes, without allocating (no_std).
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

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

codes! {
    ExecutionError {
        1 TooShort => "shorter than the head of execute(bytes32,bytes)",
        2 UnknownSelector => "not a call of execute(bytes32,bytes), the only account function a session may run",
        3 ExecuteUserOpUnsupported => "executeUserOp, refused: the module would check the wrapper, not the calls",
        4 UnsupportedCallType => "a call type other than single (0x00) or batch (0x01); delegatecall and staticcall are refused",
        5 UnsupportedExecType => "an exec type other than the default (0x00); try mode hides failed calls",
        6 NonDefaultMode => "mode bytes 2-31 (unused, mode selector, payload) that are not zero",
        7 NonCanonicalOffset => "an ABI offset other than the one Solidity's encoder writes",
        8 LengthOutOfBounds => "a length that points past the end of the data",
        9 DirtyPadding => "non-zero padding after a bytes value",
        10 TrailingBytes => "bytes after the last encoded value",
        11 DirtyAddress => "an address word with non-zero high bytes",
        12 EmptyBatch => "a batch with no calls",
        13 BatchTooLarge => "a batch of more than 16 calls",
        14 SingleTooShort => "single-call data shorter than target (20 bytes) and value (32 bytes)",
    }
}

impl fmt::Display for ExecutionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(summary(Self::summary_of(self.code())))?;
        match *self {
            Self::UnknownSelector(s) => write!(f, " (selector 0x{})", Hex(&s)),
            Self::UnsupportedCallType(t) | Self::UnsupportedExecType(t) => {
                write!(f, " (0x{t:02x})")
            }
            Self::BatchTooLarge(n) => write!(f, " ({n} calls)"),
            _ => Ok(()),
        }
    }
}

impl core::error::Error for ExecutionError {}

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
    /// A cap at or above what its counter holds: a token limit of 2^248 (2^104 in a periodic
    /// session), a native cap of 2^96, a periodic gas budget of 2^88 (use the unlimited flag
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
    /// A signer kind this version does not define.
    UnknownSignerKind {
        /// Byte offset.
        at: usize,
    },
    /// A P-256 public key with a coordinate not below the field prime, or `(0, 0)`.
    InvalidPublicKey {
        /// Byte offset.
        at: usize,
    },
    /// A P-256 session whose `signer` is not its key's address (only
    /// [`crate::SessionRecord::validate`] can see this: the encoding derives the address).
    SignerNotKeyAddress,
    /// A cap period shorter than a minute (`layout::MIN_PERIOD`).
    PeriodTooShort {
        /// Byte offset.
        at: usize,
    },
}

codes! {
    RecordError {
        1 Truncated => "the record ends before a field it announces",
        2 UnsupportedVersion => "an encoding version this module does not read (it reads version 2)",
        3 ZeroSigner => "the signer is the zero address",
        4 EmptyWindow => "an empty validity window: validUntil is not after validAfter",
        5 UnknownFlags => "flag bits this version does not define",
        6 ContradictoryLimit => "a limit contradicting its flag: \"unlimited\" with a value, or a value where none may be",
        7 TooMany => "too many entries: at most 32 calls, 16 rules per call, 16 token caps",
        8 NotSorted => "entries out of order or duplicated: calls and token caps must be strictly ascending",
        9 UnboundedCall => "an entry allowing any target with any function, never accepted",
        10 RulesWithoutCalldata => "parameter rules on an entry that matches empty calldata",
        11 UnknownCondition => "an unknown rule condition",
        12 BadValueCount => "the wrong number of values for a rule's condition",
        13 EmptyRange => "a range whose minimum is above its maximum",
        14 TooLargeForStorage => "a call entry needing more than 128 storage words (ERC-7562's offset limit)",
        15 LimitTooLarge => "a cap too large for its counter: token 2^248 (2^104 periodic), native 2^96, periodic gas budget 2^88 (use \"unlimited\")",
        16 TrailingBytes => "bytes after the record",
        17 TimestampTooLarge => "validAfter or validUntil above 48 bits",
        18 UnknownSignerKind => "a signer kind this version does not define (0 secp256k1, 1 P-256, 2 WebAuthn)",
        19 InvalidPublicKey => "a P-256 public key with a coordinate not below the field prime, or (0, 0)",
        20 SignerNotKeyAddress => "a P-256 session whose signer is not keccak256(x || y)[12..] of its key",
        21 PeriodTooShort => "a cap period shorter than 60 seconds",
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(summary(Self::summary_of(self.code())))?;
        match *self {
            Self::UnsupportedVersion(v) => write!(f, " (version {v})"),
            Self::EmptyWindow {
                valid_after,
                valid_until,
            } => write!(f, " ({valid_until} <= {valid_after})"),
            Self::TimestampTooLarge | Self::SignerNotKeyAddress => Ok(()),
            _ => write!(f, " (byte {})", self.position()),
        }
    }
}

impl core::error::Error for RecordError {}

impl RecordError {
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
            | Self::TrailingBytes { at }
            | Self::UnknownSignerKind { at }
            | Self::InvalidPublicKey { at }
            | Self::PeriodTooShort { at } => at,
            Self::UnsupportedVersion(_) | Self::TimestampTooLarge | Self::SignerNotKeyAddress => 0,
            Self::ZeroSigner => crate::record::SIGNER_KIND_AT + 1,
            Self::EmptyWindow { .. } => 1,
        }
    }
}

/// Why a well-formed op breaks its session's permission record. `index` is the position of the
/// offending call in the op's execution (0 for a single call).
///
/// Non-exhaustive: code outside the engine words a violation it does not know through
/// `Display`, so a new check adds no match arm elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
    /// A periodic session's op names a period before the one its counters are for.
    PeriodClosed {
        /// The period named.
        period: u32,
        /// The counters' period.
        current: u32,
    },
    /// A periodic session's op names a period that starts after the session ends.
    PeriodOutOfRange {
        /// The period named.
        period: u32,
    },
}

codes! {
    Violation {
        1 SelfCall => "a call to the account itself or to the module (self-call escalation)",
        2 CallNotAllowed => "a call no entry of the permission allows",
        3 CalldataTooShort => "calldata of 1 to 3 bytes: neither empty nor a selector",
        4 ValueTooHigh => "native value above the entry's per-call maximum",
        5 ParamMissing => "a parameter rule reads past the end of the calldata",
        6 RuleFailed => "a parameter rule does not hold",
        7 MalformedTokenCall => "an ERC-20 spend call not in its exact canonical encoding",
        8 TokenCapMissing => "an ERC-20 spend on a token the permission sets no cap for",
        9 TokenCapExceeded => "an ERC-20 spend above what is left of the token's cap",
        10 NativeCapExceeded => "native value above what is left of the session's cap",
        11 OpLimitReached => "the session's op count is used up",
        12 GasBudgetExceeded => "a prefund above what is left of the session's gas-fee budget",
        13 PaymasterNotAllowed => "a paymaster the session does not name",
        14 AmountOverflow => "amounts summed over the op overflow 256 bits",
        15 PeriodClosed => "a cap period that has closed: a later period's op was validated",
        16 PeriodOutOfRange => "a cap period that starts after the session ends",
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::SelfCall { index }
            | Self::CalldataTooShort { index }
            | Self::MalformedTokenCall { index } => write!(f, "call #{index}: ")?,
            Self::CallNotAllowed {
                index,
                target,
                selector,
            } => write!(f, "call #{index} (0x{} on {target}): ", Hex(&selector))?,
            Self::ValueTooHigh { index, value, max } => write!(
                f,
                "call #{index} sends {value} wei, at most {max} allowed: "
            )?,
            Self::ParamMissing { index, rule } | Self::RuleFailed { index, rule } => {
                write!(f, "call #{index}, rule #{rule}: ")?
            }
            Self::TokenCapMissing { token } => write!(f, "token {token}: ")?,
            Self::TokenCapExceeded {
                token,
                requested,
                remaining,
            } => write!(f, "token {token}, {requested} spent, {remaining} left: ")?,
            Self::NativeCapExceeded {
                requested,
                remaining,
            } => write!(f, "{requested} wei sent, {remaining} left: ")?,
            Self::GasBudgetExceeded { cost, remaining } => {
                write!(f, "prefund {cost} wei, {remaining} left: ")?
            }
            Self::PaymasterNotAllowed { paymaster } => write!(f, "paymaster {paymaster}: ")?,
            Self::PeriodClosed { period, current } => {
                write!(f, "period {period}, counters at period {current}: ")?
            }
            Self::PeriodOutOfRange { period } => write!(f, "period {period}: ")?,
            Self::OpLimitReached | Self::AmountOverflow => {}
        }
        f.write_str(summary(Self::summary_of(self.code())))
    }
}

impl core::error::Error for Violation {}

/// Everything the contract reverts with: one variant per Solidity error of
/// `abi/ISessionKeyValidator.sol`, with the violations of [`Violation`] as their own errors.
///
/// [`ModuleError::encode`] is the revert data the contract sends (selector and static words,
/// so the on-chain program links no ABI encoder); [`ModuleError::decode`] reads
/// revert data back, strictly, through the types `sol!` generates from the same file. Codes of
/// [`RecordError`] and [`ExecutionError`] travel as `uint8` and read back with their lookups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleError {
    /// `onUninstall`, `registerSession` or `validateUserOp` from an account without the module.
    NotInstalled {
        /// The calling account.
        account: Address,
    },
    /// `onInstall` from an account that has the module.
    AlreadyInstalled {
        /// The calling account.
        account: Address,
    },
    /// Registering a signer whose session is still live (revoke it first).
    SessionAlreadyActive {
        /// The calling account.
        account: Address,
        /// The record's signer.
        signer: Address,
    },
    /// Revoking, or validating an op of, a signer with no live session.
    SessionNotActive {
        /// The account.
        account: Address,
        /// The signer named.
        signer: Address,
    },
    /// A permission record refused at registration.
    InvalidRecord {
        /// [`RecordError::code`].
        code: u8,
        /// Byte offset in the encoded record ([`RecordError::position`]).
        position: usize,
    },
    /// `userOp.signature` is not `signer(20) ‖ r(32) ‖ s(32) ‖ v(1)`.
    InvalidSignatureLength {
        /// Its length.
        length: usize,
    },
    /// `validateUserOp` called by an account other than `userOp.sender`.
    SenderMismatch {
        /// `userOp.sender`.
        sender: Address,
        /// The calling account.
        caller: Address,
    },
    /// The op's `callData` is not a canonical, supported `execute`.
    MalformedExecution {
        /// [`ExecutionError::code`].
        code: u8,
    },
    /// The module's own arguments are not canonical ABI.
    MalformedCalldata {
        /// [`ExecutionError::code`].
        code: u8,
    },
    /// The op breaks its session's permission.
    Violation(Violation),
}

impl From<Violation> for ModuleError {
    fn from(v: Violation) -> Self {
        Self::Violation(v)
    }
}

impl From<RecordError> for ModuleError {
    fn from(e: RecordError) -> Self {
        Self::InvalidRecord {
            code: e.code(),
            position: e.position(),
        }
    }
}

/// `selector ‖ args`: every argument of every module error is one static word, so the
/// encoding is their concatenation (one small function instead of a derived encoder per error).
#[inline(never)]
fn encode_error(selector: [u8; 4], args: &[B256]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * args.len());
    out.extend_from_slice(&selector);
    args.iter()
        .for_each(|w| out.extend_from_slice(w.as_slice()));
    out
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

impl ModuleError {
    /// `MalformedExecution(code)`: the op's `callData` is refused.
    pub fn execution(e: ExecutionError) -> Self {
        Self::MalformedExecution { code: e.code() }
    }

    /// `MalformedCalldata(code)`: the module's own arguments are refused.
    pub fn calldata(e: ExecutionError) -> Self {
        Self::MalformedCalldata { code: e.code() }
    }

    /// The revert data the contract sends: the Solidity error's selector, then its arguments.
    pub fn encode(&self) -> Vec<u8> {
        let w = encode_error;
        let code = B256::with_last_byte;
        match *self {
            Self::NotInstalled { account } => w(I::NotInstalled::SELECTOR, &[addr(account)]),
            Self::AlreadyInstalled { account } => {
                w(I::AlreadyInstalled::SELECTOR, &[addr(account)])
            }
            Self::SessionAlreadyActive { account, signer } => w(
                I::SessionAlreadyActive::SELECTOR,
                &[addr(account), addr(signer)],
            ),
            Self::SessionNotActive { account, signer } => w(
                I::SessionNotActive::SELECTOR,
                &[addr(account), addr(signer)],
            ),
            Self::InvalidRecord { code: c, position } => {
                w(I::InvalidRecord::SELECTOR, &[code(c), index(position)])
            }
            Self::InvalidSignatureLength { length } => {
                w(I::InvalidSignatureLength::SELECTOR, &[index(length)])
            }
            Self::SenderMismatch { sender, caller } => {
                w(I::SenderMismatch::SELECTOR, &[addr(sender), addr(caller)])
            }
            Self::MalformedExecution { code: c } => w(I::MalformedExecution::SELECTOR, &[code(c)]),
            Self::MalformedCalldata { code: c } => w(I::MalformedCalldata::SELECTOR, &[code(c)]),
            Self::Violation(v) => match v {
                Violation::SelfCall { index: i } => w(I::SelfCallRejected::SELECTOR, &[index(i)]),
                Violation::CallNotAllowed {
                    index: i,
                    target,
                    selector,
                } => w(
                    I::CallNotAllowed::SELECTOR,
                    &[index(i), addr(target), B256::right_padding_from(&selector)],
                ),
                Violation::CalldataTooShort { index: i } => {
                    w(I::CalldataTooShort::SELECTOR, &[index(i)])
                }
                Violation::ValueTooHigh {
                    index: i,
                    value,
                    max,
                } => w(
                    I::ValueTooHigh::SELECTOR,
                    &[index(i), uint(value), uint(max)],
                ),
                Violation::ParamMissing { index: i, rule } => {
                    w(I::ParamMissing::SELECTOR, &[index(i), index(rule)])
                }
                Violation::RuleFailed { index: i, rule } => {
                    w(I::RuleFailed::SELECTOR, &[index(i), index(rule)])
                }
                Violation::MalformedTokenCall { index: i } => {
                    w(I::MalformedTokenCall::SELECTOR, &[index(i)])
                }
                Violation::TokenCapMissing { token } => {
                    w(I::TokenCapMissing::SELECTOR, &[addr(token)])
                }
                Violation::TokenCapExceeded {
                    token,
                    requested,
                    remaining,
                } => w(
                    I::TokenCapExceeded::SELECTOR,
                    &[addr(token), uint(requested), uint(remaining)],
                ),
                Violation::NativeCapExceeded {
                    requested,
                    remaining,
                } => w(
                    I::NativeCapExceeded::SELECTOR,
                    &[uint(requested), uint(remaining)],
                ),
                Violation::OpLimitReached => w(I::OpLimitReached::SELECTOR, &[]),
                Violation::GasBudgetExceeded { cost, remaining } => w(
                    I::GasBudgetExceeded::SELECTOR,
                    &[uint(cost), uint(remaining)],
                ),
                Violation::PaymasterNotAllowed { paymaster } => {
                    w(I::PaymasterNotAllowed::SELECTOR, &[addr(paymaster)])
                }
                Violation::AmountOverflow => w(I::AmountOverflow::SELECTOR, &[]),
                Violation::PeriodClosed { period, current } => w(
                    I::PeriodClosed::SELECTOR,
                    &[index(period as usize), index(current as usize)],
                ),
                Violation::PeriodOutOfRange { period } => {
                    w(I::PeriodOutOfRange::SELECTOR, &[index(period as usize)])
                }
            },
        }
    }

    /// The Solidity error's name (`RuleFailed`, `InvalidRecord`, …).
    pub fn name(&self) -> &'static str {
        let data = self.encode();
        let selector = [data[0], data[1], data[2], data[3]];
        crate::interface::Errors::name_by_selector(selector).unwrap_or("unknown")
    }

    /// Reads the module's revert data back. `None` unless `data` is exactly the canonical
    /// encoding of one of the module's errors with values the module can produce (indices that
    /// fit a `usize`, codes its tables define).
    pub fn decode(data: &[u8]) -> Option<Self> {
        use crate::interface::Errors as E;
        use alloy_sol_types::SolInterface;
        let e = E::abi_decode_validate(data).ok()?;
        let n = |v: U256| usize::try_from(v).ok();
        let v = |v: Violation| Some(Self::Violation(v));
        let known_execution = |c: u8| ExecutionError::name_of(c).map(|_| c);
        let decoded = match e {
            E::NotInstalled(x) => Some(Self::NotInstalled { account: x.account }),
            E::AlreadyInstalled(x) => Some(Self::AlreadyInstalled { account: x.account }),
            E::SessionAlreadyActive(x) => Some(Self::SessionAlreadyActive {
                account: x.account,
                signer: x.signer,
            }),
            E::SessionNotActive(x) => Some(Self::SessionNotActive {
                account: x.account,
                signer: x.signer,
            }),
            E::InvalidRecord(x) => Some(Self::InvalidRecord {
                code: RecordError::name_of(x.code).map(|_| x.code)?,
                position: n(x.position)?,
            }),
            E::InvalidSignatureLength(x) => Some(Self::InvalidSignatureLength {
                length: n(x.length)?,
            }),
            E::SenderMismatch(x) => Some(Self::SenderMismatch {
                sender: x.sender,
                caller: x.caller,
            }),
            E::MalformedExecution(x) => Some(Self::MalformedExecution {
                code: known_execution(x.code)?,
            }),
            E::MalformedCalldata(x) => Some(Self::MalformedCalldata {
                code: known_execution(x.code)?,
            }),
            E::SelfCallRejected(x) => v(Violation::SelfCall {
                index: n(x.callIndex)?,
            }),
            E::CallNotAllowed(x) => v(Violation::CallNotAllowed {
                index: n(x.callIndex)?,
                target: x.target,
                selector: x.selector.0,
            }),
            E::CalldataTooShort(x) => v(Violation::CalldataTooShort {
                index: n(x.callIndex)?,
            }),
            E::ValueTooHigh(x) => v(Violation::ValueTooHigh {
                index: n(x.callIndex)?,
                value: x.value,
                max: x.max,
            }),
            E::ParamMissing(x) => v(Violation::ParamMissing {
                index: n(x.callIndex)?,
                rule: n(x.ruleIndex)?,
            }),
            E::RuleFailed(x) => v(Violation::RuleFailed {
                index: n(x.callIndex)?,
                rule: n(x.ruleIndex)?,
            }),
            E::MalformedTokenCall(x) => v(Violation::MalformedTokenCall {
                index: n(x.callIndex)?,
            }),
            E::TokenCapMissing(x) => v(Violation::TokenCapMissing { token: x.token }),
            E::TokenCapExceeded(x) => v(Violation::TokenCapExceeded {
                token: x.token,
                requested: x.requested,
                remaining: x.remaining,
            }),
            E::NativeCapExceeded(x) => v(Violation::NativeCapExceeded {
                requested: x.requested,
                remaining: x.remaining,
            }),
            E::OpLimitReached(_) => v(Violation::OpLimitReached),
            E::GasBudgetExceeded(x) => v(Violation::GasBudgetExceeded {
                cost: x.cost,
                remaining: x.remaining,
            }),
            E::PaymasterNotAllowed(x) => v(Violation::PaymasterNotAllowed {
                paymaster: x.paymaster,
            }),
            E::AmountOverflow(_) => v(Violation::AmountOverflow),
            E::PeriodClosed(x) => v(Violation::PeriodClosed {
                period: x.period,
                current: x.current,
            }),
            E::PeriodOutOfRange(x) => v(Violation::PeriodOutOfRange { period: x.period }),
        }?;
        // alloy tolerates bytes after the last word; the module never sends any.
        (decoded.encode() == data).then_some(decoded)
    }
}

impl fmt::Display for ModuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let execution = |c: u8| summary(ExecutionError::summary_of(c));
        match *self {
            Self::NotInstalled { account } => {
                write!(f, "the module is not installed on {account}")
            }
            Self::AlreadyInstalled { account } => {
                write!(f, "the module is already installed on {account}")
            }
            Self::SessionAlreadyActive { account, signer } => write!(
                f,
                "{signer} already has a live session on {account}: revoke it first"
            ),
            Self::SessionNotActive { account, signer } => write!(
                f,
                "{signer} has no live session on {account} (never registered, revoked, superseded, or the module was uninstalled)"
            ),
            Self::InvalidRecord { code, position } => write!(
                f,
                "the permission record is refused at byte {position}: {}",
                summary(RecordError::summary_of(code))
            ),
            Self::InvalidSignatureLength { length } => write!(
                f,
                "the signature is {length} bytes, not signer (20) ‖ r (32) ‖ s (32) ‖ v (1) = 85"
            ),
            Self::SenderMismatch { sender, caller } => {
                write!(f, "userOp.sender {sender} is not the calling account {caller}")
            }
            Self::MalformedExecution { code } => {
                write!(f, "the op's callData is refused: {}", execution(code))
            }
            Self::MalformedCalldata { code } => write!(
                f,
                "the module's arguments are not canonical ABI: {}",
                execution(code)
            ),
            Self::Violation(v) => v.fmt(f),
        }
    }
}

impl core::error::Error for ModuleError {}
