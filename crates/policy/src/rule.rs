//! A parameter rule: one condition on one static 32-byte word of a call's calldata.
//!
//! Word `i` is `calldata[4 + 32·i .. 4 + 32·i + 32]`: the `i`-th head word after the selector.
//! For static parameters (address, uintN, intN, bool, bytesN) that is the parameter itself; for
//! dynamic ones it is an offset, which is why the SDK refuses rules on dynamic parameters.

use alloc::vec::Vec;
use alloy_primitives::B256;

use crate::condition::Condition;
use crate::word::word_at;

/// Most rules one call entry may carry.
pub const MAX_RULES: usize = 16;

/// One condition on one calldata word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamRule {
    /// The comparison.
    pub condition: Condition,
    /// Which head word after the selector.
    pub word_index: u16,
    /// Reference values: one, `[min, max]` for ranges, or the set for `OneOf`.
    pub values: Vec<B256>,
}

impl ParamRule {
    /// A rule with one reference value.
    pub fn new(condition: Condition, word_index: u16, value: B256) -> Self {
        Self {
            condition,
            word_index,
            values: alloc::vec![value],
        }
    }

    /// Whether the rule holds for `calldata`; `None` when the word lies past the calldata.
    pub fn check(&self, calldata: &[u8]) -> Option<bool> {
        let word = param_word(calldata, self.word_index)?;
        Some(
            self.condition
                .holds(&word, self.values.len(), |i| self.values[i]),
        )
    }
}

/// Head word `index` of `calldata` (after the 4-byte selector).
#[inline]
pub fn param_word(calldata: &[u8], index: u16) -> Option<B256> {
    word_at(calldata, 4 + 32 * index as usize).map(|w| B256::from(*w))
}
