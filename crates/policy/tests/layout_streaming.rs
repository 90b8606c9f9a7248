//! What registration relies on and only the contract exercised before (cargo-mutants found these
//! unprotected by the engine's own tests): a call entry streamed rule by rule lands on the same
//! words as the reference layout, `visit` derives the wildcard flags and `visit_exact` refuses
//! trailing bytes, the header's fixed-width limits sit exactly at their bit widths, and the
//! counters word exists exactly when a limit needs it.

use alloy_primitives::{Address, B256, U256};
use sessionkey_policy::layout::{
    call_entry_words, session_flags, EntryWords, SessionHeader, SessionStatus, MAX_NATIVE_CAP,
    MAX_PERM_NONCE,
};
use sessionkey_policy::memory::has_counters;
use sessionkey_policy::record::{visit, visit_exact, CheckOnly, RecordSink};
use sessionkey_policy::{
    CallKey, CallPolicy, Condition, Limit, ParamRule, RecordError, SelectorMatch, SessionRecord,
    TargetMatch, TokenCap, TokenLimit,
};

const SIGNER: Address = Address::repeat_byte(0x5e);
const TOKEN: Address = Address::repeat_byte(0x70);

fn w(v: u64) -> B256 {
    B256::from(U256::from(v))
}

fn record(calls: Vec<CallPolicy>) -> SessionRecord {
    let mut calls = calls;
    calls.sort_by_key(|c| c.key.to_bytes());
    SessionRecord {
        signer: SIGNER,
        signer_key: Default::default(),
        valid_after: 0,
        valid_until: 0,
        native_cap: Limit::Unlimited,
        gas_budget: Limit::Unlimited,
        max_ops: None,
        paymaster: None,
        period: None,
        calls,
        token_caps: vec![TokenCap {
            token: TOKEN,
            limit: TokenLimit::Limited(U256::from(10)),
        }],
        typed_data_scopes: Vec::new(),
    }
}

/// A transfer entry with three rules and six values across them.
fn rich_entry() -> CallPolicy {
    CallPolicy {
        key: CallKey {
            target: TargetMatch::Exact(TOKEN),
            selector: SelectorMatch::Exact([0xa9, 0x05, 0x9c, 0xbb]),
        },
        max_value: 7,
        rules: vec![
            ParamRule {
                condition: Condition::OneOf,
                word_index: 0,
                values: vec![w(11), w(12), w(13)],
            },
            ParamRule {
                condition: Condition::InRange,
                word_index: 1,
                values: vec![w(1), w(50)],
            },
            ParamRule::new(Condition::Neq, 1, w(0)),
        ],
    }
}

/// Streams `policy` as registration does (the contract's `EntryWriter`): descriptors through
/// `rule`, each value at the offset `next_value` hands out, then the head words.
fn streamed(policy: &CallPolicy) -> Vec<Option<B256>> {
    let mut entry = EntryWords::new(policy.max_value, policy.rules.len());
    let mut words = vec![None; 16];
    for rule in &policy.rules {
        entry.rule(rule.condition.code(), rule.word_index, rule.values.len());
        for v in &rule.values {
            let at = entry.next_value();
            assert!(words[at].is_none(), "two values at offset {at}");
            words[at] = Some(*v);
        }
    }
    for (i, head) in entry.head().enumerate() {
        assert!(words[i].is_none(), "a value overwrote head word {i}");
        words[i] = Some(*head);
    }
    words
}

#[test]
fn a_streamed_entry_lands_on_the_reference_words() {
    let policy = rich_entry();
    let reference = call_entry_words(&policy);
    let streamed = streamed(&policy);
    for (i, word) in reference.iter().enumerate() {
        assert_eq!(streamed[i], Some(*word), "offset {i}");
    }
    assert!(
        streamed[reference.len()..].iter().all(Option::is_none),
        "nothing is written past the entry's {} words",
        reference.len()
    );
}

#[test]
fn visit_derives_the_wildcard_flags() {
    let any_target = CallPolicy {
        key: CallKey {
            target: TargetMatch::Any,
            selector: SelectorMatch::Exact([1, 2, 3, 4]),
        },
        max_value: 0,
        rules: Vec::new(),
    };
    let any_selector = CallPolicy {
        key: CallKey {
            target: TargetMatch::Exact(TOKEN),
            selector: SelectorMatch::Any,
        },
        max_value: 0,
        rules: Vec::new(),
    };
    let cases = [
        (vec![rich_entry()], 0),
        (vec![any_target.clone()], session_flags::HAS_ANY_TARGET),
        (vec![any_selector.clone()], session_flags::HAS_ANY_SELECTOR),
        (
            vec![any_target, any_selector, rich_entry()],
            session_flags::HAS_ANY_TARGET | session_flags::HAS_ANY_SELECTOR,
        ),
    ];
    for (calls, wildcard_flags) in cases {
        let r = record(calls);
        let (header, used) = visit(&r.encode(), &mut CheckOnly).unwrap();
        assert_eq!(used, r.encode().len());
        assert_eq!(header.flags, r.header_flags());
        assert_eq!(
            header.flags & (session_flags::HAS_ANY_TARGET | session_flags::HAS_ANY_SELECTOR),
            wildcard_flags
        );
    }
}

#[test]
fn visit_exact_refuses_a_trailing_byte_and_takes_the_record_alone() {
    let r = record(vec![rich_entry()]);
    let mut bytes = r.encode();
    assert_eq!(visit_exact(&bytes, &mut CheckOnly).unwrap(), r.header());
    let len = bytes.len();
    bytes.push(0);
    assert_eq!(
        visit_exact(&bytes, &mut CheckOnly),
        Err(RecordError::TrailingBytes { at: len })
    );
}

/// A sink that only counts what it is told: the trait's default methods ignore everything.
#[derive(Default)]
struct Counting {
    events: usize,
}

impl RecordSink for Counting {
    fn call_end(&mut self) {
        self.events += 1;
    }
}

#[test]
fn a_sink_hears_only_what_it_overrides() {
    let r = record(vec![rich_entry()]);
    let mut sink = Counting::default();
    visit_exact(&r.encode(), &mut sink).unwrap();
    assert_eq!(sink.events, 1);
}

#[test]
fn the_native_cap_is_96_bits_and_the_nonce_48() {
    assert_eq!(MAX_NATIVE_CAP, u128::MAX >> 32);
    assert_eq!(MAX_PERM_NONCE, u64::MAX >> 24);
    let mut r = record(vec![rich_entry()]);
    r.native_cap = Limit::Limited(MAX_NATIVE_CAP);
    assert_eq!(r.validate(), Ok(()));
    r.native_cap = Limit::Limited(MAX_NATIVE_CAP + 1);
    assert!(matches!(
        r.validate(),
        Err(RecordError::LimitTooLarge { .. })
    ));
    // The header holds the largest of each exactly.
    let h = SessionHeader {
        status: SessionStatus::Active,
        flags: 0,
        signer_kind: 2,
        perm_nonce: MAX_PERM_NONCE,
        valid_after: 0,
        valid_until: 0,
        native_remaining: MAX_NATIVE_CAP,
    };
    assert_eq!(SessionHeader::unpack(&h.pack()), h);
}

#[test]
fn the_counters_word_exists_exactly_when_a_limit_needs_it() {
    use session_flags::{GAS_UNLIMITED, NATIVE_UNLIMITED, OPS_LIMITED, PAYMASTER};
    // Neither a gas budget nor an op count: no counters word.
    assert!(!has_counters(GAS_UNLIMITED));
    assert!(!has_counters(GAS_UNLIMITED | NATIVE_UNLIMITED | PAYMASTER));
    // A limited gas budget, an op count, or both.
    assert!(has_counters(0));
    assert!(has_counters(NATIVE_UNLIMITED));
    assert!(has_counters(GAS_UNLIMITED | OPS_LIMITED));
    assert!(has_counters(OPS_LIMITED));
}

#[test]
fn counts_the_encoding_cannot_hold_are_refused_at_zero() {
    let base = record(vec![rich_entry()]);
    let many_rules = CallPolicy {
        rules: vec![ParamRule::new(Condition::Neq, 0, w(1)); 256],
        ..rich_entry()
    };
    let many_values = CallPolicy {
        rules: vec![ParamRule {
            condition: Condition::OneOf,
            word_index: 0,
            values: vec![w(1); 256],
        }],
        ..rich_entry()
    };
    let mut cases = Vec::new();
    let mut r = base.clone();
    r.calls = vec![rich_entry(); 256];
    cases.push(("256 calls", r));
    let mut r = base.clone();
    r.token_caps = vec![base.token_caps[0]; 256];
    cases.push(("256 token caps", r));
    let mut r = base.clone();
    r.calls = vec![many_rules];
    cases.push(("256 rules", r));
    let mut r = base.clone();
    r.calls = vec![many_values];
    cases.push(("256 values", r));
    for (what, r) in cases {
        assert_eq!(r.validate(), Err(RecordError::TooMany { at: 0 }), "{what}");
    }
    // 255 fits the encoding's count byte: refused by decoding, at the count's position.
    let mut r = base.clone();
    r.calls = vec![rich_entry(); 255];
    assert!(
        matches!(r.validate(), Err(RecordError::TooMany { at }) if at > 0),
        "{:?}",
        r.validate()
    );
}
