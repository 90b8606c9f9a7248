//! Per-op authorisation: every call of the op against the session's stored record, then the
//! caps, producing the storage words to write back.
//!
//! The engine reads storage only through [`RecordStore`], lazily and in the order the checks
//! need it, so on-chain it costs one read per word actually consulted. The contract implements
//! the store over Stylus storage; [`crate::memory::MemoryStore`] implements it over a record in
//! memory for the SDK's simulator and for tests. Both run this function.
//!
//! Order of checks (the first failure is reported): op count → paymaster / gas-fee budget →
//! each call in order (self-call, entry lookup, value, rules, ERC-20 shape) → native cap →
//! token caps. Lookup picks the **most specific** entry: exact target+selector, then the
//! target's any-selector entry, then the selector's any-target entry; a failing specific entry
//! is never rescued by a wildcard.

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};

use crate::condition::Condition;
use crate::erc20;
use crate::error::Violation;
use crate::execution::Execution;
use crate::layout::{
    descriptor_position, read_descriptor, session_flags, values_start, CallHeader, CallKey,
    CountersWord, SelectorMatch, SessionHeader, TargetMatch, TokenCapWord,
};
use crate::rule::param_word;
use crate::validation_data::ValidationData;
use crate::word::u256_from_u128;

/// Read access to one session's stored record.
pub trait RecordStore {
    /// Handle to a call entry's base slot (computed once, then offset).
    type Base: Copy;
    /// The base of the entry stored under `key` for this session.
    fn call_base(&mut self, key: &CallKey) -> Self::Base;
    /// Word `offset` of an entry (word 0 is its header; zero when no entry is stored).
    fn call_word(&mut self, base: Self::Base, offset: usize) -> B256;
    /// The token-cap word for `token` (zero when none is configured).
    fn token_cap(&mut self, token: Address) -> B256;
    /// Session word 1 ([`CountersWord`]).
    fn counters_word(&mut self) -> B256;
    /// Session word 2 (paymaster address in the low 20 bytes).
    fn paymaster_word(&mut self) -> B256;
}

/// The session as loaded from its header word (liveness already checked by the caller).
pub type SessionState = SessionHeader;

/// What the engine needs to know about the op.
#[derive(Clone, Copy, Debug)]
pub struct OpFacts<'a> {
    /// The smart account (`userOp.sender`, and the module's `msg.sender`).
    pub account: Address,
    /// This validator module.
    pub module: Address,
    /// The calls `execute` will make.
    pub executions: &'a [Execution<'a>],
    /// `requiredPrefund` of the op (see [`crate::gas::required_prefund`]).
    pub prefund: U256,
    /// The op's paymaster, if any.
    pub paymaster: Option<Address>,
}

/// Storage words to write when the op is authorised, and its validity window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpOutcome {
    /// New session header (native value debited), if it changes.
    pub header: Option<B256>,
    /// New counters word (op count, gas-fee budget), if it changes.
    pub counters: Option<B256>,
    /// New token-cap words, per token, for capped tokens spent.
    pub token_caps: Vec<(Address, B256)>,
    /// The session window (`sig_failed` is the caller's to set).
    pub validation_data: ValidationData,
    /// Native value the op sends in total.
    pub native_spent: U256,
    /// ERC-20 amounts the op spends, per token.
    pub token_spent: Vec<(Address, U256)>,
}

/// Checks the op against the session and returns what to write back.
pub fn authorize_op<S: RecordStore>(
    store: &mut S,
    session: &SessionState,
    op: &OpFacts<'_>,
) -> Result<OpOutcome, Violation> {
    // The counters word is read once, and only when the op count or the gas budget applies.
    let mut counters: Option<CountersWord> = None;
    let mut counters_dirty = false;
    if session.has(session_flags::OPS_LIMITED) {
        let mut c = CountersWord::unpack(&store.counters_word());
        if c.ops_remaining == 0 {
            return Err(Violation::OpLimitReached);
        }
        c.ops_remaining -= 1;
        counters_dirty = true;
        counters = Some(c);
    }

    match op.paymaster {
        Some(paymaster) => {
            let named = session.has(session_flags::PAYMASTER)
                && Address::from_slice(&store.paymaster_word()[12..]) == paymaster;
            if !named {
                return Err(Violation::PaymasterNotAllowed { paymaster });
            }
        }
        None if !session.has(session_flags::GAS_UNLIMITED) => {
            let mut c = match counters {
                Some(c) => c,
                None => CountersWord::unpack(&store.counters_word()),
            };
            let remaining = u256_from_u128(c.gas_remaining);
            if op.prefund > remaining {
                return Err(Violation::GasBudgetExceeded {
                    cost: op.prefund,
                    remaining,
                });
            }
            c.gas_remaining -= low_u128(&op.prefund);
            counters_dirty |= !op.prefund.is_zero();
            counters = Some(c);
        }
        None => {}
    }

    let mut native = U256::ZERO;
    let mut token_spent: Vec<(Address, U256)> = Vec::new();
    for (index, call) in op.executions.iter().enumerate() {
        if call.target == op.account || call.target == op.module {
            return Err(Violation::SelfCall { index });
        }
        let (base, header_word, entry) = find_entry(store, session.flags, index, call)?;
        let max = u256_from_u128(entry.max_value);
        if call.value > max {
            return Err(Violation::ValueTooHigh {
                index,
                value: call.value,
                max,
            });
        }
        check_rules(
            store,
            base,
            header_word,
            entry.rule_count as usize,
            index,
            call.calldata,
        )?;
        native = native
            .checked_add(call.value)
            .ok_or(Violation::AmountOverflow)?;
        match erc20::spend_amount(call.calldata) {
            Err(_) => return Err(Violation::MalformedTokenCall { index }),
            Ok(None) => {}
            Ok(Some(amount)) => match token_spent.iter_mut().find(|(t, _)| *t == call.target) {
                Some((_, sum)) => {
                    *sum = sum.checked_add(amount).ok_or(Violation::AmountOverflow)?
                }
                None => token_spent.push((call.target, amount)),
            },
        }
    }

    let mut header = None;
    if !native.is_zero() && !session.has(session_flags::NATIVE_UNLIMITED) {
        let remaining = u256_from_u128(session.native_remaining);
        if native > remaining {
            return Err(Violation::NativeCapExceeded {
                requested: native,
                remaining,
            });
        }
        let mut next = *session;
        next.native_remaining -= low_u128(&native);
        header = Some(next.pack());
    }

    let mut token_caps = Vec::new();
    for &(token, amount) in &token_spent {
        let cap = TokenCapWord::unpack(&store.token_cap(token))
            .ok_or(Violation::TokenCapMissing { token })?;
        if cap.unlimited {
            continue;
        }
        if amount > cap.remaining {
            return Err(Violation::TokenCapExceeded {
                token,
                requested: amount,
                remaining: cap.remaining,
            });
        }
        if !amount.is_zero() {
            let next = TokenCapWord {
                unlimited: false,
                remaining: cap.remaining - amount,
            };
            token_caps.push((token, next.pack()));
        }
    }

    Ok(OpOutcome {
        header,
        counters: counters.filter(|_| counters_dirty).map(|c| c.pack()),
        token_caps,
        validation_data: ValidationData {
            sig_failed: false,
            valid_after: session.valid_after,
            valid_until: session.valid_until,
        },
        native_spent: native,
        token_spent,
    })
}

/// The most specific stored entry matching the call.
fn find_entry<S: RecordStore>(
    store: &mut S,
    flags: u8,
    index: usize,
    call: &Execution<'_>,
) -> Result<(S::Base, B256, CallHeader), Violation> {
    let exact_selector = match call.calldata.len() {
        0 => SelectorMatch::Empty,
        1..=3 => return Err(Violation::CalldataTooShort { index }),
        _ => SelectorMatch::Exact(call.calldata[..4].try_into().expect("4 bytes")),
    };
    let target = TargetMatch::Exact(call.target);
    let candidates = [
        (
            true,
            CallKey {
                target,
                selector: exact_selector,
            },
        ),
        (
            flags & session_flags::HAS_ANY_SELECTOR != 0,
            CallKey {
                target,
                selector: SelectorMatch::Any,
            },
        ),
        (
            flags & session_flags::HAS_ANY_TARGET != 0,
            CallKey {
                target: TargetMatch::Any,
                selector: exact_selector,
            },
        ),
    ];
    for (enabled, key) in candidates {
        if !enabled {
            continue;
        }
        let base = store.call_base(&key);
        let word = store.call_word(base, 0);
        if let Some(header) = CallHeader::unpack(&word) {
            return Ok((base, word, header));
        }
    }
    let selector = match exact_selector {
        SelectorMatch::Exact(s) => s,
        _ => [0; 4],
    };
    Err(Violation::CallNotAllowed {
        index,
        target: call.target,
        selector,
    })
}

/// Every rule of the entry at `base` must hold.
fn check_rules<S: RecordStore>(
    store: &mut S,
    base: S::Base,
    header_word: B256,
    rule_count: usize,
    index: usize,
    calldata: &[u8],
) -> Result<(), Violation> {
    // Descriptors 0..3 live in the header word, already read by the lookup.
    let mut descriptors = header_word;
    let mut loaded = 0;
    let mut value_at = values_start(rule_count);
    for rule in 0..rule_count {
        let (word, _) = descriptor_position(rule);
        if word != loaded {
            descriptors = store.call_word(base, word);
            loaded = word;
        }
        let d = read_descriptor(&descriptors, rule);
        let count = d.value_count as usize;
        let first = value_at;
        value_at += count;
        let param =
            param_word(calldata, d.word_index).ok_or(Violation::ParamMissing { index, rule })?;
        // Descriptors are validated at registration; an unknown code can only fail closed.
        let holds = Condition::from_code(d.condition)
            .is_some_and(|c| c.holds(&param, count, |k| store.call_word(base, first + k)));
        if !holds {
            return Err(Violation::RuleFailed { index, rule });
        }
    }
    Ok(())
}

/// The low 128 bits (callers have checked the value is below a `u128` bound); avoids ruint's
/// panicking conversion, whose message formatting costs kilobytes of WASM.
fn low_u128(v: &U256) -> u128 {
    let l = v.as_limbs();
    ((l[1] as u128) << 64) | l[0] as u128
}
