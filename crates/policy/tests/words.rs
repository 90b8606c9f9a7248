//! Storage words, call keys and entry layout; validationData; session signatures; ERC-20 spend
//! recognition; prefund arithmetic; stable error codes.

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_sol_types::{sol, SolCall};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use k256::elliptic_curve::bigint::Encoding;
use k256::elliptic_curve::Curve;
use proptest::prelude::*;
use sessionkey_policy::erc20::{self, spend_amount, MalformedSpend};
use sessionkey_policy::gas::{paymaster_of, required_prefund};
use sessionkey_policy::layout::{
    call_entry_words, call_key_preimage, descriptor_position, entry_words, read_descriptor,
    session_flags, token_flags, token_key_preimage, values_start, AccountWord, CallHeader,
    CountersWord, PeriodConfig, PeriodCounters, PeriodicTokenWord, RuleDescriptor, SessionHeader,
    SessionStatus, TokenCapWord, DESCRIPTORS_PER_WORD, ENTRY_EXISTS, INLINE_DESCRIPTORS,
    MAX_NATIVE_CAP, MAX_PERIODIC_GAS_CAP, MAX_PERIODIC_TOKEN_CAP, MAX_PERM_NONCE,
};
use sessionkey_policy::record::{TokenLimit, MAX_TIMESTAMP};
use sessionkey_policy::signature::{digest_preimage, recovered_address, HALF_ORDER, SIGNATURE_LEN};
use sessionkey_policy::{
    CallKey, CallPolicy, Condition, ExecutionError, ParamRule, RecordError, SelectorMatch,
    SessionSignature, TargetMatch, ValidationData, Violation, SIG_VALIDATION_FAILED,
};

sol! {
    function transfer(address to, uint256 amount);
    function transferFrom(address from, address to, uint256 amount);
    function approve(address spender, uint256 amount);
    function increaseAllowance(address spender, uint256 addedValue);
    function decreaseAllowance(address spender, uint256 subtractedValue);
}

fn u(v: u64) -> B256 {
    B256::from(U256::from(v))
}

// ---------------------------------------------------------------- packed storage words

#[test]
fn account_word_byte_positions() {
    let w = AccountWord {
        installed: true,
        revoked_below: 0x0102,
        next_nonce: 0x0304,
        enable_nonce: 0x0506,
    }
    .pack();
    assert_eq!(w[0], 1);
    assert_eq!(&w[8..16], &0x0102u64.to_be_bytes());
    assert_eq!(&w[16..24], &0x0506u64.to_be_bytes());
    assert_eq!(&w[24..32], &0x0304u64.to_be_bytes());
    assert!(w[1..8].iter().all(|b| *b == 0));
    assert_eq!(AccountWord::unpack(&B256::ZERO), AccountWord::default());
}

#[test]
fn period_word_byte_positions() {
    let w = PeriodCounters {
        period: 0x0102_0304,
        native_spent: 0x05,
        gas_spent: 0x06,
        ops_spent: 0x0708_090a,
    }
    .pack();
    assert_eq!(w[0], 1);
    assert_eq!(&w[1..5], &[1, 2, 3, 4]);
    assert_eq!(w[16], 0x05);
    assert_eq!(w[27], 0x06);
    assert_eq!(&w[28..32], &[7, 8, 9, 0x0a]);
    let c = PeriodConfig {
        length: 86_400,
        gas_cap: 0x0b,
        ops_cap: 0x0c,
    }
    .pack();
    assert_eq!(&c[0..4], &86_400u32.to_be_bytes());
    assert_eq!((c[14], c[18]), (0x0b, 0x0c));
    assert!(c[19..].iter().all(|b| *b == 0));
    let t = PeriodicTokenWord {
        period: 2,
        cap: 0x0d,
        spent: 0x0e,
    }
    .pack();
    assert_eq!((t[0], t[4], t[17], t[30], t[31]), (5, 2, 0x0d, 0x0e, 0));
}

#[test]
fn session_header_byte_positions_and_liveness() {
    let h = SessionHeader {
        status: SessionStatus::Active,
        flags: 0x2f,
        signer_kind: 0x02,
        perm_nonce: 0x0405060708,
        valid_after: 0x0a0b0c0d0e0f,
        valid_until: 0x111213141516,
        native_remaining: 0x2122_2324_2526_2728_292a_2b2c,
    };
    let w = h.pack();
    assert_eq!(w[0], 1);
    assert_eq!(w[1], 0x2f);
    assert_eq!(w[2], 0x02);
    assert_eq!(&w[3..8], &[0x04, 0x05, 0x06, 0x07, 0x08]);
    assert_eq!(&w[8..14], &[0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f]);
    assert_eq!(&w[14..20], &[0x11, 0x12, 0x13, 0x14, 0x15, 0x16]);
    assert_eq!(
        &w[20..32],
        &[0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c]
    );
    assert!(h.has(session_flags::NATIVE_UNLIMITED) && h.has(session_flags::HAS_ANY_SELECTOR));
    assert!(!h.has(session_flags::HAS_ANY_TARGET));

    // Unknown status bytes read as not registered.
    for status in [0u8, 3, 0xff] {
        let mut bad = w;
        bad[0] = status;
        assert_eq!(SessionHeader::unpack(&bad).status, SessionStatus::None);
    }
    let mut revoked = w;
    revoked[0] = 2;
    assert_eq!(
        SessionHeader::unpack(&revoked).status,
        SessionStatus::Revoked
    );

    let account = |installed, revoked_below| AccountWord {
        installed,
        revoked_below,
        next_nonce: 99,
        enable_nonce: 0,
    };
    let at = |status, perm_nonce| SessionHeader {
        status,
        perm_nonce,
        ..h
    };
    assert!(at(SessionStatus::Active, 5).is_live(&account(true, 5)));
    assert!(at(SessionStatus::Active, 6).is_live(&account(true, 5)));
    assert!(
        !at(SessionStatus::Active, 4).is_live(&account(true, 5)),
        "revoked by revoke-all"
    );
    assert!(
        !at(SessionStatus::Active, 5).is_live(&account(false, 0)),
        "module uninstalled"
    );
    assert!(!at(SessionStatus::Revoked, 5).is_live(&account(true, 0)));
    assert!(!at(SessionStatus::None, 5).is_live(&account(true, 0)));
}

#[test]
fn counters_word_byte_positions() {
    let w = CountersWord {
        gas_remaining: 1,
        ops_remaining: 0x0a0b0c0d,
    }
    .pack();
    assert_eq!(U256::from_be_slice(&w[..16]), U256::from(1));
    assert_eq!(&w[16..20], &[0x0a, 0x0b, 0x0c, 0x0d]);
    assert!(w[20..].iter().all(|b| *b == 0));
}

#[test]
fn token_cap_word_flags_and_remaining() {
    let limited = TokenCapWord {
        unlimited: false,
        remaining: U256::from(7),
    }
    .pack();
    assert_eq!(limited[0], token_flags::CONFIGURED);
    assert_eq!(U256::from_be_slice(&limited[1..]), U256::from(7));
    let unlimited = TokenCapWord {
        unlimited: true,
        remaining: U256::ZERO,
    }
    .pack();
    assert_eq!(
        unlimited[0],
        token_flags::CONFIGURED | token_flags::UNLIMITED
    );
    assert_eq!(TokenCapWord::unpack(&B256::ZERO), None);
    // A word without the configured bit is no cap, whatever else it holds.
    let mut no_flag = limited;
    no_flag[0] = token_flags::UNLIMITED;
    assert_eq!(TokenCapWord::unpack(&no_flag), None);
    assert_eq!(
        TokenCapWord::initial(&TokenLimit::Unlimited),
        TokenCapWord {
            unlimited: true,
            remaining: U256::ZERO
        }
    );
    assert_eq!(
        TokenCapWord::initial(&TokenLimit::Limited(U256::from(9))),
        TokenCapWord {
            unlimited: false,
            remaining: U256::from(9)
        }
    );
    // A configured cap of zero is still a non-zero word (registration never writes zero).
    assert_ne!(
        TokenCapWord::initial(&TokenLimit::Limited(U256::ZERO)).pack(),
        B256::ZERO
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn account_word_round_trips(installed in any::<bool>(), revoked_below in any::<u64>(), next_nonce in any::<u64>(), enable_nonce in any::<u64>()) {
        let a = AccountWord { installed, revoked_below, next_nonce, enable_nonce };
        prop_assert_eq!(AccountWord::unpack(&a.pack()), a);
    }

    #[test]
    fn session_header_round_trips(
        status in prop::sample::select(vec![SessionStatus::None, SessionStatus::Active, SessionStatus::Revoked]),
        flags in any::<u8>(),
        signer_kind in any::<u8>(),
        perm_nonce in 0..=MAX_PERM_NONCE,
        valid_after in 0..=MAX_TIMESTAMP,
        valid_until in 0..=MAX_TIMESTAMP,
        native_remaining in 0..=MAX_NATIVE_CAP,
    ) {
        let h = SessionHeader { status, flags, signer_kind, perm_nonce, valid_after, valid_until, native_remaining };
        prop_assert_eq!(SessionHeader::unpack(&h.pack()), h);
        if status != SessionStatus::None {
            prop_assert_ne!(h.pack(), B256::ZERO);
        }
    }

    #[test]
    fn counters_word_round_trips(gas_remaining in any::<u128>(), ops_remaining in any::<u32>()) {
        let c = CountersWord { gas_remaining, ops_remaining };
        prop_assert_eq!(CountersWord::unpack(&c.pack()), c);
    }

    #[test]
    fn period_words_round_trip_and_never_collide(
        length in any::<u32>(),
        period in any::<u32>(),
        gas_cap in 0..=MAX_PERIODIC_GAS_CAP,
        gas_spent in 0..=MAX_PERIODIC_GAS_CAP,
        native_spent in 0..=MAX_NATIVE_CAP,
        ops in any::<u32>(),
        ops_spent in any::<u32>(),
        cap in 0..=MAX_PERIODIC_TOKEN_CAP,
        spent in 0..=MAX_PERIODIC_TOKEN_CAP,
    ) {
        let config = PeriodConfig { length, gas_cap, ops_cap: ops };
        prop_assert_eq!(PeriodConfig::unpack(&config.pack()), config);
        let counters = PeriodCounters { period, native_spent, gas_spent, ops_spent };
        prop_assert_eq!(PeriodCounters::unpack(&counters.pack()), counters);
        // Every registered counters word is non-zero (no zero → non-zero store per op).
        prop_assert_ne!(counters.pack(), B256::ZERO);
        let token = PeriodicTokenWord { period, cap, spent };
        let w = token.pack();
        prop_assert_eq!(PeriodicTokenWord::unpack(&w), Some(token));
        // A periodic token word is never read as a lifetime cap's, nor the reverse.
        prop_assert_eq!(w[0], token_flags::CONFIGURED | token_flags::PERIODIC);
        let lifetime = TokenCapWord { unlimited: false, remaining: U256::from(cap) }.pack();
        prop_assert_eq!(PeriodicTokenWord::unpack(&lifetime), None);
    }

    #[test]
    fn token_cap_word_round_trips(mut bytes in any::<[u8; 32]>(), unlimited in any::<bool>()) {
        bytes[0] = 0; // below 2^248
        let t = TokenCapWord { unlimited, remaining: U256::from_be_bytes(bytes) };
        prop_assert_eq!(TokenCapWord::unpack(&t.pack()), Some(t));
    }
}

// ---------------------------------------------------------------- call keys

fn arb_key() -> impl Strategy<Value = CallKey> {
    (
        prop_oneof![
            any::<[u8; 20]>().prop_map(|a| TargetMatch::Exact(Address::from(a))),
            Just(TargetMatch::Any)
        ],
        prop_oneof![
            any::<[u8; 4]>().prop_map(SelectorMatch::Exact),
            Just(SelectorMatch::Any),
            Just(SelectorMatch::Empty),
        ],
    )
        .prop_map(|(target, selector)| CallKey { target, selector })
}

#[test]
fn call_key_bytes_layout() {
    let t = Address::repeat_byte(0x42);
    let sel = [1, 2, 3, 4];
    let k = |target, selector| CallKey { target, selector }.to_bytes();
    let exact = k(TargetMatch::Exact(t), SelectorMatch::Exact(sel));
    assert_eq!(exact[0], 0);
    assert_eq!(&exact[1..21], t.as_slice());
    assert_eq!(&exact[21..], &sel);
    assert_eq!(k(TargetMatch::Any, SelectorMatch::Exact(sel))[0], 1);
    assert_eq!(
        &k(TargetMatch::Any, SelectorMatch::Exact(sel))[1..21],
        &[0; 20]
    );
    assert_eq!(k(TargetMatch::Exact(t), SelectorMatch::Any)[0], 4);
    assert_eq!(&k(TargetMatch::Exact(t), SelectorMatch::Any)[21..], &[0; 4]);
    assert_eq!(k(TargetMatch::Exact(t), SelectorMatch::Empty)[0], 8);
    assert_eq!(k(TargetMatch::Any, SelectorMatch::Empty)[0], 9);
}

#[test]
fn call_key_from_bytes_rejects_non_canonical_bytes() {
    let good = CallKey {
        target: TargetMatch::Exact(Address::repeat_byte(1)),
        selector: SelectorMatch::Exact([9; 4]),
    }
    .to_bytes();
    let cases: [(u8, bool, bool); 9] = [
        // (kind byte, zero the address, zero the selector)
        (2, false, false), // bit 1 of the kind
        (3, true, false),  // kind 3 with a zero address
        (12, false, true), // selector kind 3
        (0x10, false, false),
        (0x80, false, false),
        (1, false, false), // any target with a non-zero address
        (4, false, false), // any selector with a non-zero selector
        (8, false, false), // empty with a non-zero selector
        (5, true, false),  // any target, any selector, non-zero selector
    ];
    for (kind, zero_addr, zero_sel) in cases {
        let mut b = good;
        b[0] = kind;
        if zero_addr {
            b[1..21].fill(0);
        }
        if zero_sel {
            b[21..].fill(0);
        }
        assert_eq!(CallKey::from_bytes(&b), None, "kind {kind:#x}");
    }
    // Any target + any selector is a well-formed key (the record refuses it, not the key).
    let mut unbounded = [0u8; 25];
    unbounded[0] = 5;
    assert_eq!(
        CallKey::from_bytes(&unbounded),
        Some(CallKey {
            target: TargetMatch::Any,
            selector: SelectorMatch::Any
        })
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn call_key_round_trips(k in arb_key()) {
        prop_assert_eq!(CallKey::from_bytes(&k.to_bytes()), Some(k));
    }

    #[test]
    fn call_key_accepts_only_what_it_writes(
        kind in prop_oneof![0u8..16, any::<u8>()],
        addr in prop_oneof![Just([0u8; 20]), any::<[u8; 20]>()],
        sel in prop_oneof![Just([0u8; 4]), any::<[u8; 4]>()],
    ) {
        let mut b = [0u8; 25];
        b[0] = kind;
        b[1..21].copy_from_slice(&addr);
        b[21..].copy_from_slice(&sel);
        if let Some(k) = CallKey::from_bytes(&b) {
            prop_assert_eq!(k.to_bytes(), b);
        }
    }

    #[test]
    fn call_key_byte_order_sorts_exact_before_wildcards(a in arb_key(), b in arb_key()) {
        // Keys sort by their bytes; the kind byte groups exact keys first.
        let rank = |k: &CallKey| k.to_bytes()[0];
        if rank(&a) < rank(&b) {
            prop_assert!(a.to_bytes() < b.to_bytes());
        }
    }
}

#[test]
fn storage_key_preimages_bind_signer_nonce_and_key() {
    let signer = Address::repeat_byte(0x5e);
    let key = CallKey {
        target: TargetMatch::Any,
        selector: SelectorMatch::Exact([1, 2, 3, 4]),
    };
    let p = call_key_preimage(signer, 0x0102030405060708, &key);
    assert_eq!(&p[..20], signer.as_slice());
    assert_eq!(&p[20..28], &0x0102030405060708u64.to_be_bytes());
    assert_eq!(&p[28..], &key.to_bytes());
    let token = Address::repeat_byte(0x70);
    let t = token_key_preimage(signer, 7, token);
    assert_eq!(&t[..20], signer.as_slice());
    assert_eq!(&t[20..28], &7u64.to_be_bytes());
    assert_eq!(&t[28..], token.as_slice());
    assert_ne!(
        call_key_preimage(signer, 1, &key),
        call_key_preimage(signer, 2, &key)
    );
}

// ---------------------------------------------------------------- call entry layout

#[test]
fn descriptor_positions_and_values_start() {
    assert_eq!((INLINE_DESCRIPTORS, DESCRIPTORS_PER_WORD), (3, 8));
    let expected = [
        (0, (0, 18)),
        (1, (0, 22)),
        (2, (0, 26)),
        (3, (1, 0)),
        (4, (1, 4)),
        (10, (1, 28)),
        (11, (2, 0)),
        (15, (2, 16)),
    ];
    for (i, pos) in expected {
        assert_eq!(descriptor_position(i), pos, "rule {i}");
    }
    for (rules, start) in [(0, 1), (1, 1), (3, 1), (4, 2), (11, 2), (12, 3), (16, 3)] {
        assert_eq!(values_start(rules), start, "{rules} rules");
    }
}

fn policy(rule_counts: &[usize]) -> CallPolicy {
    let mut next = 1u64;
    let rules = rule_counts
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            let condition = if n == 1 {
                Condition::Gte
            } else {
                Condition::OneOf
            };
            let values = (0..n)
                .map(|_| {
                    next += 1;
                    u(next)
                })
                .collect();
            ParamRule {
                condition,
                word_index: 0x0100 + k as u16,
                values,
            }
        })
        .collect();
    CallPolicy {
        key: CallKey {
            target: TargetMatch::Any,
            selector: SelectorMatch::Exact([1; 4]),
        },
        max_value: 0x0a0b_0c0d_0e0f_1011_1213_1415_1617_1819,
        rules,
    }
}

fn check_layout(p: &CallPolicy) {
    let words = call_entry_words(p);
    let n = p.rules.len();
    assert_eq!(words.len(), entry_words(p));
    assert_eq!(words[0][0], ENTRY_EXISTS);
    assert_eq!(words[0][1] as usize, n);
    assert_eq!(&words[0][2..18], &p.max_value.to_be_bytes());
    assert_eq!(
        CallHeader::unpack(&words[0]),
        Some(CallHeader {
            rule_count: n as u8,
            max_value: p.max_value
        })
    );
    let mut value_at = values_start(n);
    for (i, rule) in p.rules.iter().enumerate() {
        let (w, at) = descriptor_position(i);
        let d = read_descriptor(&words[w], i);
        assert_eq!(
            d,
            RuleDescriptor {
                condition: rule.condition.code(),
                value_count: rule.values.len() as u8,
                word_index: rule.word_index
            },
            "rule {i}"
        );
        assert_eq!(words[w][at], rule.condition.code());
        assert_eq!(words[w][at + 1] as usize, rule.values.len());
        assert_eq!(&words[w][at + 2..at + 4], &rule.word_index.to_be_bytes());
        for v in &rule.values {
            assert_eq!(words[value_at], *v, "rule {i}");
            value_at += 1;
        }
    }
    assert_eq!(value_at, words.len());
}

#[test]
fn entry_without_rules_is_one_header_word() {
    let p = policy(&[]);
    assert_eq!(call_entry_words(&p).len(), 1);
    check_layout(&p);
}

#[test]
fn up_to_three_rules_keep_descriptors_in_the_header_word() {
    let p = policy(&[1, 3, 1]);
    let words = call_entry_words(&p);
    assert_eq!(words.len(), 1 + 5);
    assert!(words[0][30..].iter().all(|b| *b == 0));
    check_layout(&p);
}

#[test]
fn four_to_sixteen_rules_use_continuation_words() {
    for n in 4..=16 {
        let p = policy(&vec![2; n]);
        assert_eq!(
            call_entry_words(&p).len(),
            values_start(n) + 2 * n,
            "{n} rules"
        );
        check_layout(&p);
    }
    let p = policy(&[1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(values_start(16), 3);
    check_layout(&p);
}

#[test]
fn zero_word_is_no_call_entry() {
    assert_eq!(CallHeader::unpack(&B256::ZERO), None);
    let mut w = B256::ZERO;
    w[0] = 2;
    assert_eq!(CallHeader::unpack(&w), None);
}

// ---------------------------------------------------------------- validationData

#[test]
fn validation_data_bit_positions() {
    let until = ValidationData {
        sig_failed: false,
        valid_after: 0,
        valid_until: 1,
    };
    assert_eq!(until.pack(), U256::from(1) << 160);
    let after = ValidationData {
        sig_failed: false,
        valid_after: 1,
        valid_until: 0,
    };
    assert_eq!(after.pack(), U256::from(1) << 208);
    let failed = ValidationData {
        sig_failed: true,
        valid_after: 0,
        valid_until: 0,
    };
    assert_eq!(failed.pack(), U256::from(SIG_VALIDATION_FAILED));
    let max = ValidationData {
        sig_failed: false,
        valid_after: MAX_TIMESTAMP,
        valid_until: MAX_TIMESTAMP,
    };
    let mask48 = (U256::from(1) << 48) - U256::from(1);
    assert_eq!(max.pack(), (mask48 << 208) | (mask48 << 160));
    assert_eq!((max.pack() >> 160) & mask48, mask48);
    assert_eq!(max.to_word(), B256::from(max.pack()));
    assert_eq!(ValidationData::default().pack(), U256::ZERO);
}

#[test]
fn validation_data_with_an_aggregator_does_not_unpack() {
    for authorizer in [
        U256::from(2),
        U256::from(0x100),
        U256::from(1) << 159,
        U256::from_be_slice(&[0xaa; 20]),
    ] {
        assert_eq!(
            ValidationData::unpack(authorizer),
            None,
            "authorizer {authorizer:#x}"
        );
    }
    assert_eq!(
        ValidationData::unpack(U256::from(1)),
        Some(ValidationData {
            sig_failed: true,
            valid_after: 0,
            valid_until: 0
        })
    );
}

#[test]
fn intersect_takes_the_later_start_and_the_earlier_non_zero_end() {
    let vd = |after, until, failed| ValidationData {
        sig_failed: failed,
        valid_after: after,
        valid_until: until,
    };
    let rows = [
        (vd(10, 100, false), vd(20, 50, false), vd(20, 50, false)),
        (vd(20, 50, false), vd(10, 100, false), vd(20, 50, false)),
        (vd(10, 0, false), vd(0, 50, false), vd(10, 50, false)),
        (vd(0, 50, false), vd(10, 0, false), vd(10, 50, false)),
        (vd(0, 0, false), vd(0, 0, false), vd(0, 0, false)),
        (vd(5, 0, false), vd(7, 0, false), vd(7, 0, false)),
        (vd(0, 0, true), vd(10, 100, false), vd(10, 100, true)),
        (vd(10, 100, false), vd(0, 0, true), vd(10, 100, true)),
        // Disjoint windows intersect to an empty window (EntryPoint then refuses the op).
        (vd(10, 20, false), vd(30, 40, false), vd(30, 20, false)),
    ];
    for (n, (a, b, expected)) in rows.iter().enumerate() {
        assert_eq!(a.intersect(b), *expected, "row {n}");
    }
}

fn arb_vd() -> impl Strategy<Value = ValidationData> {
    (
        any::<bool>(),
        0..=MAX_TIMESTAMP,
        prop_oneof![Just(0u64), 0..=MAX_TIMESTAMP],
    )
        .prop_map(|(sig_failed, valid_after, valid_until)| ValidationData {
            sig_failed,
            valid_after,
            valid_until,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn validation_data_round_trips(v in arb_vd()) {
        prop_assert_eq!(ValidationData::unpack(v.pack()), Some(v));
    }

    #[test]
    fn intersect_is_commutative_and_never_widens(a in arb_vd(), b in arb_vd()) {
        let i = a.intersect(&b);
        prop_assert_eq!(i, b.intersect(&a));
        prop_assert!(i.valid_after >= a.valid_after && i.valid_after >= b.valid_after);
        for x in [a, b] {
            if x.valid_until != 0 {
                prop_assert!(i.valid_until != 0 && i.valid_until <= x.valid_until);
            }
            if x.sig_failed {
                prop_assert!(i.sig_failed);
            }
        }
    }
}

// ---------------------------------------------------------------- session signatures

fn secp256k1_order() -> U256 {
    U256::from_be_bytes(k256::Secp256k1::ORDER.to_be_bytes())
}

#[test]
fn half_order_is_the_secp256k1_order_halved() {
    let n: U256 = "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"
        .parse()
        .unwrap();
    assert_eq!(secp256k1_order(), n);
    assert_eq!(HALF_ORDER, n >> 1);
}

fn sig(s: U256, v: u8) -> SessionSignature {
    SessionSignature {
        signer: Address::repeat_byte(0x5e),
        r: B256::repeat_byte(0x11),
        s: B256::from(s),
        v,
    }
}

#[test]
fn parse_accepts_exactly_85_bytes() {
    let bytes: Vec<u8> = (0..SIGNATURE_LEN as u8).collect();
    let s = SessionSignature::parse(&bytes).unwrap();
    assert_eq!(s.signer.as_slice(), &bytes[..20]);
    assert_eq!(s.r.as_slice(), &bytes[20..52]);
    assert_eq!(s.s.as_slice(), &bytes[52..84]);
    assert_eq!(s.v, bytes[84]);
    assert_eq!(s.to_bytes().to_vec(), bytes);
    for len in [0usize, 65, 84, 86, 170] {
        assert_eq!(
            SessionSignature::parse(&vec![1u8; len]),
            None,
            "{len} bytes"
        );
    }
}

#[test]
fn canonical_signatures_have_low_s_and_v_27_or_28() {
    let one = U256::from(1);
    assert!(sig(one, 27).is_canonical());
    assert!(sig(one, 28).is_canonical());
    assert!(sig(HALF_ORDER, 27).is_canonical(), "s == n/2 is low");
    assert!(
        !sig(HALF_ORDER + one, 27).is_canonical(),
        "s == n/2 + 1 is high"
    );
    assert!(!sig(secp256k1_order() - one, 28).is_canonical());
    assert!(!sig(U256::MAX, 27).is_canonical());
    assert!(!sig(U256::ZERO, 27).is_canonical(), "s == 0");
    for v in [0u8, 1, 26, 29, 255] {
        assert!(!sig(one, v).is_canonical(), "v = {v}");
    }
    let mut zero_r = sig(one, 27);
    zero_r.r = B256::ZERO;
    assert!(!zero_r.is_canonical(), "r == 0");
}

#[test]
fn ecrecover_input_and_digest_preimage_layout() {
    let s = sig(U256::from(0x5555), 28);
    let digest = B256::repeat_byte(0xd1);
    let input = s.ecrecover_input(&digest);
    assert_eq!(&input[..32], digest.as_slice());
    assert_eq!(&input[32..63], &[0u8; 31]);
    assert_eq!(input[63], 28);
    assert_eq!(&input[64..96], s.r.as_slice());
    assert_eq!(&input[96..], s.s.as_slice());

    let module = Address::repeat_byte(0x30);
    let pre = digest_preimage(&digest, module);
    assert_eq!(&pre[..32], digest.as_slice());
    assert_eq!(&pre[32..], module.as_slice());
}

fn address_of(key: &VerifyingKey) -> Address {
    let point = key.to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

/// ecrecover run on the precompile input, with k256.
fn ecrecover(input: &[u8; 128]) -> Option<Address> {
    let v = input[63].checked_sub(27)?;
    let recid = RecoveryId::from_byte(v)?;
    let sig = Signature::from_slice(&input[64..]).ok()?;
    VerifyingKey::recover_from_prehash(&input[..32], &sig, recid)
        .ok()
        .map(|k| address_of(&k))
}

#[test]
fn real_signature_is_canonical_and_its_high_s_twin_is_not() {
    for seed in 1u8..=8 {
        let key = SigningKey::from_slice(&[seed; 32]).unwrap();
        let signer = address_of(key.verifying_key());
        let digest = keccak256(digest_preimage(
            &B256::repeat_byte(seed),
            Address::repeat_byte(0x30),
        ));
        let (signature, recid) = key.sign_prehash_recoverable(digest.as_slice()).unwrap();
        let mut bytes = signer.to_vec();
        bytes.extend_from_slice(&signature.to_bytes());
        bytes.push(27 + recid.to_byte());
        let parsed = SessionSignature::parse(&bytes).unwrap();
        assert!(parsed.is_canonical(), "seed {seed}");
        assert_eq!(parsed.signer, signer);
        // The precompile input, fed to a real recovery, yields the signer.
        assert_eq!(
            ecrecover(&parsed.ecrecover_input(&digest)),
            Some(signer),
            "seed {seed}"
        );

        // The malleable twin (n - s, other parity) is the same signature to ECDSA, but refused.
        let s = U256::from_be_bytes(parsed.s.0);
        let twin_s = secp256k1_order() - s;
        let twin = SessionSignature {
            s: B256::from(twin_s),
            v: parsed.v ^ 1,
            ..parsed
        };
        let twin_sig =
            Signature::from_slice(&[parsed.r.as_slice(), twin.s.as_slice()].concat()).unwrap();
        assert_eq!(twin_sig.normalize_s(), Some(signature), "seed {seed}");
        assert!(!twin.is_canonical(), "seed {seed}");
    }
}

#[test]
fn recovered_address_rejects_dirty_zero_and_missing_output() {
    let a = Address::repeat_byte(0x42);
    assert_eq!(recovered_address(a.into_word().as_slice()), Some(a));
    let mut dirty = a.into_word();
    dirty[0] = 1;
    assert_eq!(recovered_address(dirty.as_slice()), None);
    let mut dirty = a.into_word();
    dirty[11] = 1;
    assert_eq!(recovered_address(dirty.as_slice()), None);
    assert_eq!(recovered_address(&[0u8; 32]), None);
    assert_eq!(recovered_address(&[]), None);
    assert_eq!(recovered_address(&a.into_word()[..31]), None);
    assert_eq!(
        recovered_address(&[a.into_word().as_slice(), &[0]].concat()),
        None
    );
}

// ---------------------------------------------------------------- ERC-20 spend recognition

#[test]
fn erc20_selectors_match_their_signatures() {
    assert_eq!(erc20::TRANSFER, transferCall::SELECTOR);
    assert_eq!(erc20::TRANSFER_FROM, transferFromCall::SELECTOR);
    assert_eq!(erc20::APPROVE, approveCall::SELECTOR);
    assert_eq!(erc20::INCREASE_ALLOWANCE, increaseAllowanceCall::SELECTOR);
}

/// (case, calldata, expected `spend_amount`).
type SpendRow = (&'static str, Vec<u8>, Result<Option<U256>, MalformedSpend>);

#[test]
fn spend_amount_table() {
    let to = Address::repeat_byte(0x0e);
    let amt = U256::from(1234);
    let transfer = transferCall { to, amount: amt }.abi_encode();
    let transfer_from = transferFromCall {
        from: to,
        to,
        amount: amt,
    }
    .abi_encode();
    let approve = approveCall {
        spender: to,
        amount: amt,
    }
    .abi_encode();
    let increase = increaseAllowanceCall {
        spender: to,
        addedValue: amt,
    }
    .abi_encode();
    let decrease = decreaseAllowanceCall {
        spender: to,
        subtractedValue: amt,
    }
    .abi_encode();
    let with = |mut d: Vec<u8>, f: &dyn Fn(&mut Vec<u8>)| {
        f(&mut d);
        d
    };
    let rows: Vec<SpendRow> = vec![
        ("empty", vec![], Ok(None)),
        (
            "3 bytes of transfer",
            erc20::TRANSFER[..3].to_vec(),
            Ok(None),
        ),
        ("transfer", transfer.clone(), Ok(Some(amt))),
        ("transferFrom", transfer_from.clone(), Ok(Some(amt))),
        ("approve", approve.clone(), Ok(Some(amt))),
        ("increaseAllowance", increase.clone(), Ok(Some(amt))),
        ("decreaseAllowance is not a spend", decrease, Ok(None)),
        ("unknown selector", vec![1, 2, 3, 4, 5], Ok(None)),
        (
            "max amount",
            transferCall {
                to,
                amount: U256::MAX,
            }
            .abi_encode(),
            Ok(Some(U256::MAX)),
        ),
        (
            "selector only",
            erc20::TRANSFER.to_vec(),
            Err(MalformedSpend),
        ),
        (
            "trailing byte",
            with(transfer.clone(), &|d| d.push(0)),
            Err(MalformedSpend),
        ),
        (
            "trailing word",
            with(transfer.clone(), &|d| d.extend_from_slice(&[0; 32])),
            Err(MalformedSpend),
        ),
        ("short amount", transfer[..67].to_vec(), Err(MalformedSpend)),
        (
            "dirty to",
            with(transfer.clone(), &|d| d[4] = 1),
            Err(MalformedSpend),
        ),
        (
            "dirty from",
            with(transfer_from.clone(), &|d| d[4 + 11] = 1),
            Err(MalformedSpend),
        ),
        (
            "dirty second address",
            with(transfer_from.clone(), &|d| d[36] = 1),
            Err(MalformedSpend),
        ),
        (
            "transferFrom cut to two words",
            transfer_from[..68].to_vec(),
            Err(MalformedSpend),
        ),
        (
            "dirty spender",
            with(approve, &|d| d[15] = 0xff),
            Err(MalformedSpend),
        ),
        (
            "increaseAllowance trailing",
            with(increase, &|d| d.push(1)),
            Err(MalformedSpend),
        ),
        // The amount word is any uint256: no "dirty" bits there.
        (
            "high amount bits",
            with(transfer, &|d| d[36] = 0x80),
            Ok(Some(U256::from(1234) | (U256::from(0x80) << 248))),
        ),
    ];
    for (name, data, expected) in rows {
        assert_eq!(spend_amount(&data), expected, "{name}");
    }
}

// ---------------------------------------------------------------- prefund and paymaster

fn halves(hi: u128, lo: u128) -> B256 {
    B256::from_slice(&[hi.to_be_bytes(), lo.to_be_bytes()].concat())
}

#[test]
fn required_prefund_is_the_gas_limits_sum_times_max_fee() {
    // (verification + call + preVerification) × maxFeePerGas; maxPriorityFeePerGas is ignored.
    let cost = required_prefund(
        &halves(100_000, 200_000),
        U256::from(50_000),
        &halves(7, 10_000_000_000),
    );
    assert_eq!(cost, U256::from(350_000u64 * 10_000_000_000));
    assert_eq!(
        required_prefund(&halves(1, 2), U256::from(3), &halves(u128::MAX, 0)),
        U256::ZERO
    );
    assert_eq!(
        required_prefund(&halves(0, 0), U256::ZERO, &halves(0, 5)),
        U256::ZERO
    );
    assert_eq!(
        required_prefund(&halves(0, 0), U256::from(1), &halves(0, 5)),
        U256::from(5)
    );
}

#[test]
fn required_prefund_overflow_reports_u256_max() {
    // Sum overflow, product overflow, preVerificationGas beyond 128 bits: all report U256::MAX,
    // above every (u128) budget.
    let max = U256::MAX;
    assert_eq!(
        required_prefund(&halves(u128::MAX, 1), U256::ZERO, &halves(0, 1)),
        max
    );
    assert_eq!(
        required_prefund(&halves(1 << 64, 0), U256::ZERO, &halves(0, 1 << 64)),
        max
    );
    assert_eq!(
        required_prefund(&halves(0, 0), U256::MAX, &halves(0, 1)),
        max
    );
    assert_eq!(
        required_prefund(&halves(0, 0), U256::from(1) << 128, &halves(0, 1)),
        max
    );
    assert_eq!(
        required_prefund(
            &halves(u128::MAX, u128::MAX),
            U256::MAX,
            &halves(u128::MAX, u128::MAX)
        ),
        max
    );
    // Just below the edge nothing overflows.
    let edge = U256::from(u128::MAX);
    assert_eq!(required_prefund(&halves(0, 0), edge, &halves(0, 1)), edge);
    assert_eq!(
        required_prefund(&halves(1 << 63, 1 << 63), U256::ZERO, &halves(0, 1 << 63)),
        U256::from(1) << 127
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn required_prefund_is_exact_below_2_pow_128(
        v in 0..1u64 << 62, c in 0..1u64 << 62, p in 0..1u64 << 62, fee in any::<u64>(), tip in any::<u128>(),
    ) {
        let expected = (U256::from(v) + U256::from(c) + U256::from(p)) * U256::from(fee);
        prop_assert_eq!(required_prefund(&halves(v as u128, c as u128), U256::from(p), &halves(tip, fee as u128)), expected);
    }

    #[test]
    fn required_prefund_never_undercounts(
        v in any::<u128>(), c in any::<u128>(), p in any::<[u8; 32]>(), fee in any::<u128>(),
    ) {
        let p = U256::from_be_bytes(p);
        let gas = U256::from(v).saturating_add(U256::from(c)).saturating_add(p);
        let exact = gas.saturating_mul(U256::from(fee));
        let got = required_prefund(&halves(v, c), p, &halves(0, fee));
        // Exact while every step fits in 128 bits; otherwise U256::MAX, above any budget.
        let bound = U256::from(u128::MAX);
        let expected = if gas > bound || exact > bound { U256::MAX } else { exact };
        prop_assert_eq!(got, expected);
        prop_assert!(got >= exact);
    }
}

#[test]
fn paymaster_of_reads_the_first_twenty_bytes() {
    let pm = Address::repeat_byte(0xfa);
    assert_eq!(paymaster_of(&[]), None);
    assert_eq!(paymaster_of(&[0xfa]), Some(Address::ZERO));
    assert_eq!(paymaster_of(&[0xfa; 19]), Some(Address::ZERO));
    assert_eq!(paymaster_of(pm.as_slice()), Some(pm));
    let mut full = pm.to_vec();
    full.extend_from_slice(&[0x11; 32]); // gas limits and paymaster data follow
    assert_eq!(paymaster_of(&full), Some(pm));
}

// ---------------------------------------------------------------- stable error codes

#[test]
fn error_codes_are_stable_and_distinct() {
    let a = Address::ZERO;
    let execution = [
        (ExecutionError::TooShort, 1),
        (ExecutionError::UnknownSelector([0; 4]), 2),
        (ExecutionError::ExecuteUserOpUnsupported, 3),
        (ExecutionError::UnsupportedCallType(0xff), 4),
        (ExecutionError::UnsupportedExecType(1), 5),
        (ExecutionError::NonDefaultMode, 6),
        (ExecutionError::NonCanonicalOffset, 7),
        (ExecutionError::LengthOutOfBounds, 8),
        (ExecutionError::DirtyPadding, 9),
        (ExecutionError::TrailingBytes, 10),
        (ExecutionError::DirtyAddress, 11),
        (ExecutionError::EmptyBatch, 12),
        (ExecutionError::BatchTooLarge(17), 13),
        (ExecutionError::SingleTooShort, 14),
    ];
    for (e, code) in execution {
        assert_eq!(e.code(), code, "{e:?}");
    }
    let record = [
        (RecordError::Truncated { at: 5 }, 1, 5),
        (RecordError::UnsupportedVersion(2), 2, 0),
        (RecordError::ZeroSigner, 3, 14),
        (
            RecordError::EmptyWindow {
                valid_after: 2,
                valid_until: 1,
            },
            4,
            1,
        ),
        (RecordError::UnknownFlags { at: 33 }, 5, 33),
        (RecordError::ContradictoryLimit { at: 34 }, 6, 34),
        (RecordError::TooMany { at: 70 }, 7, 70),
        (RecordError::NotSorted { at: 113 }, 8, 113),
        (RecordError::UnboundedCall { at: 71 }, 9, 71),
        (RecordError::RulesWithoutCalldata { at: 71 }, 10, 71),
        (RecordError::UnknownCondition { at: 113 }, 11, 113),
        (RecordError::BadValueCount { at: 116 }, 12, 116),
        (RecordError::EmptyRange { at: 113 }, 13, 113),
        (RecordError::TooLargeForStorage { at: 71 }, 14, 71),
        (RecordError::LimitTooLarge { at: 207 }, 15, 207),
        (RecordError::TrailingBytes { at: 239 }, 16, 239),
        (RecordError::TimestampTooLarge, 17, 0),
        (RecordError::UnknownSignerKind { at: 13 }, 18, 13),
        (RecordError::InvalidPublicKey { at: 14 }, 19, 14),
        (RecordError::SignerNotKeyAddress, 20, 0),
    ];
    for (e, code, position) in record {
        assert_eq!((e.code(), e.position()), (code, position), "{e:?}");
    }
    let violation = [
        (Violation::SelfCall { index: 0 }, 1),
        (
            Violation::CallNotAllowed {
                index: 0,
                target: a,
                selector: [0; 4],
            },
            2,
        ),
        (Violation::CalldataTooShort { index: 0 }, 3),
        (
            Violation::ValueTooHigh {
                index: 0,
                value: U256::ZERO,
                max: U256::ZERO,
            },
            4,
        ),
        (Violation::ParamMissing { index: 0, rule: 0 }, 5),
        (Violation::RuleFailed { index: 0, rule: 0 }, 6),
        (Violation::MalformedTokenCall { index: 0 }, 7),
        (Violation::TokenCapMissing { token: a }, 8),
        (
            Violation::TokenCapExceeded {
                token: a,
                requested: U256::ZERO,
                remaining: U256::ZERO,
            },
            9,
        ),
        (
            Violation::NativeCapExceeded {
                requested: U256::ZERO,
                remaining: U256::ZERO,
            },
            10,
        ),
        (Violation::OpLimitReached, 11),
        (
            Violation::GasBudgetExceeded {
                cost: U256::ZERO,
                remaining: U256::ZERO,
            },
            12,
        ),
        (Violation::PaymasterNotAllowed { paymaster: a }, 13),
        (Violation::AmountOverflow, 14),
    ];
    for (e, code) in violation {
        assert_eq!(e.code(), code, "{e:?}");
    }
}
