//! Session signers other than secp256k1: P-256 keys (a cloud KMS, a secure enclave) that sign
//! the session digest directly, and passkeys that sign it as a WebAuthn assertion. Both are
//! verified by the RIP-7212 `P256VERIFY` precompile at 0x100; this module holds the pure parts:
//! the signature's shape, malleability, and the WebAuthn message.
//!
//! Signature after the 20-byte signer (see [`crate::signature`]):
//!
//! ```text
//! P-256:     r ‖ s                                                     64 bytes
//! WebAuthn:  r ‖ s ‖ u16 authenticatorData length ‖ authenticatorData ‖ clientDataJSON tail
//! ```
//!
//! The WebAuthn client data is not carried whole: WebAuthn Level 2 §5.8.1.1 fixes how it starts,
//! `{"type":"webauthn.get","challenge":"` then the challenge in base64url without padding and a
//! closing quote, so the module rebuilds that part from the digest it expects to be signed and
//! the signature carries only the rest (`,"origin":…}`). A signature over any other challenge
//! cannot match, and nothing in the tail is trusted.

use core::cmp::Ordering;

use alloy_primitives::{Address, B256};

use crate::condition::compare;

/// How a session key signs; stored in the session header (`layout::SessionHeader::signer_kind`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum SignerKind {
    /// An Ethereum key: `r ‖ s ‖ v`, recovered by ecrecover.
    #[default]
    Secp256k1 = 0,
    /// A P-256 key signing the digest itself.
    P256 = 1,
    /// A P-256 passkey signing a WebAuthn assertion whose challenge is the digest.
    WebAuthn = 2,
}

impl SignerKind {
    /// The kind stored as `byte`, if any.
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::Secp256k1),
            1 => Some(Self::P256),
            2 => Some(Self::WebAuthn),
            _ => None,
        }
    }

    /// Whether the session's key is a P-256 public key (stored in session words 3 and 4).
    pub fn is_p256(self) -> bool {
        self != Self::Secp256k1
    }
}

/// A P-256 public key, affine coordinates big-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct P256PublicKey {
    /// `x`.
    pub x: B256,
    /// `y`.
    pub y: B256,
}

/// The field prime of P-256 (SEC 2 §2.4.2), big-endian.
pub const P256_FIELD: [u8; 32] =
    hex32(*b"ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");

/// `⌊n / 2⌋` for the P-256 group order `n` (SEC 2 §2.4.2): a larger `s` is the malleable twin.
pub const P256_HALF_ORDER: [u8; 32] =
    hex32(*b"7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8");

/// The P-256 group order `n`.
pub const P256_ORDER: [u8; 32] =
    hex32(*b"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

const fn hex32(s: [u8; 64]) -> [u8; 32] {
    const fn digit(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lower-case hex digit"),
        }
    }
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (digit(s[2 * i]) << 4) | digit(s[2 * i + 1]);
        i += 1;
    }
    out
}

impl P256PublicKey {
    /// Both coordinates are field elements and the key is not `(0, 0)` (the precompile's
    /// encoding of the point at infinity). Whether the point is on the curve is the
    /// precompile's to check (it fails closed: a key off the curve verifies nothing).
    pub fn is_well_formed(&self) -> bool {
        let p = B256::new(P256_FIELD);
        compare(&self.x, &p, false) == Ordering::Less
            && compare(&self.y, &p, false) == Ordering::Less
            && !(self.x.is_zero() && self.y.is_zero())
    }
}

/// `r ‖ s` of a P-256 signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct P256Signature {
    /// `r`.
    pub r: B256,
    /// `s`.
    pub s: B256,
}

impl P256Signature {
    /// Reads `r ‖ s` from exactly 64 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        // Checked splits and array copies only: no panic path (and its formatting) is linked.
        let (r, s) = bytes.split_first_chunk::<32>()?;
        let s: &[u8; 32] = s.try_into().ok()?;
        Some(Self {
            r: B256::new(*r),
            s: B256::new(*s),
        })
    }

    /// `0 < r < n` and `0 < s ≤ n/2`: the one form accepted (a high `s` is refused, not
    /// normalised, so a signature has exactly one accepted encoding).
    pub fn is_canonical(&self) -> bool {
        !self.r.is_zero()
            && !self.s.is_zero()
            && compare(&self.r, &B256::new(P256_ORDER), false) == Ordering::Less
            && compare(&self.s, &B256::new(P256_HALF_ORDER), false) != Ordering::Greater
    }

    /// The 160-byte input of `P256VERIFY` (RIP-7212): `hash ‖ r ‖ s ‖ x ‖ y`.
    pub fn precompile_input(&self, hash: &B256, key: &P256PublicKey) -> [u8; 160] {
        let mut out = [0u8; 160];
        let words = [hash, &self.r, &self.s, &key.x, &key.y];
        for (chunk, w) in out.chunks_exact_mut(32).zip(words) {
            chunk.copy_from_slice(w.as_slice());
        }
        out
    }
}

/// Smallest authenticator data: rpIdHash (32) ‖ flags (1) ‖ signCount (4) (WebAuthn §6.1).
pub const MIN_AUTHENTICATOR_DATA: usize = 37;
/// Authenticator data flag "user present" (WebAuthn §6.1, bit 0): required.
pub const FLAG_USER_PRESENT: u8 = 0x01;

/// How every `webauthn.get` client data starts, up to the challenge (WebAuthn §5.8.1.1).
pub const CLIENT_DATA_PREFIX: &[u8] = br#"{"type":"webauthn.get","challenge":""#;
/// Length of a 32-byte challenge in base64url without padding.
pub const CHALLENGE_LEN: usize = 43;

/// A WebAuthn assertion as carried in a session signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebAuthnAssertion<'a> {
    /// The signature over `authenticatorData ‖ sha256(clientDataJSON)`.
    pub signature: P256Signature,
    /// `authenticatorData`.
    pub authenticator_data: &'a [u8],
    /// `clientDataJSON` after the challenge's closing quote.
    pub client_data_tail: &'a [u8],
}

impl<'a> WebAuthnAssertion<'a> {
    /// Reads `r ‖ s ‖ u16 len ‖ authenticatorData ‖ tail`. `None` when the length field
    /// overruns, or the authenticator data is shorter than its fixed part.
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        let (rs, rest) = bytes.split_at_checked(64)?;
        let (len, rest) = rest.split_first_chunk::<2>()?;
        let (authenticator_data, client_data_tail) =
            rest.split_at_checked(u16::from_be_bytes(*len) as usize)?;
        if authenticator_data.len() < MIN_AUTHENTICATOR_DATA {
            return None;
        }
        Some(Self {
            signature: P256Signature::from_slice(rs)?,
            authenticator_data,
            client_data_tail,
        })
    }

    /// The user-present flag is set.
    pub fn user_present(&self) -> bool {
        self.authenticator_data
            .get(32)
            .is_some_and(|f| f & FLAG_USER_PRESENT != 0)
    }

    /// The `clientDataJSON` the authenticator must have signed for `challenge`.
    pub fn client_data(&self, challenge: &B256) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec::Vec::with_capacity(
            CLIENT_DATA_PREFIX.len() + CHALLENGE_LEN + 1 + self.client_data_tail.len(),
        );
        out.extend_from_slice(CLIENT_DATA_PREFIX);
        out.extend_from_slice(&base64url_32(challenge));
        out.push(b'"');
        out.extend_from_slice(self.client_data_tail);
        out
    }

    /// The bytes whose SHA-256 the key signed: `authenticatorData ‖ sha256(clientDataJSON)`.
    pub fn signed_message(&self, client_data_hash: &B256) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec::Vec::with_capacity(self.authenticator_data.len() + 32);
        out.extend_from_slice(self.authenticator_data);
        out.extend_from_slice(client_data_hash.as_slice());
        out
    }
}

/// The base64url alphabet (RFC 4648 §5).
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `bytes` in base64url without padding: 43 characters.
pub fn base64url_32(bytes: &B256) -> [u8; CHALLENGE_LEN] {
    let mut out = [0u8; CHALLENGE_LEN];
    let mut chars = out.iter_mut();
    // Six bits at a time from a bit buffer (`pending` of them waiting in `bits`); the last
    // character takes the final 4 bits padded with zeros. Masked indexing: no panic path.
    let (mut bits, mut pending) = (0u32, 0u32);
    for b in bytes.0 {
        bits = ((bits << 8) | b as u32) & 0xffff;
        pending += 8;
        while pending >= 6 {
            pending -= 6;
            if let Some(c) = chars.next() {
                *c = BASE64URL[((bits >> pending) & 63) as usize];
            }
        }
    }
    if let Some(c) = chars.next() {
        *c = BASE64URL[((bits << (6 - pending)) & 63) as usize];
    }
    out
}

/// A session signature's proof, read in the shape its session's signer kind requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof<'a> {
    /// `signer ‖ r ‖ s ‖ v`.
    Secp256k1(crate::signature::SessionSignature),
    /// `signer ‖ r ‖ s`.
    P256(P256Signature),
    /// `signer ‖ r ‖ s ‖ u16 len ‖ authenticatorData ‖ clientDataJSON tail`.
    WebAuthn(WebAuthnAssertion<'a>),
}

impl<'a> Proof<'a> {
    /// Reads the proof of `signer`'s signature (what follows the signer and, for a periodic
    /// session, the period) for a session of `kind`; `None` when it does not have that kind's
    /// shape (wrong length, an overrunning length field, short authenticator data). Nothing
    /// here says whether it verifies.
    pub fn parse(kind: SignerKind, signer: Address, proof: &'a [u8]) -> Option<Self> {
        match kind {
            SignerKind::Secp256k1 => {
                crate::signature::SessionSignature::from_proof(signer, proof).map(Self::Secp256k1)
            }
            SignerKind::P256 => P256Signature::from_slice(proof).map(Self::P256),
            SignerKind::WebAuthn => WebAuthnAssertion::parse(proof).map(Self::WebAuthn),
        }
    }

    /// Reads a whole session signature of a session of `kind` without periodic caps: the
    /// signer it names and its proof.
    pub fn parse_signature(kind: SignerKind, sig: &'a [u8]) -> Option<(Address, Self)> {
        let (signer, proof) = crate::signature::split_signer(sig)?;
        Some((signer, Self::parse(kind, signer, proof)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against a reference encoder written from RFC 4648 §5 (groups of three bytes), on 256
    /// inputs.
    #[test]
    fn base64url_matches_a_reference_encoder() {
        fn reference(bytes: &[u8]) -> alloc::string::String {
            let mut out = alloc::string::String::new();
            for chunk in bytes.chunks(3) {
                let mut n = [0u8; 3];
                n[..chunk.len()].copy_from_slice(chunk);
                let v = (n[0] as u32) << 16 | (n[1] as u32) << 8 | n[2] as u32;
                for i in 0..=chunk.len() {
                    out.push(BASE64URL[((v >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        }
        for seed in 0..=255u8 {
            let w = B256::from(core::array::from_fn::<u8, 32, _>(|i| {
                seed.wrapping_mul(31)
                    .wrapping_add((i as u8).wrapping_mul(seed | 1))
            }));
            assert_eq!(
                core::str::from_utf8(&base64url_32(&w)).unwrap(),
                reference(w.as_slice())
            );
        }
        // All ones: 42 '_' (63), then the last four bits zero-padded (60, '8').
        let ones = base64url_32(&B256::repeat_byte(0xff));
        assert_eq!(&ones[..42], [b'_'; 42].as_slice());
        assert_eq!(ones[42], b'8');
    }
}
