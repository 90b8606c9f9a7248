//! Conditions a parameter rule can place on one 32-byte ABI word of a call's calldata.
//!
//! Words compare as `uint256` unless the condition is a signed one, which compares them as
//! two's-complement `int256` (so `-1` is *below* `0`, not above `2^255`: threat 4, "negative
//! numbers compared unsigned").

use alloy_primitives::B256;

/// Largest set a [`Condition::OneOf`] rule may hold.
pub const MAX_ONE_OF: usize = 8;

/// The comparison a rule applies to its word. Codes are the record encoding's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Condition {
    /// word == value
    Eq = 0,
    /// word != value
    Neq = 1,
    /// word > value (unsigned)
    Gt = 2,
    /// word >= value (unsigned)
    Gte = 3,
    /// word < value (unsigned)
    Lt = 4,
    /// word <= value (unsigned)
    Lte = 5,
    /// word > value (int256)
    SignedGt = 6,
    /// word >= value (int256)
    SignedGte = 7,
    /// word < value (int256)
    SignedLt = 8,
    /// word <= value (int256)
    SignedLte = 9,
    /// min <= word <= max (unsigned); values `[min, max]`
    InRange = 10,
    /// min <= word <= max (int256); values `[min, max]`
    SignedInRange = 11,
    /// word equals one of 1..=8 values
    OneOf = 12,
}

impl Condition {
    /// Every condition, in code order.
    pub const ALL: [Condition; 13] = [
        Self::Eq,
        Self::Neq,
        Self::Gt,
        Self::Gte,
        Self::Lt,
        Self::Lte,
        Self::SignedGt,
        Self::SignedGte,
        Self::SignedLt,
        Self::SignedLte,
        Self::InRange,
        Self::SignedInRange,
        Self::OneOf,
    ];

    /// The condition with encoding `code`.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(code as usize).copied()
    }

    /// Its encoding.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Whether `n` reference values suit this condition.
    pub fn accepts_value_count(self, n: usize) -> bool {
        match self {
            Self::InRange | Self::SignedInRange => n == 2,
            Self::OneOf => (1..=MAX_ONE_OF).contains(&n),
            _ => n == 1,
        }
    }

    /// Whether the condition compares as `int256`.
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            Self::SignedGt
                | Self::SignedGte
                | Self::SignedLt
                | Self::SignedLte
                | Self::SignedInRange
        )
    }

    /// Evaluates the condition on `word`, reading reference value `i` through `value(i)` only
    /// when it is needed — on-chain each value is a storage slot, so `OneOf` stops at the first
    /// match. `count` is the number of values stored for the rule.
    pub fn holds(self, word: &B256, count: usize, mut value: impl FnMut(usize) -> B256) -> bool {
        use core::cmp::Ordering::{Equal, Greater, Less};
        if self == Self::OneOf {
            return (0..count).any(|i| *word == value(i));
        }
        let signed = self.is_signed();
        let vs_first = compare(word, &value(0), signed);
        match self {
            Self::Eq => vs_first == Equal,
            Self::Neq => vs_first != Equal,
            Self::Gt | Self::SignedGt => vs_first == Greater,
            Self::Gte | Self::SignedGte => vs_first != Less,
            Self::Lt | Self::SignedLt => vs_first == Less,
            Self::Lte | Self::SignedLte => vs_first != Greater,
            // InRange / SignedInRange: value(0) = min, value(1) = max, both inclusive.
            _ => vs_first != Less && compare(word, &value(1), signed) != Greater,
        }
    }
}

/// Numeric order of two words, as uint256 or int256.
///
/// Unsigned words order as their big-endian bytes; signed words the same once the sign bit is
/// flipped, which maps int256's two's-complement order onto unsigned order without arithmetic.
/// Only the first byte carries the sign, so the rest compares as plain bytes.
#[inline(never)]
pub fn compare(a: &B256, b: &B256, signed: bool) -> core::cmp::Ordering {
    let flip = if signed { 0x80 } else { 0 };
    (a[0] ^ flip)
        .cmp(&(b[0] ^ flip))
        .then_with(|| a[1..].cmp(&b[1..]))
}
