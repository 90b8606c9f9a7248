//! The permission record's canonical encoding: round trips, every rejection with its exact
//! `RecordError` and byte position, truncation at every length, and concatenated records.

use alloy_primitives::{Address, B256, I256, U256};
use proptest::prelude::*;
use sessionkey_policy::condition::MAX_ONE_OF;
use sessionkey_policy::layout::{
    self, CallKey, SelectorMatch, TargetMatch, MAX_ENTRY_WORDS, MAX_NATIVE_CAP,
    MAX_PERIODIC_GAS_CAP, MAX_PERIODIC_TOKEN_CAP, MIN_PERIOD,
};
use sessionkey_policy::record::{
    p256_signer, MAX_CALLS, MAX_TIMESTAMP, MAX_TOKEN_CAPS, RECORD_VERSION, SIGNER_KIND_AT,
};
use sessionkey_policy::rule::MAX_RULES;
use sessionkey_policy::signer::{P256PublicKey, P256_FIELD};
use sessionkey_policy::typed_data::TypedDataScope;
use sessionkey_policy::{
    CallPolicy, Condition, Limit, ParamRule, RecordError, SessionRecord, SignerKey, TokenCap,
    TokenLimit,
};

// ---------------------------------------------------------------- an independent encoder

/// Byte-by-byte encoder written from the format comment of `record.rs`, recording where each
/// field starts (a truncated record must report exactly the start of the field it cuts).
#[derive(Default)]
struct RefEncoder {
    out: Vec<u8>,
    starts: Vec<usize>,
}

impl RefEncoder {
    fn field(&mut self, bytes: &[u8]) {
        self.starts.push(self.out.len());
        self.out.extend_from_slice(bytes);
    }
}

fn ref_key(key: &CallKey) -> [u8; 25] {
    let mut out = [0u8; 25];
    match key.target {
        TargetMatch::Exact(a) => out[1..21].copy_from_slice(a.as_slice()),
        TargetMatch::Any => out[0] |= 1,
    }
    match key.selector {
        SelectorMatch::Exact(s) => out[21..].copy_from_slice(&s),
        SelectorMatch::Any => out[0] |= 1 << 2,
        SelectorMatch::Empty => out[0] |= 2 << 2,
    }
    out
}

fn reference_encoding(r: &SessionRecord) -> (Vec<u8>, Vec<usize>) {
    let mut e = RefEncoder::default();
    e.field(&[2]);
    e.field(&r.valid_after.to_be_bytes()[2..]);
    e.field(&r.valid_until.to_be_bytes()[2..]);
    match r.signer_key {
        SignerKey::Secp256k1 => {
            e.field(&[0]);
            e.field(r.signer.as_slice());
        }
        SignerKey::P256(k) | SignerKey::WebAuthn(k) => {
            e.field(&[if matches!(r.signer_key, SignerKey::P256(_)) {
                1
            } else {
                2
            }]);
            e.field(k.x.as_slice());
            e.field(k.y.as_slice());
        }
    }
    let mut flags = 0u8;
    let native = match r.native_cap {
        Limit::Limited(v) => v,
        Limit::Unlimited => {
            flags |= 1;
            0
        }
    };
    let gas = match r.gas_budget {
        Limit::Limited(v) => v,
        Limit::Unlimited => {
            flags |= 2;
            0
        }
    };
    if r.max_ops.is_some() {
        flags |= 4;
    }
    if r.paymaster.is_some() {
        flags |= 8;
    }
    if r.period.is_some() {
        flags |= 64;
    }
    e.field(&[flags]);
    e.field(&native.to_be_bytes());
    e.field(&gas.to_be_bytes());
    e.field(&r.max_ops.unwrap_or(0).to_be_bytes());
    if let Some(p) = r.paymaster {
        e.field(p.as_slice());
    }
    if let Some(p) = r.period {
        e.field(&p.to_be_bytes());
    }
    e.field(&[r.calls.len() as u8]);
    for c in &r.calls {
        e.field(&ref_key(&c.key));
        e.field(&c.max_value.to_be_bytes());
        e.field(&[c.rules.len() as u8]);
        for rule in &c.rules {
            e.field(&[rule.condition as u8]);
            e.field(&rule.word_index.to_be_bytes());
            e.field(&[rule.values.len() as u8]);
            for v in &rule.values {
                e.field(v.as_slice());
            }
        }
    }
    e.field(&[r.token_caps.len() as u8]);
    for t in &r.token_caps {
        e.field(t.token.as_slice());
        match t.limit {
            TokenLimit::Unlimited => {
                e.field(&[1]);
                e.field(&[0; 32]);
            }
            TokenLimit::Limited(v) => {
                e.field(&[0]);
                e.field(&v.to_be_bytes::<32>());
            }
        }
    }
    (e.out, e.starts)
}

// ---------------------------------------------------------------- fixtures

const SIGNER: Address = Address::repeat_byte(0x5e);
const TOKEN: Address = Address::repeat_byte(0x70);
const SPENDER: Address = Address::repeat_byte(0x99);
const APPROVE: [u8; 4] = [0x09, 0x5e, 0xa7, 0xb3];

fn exact(target: Address, selector: [u8; 4]) -> CallKey {
    CallKey {
        target: TargetMatch::Exact(target),
        selector: SelectorMatch::Exact(selector),
    }
}

fn u(v: u64) -> B256 {
    B256::from(U256::from(v))
}

fn i(v: i64) -> B256 {
    B256::from(I256::try_from(v).unwrap().into_raw())
}

fn call(key: CallKey, rules: Vec<ParamRule>) -> CallPolicy {
    CallPolicy {
        key,
        max_value: 0,
        rules,
    }
}

fn one_of(n: usize) -> ParamRule {
    ParamRule {
        condition: Condition::OneOf,
        word_index: 0,
        values: (0..n as u64).map(u).collect(),
    }
}

/// approve(spender == SPENDER, amount <= 500) on TOKEN, a 10 000 cap on TOKEN.
///
/// Offsets: call count 70, entry 71 (key 71, max value 96, rule count 112), rule 0 at 113
/// (count byte 116), rule 1 at 149, token count 185, token 186 (flags 206, limit 207), end 239.
fn base() -> SessionRecord {
    SessionRecord {
        signer: SIGNER,
        signer_key: Default::default(),
        valid_after: 100,
        valid_until: 200,
        native_cap: Limit::Limited(1000),
        gas_budget: Limit::Limited(5000),
        max_ops: None,
        paymaster: None,
        period: None,
        calls: vec![call(
            exact(TOKEN, APPROVE),
            vec![
                ParamRule::new(Condition::Eq, 0, SPENDER.into_word()),
                ParamRule::new(Condition::Lte, 1, u(500)),
            ],
        )],
        token_caps: vec![TokenCap {
            token: TOKEN,
            limit: TokenLimit::Limited(U256::from(10_000)),
        }],
        typed_data_scopes: Vec::new(),
    }
}

const CALL_COUNT: usize = 71;
const ENTRY0: usize = 72;
const RULE_COUNT0: usize = 113;
const RULE0: usize = 114;
const TOKEN_COUNT: usize = 186;
const TOKEN0: usize = 187;
const BASE_LEN: usize = 240;

fn with(f: impl FnOnce(&mut SessionRecord)) -> SessionRecord {
    let mut r = base();
    f(&mut r);
    r
}

fn check_position(e: RecordError) {
    use RecordError::*;
    if let Truncated { at }
    | UnknownFlags { at }
    | ContradictoryLimit { at }
    | TooMany { at }
    | NotSorted { at }
    | UnboundedCall { at }
    | RulesWithoutCalldata { at }
    | UnknownCondition { at }
    | BadValueCount { at }
    | EmptyRange { at }
    | TooLargeForStorage { at }
    | LimitTooLarge { at }
    | TrailingBytes { at } = e
    {
        assert_eq!(e.position(), at);
    }
}

/// Both `decode(encode(r))` and `r.validate()` refuse the record with exactly `expected`.
fn rejects(r: &SessionRecord, expected: RecordError) {
    assert_eq!(SessionRecord::decode(&r.encode()), Err(expected));
    assert_eq!(r.validate(), Err(expected));
    check_position(expected);
}

/// The base encoding with `f` applied to its bytes is refused with exactly `expected`.
fn bytes_reject(f: impl FnOnce(&mut Vec<u8>), expected: RecordError) {
    let mut b = base().encode();
    f(&mut b);
    assert_eq!(SessionRecord::decode(&b), Err(expected));
    check_position(expected);
}

// ---------------------------------------------------------------- fixed cases

#[test]
fn base_record_encodes_as_documented() {
    let r = base();
    let enc = r.encode();
    assert_eq!(enc.len(), BASE_LEN);
    assert_eq!(enc, reference_encoding(&r).0);
    assert_eq!(enc[0], RECORD_VERSION);
    assert_eq!(enc[CALL_COUNT], 1);
    assert_eq!(&enc[ENTRY0..ENTRY0 + 25], &exact(TOKEN, APPROVE).to_bytes());
    assert_eq!(enc[RULE_COUNT0], 2);
    assert_eq!(enc[RULE0], Condition::Eq.code());
    assert_eq!(enc[TOKEN_COUNT], 1);
    assert_eq!(&enc[TOKEN0..TOKEN0 + 20], TOKEN.as_slice());
    assert_eq!(SessionRecord::decode(&enc), Ok(r.clone()));
    assert_eq!(r.validate(), Ok(()));
}

#[test]
fn empty_record_with_everything_unlimited_round_trips() {
    let r = SessionRecord {
        signer: SIGNER,
        signer_key: Default::default(),
        valid_after: 0,
        valid_until: 0,
        native_cap: Limit::Unlimited,
        gas_budget: Limit::Unlimited,
        max_ops: Some(0),
        paymaster: Some(Address::repeat_byte(0xfa)),
        period: None,
        calls: vec![],
        token_caps: vec![],
        typed_data_scopes: Vec::new(),
    };
    assert_eq!(r.validate(), Ok(()));
    let enc = r.encode();
    assert_eq!(enc.len(), 93);
    assert_eq!(enc[34], 1 | 2 | 4 | 8);
    assert_eq!(SessionRecord::decode(&enc), Ok(r));
}

/// A P-256 session: the key instead of the address, which is derived from it.
fn p256_base(webauthn: bool) -> SessionRecord {
    let key = P256PublicKey {
        x: B256::repeat_byte(0x11),
        y: B256::repeat_byte(0x22),
    };
    SessionRecord {
        signer: key_address(&key),
        signer_key: if webauthn {
            SignerKey::WebAuthn(key)
        } else {
            SignerKey::P256(key)
        },
        ..base()
    }
}

#[test]
fn p256_records_carry_the_key_and_derive_the_signer() {
    for (webauthn, kind) in [(false, 1u8), (true, 2)] {
        let r = p256_base(webauthn);
        let enc = r.encode();
        // 64 bytes of key where a secp256k1 record has 20 of address.
        assert_eq!(enc.len(), BASE_LEN + 44);
        assert_eq!(enc, reference_encoding(&r).0);
        assert_eq!(enc[SIGNER_KIND_AT], kind);
        assert_eq!(&enc[SIGNER_KIND_AT + 1..SIGNER_KIND_AT + 33], &[0x11; 32]);
        assert_eq!(&enc[SIGNER_KIND_AT + 33..SIGNER_KIND_AT + 65], &[0x22; 32]);
        assert_eq!(SessionRecord::decode(&enc), Ok(r.clone()));
        assert_eq!(r.validate(), Ok(()));
        // The address is keccak256(x ‖ y)[12..].
        let mut xy = [0x11u8; 64];
        xy[32..].fill(0x22);
        assert_eq!(
            r.signer,
            Address::from_slice(&alloy_primitives::keccak256(xy)[12..])
        );
    }
}

#[test]
fn a_p256_session_under_another_address_is_refused() {
    let mut r = p256_base(false);
    r.signer = SIGNER;
    assert_eq!(r.validate(), Err(RecordError::SignerNotKeyAddress));
}

#[test]
fn p256_keys_outside_the_field_or_at_infinity_are_refused() {
    let at = SIGNER_KIND_AT + 1;
    let prime = B256::new(P256_FIELD);
    let below = B256::from(U256::from_be_bytes(P256_FIELD) - U256::from(1));
    for (x, y, ok) in [
        (prime, B256::repeat_byte(1), false),
        (B256::repeat_byte(1), prime, false),
        (B256::repeat_byte(0xff), B256::repeat_byte(1), false),
        (B256::ZERO, B256::ZERO, false),
        (below, below, true),
        (B256::ZERO, B256::repeat_byte(1), true),
    ] {
        let key = P256PublicKey { x, y };
        let r = SessionRecord {
            signer: key_address(&key),
            signer_key: SignerKey::P256(key),
            ..base()
        };
        if ok {
            assert_eq!(r.validate(), Ok(()), "{x} {y}");
        } else {
            rejects(&r, RecordError::InvalidPublicKey { at });
        }
    }
}

#[test]
fn a_periodic_record_carries_its_period_after_the_limits() {
    let r = with(|r| r.period = Some(86_400));
    let enc = r.encode();
    assert_eq!(enc.len(), BASE_LEN + 4);
    assert_eq!(enc, reference_encoding(&r).0);
    assert_eq!(enc[34], 64);
    // After the op count (bytes 67..71): the period, then the call list.
    assert_eq!(&enc[71..75], &86_400u32.to_be_bytes());
    assert_eq!(enc[CALL_COUNT + 4], 1);
    assert_eq!(SessionRecord::decode(&enc), Ok(r.clone()));
    assert_eq!(r.validate(), Ok(()));
}

#[test]
fn periods_under_a_minute_are_refused() {
    rejects(
        &with(|r| r.period = Some(MIN_PERIOD - 1)),
        RecordError::PeriodTooShort { at: 71 },
    );
    rejects(
        &with(|r| r.period = Some(0)),
        RecordError::PeriodTooShort { at: 71 },
    );
    assert_eq!(with(|r| r.period = Some(MIN_PERIOD)).validate(), Ok(()));
}

#[test]
fn periodic_caps_must_fit_their_narrower_counters() {
    // The gas budget: 88 bits (at byte 51).
    let gas = |v| {
        with(|r| {
            r.period = Some(3600);
            r.gas_budget = Limit::Limited(v);
        })
    };
    assert_eq!(gas(MAX_PERIODIC_GAS_CAP).validate(), Ok(()));
    rejects(
        &gas(MAX_PERIODIC_GAS_CAP + 1),
        RecordError::LimitTooLarge { at: 51 },
    );
    // Token caps: 104 bits (the limit word starts 21 bytes into the token entry).
    let token = |v: U256| {
        with(|r| {
            r.period = Some(3600);
            r.token_caps[0].limit = TokenLimit::Limited(v);
        })
    };
    let max = U256::from(MAX_PERIODIC_TOKEN_CAP);
    assert_eq!(token(max).validate(), Ok(()));
    rejects(
        &token(max + U256::from(1)),
        RecordError::LimitTooLarge {
            at: TOKEN0 + 4 + 21,
        },
    );
    // Without the period, both fit.
    assert_eq!(
        with(|r| r.token_caps[0].limit = TokenLimit::Limited(max + U256::from(1))).validate(),
        Ok(())
    );
}

#[test]
fn unknown_signer_kinds_are_refused() {
    for kind in [3u8, 0x80, 0xff] {
        bytes_reject(
            |b| b[SIGNER_KIND_AT] = kind,
            RecordError::UnknownSignerKind { at: SIGNER_KIND_AT },
        );
    }
}

#[test]
fn unsupported_version_is_refused() {
    for v in [0u8, 1, 3, 0xff] {
        bytes_reject(|b| b[0] = v, RecordError::UnsupportedVersion(v));
    }
}

#[test]
fn zero_signer_is_refused() {
    rejects(&with(|r| r.signer = Address::ZERO), RecordError::ZeroSigner);
}

#[test]
fn window_ending_at_or_before_its_start_is_empty() {
    for (after, until) in [
        (100u64, 100u64),
        (100, 99),
        (100, 1),
        (MAX_TIMESTAMP, MAX_TIMESTAMP),
    ] {
        rejects(
            &with(|r| {
                r.valid_after = after;
                r.valid_until = until;
            }),
            RecordError::EmptyWindow {
                valid_after: after,
                valid_until: until,
            },
        );
    }
}

#[test]
fn zero_valid_until_means_no_expiry_and_one_past_start_is_a_window() {
    for (after, until) in [
        (100u64, 0u64),
        (MAX_TIMESTAMP, 0),
        (100, 101),
        (0, MAX_TIMESTAMP),
    ] {
        let r = with(|r| {
            r.valid_after = after;
            r.valid_until = until;
        });
        assert_eq!(r.validate(), Ok(()), "({after}, {until})");
    }
}

#[test]
fn timestamps_beyond_48_bits_are_not_representable() {
    // encode() cannot write them; validate() refuses them before encoding.
    let r = with(|r| {
        r.valid_after = MAX_TIMESTAMP + 1;
        r.valid_until = 0;
    });
    assert_eq!(r.validate(), Err(RecordError::TimestampTooLarge));
    let r = with(|r| r.valid_until = MAX_TIMESTAMP + 1);
    assert_eq!(r.validate(), Err(RecordError::TimestampTooLarge));
}

#[test]
fn unknown_flag_bits_are_refused() {
    // Bits 16 and 32 are header-only (wildcard markers): a record may not carry them.
    // Bit 64 (periodic) is a record flag: see the periodic tests; so is 128 (typed-data
    // scopes), whose scope count then must follow the token caps.
    for bit in [0x10u8, 0x20] {
        bytes_reject(|b| b[34] |= bit, RecordError::UnknownFlags { at: 34 });
    }
    let end = base().encode().len();
    bytes_reject(|b| b[34] |= 0x80, RecordError::Truncated { at: end });
}

// ---------------------------------------------------------------- typed-data scopes

fn scope(separator: u8, typehash: u8, rules: Vec<ParamRule>) -> TypedDataScope {
    TypedDataScope {
        app_domain_separator: B256::repeat_byte(separator),
        contents_typehash: B256::repeat_byte(typehash),
        rules,
    }
}

fn with_scopes(scopes: Vec<TypedDataScope>) -> SessionRecord {
    SessionRecord {
        typed_data_scopes: scopes,
        ..base()
    }
}

#[test]
fn typed_data_scopes_round_trip_after_the_token_caps() {
    let r = with_scopes(vec![
        scope(1, 9, vec![]),
        scope(
            2,
            1,
            vec![
                ParamRule::new(Condition::Eq, 1, B256::repeat_byte(0xaa)),
                ParamRule::new(Condition::Lte, 2, B256::with_last_byte(100)),
            ],
        ),
    ]);
    assert_eq!(r.validate(), Ok(()));
    let enc = r.encode();
    assert_eq!(enc[34] & 0x80, 0x80);
    let plain = base().encode();
    assert_eq!(&enc[..34], &plain[..34]);
    assert_eq!(&enc[35..plain.len()], &plain[35..]);
    // count, then scope 1: 64-byte key, no rules; scope 2: key, 2 rules of 36 bytes.
    assert_eq!(enc.len(), plain.len() + 1 + (64 + 1) + (64 + 1 + 2 * 36));
    assert_eq!(enc[plain.len()], 2);
    assert_eq!(SessionRecord::decode(&enc), Ok(r));
}

#[test]
fn typed_data_scope_count_must_be_one_to_eight() {
    let at = base().encode().len();
    // The flag with a zero count: contradictory.
    bytes_reject(
        |b| {
            b[34] |= 0x80;
            b.push(0);
        },
        RecordError::ContradictoryLimit { at },
    );
    let nine = (0..9).map(|i| scope(i + 1, 1, vec![])).collect();
    rejects(&with_scopes(nine), RecordError::TooMany { at });
    let eight: Vec<_> = (0..8).map(|i| scope(i + 1, 1, vec![])).collect();
    assert_eq!(with_scopes(eight).validate(), Ok(()));
}

#[test]
fn typed_data_scopes_must_be_strictly_ascending() {
    let at = base().encode().len() + 1 + 65;
    rejects(
        &with_scopes(vec![scope(2, 1, vec![]), scope(1, 9, vec![])]),
        RecordError::NotSorted { at },
    );
    // Same separator: ordered by typehash; a duplicate is refused.
    rejects(
        &with_scopes(vec![scope(1, 2, vec![]), scope(1, 1, vec![])]),
        RecordError::NotSorted { at },
    );
    rejects(
        &with_scopes(vec![scope(1, 1, vec![]), scope(1, 1, vec![])]),
        RecordError::NotSorted { at },
    );
}

#[test]
fn typed_data_scope_rules_get_the_call_rule_checks() {
    let start = base().encode().len() + 1;
    let rule_at = start + 65;
    // An empty range.
    let bad = ParamRule {
        condition: Condition::InRange,
        word_index: 0,
        values: vec![B256::with_last_byte(2), B256::with_last_byte(1)],
    };
    rejects(
        &with_scopes(vec![scope(1, 1, vec![bad])]),
        RecordError::EmptyRange { at: rule_at },
    );
    // A wrong value count.
    let bad = ParamRule {
        condition: Condition::Eq,
        word_index: 0,
        values: vec![],
    };
    rejects(
        &with_scopes(vec![scope(1, 1, vec![bad])]),
        RecordError::BadValueCount { at: rule_at + 3 },
    );
    // More than 16 rules.
    let many = vec![ParamRule::new(Condition::Eq, 0, B256::ZERO); 17];
    rejects(
        &with_scopes(vec![scope(1, 1, many)]),
        RecordError::TooMany { at: start + 64 },
    );
    // An unknown condition code.
    bytes_reject(
        |b| {
            b[34] |= 0x80;
            b.push(1);
            b.extend_from_slice(&[1u8; 64]);
            b.extend_from_slice(&[1, 0xee, 0, 0, 1]);
            b.extend_from_slice(&[0u8; 32]);
        },
        RecordError::UnknownCondition { at: rule_at },
    );
    // Rules needing more than 128 storage words.
    let big = vec![
        ParamRule {
            condition: Condition::OneOf,
            word_index: 0,
            values: vec![B256::ZERO; 8],
        };
        16
    ];
    rejects(
        &with_scopes(vec![scope(1, 1, big)]),
        RecordError::TooLargeForStorage { at: start },
    );
}

#[test]
fn unlimited_flag_with_a_non_zero_cap_is_contradictory() {
    // Native unlimited flag on top of the 1000 cap at 34..50.
    bytes_reject(|b| b[34] |= 1, RecordError::ContradictoryLimit { at: 35 });
    // Gas unlimited flag on top of the 5000 budget at 50..66.
    bytes_reject(|b| b[34] |= 2, RecordError::ContradictoryLimit { at: 51 });
}

#[test]
fn native_caps_above_96_bits_are_too_large() {
    // The session header keeps the native counter in 96 bits: the cap at 34..50 must fit.
    rejects(
        &with(|r| r.native_cap = Limit::Limited(MAX_NATIVE_CAP + 1)),
        RecordError::LimitTooLarge { at: 35 },
    );
    rejects(
        &with(|r| r.native_cap = Limit::Limited(u128::MAX)),
        RecordError::LimitTooLarge { at: 35 },
    );
    assert_eq!(
        with(|r| r.native_cap = Limit::Limited(MAX_NATIVE_CAP)).validate(),
        Ok(())
    );
}

#[test]
fn op_count_without_the_ops_limited_flag_is_contradictory() {
    bytes_reject(|b| b[70] = 1, RecordError::ContradictoryLimit { at: 67 });
    bytes_reject(|b| b[67] = 0x80, RecordError::ContradictoryLimit { at: 67 });
}

#[test]
fn paymaster_flag_with_the_zero_address_is_contradictory() {
    rejects(
        &with(|r| r.paymaster = Some(Address::ZERO)),
        RecordError::ContradictoryLimit { at: 71 },
    );
}

#[test]
fn paymaster_shifts_the_call_list_by_twenty_bytes() {
    let r = with(|r| r.paymaster = Some(Address::repeat_byte(0xfa)));
    assert_eq!(r.validate(), Ok(()));
    let r = with(|r| {
        r.paymaster = Some(Address::repeat_byte(0xfa));
        r.calls[0].key.target = TargetMatch::Any;
        r.calls[0].key.selector = SelectorMatch::Any;
        r.calls[0].rules.clear();
    });
    rejects(&r, RecordError::UnboundedCall { at: ENTRY0 + 20 });
}

fn distinct_calls(n: usize) -> Vec<CallPolicy> {
    (0..n)
        .map(|k| call(exact(Address::with_last_byte(k as u8 + 1), APPROVE), vec![]))
        .collect()
}

#[test]
fn thirty_two_calls_are_allowed_and_thirty_three_are_too_many() {
    assert_eq!(
        with(|r| r.calls = distinct_calls(MAX_CALLS)).validate(),
        Ok(())
    );
    rejects(
        &with(|r| r.calls = distinct_calls(MAX_CALLS + 1)),
        RecordError::TooMany { at: CALL_COUNT },
    );
}

#[test]
fn sixteen_rules_are_allowed_and_seventeen_are_too_many() {
    let rules = |n: usize| {
        (0..n as u16)
            .map(|k| ParamRule::new(Condition::Neq, k, u(7)))
            .collect()
    };
    assert_eq!(
        with(|r| r.calls[0].rules = rules(MAX_RULES)).validate(),
        Ok(())
    );
    rejects(
        &with(|r| r.calls[0].rules = rules(MAX_RULES + 1)),
        RecordError::TooMany { at: RULE_COUNT0 },
    );
}

#[test]
fn one_of_with_zero_or_nine_values_is_a_bad_value_count() {
    for n in [0usize, MAX_ONE_OF + 1] {
        rejects(
            &with(|r| r.calls[0].rules[0] = one_of(n)),
            RecordError::BadValueCount { at: RULE0 + 3 },
        );
    }
    for n in [1usize, MAX_ONE_OF] {
        assert_eq!(with(|r| r.calls[0].rules[0] = one_of(n)).validate(), Ok(()));
    }
}

#[test]
fn wrong_value_counts_for_single_value_and_range_conditions_are_refused() {
    for cond in Condition::ALL {
        let good = if matches!(cond, Condition::InRange | Condition::SignedInRange) {
            2
        } else if cond == Condition::OneOf {
            continue;
        } else {
            1
        };
        for n in [0usize, 1, 2, 3] {
            let r = with(|r| {
                r.calls[0].rules[0] = ParamRule {
                    condition: cond,
                    word_index: 0,
                    values: (0..n as u64).map(u).collect(),
                }
            });
            if n == good {
                assert_eq!(r.validate(), Ok(()), "{cond:?} with {n}");
            } else {
                rejects(&r, RecordError::BadValueCount { at: RULE0 + 3 });
            }
        }
    }
}

fn range(cond: Condition, min: B256, max: B256) -> SessionRecord {
    with(|r| {
        r.calls[0].rules[1] = ParamRule {
            condition: cond,
            word_index: 1,
            values: vec![min, max],
        }
    })
}

const RULE1: usize = RULE0 + 36;

#[test]
fn unsigned_range_with_min_above_max_is_empty() {
    rejects(
        &range(Condition::InRange, u(2), u(1)),
        RecordError::EmptyRange { at: RULE1 },
    );
    rejects(
        &range(Condition::InRange, B256::repeat_byte(0xff), u(0)),
        RecordError::EmptyRange { at: RULE1 },
    );
    assert_eq!(range(Condition::InRange, u(1), u(1)).validate(), Ok(()));
    // 0xff..ff is the largest uint256, so [1, 0xff..ff] is a fine unsigned range.
    assert_eq!(
        range(Condition::InRange, u(1), B256::repeat_byte(0xff)).validate(),
        Ok(())
    );
}

#[test]
fn signed_range_with_min_above_max_is_empty() {
    // -1 is 0xff..ff: as int256 it is below 1.
    rejects(
        &range(Condition::SignedInRange, i(1), i(-1)),
        RecordError::EmptyRange { at: RULE1 },
    );
    let (min, max) = (
        B256::from(I256::MIN.into_raw()),
        B256::from(I256::MAX.into_raw()),
    );
    rejects(
        &range(Condition::SignedInRange, max, min),
        RecordError::EmptyRange { at: RULE1 },
    );
    rejects(
        &range(Condition::SignedInRange, i(0), i(-1)),
        RecordError::EmptyRange { at: RULE1 },
    );
    assert_eq!(
        range(Condition::SignedInRange, i(-1), i(1)).validate(),
        Ok(())
    );
    assert_eq!(range(Condition::SignedInRange, min, max).validate(), Ok(()));
    assert_eq!(
        range(Condition::SignedInRange, i(-5), i(-5)).validate(),
        Ok(())
    );
}

#[test]
fn unsorted_calls_are_refused_at_the_second_entry() {
    let a = call(exact(Address::with_last_byte(1), APPROVE), vec![]);
    let b = call(exact(Address::with_last_byte(2), APPROVE), vec![]);
    // Each entry without rules takes 25 + 16 + 1 bytes.
    rejects(
        &with(|r| r.calls = vec![b.clone(), a.clone()]),
        RecordError::NotSorted { at: ENTRY0 + 42 },
    );
    let c = call(exact(Address::with_last_byte(3), APPROVE), vec![]);
    rejects(
        &with(|r| r.calls = vec![a.clone(), c.clone(), b.clone()]),
        RecordError::NotSorted { at: ENTRY0 + 84 },
    );
}

#[test]
fn duplicate_call_keys_are_refused_as_unsorted() {
    let a = call(exact(Address::with_last_byte(1), APPROVE), vec![]);
    let mut a2 = a.clone();
    a2.max_value = 5;
    rejects(
        &with(|r| r.calls = vec![a.clone(), a2]),
        RecordError::NotSorted { at: ENTRY0 + 42 },
    );
}

#[test]
fn wildcards_sort_after_exact_keys() {
    let t = Address::with_last_byte(9);
    let keys = [
        exact(t, APPROVE),
        CallKey {
            target: TargetMatch::Any,
            selector: SelectorMatch::Exact(APPROVE),
        },
        CallKey {
            target: TargetMatch::Exact(t),
            selector: SelectorMatch::Any,
        },
        CallKey {
            target: TargetMatch::Exact(t),
            selector: SelectorMatch::Empty,
        },
        CallKey {
            target: TargetMatch::Any,
            selector: SelectorMatch::Empty,
        },
    ];
    let r = with(|r| r.calls = keys.iter().map(|k| call(*k, vec![])).collect());
    assert_eq!(r.validate(), Ok(()));
    let mut reversed = r.clone();
    reversed.calls.reverse();
    assert!(matches!(
        reversed.validate(),
        Err(RecordError::NotSorted { .. })
    ));
}

#[test]
fn any_target_with_any_selector_is_an_unbounded_call() {
    let r = with(|r| {
        r.calls = vec![call(
            CallKey {
                target: TargetMatch::Any,
                selector: SelectorMatch::Any,
            },
            vec![],
        )]
    });
    rejects(&r, RecordError::UnboundedCall { at: ENTRY0 });
}

#[test]
fn rules_on_an_empty_calldata_entry_are_refused() {
    let r = with(|r| r.calls[0].key.selector = SelectorMatch::Empty);
    rejects(&r, RecordError::RulesWithoutCalldata { at: ENTRY0 });
    let r = with(|r| {
        r.calls[0].key.selector = SelectorMatch::Empty;
        r.calls[0].rules.clear();
    });
    assert_eq!(r.validate(), Ok(()));
}

#[test]
fn unknown_condition_codes_are_refused() {
    for code in [13u8, 14, 0x80, 0xff] {
        bytes_reject(
            |b| b[RULE0] = code,
            RecordError::UnknownCondition { at: RULE0 },
        );
    }
}

#[test]
fn entry_over_128_storage_words_is_too_large_for_storage() {
    // 16 rules × 8 values: 3 descriptor words + 128 value words.
    let r = with(|r| r.calls[0].rules = (0..16).map(|_| one_of(8)).collect());
    rejects(&r, RecordError::TooLargeForStorage { at: ENTRY0 });
}

#[test]
fn entry_of_exactly_128_storage_words_fits() {
    let mut rules: Vec<ParamRule> = (0..15).map(|_| one_of(8)).collect();
    rules.push(one_of(5));
    let r = with(|r| r.calls[0].rules = rules.clone());
    assert_eq!(layout::entry_words(&r.calls[0]), MAX_ENTRY_WORDS);
    assert_eq!(r.validate(), Ok(()));
    rules[15] = one_of(6);
    let r = with(|r| r.calls[0].rules = rules);
    assert_eq!(layout::entry_words(&r.calls[0]), MAX_ENTRY_WORDS + 1);
    rejects(&r, RecordError::TooLargeForStorage { at: ENTRY0 });
}

#[test]
fn token_limit_at_or_above_2_pow_248_is_too_large() {
    for limit in [U256::from(1) << 248, U256::MAX] {
        let r = with(|r| r.token_caps[0].limit = TokenLimit::Limited(limit));
        rejects(&r, RecordError::LimitTooLarge { at: TOKEN0 + 21 });
    }
    let r = with(|r| {
        r.token_caps[0].limit = TokenLimit::Limited((U256::from(1) << 248) - U256::from(1))
    });
    assert_eq!(r.validate(), Ok(()));
}

#[test]
fn token_unlimited_flag_with_a_non_zero_limit_is_contradictory() {
    bytes_reject(
        |b| b[TOKEN0 + 20] = 1,
        RecordError::ContradictoryLimit { at: TOKEN0 + 21 },
    );
    let r = with(|r| r.token_caps[0].limit = TokenLimit::Unlimited);
    assert_eq!(r.validate(), Ok(()));
}

#[test]
fn unknown_token_flags_are_refused() {
    for f in [2u8, 3, 0x80] {
        bytes_reject(
            |b| b[TOKEN0 + 20] = f,
            RecordError::UnknownFlags { at: TOKEN0 + 20 },
        );
    }
}

#[test]
fn unsorted_or_duplicate_token_caps_are_refused() {
    let cap = |t: u8| TokenCap {
        token: Address::with_last_byte(t),
        limit: TokenLimit::Unlimited,
    };
    rejects(
        &with(|r| r.token_caps = vec![cap(2), cap(1)]),
        RecordError::NotSorted { at: TOKEN0 + 53 },
    );
    rejects(
        &with(|r| r.token_caps = vec![cap(1), cap(1)]),
        RecordError::NotSorted { at: TOKEN0 + 53 },
    );
}

#[test]
fn seventeen_token_caps_are_too_many() {
    let caps = |n: u8| {
        (1..=n)
            .map(|t| TokenCap {
                token: Address::with_last_byte(t),
                limit: TokenLimit::Unlimited,
            })
            .collect()
    };
    assert_eq!(
        with(|r| r.token_caps = caps(MAX_TOKEN_CAPS as u8)).validate(),
        Ok(())
    );
    rejects(
        &with(|r| r.token_caps = caps(MAX_TOKEN_CAPS as u8 + 1)),
        RecordError::TooMany { at: TOKEN_COUNT },
    );
}

#[test]
fn non_canonical_call_key_bytes_are_unknown_flags() {
    let cases: [fn(&mut [u8]); 6] = [
        |k| k[0] = 2,      // bit 1 of the kind is undefined
        |k| k[0] = 3 << 2, // selector kind 3
        |k| k[0] = 0x80,   // high kind bits
        |k| k[0] = 1,      // any target with a non-zero address
        |k| k[0] = 1 << 2, // any selector with a non-zero selector
        |k| k[0] = 2 << 2, // empty selector with a non-zero selector
    ];
    for (n, mutate) in cases.iter().enumerate() {
        let mut b = base().encode();
        mutate(&mut b[ENTRY0..ENTRY0 + 25]);
        assert_eq!(
            SessionRecord::decode(&b),
            Err(RecordError::UnknownFlags { at: ENTRY0 }),
            "case {n}"
        );
    }
}

#[test]
fn trailing_byte_is_refused_at_the_record_end() {
    for extra in [&[0u8][..], &[1], &[0; 40]] {
        bytes_reject(
            |b| b.extend_from_slice(extra),
            RecordError::TrailingBytes { at: BASE_LEN },
        );
    }
}

#[test]
fn every_strict_prefix_of_the_base_record_is_truncated() {
    let (enc, starts) = reference_encoding(&base());
    for len in 0..enc.len() {
        let at = *starts.iter().rev().find(|s| **s <= len).unwrap();
        assert_eq!(
            SessionRecord::decode(&enc[..len]),
            Err(RecordError::Truncated { at }),
            "len {len}"
        );
    }
}

#[test]
fn decode_prefix_reads_two_concatenated_records() {
    let a = base();
    let b = with(|r| {
        r.signer = Address::repeat_byte(0x77);
        r.calls.clear();
    });
    let mut bytes = a.encode();
    bytes.extend_from_slice(&b.encode());
    let (first, used) = SessionRecord::decode_prefix(&bytes).unwrap();
    assert_eq!((first, used), (a, BASE_LEN));
    assert_eq!(
        SessionRecord::decode_prefix(&bytes[used..]),
        Ok((b.clone(), b.encode().len()))
    );
    assert_eq!(
        SessionRecord::decode(&bytes),
        Err(RecordError::TrailingBytes { at: BASE_LEN })
    );
}

// ---------------------------------------------------------------- random valid records

fn arb_address() -> impl Strategy<Value = Address> {
    prop_oneof![
        (1u8..=6).prop_map(Address::with_last_byte),
        any::<[u8; 20]>().prop_map(|mut a| {
            a[19] |= 1;
            Address::from(a)
        }),
    ]
}

fn arb_word() -> BoxedStrategy<B256> {
    prop_oneof![
        (0u64..4).prop_map(u),
        any::<[u8; 32]>().prop_map(B256::from),
        Just(B256::repeat_byte(0xff)),
        Just(B256::from(I256::MIN.into_raw())),
        Just(B256::from(I256::MAX.into_raw())),
    ]
    .boxed()
}

fn arb_rule() -> impl Strategy<Value = ParamRule> {
    (
        proptest::sample::select(Condition::ALL.to_vec()),
        prop_oneof![0u16..8, any::<u16>()],
        proptest::collection::vec(arb_word(), 1..=MAX_ONE_OF),
    )
        .prop_map(|(condition, word_index, mut values)| {
            match condition {
                Condition::OneOf => {}
                Condition::InRange | Condition::SignedInRange => {
                    values.resize(2, B256::ZERO);
                    let key = |w: &B256| {
                        let v = U256::from_be_bytes(w.0);
                        if condition.is_signed() {
                            (I256::from_raw(v), U256::ZERO)
                        } else {
                            (I256::ZERO, v)
                        }
                    };
                    values.sort_by_key(key);
                }
                _ => values.truncate(1),
            }
            ParamRule {
                condition,
                word_index,
                values,
            }
        })
}

fn arb_key() -> impl Strategy<Value = CallKey> {
    (
        prop_oneof![3 => arb_address().prop_map(TargetMatch::Exact), 1 => Just(TargetMatch::Any)],
        prop_oneof![
            3 => prop_oneof![Just(APPROVE), any::<[u8; 4]>()].prop_map(SelectorMatch::Exact),
            1 => Just(SelectorMatch::Any),
            1 => Just(SelectorMatch::Empty),
        ],
    )
        .prop_map(|(target, selector)| {
            let selector = if target == TargetMatch::Any && selector == SelectorMatch::Any {
                SelectorMatch::Exact(APPROVE)
            } else {
                selector
            };
            CallKey { target, selector }
        })
}

fn arb_call(max_rules: usize) -> impl Strategy<Value = CallPolicy> {
    (
        arb_key(),
        prop_oneof![Just(0u128), any::<u128>()],
        proptest::collection::vec(arb_rule(), 0..=max_rules),
    )
        .prop_map(|(key, max_value, mut rules)| {
            if key.selector == SelectorMatch::Empty {
                rules.clear();
            }
            let mut c = CallPolicy {
                key,
                max_value,
                rules,
            };
            while layout::entry_words(&c) > MAX_ENTRY_WORDS {
                c.rules.pop();
            }
            c
        })
}

fn arb_limit() -> impl Strategy<Value = Limit> {
    prop_oneof![
        Just(Limit::Unlimited),
        Just(Limit::Limited(0)),
        any::<u128>().prop_map(Limit::Limited)
    ]
}

/// Native caps the header's 96-bit counter holds (larger ones are refused: see
/// `native_caps_above_96_bits_are_too_large`).
fn arb_native_limit() -> impl Strategy<Value = Limit> {
    prop_oneof![
        Just(Limit::Unlimited),
        Just(Limit::Limited(0)),
        Just(Limit::Limited(MAX_NATIVE_CAP)),
        (0..=MAX_NATIVE_CAP).prop_map(Limit::Limited)
    ]
}

fn arb_token_limit() -> impl Strategy<Value = TokenLimit> {
    prop_oneof![
        Just(TokenLimit::Unlimited),
        Just(TokenLimit::Limited(U256::ZERO)),
        Just(TokenLimit::Limited((U256::from(1) << 248) - U256::from(1))),
        any::<[u8; 32]>().prop_map(|mut w| {
            w[0] = 0;
            TokenLimit::Limited(U256::from_be_bytes(w))
        }),
    ]
}

fn arb_record() -> impl Strategy<Value = SessionRecord> {
    arb_record_sized(6, MAX_RULES)
}

/// A well-formed P-256 key (coordinates below the prime; whether the point is on the curve is
/// the precompile's business, not the encoding's).
fn arb_p256_key() -> impl Strategy<Value = P256PublicKey> {
    let coordinate = any::<[u8; 32]>().prop_map(|mut w| {
        w[0] &= 0x7f;
        B256::from(w)
    });
    (coordinate.clone(), coordinate)
        .prop_filter("not (0, 0)", |(x, y)| !(x.is_zero() && y.is_zero()))
        .prop_map(|(x, y)| P256PublicKey { x, y })
}

/// A signer: a secp256k1 address, or a P-256 key (raw or WebAuthn) with its derived address.
fn arb_signer() -> impl Strategy<Value = (Address, SignerKey)> {
    prop_oneof![
        2 => arb_address().prop_map(|a| (a, SignerKey::Secp256k1)),
        1 => arb_p256_key().prop_map(|k| (key_address(&k), SignerKey::P256(k))),
        1 => arb_p256_key().prop_map(|k| (key_address(&k), SignerKey::WebAuthn(k))),
    ]
}

fn key_address(k: &P256PublicKey) -> Address {
    p256_signer(k, |b| alloy_primitives::keccak256(b))
}

fn arb_record_sized(max_calls: usize, max_rules: usize) -> impl Strategy<Value = SessionRecord> {
    (
        arb_signer(),
        (0..=MAX_TIMESTAMP, 0..=MAX_TIMESTAMP, any::<bool>()),
        (
            arb_native_limit(),
            arb_limit(),
            proptest::option::of(any::<u32>()),
        ),
        (
            proptest::option::of(arb_address()),
            proptest::option::of(prop_oneof![Just(MIN_PERIOD), MIN_PERIOD..=u32::MAX]),
        ),
        proptest::collection::vec(arb_call(max_rules), 0..=max_calls),
        proptest::collection::vec((arb_address(), arb_token_limit()), 0..=5),
    )
        .prop_map(
            |(
                (signer, signer_key),
                (a, b, expires),
                (native_cap, mut gas_budget, max_ops),
                (paymaster, period),
                mut calls,
                caps,
            )| {
                // A periodic session's counters are narrower: fold its caps into them.
                if period.is_some() {
                    if let Limit::Limited(v) = gas_budget {
                        gas_budget = Limit::Limited(v & MAX_PERIODIC_GAS_CAP);
                    }
                }
                let caps: Vec<_> = caps
                    .into_iter()
                    .map(|(token, limit)| match limit {
                        TokenLimit::Limited(v) if period.is_some() => (
                            token,
                            TokenLimit::Limited(v & U256::from(MAX_PERIODIC_TOKEN_CAP)),
                        ),
                        other => (token, other),
                    })
                    .collect();
                let (valid_after, valid_until) = if !expires {
                    (a, 0)
                } else {
                    let (lo, hi) = (a.min(b), a.max(b));
                    if lo == hi {
                        if hi == MAX_TIMESTAMP {
                            (lo - 1, hi)
                        } else {
                            (lo, hi + 1)
                        }
                    } else {
                        (lo, hi)
                    }
                };
                calls.sort_by_key(|c| ref_key(&c.key));
                calls.dedup_by_key(|c| ref_key(&c.key));
                let mut token_caps: Vec<TokenCap> = caps
                    .into_iter()
                    .map(|(token, limit)| TokenCap { token, limit })
                    .collect();
                token_caps.sort_by_key(|t| t.token);
                token_caps.dedup_by_key(|t| t.token);
                SessionRecord {
                    signer,
                    signer_key,
                    valid_after,
                    valid_until,
                    native_cap,
                    gas_budget,
                    max_ops,
                    paymaster,
                    period,
                    calls,
                    token_caps,
                    typed_data_scopes: Vec::new(),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn valid_records_round_trip(r in arb_record()) {
        prop_assert_eq!(r.validate(), Ok(()));
        let enc = r.encode();
        prop_assert_eq!(&enc, &reference_encoding(&r).0);
        prop_assert_eq!(SessionRecord::decode(&enc), Ok(r.clone()));
        prop_assert_eq!(SessionRecord::decode_prefix(&enc), Ok((r, enc.len())));
    }

    #[test]
    fn two_concatenated_records_decode_one_at_a_time(a in arb_record_sized(3, 4), b in arb_record_sized(3, 4)) {
        let (ea, eb) = (a.encode(), b.encode());
        let both = [ea.clone(), eb.clone()].concat();
        prop_assert_eq!(SessionRecord::decode_prefix(&both), Ok((a, ea.len())));
        prop_assert_eq!(SessionRecord::decode_prefix(&both[ea.len()..]), Ok((b, eb.len())));
        prop_assert_eq!(SessionRecord::decode(&both), Err(RecordError::TrailingBytes { at: ea.len() }));
    }

    #[test]
    fn mutated_encoding_is_refused_or_is_the_encoding_of_what_it_decodes_to(
        r in arb_record_sized(4, 6),
        pick in any::<prop::sample::Index>(),
        xor in 1..=255u8,
    ) {
        let mut enc = r.encode();
        let at = pick.index(enc.len());
        enc[at] ^= xor;
        if let Ok(decoded) = SessionRecord::decode(&enc) {
            prop_assert_eq!(decoded.encode(), enc);
            prop_assert_eq!(decoded.validate(), Ok(()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_strict_prefix_is_truncated_at_the_field_it_cuts(r in arb_record_sized(3, 3)) {
        let (enc, starts) = reference_encoding(&r);
        for len in 0..enc.len() {
            let at = *starts.iter().rev().find(|s| **s <= len).unwrap();
            prop_assert_eq!(SessionRecord::decode(&enc[..len]), Err(RecordError::Truncated { at }));
            prop_assert_eq!(SessionRecord::decode_prefix(&enc[..len]), Err(RecordError::Truncated { at }));
        }
    }
}
