//! Per-op authorisation: every call of the op against the session's stored record, then the
//! caps, producing the storage words to write back.
//!
//! The engine reads storage only through [`RecordStore`], lazily and in the order the checks
//! need it, so on-chain it costs one read per word actually consulted. The contract implements
//! the store over Stylus storage; [`crate::memory::MemoryStore`] implements it over a record in
//! memory for the SDK's simulator and for tests. Both run this function.
//!
//! Order of checks (the first failure is reported): the named period (periodic sessions) → op
//! count → paymaster / gas-fee budget → each call in order (self-call, entry lookup, value,
//! rules, ERC-20 shape) → native cap → token caps.
//!
//! A periodic session's caps renew every period. The op names its period (validation must not
//! read the clock, ERC-7562); the engine checks that period's counters and returns the period's
//! window as validationData, so EntryPoint refuses the op outside it (AA22). An op naming a
//! later period starts that period's counters from zero; one naming an earlier period than the
//! counters' is refused ([`Violation::PeriodClosed`]): that period has ended. Lookup picks the **most specific** entry: exact target+selector, then the
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
    CountersWord, PeriodConfig, PeriodCounters, PeriodicTokenWord, SelectorMatch, SessionHeader,
    TargetMatch, TokenCapWord,
};
use crate::validation_data::ValidationData;
use crate::word::word_at;
use crate::word::{low_u128, u256_from_u128};

/// Read access to one session's stored record.
pub trait RecordStore {
    /// Handle to a call entry's base slot (computed once, then offset).
    type Base: Copy;
    /// The base of the entry stored under `key` for this session.
    fn call_base(&mut self, key: &CallKey) -> Self::Base;
    /// The base of the typed-data scope stored under `(app_domain_separator,
    /// contents_typehash)` for this session (read with [`Self::call_word`]).
    fn scope_base(&mut self, app_domain_separator: &B256, contents_typehash: &B256) -> Self::Base;
    /// Word `offset` of an entry (word 0 is its header; zero when no entry is stored).
    fn call_word(&mut self, base: Self::Base, offset: usize) -> B256;
    /// The token-cap word for `token` (zero when none is configured).
    fn token_cap(&mut self, token: Address) -> B256;
    /// Session word 1 ([`CountersWord`]).
    fn counters_word(&mut self) -> B256;
    /// Session word 2 (paymaster address in the low 20 bytes).
    fn paymaster_word(&mut self) -> B256;
    /// Session word 5 ([`PeriodConfig`], periodic sessions).
    fn period_word(&mut self) -> B256;
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
    /// The cap period the op names (periodic sessions; ignored otherwise).
    pub period: u32,
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

/// The session's counters as one op uses them: a lifetime session's remaining caps, or a
/// periodic session's use of the named period.
enum Meter {
    /// Caps for the session's life: the counters word, read at most once and only when the op
    /// count or the gas budget applies.
    Lifetime {
        counters: Option<CountersWord>,
        dirty: bool,
    },
    /// Caps per period.
    Periodic {
        config: PeriodConfig,
        counters: PeriodCounters,
        loaded: PeriodCounters,
        window: (u64, u64),
    },
}

impl Meter {
    fn new<S: RecordStore>(
        store: &mut S,
        session: &SessionState,
        period: u32,
    ) -> Result<Self, Violation> {
        if !session.has(session_flags::PERIODIC) {
            return Ok(Self::Lifetime {
                counters: None,
                dirty: false,
            });
        }
        let config = PeriodConfig::unpack(&store.period_word());
        let loaded = PeriodCounters::unpack(&store.counters_word());
        let counters = loaded.for_period(period).ok_or(Violation::PeriodClosed {
            period,
            current: loaded.period,
        })?;
        let window = config
            .window(period, session.valid_after, session.valid_until)
            .ok_or(Violation::PeriodOutOfRange { period })?;
        Ok(Self::Periodic {
            config,
            counters,
            loaded,
            window,
        })
    }

    fn lifetime<S: RecordStore>(
        store: &mut S,
        counters: &mut Option<CountersWord>,
    ) -> CountersWord {
        *counters.get_or_insert_with(|| CountersWord::unpack(&store.counters_word()))
    }

    fn count_op<S: RecordStore>(&mut self, store: &mut S) -> Result<(), Violation> {
        match self {
            Self::Lifetime { counters, dirty } => {
                let mut c = Self::lifetime(store, counters);
                if c.ops_remaining == 0 {
                    return Err(Violation::OpLimitReached);
                }
                c.ops_remaining -= 1;
                *counters = Some(c);
                *dirty = true;
            }
            Self::Periodic {
                config, counters, ..
            } => {
                if counters.ops_spent >= config.ops_cap {
                    return Err(Violation::OpLimitReached);
                }
                counters.ops_spent += 1;
            }
        }
        Ok(())
    }

    fn charge_gas<S: RecordStore>(&mut self, store: &mut S, cost: U256) -> Result<(), Violation> {
        let left = match self {
            Self::Lifetime { counters, .. } => Self::lifetime(store, counters).gas_remaining,
            Self::Periodic {
                config, counters, ..
            } => config.gas_cap.saturating_sub(counters.gas_spent),
        };
        let remaining = u256_from_u128(left);
        if cost > remaining {
            return Err(Violation::GasBudgetExceeded { cost, remaining });
        }
        let cost = low_u128(&cost);
        match self {
            Self::Lifetime { counters, dirty } => {
                if let Some(c) = counters {
                    c.gas_remaining -= cost;
                }
                *dirty |= cost != 0;
            }
            Self::Periodic { counters, .. } => counters.gas_spent += cost,
        }
        Ok(())
    }

    /// Debits `native` (non-zero, the session capped); a lifetime session's new header word.
    fn spend_native(
        &mut self,
        session: &SessionState,
        native: U256,
    ) -> Result<Option<B256>, Violation> {
        // The header's native field: what is left (lifetime), or the cap per period.
        let (left, periodic) = match self {
            Self::Lifetime { .. } => (session.native_remaining, None),
            Self::Periodic { counters, .. } => (
                session
                    .native_remaining
                    .saturating_sub(counters.native_spent),
                Some(counters),
            ),
        };
        let remaining = u256_from_u128(left);
        if native > remaining {
            return Err(Violation::NativeCapExceeded {
                requested: native,
                remaining,
            });
        }
        let native = low_u128(&native);
        Ok(match periodic {
            Some(counters) => {
                counters.native_spent += native;
                None
            }
            None => {
                let mut next = *session;
                next.native_remaining -= native;
                Some(next.pack())
            }
        })
    }

    /// The period the op uses (periodic sessions).
    fn period(&self) -> Option<u32> {
        match self {
            Self::Lifetime { .. } => None,
            Self::Periodic { counters, .. } => Some(counters.period),
        }
    }

    /// The counters word to write, if it changed.
    fn counters_word(&self) -> Option<B256> {
        match self {
            Self::Lifetime { counters, dirty } => counters.filter(|_| *dirty).map(|c| c.pack()),
            Self::Periodic {
                counters, loaded, ..
            } => (counters != loaded).then(|| counters.pack()),
        }
    }

    /// The op's window: the session's, or the named period's within it.
    fn window(&self, session: &SessionState) -> (u64, u64) {
        match self {
            Self::Lifetime { .. } => (session.valid_after, session.valid_until),
            Self::Periodic { window, .. } => *window,
        }
    }
}

/// Checks the op against the session and returns what to write back.
pub fn authorize_op<S: RecordStore>(
    store: &mut S,
    session: &SessionState,
    op: &OpFacts<'_>,
) -> Result<OpOutcome, Violation> {
    let mut meter = Meter::new(store, session, op.period)?;
    if session.has(session_flags::OPS_LIMITED) {
        meter.count_op(store)?;
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
            meter.charge_gas(store, op.prefund)?;
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
            4,
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
        header = meter.spend_native(session, native)?;
    }

    let mut token_caps = Vec::new();
    for &(token, amount) in &token_spent {
        if let Some(word) = debit_token(store, &meter, token, amount)? {
            token_caps.push((token, word));
        }
    }

    let (valid_after, valid_until) = meter.window(session);
    Ok(OpOutcome {
        header,
        counters: meter.counters_word(),
        token_caps,
        validation_data: ValidationData {
            sig_failed: false,
            valid_after,
            valid_until,
        },
        native_spent: native,
        token_spent,
    })
}

/// Debits `amount` of `token` from its cap; the word to write, if it changes.
fn debit_token<S: RecordStore>(
    store: &mut S,
    meter: &Meter,
    token: Address,
    amount: U256,
) -> Result<Option<B256>, Violation> {
    let word = store.token_cap(token);
    let exceeded = |remaining| Violation::TokenCapExceeded {
        token,
        requested: amount,
        remaining,
    };
    if let Some(mut cap) = PeriodicTokenWord::unpack(&word) {
        // Only a periodic session registers periodic caps; anything else fails closed.
        let period = meter.period().ok_or(Violation::TokenCapMissing { token })?;
        if cap.period > period {
            return Err(Violation::PeriodClosed {
                period,
                current: cap.period,
            });
        }
        if cap.period < period {
            cap.period = period;
            cap.spent = 0;
        }
        let remaining = u256_from_u128(cap.cap.saturating_sub(cap.spent));
        if amount > remaining {
            return Err(exceeded(remaining));
        }
        if amount.is_zero() {
            return Ok(None);
        }
        cap.spent += low_u128(&amount);
        return Ok(Some(cap.pack()));
    }
    let cap = TokenCapWord::unpack(&word).ok_or(Violation::TokenCapMissing { token })?;
    if cap.unlimited {
        return Ok(None);
    }
    if amount > cap.remaining {
        return Err(exceeded(cap.remaining));
    }
    if amount.is_zero() {
        return Ok(None);
    }
    Ok(Some(
        TokenCapWord {
            unlimited: false,
            remaining: cap.remaining - amount,
        }
        .pack(),
    ))
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

/// Whether the session has the typed-data scope `(app_domain_separator, contents_typehash)`
/// and all its rules hold on `contents` (the contents' `encodeData` words after the typehash;
/// rule word `i` is `contents[32i..32i+32]`). The caller has checked the session is live and
/// carries [`session_flags::TYPED_DATA_SCOPES`].
pub fn scope_allows<S: RecordStore>(
    store: &mut S,
    app_domain_separator: &B256,
    contents_typehash: &B256,
    contents: &[u8],
) -> bool {
    let base = store.scope_base(app_domain_separator, contents_typehash);
    let word = store.call_word(base, 0);
    CallHeader::unpack(&word).is_some_and(|scope| {
        check_rules(store, base, word, scope.rule_count as usize, 0, contents, 0).is_ok()
    })
}

/// Every rule of the entry at `base` must hold; rule word `i` is `data[skip + 32i..]` (a
/// call's calldata skips its selector, typed-data contents skip nothing).
fn check_rules<S: RecordStore>(
    store: &mut S,
    base: S::Base,
    header_word: B256,
    rule_count: usize,
    index: usize,
    data: &[u8],
    skip: usize,
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
        let param = word_at(data, skip + 32 * d.word_index as usize)
            .map(|w| B256::from(*w))
            .ok_or(Violation::ParamMissing { index, rule })?;
        // Descriptors are validated at registration; an unknown code can only fail closed.
        let holds = Condition::from_code(d.condition)
            .is_some_and(|c| c.holds(&param, count, |k| store.call_word(base, first + k)));
        if !holds {
            return Err(Violation::RuleFailed { index, rule });
        }
    }
    Ok(())
}
