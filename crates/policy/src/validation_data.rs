//! ERC-4337 `validationData`: authorizer (bits 0–159), validUntil (160–207, 0 = no expiry),
//! validAfter (208–255).
//!
//! The window goes back to EntryPoint instead of being checked against `block.timestamp`, which
//! ERC-7562 bans in validation. Windows from two sources must be **intersected**, never
//! overwritten (threat 13).

use alloy_primitives::{B256, U256};

use crate::word::put_be_uint;

/// Authorizer value for a signature that does not match.
pub const SIG_VALIDATION_FAILED: u8 = 1;

/// Decoded validationData (the authorizer kept as its low byte: 0 valid, 1 failed; this module
/// never returns an aggregator).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ValidationData {
    /// Whether the signature failed.
    pub sig_failed: bool,
    /// Inclusive start, 48 bits.
    pub valid_after: u64,
    /// End, 48 bits, 0 = none.
    pub valid_until: u64,
}

impl ValidationData {
    /// The 256-bit value EntryPoint reads.
    pub fn pack(&self) -> U256 {
        U256::from_be_bytes(self.to_word().0)
    }

    /// Same, as a word.
    pub fn to_word(&self) -> B256 {
        let mut w = B256::ZERO;
        put_be_uint(&mut w, 0, 6, self.valid_after as u128);
        put_be_uint(&mut w, 6, 6, self.valid_until as u128);
        w[31] = self.sig_failed as u8;
        w
    }

    /// Reads a packed value; `None` if the authorizer is an aggregator address (not 0 or 1).
    pub fn unpack(v: U256) -> Option<Self> {
        let w = v.to_be_bytes::<32>();
        if w[12..31].iter().any(|b| *b != 0) || w[31] > 1 {
            return None;
        }
        let read = |r: &[u8]| r.iter().fold(0u64, |a, b| (a << 8) | *b as u64);
        Some(Self {
            sig_failed: w[31] == 1,
            valid_after: read(&w[..6]),
            valid_until: read(&w[6..12]),
        })
    }

    /// Both constraints at once: the later start, the earlier non-zero end, and failure if
    /// either failed.
    pub fn intersect(&self, other: &Self) -> Self {
        let valid_until = match (self.valid_until, other.valid_until) {
            (0, b) => b,
            (a, 0) => a,
            (a, b) => a.min(b),
        };
        Self {
            sig_failed: self.sig_failed || other.sig_failed,
            valid_after: self.valid_after.max(other.valid_after),
            valid_until,
        }
    }
}
