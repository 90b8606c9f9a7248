//! The session signature carried in `userOp.signature`.
//!
//! Format: `signer (20) ‖ [period (u32), periodic sessions only] ‖ proof`, where the proof's
//! shape is the session's signer kind
//! ([`crate::signer::SignerKind`]): for a secp256k1 key `r (32) ‖ s (32) ‖ v (1)`, exactly 85
//! bytes in all ([`SessionSignature`]); for P-256 keys see [`crate::signer`]. Naming the signer
//! instead of recovering it first means the module runs every policy check for that session
//! even when the signature is a bundler's dummy, so gas estimation sees the real cost
//! (ERC-4337 estimation, cf. Alchemy modular-account#140); only then is the signature checked.
//!
//! The key signs `keccak256(userOpHash ‖ module)` ([`digest_preimage`]): the userOpHash binds
//! account, nonce, chain and EntryPoint, and the module address binds this validator instance
//! (threat 6). A P-256 key signs the same digest; a passkey signs it as its WebAuthn challenge.
//! A periodic session's key signs `keccak256(userOpHash ‖ module ‖ period)`
//! ([`period_digest_preimage`]): nobody but the key chooses which period an op is charged to.

use core::cmp::Ordering;

use alloy_primitives::{Address, B256, U256};

use crate::condition::compare;

/// Encoded length.
pub const SIGNATURE_LEN: usize = 85;

/// secp256k1 group order / 2: larger `s` values are the malleable twins (EIP-2).
pub const HALF_ORDER: U256 = U256::from_limbs([
    0xDFE92F46681B20A0,
    0x5D576E7357A4501D,
    0xFFFFFFFFFFFFFFFF,
    0x7FFFFFFFFFFFFFFF,
]);

/// [`HALF_ORDER`] as a big-endian word.
const HALF_ORDER_BE: [u8; 32] = HALF_ORDER.to_be_bytes::<32>();

/// A parsed session signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionSignature {
    /// The session it claims to be from.
    pub signer: Address,
    /// ECDSA r.
    pub r: B256,
    /// ECDSA s.
    pub s: B256,
    /// ECDSA v (27 or 28 to be valid).
    pub v: u8,
}

impl SessionSignature {
    /// Splits an 85-byte signature; `None` for any other length (a trailing byte is not ignored).
    pub fn parse(sig: &[u8]) -> Option<Self> {
        let (signer, proof) = split_signer(sig)?;
        Self::from_proof(signer, proof)
    }

    /// The signature of `signer` whose proof is exactly `r ‖ s ‖ v` (65 bytes).
    pub fn from_proof(signer: Address, proof: &[u8]) -> Option<Self> {
        let proof: &[u8; 65] = proof.try_into().ok()?;
        let (r, rest) = proof.split_first_chunk::<32>()?;
        let (s, v) = rest.split_first_chunk::<32>()?;
        Some(Self {
            signer,
            r: B256::new(*r),
            s: B256::new(*s),
            v: *v.first()?,
        })
    }

    /// Encodes back to 85 bytes.
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LEN] {
        let mut out = [0u8; SIGNATURE_LEN];
        out[..20].copy_from_slice(self.signer.as_slice());
        out[20..52].copy_from_slice(self.r.as_slice());
        out[52..84].copy_from_slice(self.s.as_slice());
        out[84] = self.v;
        out
    }

    /// Low `s`, `v` ∈ {27, 28}, non-zero `r` and `s`: the one form ecrecover's answer is
    /// trusted for (threat 10).
    pub fn is_canonical(&self) -> bool {
        // Big-endian words order as numbers: compare bytes instead of converting to U256.
        (self.v == 27 || self.v == 28)
            && !self.r.is_zero()
            && !self.s.is_zero()
            && compare(&self.s, &B256::new(HALF_ORDER_BE), false) != Ordering::Greater
    }

    /// The 128-byte input of the ecrecover precompile (0x01) for `digest`.
    pub fn ecrecover_input(&self, digest: &B256) -> [u8; 128] {
        let mut out = [0u8; 128];
        out[..32].copy_from_slice(digest.as_slice());
        out[63] = self.v;
        out[64..96].copy_from_slice(self.r.as_slice());
        out[96..].copy_from_slice(self.s.as_slice());
        out
    }
}

/// Splits a session signature into the signer it names and the proof after it.
pub fn split_signer(sig: &[u8]) -> Option<(Address, &[u8])> {
    let (signer, proof) = sig.split_first_chunk::<20>()?;
    Some((Address::new(*signer), proof))
}

/// Splits what follows the signer into the period a periodic session's op names (`u32`, big
/// endian) and the proof; a lifetime session's op names none (period 0).
pub fn split_period(rest: &[u8], periodic: bool) -> Option<(u32, &[u8])> {
    if !periodic {
        return Some((0, rest));
    }
    let (period, proof) = rest.split_first_chunk::<4>()?;
    Some((u32::from_be_bytes(*period), proof))
}

/// What a periodic session's key signs, before hashing: `userOpHash ‖ module ‖ period`, so
/// the period an op is charged to is the one its key chose.
pub fn period_digest_preimage(user_op_hash: &B256, module: Address, period: u32) -> [u8; 56] {
    let mut out = [0u8; 56];
    out[..52].copy_from_slice(&digest_preimage(user_op_hash, module));
    out[52..].copy_from_slice(&period.to_be_bytes());
    out
}

/// What the session key signs, before hashing: `userOpHash ‖ module`.
pub fn digest_preimage(user_op_hash: &B256, module: Address) -> [u8; 52] {
    let mut out = [0u8; 52];
    out[..32].copy_from_slice(user_op_hash.as_slice());
    out[32..].copy_from_slice(module.as_slice());
    out
}

/// Reads ecrecover's 32-byte output: the signer, or `None` for the empty/zero failure answers.
pub fn recovered_address(output: &[u8]) -> Option<Address> {
    let w: &[u8; 32] = output.try_into().ok()?;
    if w[..12].iter().any(|b| *b != 0) {
        return None;
    }
    let a = Address::from_slice(&w[12..]);
    (a != Address::ZERO).then_some(a)
}
