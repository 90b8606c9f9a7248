//! A [`RecordStore`] over a record held in memory, laid out with the very functions the
//! contract uses to write storage. The SDK's simulator runs the engine on it; so do the tests.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use alloy_primitives::{Address, B256};

use crate::engine::{OpOutcome, RecordStore};
use crate::layout::{
    call_entry_words, session_flags, CallKey, CountersWord, PeriodConfig, PeriodCounters,
    PeriodicTokenWord, SessionHeader, SessionStatus, TokenCapWord,
};
use crate::record::{CallPolicy, Limit, RecordHeader, SessionRecord, TokenLimit};
use crate::signer::P256PublicKey;
use crate::typed_data::{scope_key, TypedDataScope};

/// One session's storage words, in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryStore {
    /// Session word 0.
    pub header: SessionHeader,
    /// Session word 1 ([`CountersWord`]).
    pub counters: B256,
    /// Session word 2.
    pub paymaster: B256,
    /// Session words 3 and 4: the P-256 key, for the P-256 signer kinds.
    pub key: Option<P256PublicKey>,
    /// Session word 5 ([`PeriodConfig`], periodic sessions).
    pub period: B256,
    /// Call entries by key.
    pub calls: BTreeMap<[u8; 25], Vec<B256>>,
    /// Token-cap words by token.
    pub tokens: BTreeMap<Address, B256>,
    /// Typed-data scopes (stored as call entries) by `appDomainSeparator ‖ contentsTypehash`.
    pub scopes: BTreeMap<[u8; 64], Vec<B256>>,
    /// Storage words read so far (a rough gas model for the simulator).
    pub reads: usize,
}

/// The words a registration writes for `record` under registration nonce `perm_nonce`.
pub fn initial_header(record: &SessionRecord, perm_nonce: u64) -> SessionHeader {
    header_word(&record.header(), perm_nonce)
}

/// The counters word a registration writes.
pub fn initial_counters(record: &SessionRecord) -> CountersWord {
    counters_word(&record.header())
}

/// The paymaster word a registration writes.
pub fn paymaster_word(record: &SessionRecord) -> B256 {
    paymaster_of(&record.header())
}

/// [`initial_header`] from a record's header fields.
pub fn header_word(h: &RecordHeader, perm_nonce: u64) -> SessionHeader {
    SessionHeader {
        status: SessionStatus::Active,
        flags: h.flags,
        signer_kind: h.signer_key.kind() as u8,
        perm_nonce,
        valid_after: h.valid_after,
        valid_until: h.valid_until,
        native_remaining: amount(h.native_cap),
    }
}

fn amount(limit: Limit) -> u128 {
    match limit {
        Limit::Limited(v) => v,
        Limit::Unlimited => 0,
    }
}

/// [`initial_counters`] from a record's header fields.
pub fn counters_word(h: &RecordHeader) -> CountersWord {
    CountersWord {
        gas_remaining: amount(h.gas_budget),
        ops_remaining: h.max_ops.unwrap_or(0),
    }
}

/// Whether a session with these header flags keeps a counters word (a periodic session, a
/// limited gas budget or op count); otherwise registration does not write it and validation
/// never reads it.
pub fn has_counters(flags: u8) -> bool {
    flags & (session_flags::OPS_LIMITED | session_flags::PERIODIC) != 0
        || flags & session_flags::GAS_UNLIMITED == 0
}

/// The counters word (session word 1) a registration writes, if the session keeps one: the
/// caps left for a lifetime session, zero use of period 0 for a periodic one.
pub fn initial_counters_word(h: &RecordHeader) -> Option<B256> {
    if !has_counters(h.flags) {
        None
    } else if h.period.is_some() {
        Some(PeriodCounters::default().pack())
    } else {
        Some(counters_word(h).pack())
    }
}

/// The period word (session word 5) of a periodic session.
pub fn period_config_of(h: &RecordHeader) -> Option<PeriodConfig> {
    h.period.map(|length| PeriodConfig {
        length,
        gas_cap: amount(h.gas_budget),
        ops_cap: h.max_ops.unwrap_or(0),
    })
}

/// A token cap's registered word: lifetime, or per period in a periodic session.
pub fn initial_token_word(limit: &TokenLimit, periodic: bool) -> B256 {
    match limit {
        // Below 2^104, checked at registration.
        TokenLimit::Limited(cap) if periodic => PeriodicTokenWord {
            period: 0,
            cap: crate::word::low_u128(cap),
            spent: 0,
        }
        .pack(),
        _ => TokenCapWord::initial(limit).pack(),
    }
}

/// [`paymaster_word`] from a record's header fields.
pub fn paymaster_of(h: &RecordHeader) -> B256 {
    h.paymaster.map(|p| p.into_word()).unwrap_or_default()
}

impl MemoryStore {
    /// The store right after `record` is registered with `perm_nonce`.
    pub fn new(record: &SessionRecord, perm_nonce: u64) -> Self {
        Self {
            header: initial_header(record, perm_nonce),
            // As on-chain: a counters word only when the session keeps one.
            counters: initial_counters_word(&record.header()).unwrap_or_default(),
            period: period_config_of(&record.header())
                .map(|c| c.pack())
                .unwrap_or_default(),
            paymaster: paymaster_word(record),
            key: record.signer_key.p256().copied(),
            calls: record
                .calls
                .iter()
                .map(|c| (c.key.to_bytes(), call_entry_words(c)))
                .collect(),
            scopes: record
                .typed_data_scopes
                .iter()
                .map(|t| (t.key(), scope_entry_words(t)))
                .collect(),
            tokens: record
                .token_caps
                .iter()
                .map(|t| {
                    (
                        t.token,
                        initial_token_word(&t.limit, record.period.is_some()),
                    )
                })
                .collect(),
            reads: 0,
        }
    }

    /// Writes an authorised op's outcome, as the contract does.
    pub fn apply(&mut self, outcome: &OpOutcome) {
        if let Some(h) = outcome.header {
            self.header = SessionHeader::unpack(&h);
        }
        if let Some(c) = outcome.counters {
            self.counters = c;
        }
        for (token, w) in &outcome.token_caps {
            self.tokens.insert(*token, *w);
        }
    }
}

/// Where an entry of a [`MemoryStore`] is: a call entry's or a typed-data scope's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryRef {
    /// A call entry ([`CallKey::to_bytes`]).
    Call([u8; 25]),
    /// A typed-data scope ([`crate::typed_data::scope_key`]).
    Scope([u8; 64]),
}

/// The storage words of a typed-data scope: a call entry with a per-call value of zero.
pub fn scope_entry_words(scope: &TypedDataScope) -> Vec<B256> {
    call_entry_words(&CallPolicy {
        key: CallKey {
            target: crate::layout::TargetMatch::Any,
            selector: crate::layout::SelectorMatch::Empty,
        },
        max_value: 0,
        rules: scope.rules.clone(),
    })
}

impl RecordStore for MemoryStore {
    type Base = EntryRef;

    fn call_base(&mut self, key: &CallKey) -> EntryRef {
        EntryRef::Call(key.to_bytes())
    }

    fn scope_base(&mut self, app_domain_separator: &B256, contents_typehash: &B256) -> EntryRef {
        EntryRef::Scope(scope_key(app_domain_separator, contents_typehash))
    }

    fn call_word(&mut self, base: EntryRef, offset: usize) -> B256 {
        self.reads += 1;
        let entry = match base {
            EntryRef::Call(k) => self.calls.get(&k),
            EntryRef::Scope(k) => self.scopes.get(&k),
        };
        entry
            .and_then(|w| w.get(offset))
            .copied()
            .unwrap_or_default()
    }

    fn token_cap(&mut self, token: Address) -> B256 {
        self.reads += 1;
        self.tokens.get(&token).copied().unwrap_or_default()
    }

    fn counters_word(&mut self) -> B256 {
        self.reads += 1;
        self.counters
    }

    fn paymaster_word(&mut self) -> B256 {
        self.reads += 1;
        self.paymaster
    }

    fn period_word(&mut self) -> B256 {
        self.reads += 1;
        self.period
    }
}
