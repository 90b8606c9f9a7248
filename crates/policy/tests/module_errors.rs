//! The module's errors, read both ways: every [`ModuleError`] encodes to exactly what alloy
//! encodes for the Solidity error of `abi/ISessionKeyValidator.sol` and decodes back to itself;
//! the file declares no error the module cannot raise; and the code tables' lookups
//! (`name_of`, `summary_of`) agree with `code()` and `name()` for every variant.

use alloy_primitives::{address, Address, U256};
use alloy_sol_types::SolInterface;
use sessionkey_policy::error::ModuleError;
use sessionkey_policy::interface::Errors;
use sessionkey_policy::{ExecutionError, RecordError, Violation};
use std::collections::BTreeSet;

const A: Address = address!("0x00000000000000000000000000000000000a11ce");
const B: Address = address!("0x000000000000000000000000000000000000b0b0");

fn executions() -> Vec<ExecutionError> {
    use ExecutionError::*;
    vec![
        TooShort,
        UnknownSelector([0xde, 0xad, 0xbe, 0xef]),
        ExecuteUserOpUnsupported,
        UnsupportedCallType(0xff),
        UnsupportedExecType(0x01),
        NonDefaultMode,
        NonCanonicalOffset,
        LengthOutOfBounds,
        DirtyPadding,
        TrailingBytes,
        DirtyAddress,
        EmptyBatch,
        BatchTooLarge(17),
        SingleTooShort,
    ]
}

fn records() -> Vec<RecordError> {
    use RecordError::*;
    vec![
        Truncated { at: 3 },
        UnsupportedVersion(9),
        ZeroSigner,
        EmptyWindow {
            valid_after: 10,
            valid_until: 5,
        },
        UnknownFlags { at: 4 },
        ContradictoryLimit { at: 5 },
        TooMany { at: 6 },
        NotSorted { at: 7 },
        UnboundedCall { at: 8 },
        RulesWithoutCalldata { at: 9 },
        UnknownCondition { at: 10 },
        BadValueCount { at: 11 },
        EmptyRange { at: 12 },
        TooLargeForStorage { at: 13 },
        LimitTooLarge { at: 14 },
        TrailingBytes { at: 15 },
        TimestampTooLarge,
        UnknownSignerKind { at: 13 },
        InvalidPublicKey { at: 14 },
        SignerNotKeyAddress,
        PeriodTooShort { at: 71 },
    ]
}

fn violations() -> Vec<Violation> {
    use Violation::*;
    let big = U256::MAX - U256::from(1);
    vec![
        SelfCall { index: 1 },
        CallNotAllowed {
            index: 2,
            target: A,
            selector: [1, 2, 3, 4],
        },
        CalldataTooShort { index: 3 },
        ValueTooHigh {
            index: 4,
            value: big,
            max: U256::from(7),
        },
        ParamMissing { index: 5, rule: 15 },
        RuleFailed { index: 6, rule: 2 },
        MalformedTokenCall { index: 7 },
        TokenCapMissing { token: B },
        TokenCapExceeded {
            token: B,
            requested: U256::from(11),
            remaining: U256::from(10),
        },
        NativeCapExceeded {
            requested: big,
            remaining: U256::ZERO,
        },
        OpLimitReached,
        GasBudgetExceeded {
            cost: U256::from(1_000_000),
            remaining: U256::from(999_999),
        },
        PaymasterNotAllowed { paymaster: A },
        AmountOverflow,
        PeriodClosed {
            period: 3,
            current: 4,
        },
        PeriodOutOfRange { period: 9 },
    ]
}

fn selector(e: &ModuleError) -> [u8; 4] {
    e.encode()[..4].try_into().unwrap()
}

/// One of every module error (every violation, every record and execution code).
fn module_errors() -> Vec<ModuleError> {
    let mut all = vec![
        ModuleError::NotInstalled { account: A },
        ModuleError::AlreadyInstalled { account: A },
        ModuleError::SessionAlreadyActive {
            account: A,
            signer: B,
        },
        ModuleError::SessionNotActive {
            account: A,
            signer: B,
        },
        ModuleError::InvalidSignatureLength { length: 84 },
        ModuleError::SenderMismatch {
            sender: A,
            caller: B,
        },
    ];
    all.extend(records().into_iter().map(ModuleError::from));
    all.extend(executions().into_iter().map(ModuleError::execution));
    all.extend(executions().into_iter().map(ModuleError::calldata));
    all.extend(violations().into_iter().map(ModuleError::from));
    all
}

#[test]
fn every_module_error_is_alloys_encoding_and_decodes_back_to_itself() {
    for e in module_errors() {
        let bytes = e.encode();
        let typed = Errors::abi_decode_validate(&bytes)
            .unwrap_or_else(|err| panic!("{e:?}: alloy refuses our encoding: {err}"));
        assert_eq!(typed.abi_encode(), bytes, "{e:?}: not alloy's encoding");
        assert_eq!(ModuleError::decode(&bytes), Some(e), "{e:?}");
        assert_eq!(
            Errors::name_by_selector(selector(&e)),
            Some(e.name()),
            "{e:?}"
        );
    }
}

#[test]
fn the_interface_declares_exactly_the_errors_the_module_raises() {
    let raised: BTreeSet<[u8; 4]> = module_errors().iter().map(selector).collect();
    let declared: BTreeSet<[u8; 4]> = Errors::SELECTORS.iter().copied().collect();
    assert_eq!(raised, declared);
}

#[test]
fn decoding_refuses_what_the_module_never_sends() {
    let valid = ModuleError::from(Violation::RuleFailed { index: 1, rule: 2 }).encode();
    // Truncated, extended, a wrong selector.
    assert_eq!(ModuleError::decode(&valid[..valid.len() - 1]), None);
    assert_eq!(
        ModuleError::decode(&[valid.as_slice(), &[0]].concat()),
        None
    );
    assert_eq!(ModuleError::decode(&[0, 0, 0, 0]), None);
    assert_eq!(ModuleError::decode(&[]), None);
    // An index no usize holds.
    let mut huge = valid.clone();
    huge[4] = 1;
    assert_eq!(ModuleError::decode(&huge), None);
    // Dirty high bytes in an address word.
    let mut dirty = ModuleError::NotInstalled { account: A }.encode();
    dirty[4] = 1;
    assert_eq!(ModuleError::decode(&dirty), None);
    // Codes outside the tables.
    for code in [0u8, 15, 255] {
        let bad = ModuleError::MalformedExecution { code }.encode();
        assert_eq!(ModuleError::decode(&bad), None, "execution code {code}");
    }
    for code in [0u8, 22, 255] {
        let bad = ModuleError::InvalidRecord { code, position: 0 }.encode();
        assert_eq!(ModuleError::decode(&bad), None, "record code {code}");
    }
}

/// `codes` are exactly 1..=n, each named and summarised; nothing else is.
fn check_table(
    codes: &[u8],
    samples: &[(u8, &'static str)],
    name_of: fn(u8) -> Option<&'static str>,
    summary_of: fn(u8) -> Option<&'static str>,
) {
    let n = codes.len() as u8;
    assert_eq!(codes, (1..=n).collect::<Vec<_>>(), "codes are 1..=n");
    let sampled: Vec<u8> = samples.iter().map(|(c, _)| *c).collect();
    assert_eq!(sampled, codes, "one sample per variant, in code order");
    for &(code, name) in samples {
        assert_eq!(name_of(code), Some(name));
        assert!(summary_of(code).is_some_and(|s| !s.is_empty()), "{name}");
    }
    for code in (0..=255u8).filter(|c| !codes.contains(c)) {
        assert_eq!((name_of(code), summary_of(code)), (None, None), "{code}");
    }
}

#[test]
fn code_tables_round_trip() {
    let e: Vec<_> = executions().iter().map(|e| (e.code(), e.name())).collect();
    check_table(
        ExecutionError::CODES,
        &e,
        ExecutionError::name_of,
        ExecutionError::summary_of,
    );
    let r: Vec<_> = records().iter().map(|e| (e.code(), e.name())).collect();
    check_table(
        RecordError::CODES,
        &r,
        RecordError::name_of,
        RecordError::summary_of,
    );
    let v: Vec<_> = violations().iter().map(|e| (e.code(), e.name())).collect();
    check_table(
        Violation::CODES,
        &v,
        Violation::name_of,
        Violation::summary_of,
    );
    // Names are the Rust variants' (as `Debug` prints them).
    for e in executions() {
        assert!(format!("{e:?}").starts_with(e.name()), "{e:?}");
    }
    for e in records() {
        assert!(format!("{e:?}").starts_with(e.name()), "{e:?}");
    }
    for v in violations() {
        assert!(format!("{v:?}").starts_with(v.name()), "{v:?}");
    }
}

#[test]
fn messages_carry_the_summary_and_the_payload() {
    assert_eq!(
        ExecutionError::BatchTooLarge(17).to_string(),
        "a batch of more than 16 calls (17 calls)"
    );
    assert!(ExecutionError::BatchTooLarge(0)
        .to_string()
        .contains(&sessionkey_policy::execution::MAX_BATCH.to_string()));
    assert_eq!(
        ExecutionError::UnsupportedCallType(0xff).to_string(),
        "a call type other than single (0x00) or batch (0x01); delegatecall and staticcall are refused (0xff)"
    );
    assert_eq!(
        ExecutionError::UnknownSelector([0xde, 0xad, 0xbe, 0xef]).to_string(),
        "not a call of execute(bytes32,bytes), the only account function a session may run (selector 0xdeadbeef)"
    );
    assert_eq!(
        RecordError::UnsupportedVersion(9).to_string(),
        "an encoding version this module does not read (it reads version 2) (version 9)"
    );
    assert_eq!(
        RecordError::EmptyWindow {
            valid_after: 10,
            valid_until: 5
        }
        .to_string(),
        "an empty validity window: validUntil is not after validAfter (5 <= 10)"
    );
    // No position: the encoding has no room for a wider timestamp.
    assert_eq!(
        RecordError::TimestampTooLarge.to_string(),
        "validAfter or validUntil above 48 bits"
    );
    assert_eq!(
        RecordError::NotSorted { at: 7 }.to_string(),
        "entries out of order or duplicated: calls and token caps must be strictly ascending (byte 7)"
    );
    assert_eq!(
        Violation::RuleFailed { index: 1, rule: 2 }.to_string(),
        "call #1, rule #2: a parameter rule does not hold"
    );
    assert_eq!(
        ModuleError::from(RecordError::TooMany { at: 40 }).to_string(),
        "the permission record is refused at byte 40: too many entries: at most 32 calls, 16 rules per call, 16 token caps"
    );
    for e in module_errors() {
        let text = e.to_string();
        assert!(
            !text.is_empty() && !text.contains("(unknown code)"),
            "{e:?}: {text}"
        );
        let _: &dyn core::error::Error = &e;
    }
}
