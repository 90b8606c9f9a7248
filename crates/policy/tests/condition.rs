//! Every condition at its boundaries, unsigned and two's-complement signed, and `OneOf`'s lazy
//! reads (each value is a storage slot on-chain).

use alloy_primitives::{B256, I256, U256};
use proptest::prelude::*;
use sessionkey_policy::condition::MAX_ONE_OF;
use sessionkey_policy::{Condition, ParamRule};

use Condition::*;

fn u(v: u64) -> B256 {
    B256::from(U256::from(v))
}

fn uw(v: U256) -> B256 {
    B256::from(v)
}

fn i(v: i64) -> B256 {
    B256::from(I256::try_from(v).unwrap().into_raw())
}

fn iw(v: I256) -> B256 {
    B256::from(v.into_raw())
}

const MAX: U256 = U256::MAX;

fn holds(c: Condition, word: B256, values: &[B256]) -> bool {
    c.holds(&word, values.len(), |k| values[k])
}

/// Each row: (condition, word, reference values, expected).
fn check(rows: &[(Condition, B256, Vec<B256>, bool)]) {
    for (n, (c, word, values, expected)) in rows.iter().enumerate() {
        assert_eq!(
            holds(*c, *word, values),
            *expected,
            "row {n}: {c:?} word {word} values {values:?}"
        );
    }
}

#[test]
fn eq_and_neq_compare_the_whole_word() {
    let v = u(1000);
    let mut high = v;
    high[0] = 1; // differs only in the top byte
    check(&[
        (Eq, u(1000), vec![v], true),
        (Eq, u(999), vec![v], false),
        (Eq, u(1001), vec![v], false),
        (Eq, high, vec![v], false),
        (Eq, u(0), vec![u(0)], true),
        (Eq, uw(MAX), vec![uw(MAX)], true),
        (Neq, u(1000), vec![v], false),
        (Neq, u(999), vec![v], true),
        (Neq, u(1001), vec![v], true),
        (Neq, high, vec![v], true),
        (Neq, uw(MAX), vec![u(0)], true),
    ]);
}

#[test]
fn unsigned_orderings_at_value_minus_one_value_and_value_plus_one() {
    let v = vec![u(1000)];
    check(&[
        (Gt, u(999), v.clone(), false),
        (Gt, u(1000), v.clone(), false),
        (Gt, u(1001), v.clone(), true),
        (Gte, u(999), v.clone(), false),
        (Gte, u(1000), v.clone(), true),
        (Gte, u(1001), v.clone(), true),
        (Lt, u(999), v.clone(), true),
        (Lt, u(1000), v.clone(), false),
        (Lt, u(1001), v.clone(), false),
        (Lte, u(999), v.clone(), true),
        (Lte, u(1000), v.clone(), true),
        (Lte, u(1001), v, false),
    ]);
}

#[test]
fn unsigned_orderings_at_zero_and_max() {
    let zero = vec![u(0)];
    let max = vec![uw(MAX)];
    let below_max = uw(MAX - U256::from(1));
    check(&[
        (Gt, u(0), zero.clone(), false),
        (Gt, u(1), zero.clone(), true),
        (Gt, uw(MAX), zero.clone(), true),
        (Gte, u(0), zero.clone(), true),
        (Lt, u(0), zero.clone(), false),
        (Lte, u(0), zero.clone(), true),
        (Gt, uw(MAX), max.clone(), false),
        (Gte, uw(MAX), max.clone(), true),
        (Gte, below_max, max.clone(), false),
        (Lt, below_max, max.clone(), true),
        (Lt, uw(MAX), max.clone(), false),
        (Lte, uw(MAX), max.clone(), true),
        (Lte, u(0), max, true),
        // Byte order is numeric order: a high byte outweighs every lower one.
        (
            Gt,
            B256::left_padding_from(&[1, 0]),
            vec![B256::left_padding_from(&[0xff])],
            true,
        ),
    ]);
}

#[test]
fn minus_one_is_not_above_zero_signed_but_is_unsigned() {
    check(&[
        (SignedGt, i(-1), vec![i(0)], false),
        (Gt, i(-1), vec![i(0)], true),
        (SignedLt, i(-1), vec![i(0)], true),
        (Lt, i(-1), vec![i(0)], false),
        (SignedGte, i(-1), vec![i(0)], false),
        (SignedLte, i(-1), vec![i(0)], true),
    ]);
}

#[test]
fn signed_orderings_at_minus_one_zero_one_min_and_max() {
    let (min, max) = (iw(I256::MIN), iw(I256::MAX));
    check(&[
        (SignedGt, i(0), vec![i(-1)], true),
        (SignedGt, i(1), vec![i(0)], true),
        (SignedGt, i(0), vec![i(0)], false),
        (SignedGt, i(-1), vec![i(-1)], false),
        (SignedGte, i(-1), vec![i(-1)], true),
        (SignedGte, i(-2), vec![i(-1)], false),
        (SignedLt, i(-2), vec![i(-1)], true),
        (SignedLt, i(0), vec![i(1)], true),
        (SignedLt, i(1), vec![i(1)], false),
        (SignedLte, i(1), vec![i(1)], true),
        (SignedLte, i(2), vec![i(1)], false),
        // int256::MIN is 0x80..00 (above MAX unsigned), int256::MAX is 0x7f..ff.
        (SignedLt, min, vec![max], true),
        (Lt, min, vec![max], false),
        (SignedLt, min, vec![i(-1)], true),
        (SignedGt, max, vec![i(1)], true),
        (SignedGt, max, vec![min], true),
        (SignedGt, min, vec![min], false),
        (SignedGte, min, vec![min], true),
        (SignedLte, max, vec![max], true),
        (SignedGt, max, vec![max], false),
        (SignedLte, min, vec![i(0)], true),
        (SignedGte, max, vec![i(-1)], true),
        // MIN + 1 > MIN; MAX - 1 < MAX.
        (SignedGt, iw(I256::MIN + I256::ONE), vec![min], true),
        (SignedLt, iw(I256::MAX - I256::ONE), vec![max], true),
    ]);
}

#[test]
fn unsigned_range_is_inclusive_at_both_ends() {
    let r = vec![u(10), u(20)];
    check(&[
        (InRange, u(9), r.clone(), false),
        (InRange, u(10), r.clone(), true),
        (InRange, u(15), r.clone(), true),
        (InRange, u(20), r.clone(), true),
        (InRange, u(21), r.clone(), false),
        (InRange, uw(MAX), r, false),
        (InRange, u(0), vec![u(0), uw(MAX)], true),
        (InRange, uw(MAX), vec![u(0), uw(MAX)], true),
        (InRange, u(7), vec![u(7), u(7)], true),
        (InRange, u(8), vec![u(7), u(7)], false),
        // -1 as uint256 is the largest value, not below 0.
        (InRange, i(-1), vec![u(0), u(100)], false),
    ]);
}

#[test]
fn signed_range_is_inclusive_at_both_ends() {
    let r = vec![i(-5), i(5)];
    let (min, max) = (iw(I256::MIN), iw(I256::MAX));
    check(&[
        (SignedInRange, i(-6), r.clone(), false),
        (SignedInRange, i(-5), r.clone(), true),
        (SignedInRange, i(0), r.clone(), true),
        (SignedInRange, i(5), r.clone(), true),
        (SignedInRange, i(6), r.clone(), false),
        (SignedInRange, min, r.clone(), false),
        (SignedInRange, max, r, false),
        (SignedInRange, min, vec![min, i(-1)], true),
        (SignedInRange, i(-1), vec![min, i(-1)], true),
        (SignedInRange, i(0), vec![min, i(-1)], false),
        (SignedInRange, max, vec![min, i(-1)], false),
        (SignedInRange, min, vec![min, max], true),
        (SignedInRange, max, vec![min, max], true),
        (SignedInRange, i(-1), vec![i(0), i(100)], false),
    ]);
}

/// Evaluates `OneOf` and returns the result with the indices of the values it read.
fn one_of_reads(word: B256, values: &[B256]) -> (bool, Vec<usize>) {
    let mut reads = Vec::new();
    let r = OneOf.holds(&word, values.len(), |k| {
        reads.push(k);
        values[k]
    });
    (r, reads)
}

#[test]
fn one_of_hits_the_first_value_after_one_read() {
    let set = [u(1), u(2), u(3)];
    assert_eq!(one_of_reads(u(1), &set), (true, vec![0]));
}

#[test]
fn one_of_stops_reading_at_the_first_match() {
    let set = [u(1), u(2), u(3), u(4), u(5), u(6), u(7), u(8)];
    assert_eq!(one_of_reads(u(3), &set), (true, vec![0, 1, 2]));
    // A repeated value is found at its first position.
    assert_eq!(one_of_reads(u(9), &[u(9), u(9)]), (true, vec![0]));
}

#[test]
fn one_of_hits_the_last_value_after_reading_all() {
    let set: Vec<B256> = (1..=MAX_ONE_OF as u64).map(u).collect();
    assert_eq!(
        one_of_reads(u(MAX_ONE_OF as u64), &set),
        (true, (0..MAX_ONE_OF).collect())
    );
}

#[test]
fn one_of_misses_after_reading_every_value_once() {
    let set = [u(1), u(2), u(3)];
    assert_eq!(one_of_reads(u(4), &set), (false, vec![0, 1, 2]));
    assert_eq!(one_of_reads(u(0), &[u(1)]), (false, vec![0]));
}

#[test]
fn single_value_conditions_read_only_value_zero_and_ranges_read_two() {
    for c in Condition::ALL {
        if c == OneOf {
            continue;
        }
        let values = [u(1), u(2)];
        let mut reads = Vec::new();
        c.holds(&u(1), c_count(c), |k| {
            reads.push(k);
            values[k]
        });
        reads.sort();
        reads.dedup();
        let expected = if matches!(c, InRange | SignedInRange) {
            vec![0, 1]
        } else {
            vec![0]
        };
        assert_eq!(reads, expected, "{c:?}");
    }
}

fn c_count(c: Condition) -> usize {
    if matches!(c, InRange | SignedInRange) {
        2
    } else {
        1
    }
}

#[test]
fn codes_and_value_counts_are_the_record_encoding() {
    for (code, c) in Condition::ALL.iter().enumerate() {
        assert_eq!(c.code() as usize, code);
        assert_eq!(Condition::from_code(code as u8), Some(*c));
    }
    for code in 13..=255u8 {
        assert_eq!(Condition::from_code(code), None);
    }
    let signed = [SignedGt, SignedGte, SignedLt, SignedLte, SignedInRange];
    for c in Condition::ALL {
        assert_eq!(c.is_signed(), signed.contains(&c), "{c:?}");
        for n in 0..=MAX_ONE_OF + 1 {
            let ok = match c {
                InRange | SignedInRange => n == 2,
                OneOf => (1..=MAX_ONE_OF).contains(&n),
                _ => n == 1,
            };
            assert_eq!(c.accepts_value_count(n), ok, "{c:?} with {n}");
        }
    }
}

#[test]
fn param_rule_reads_head_words_after_the_selector() {
    let mut calldata = vec![0x09, 0x5e, 0xa7, 0xb3];
    calldata.extend_from_slice(u(7).as_slice());
    calldata.extend_from_slice(u(9).as_slice());
    assert_eq!(ParamRule::new(Eq, 0, u(7)).check(&calldata), Some(true));
    assert_eq!(ParamRule::new(Eq, 1, u(9)).check(&calldata), Some(true));
    assert_eq!(ParamRule::new(Eq, 1, u(7)).check(&calldata), Some(false));
    assert_eq!(ParamRule::new(Eq, 2, u(0)).check(&calldata), None);
    assert_eq!(ParamRule::new(Eq, u16::MAX, u(0)).check(&calldata), None);
    // A word cut short by one byte is missing, not zero-extended.
    assert_eq!(
        ParamRule::new(Eq, 1, u(9)).check(&calldata[..calldata.len() - 1]),
        None
    );
    assert_eq!(ParamRule::new(Eq, 0, u(0)).check(&[]), None);
}

fn arb_word() -> impl Strategy<Value = B256> {
    prop_oneof![
        any::<[u8; 32]>().prop_map(B256::from),
        (-3i64..=3).prop_map(i),
        Just(iw(I256::MIN)),
        Just(iw(I256::MAX)),
        Just(uw(MAX)),
    ]
}

fn signed(w: &B256) -> I256 {
    I256::from_raw(U256::from_be_bytes(w.0))
}

fn unsigned(w: &B256) -> U256 {
    U256::from_be_bytes(w.0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn signed_comparisons_agree_with_i256_ordering(a in arb_word(), b in arb_word()) {
        let (x, y) = (signed(&a), signed(&b));
        prop_assert_eq!(holds(SignedGt, a, &[b]), x > y);
        prop_assert_eq!(holds(SignedGte, a, &[b]), x >= y);
        prop_assert_eq!(holds(SignedLt, a, &[b]), x < y);
        prop_assert_eq!(holds(SignedLte, a, &[b]), x <= y);
    }

    #[test]
    fn unsigned_comparisons_agree_with_u256_ordering(a in arb_word(), b in arb_word()) {
        let (x, y) = (unsigned(&a), unsigned(&b));
        prop_assert_eq!(holds(Gt, a, &[b]), x > y);
        prop_assert_eq!(holds(Gte, a, &[b]), x >= y);
        prop_assert_eq!(holds(Lt, a, &[b]), x < y);
        prop_assert_eq!(holds(Lte, a, &[b]), x <= y);
        prop_assert_eq!(holds(Eq, a, &[b]), x == y);
        prop_assert_eq!(holds(Neq, a, &[b]), x != y);
    }

    #[test]
    fn ranges_agree_with_their_integer_orderings(w in arb_word(), a in arb_word(), b in arb_word()) {
        let (lo, hi) = if signed(&a) <= signed(&b) { (a, b) } else { (b, a) };
        prop_assert_eq!(
            holds(SignedInRange, w, &[lo, hi]),
            signed(&lo) <= signed(&w) && signed(&w) <= signed(&hi)
        );
        let (lo, hi) = if unsigned(&a) <= unsigned(&b) { (a, b) } else { (b, a) };
        prop_assert_eq!(
            holds(InRange, w, &[lo, hi]),
            unsigned(&lo) <= unsigned(&w) && unsigned(&w) <= unsigned(&hi)
        );
    }

    #[test]
    fn one_of_is_membership(w in arb_word(), set in proptest::collection::vec(arb_word(), 1..=MAX_ONE_OF)) {
        let (hit, reads) = one_of_reads(w, &set);
        prop_assert_eq!(hit, set.contains(&w));
        let expected = match set.iter().position(|v| *v == w) {
            Some(p) => (0..=p).collect::<Vec<_>>(),
            None => (0..set.len()).collect(),
        };
        prop_assert_eq!(reads, expected);
    }
}
