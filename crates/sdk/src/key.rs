//! Session keys: secp256k1 keys that sign user operations for one session.
//!
//! A key is generated from the OS's randomness, or loaded from a file holding either its 32-byte
//! private key in hex or a Web3 Secret Storage (v3) keystore ([`crate::keystore`]). It signs
//! `keccak256(userOpHash ‖ module)` into the 85-byte session signature the validator reads
//! (`sessionkey_policy::signature`), always with low `s` and `v ∈ {27, 28}`.

use std::fmt;
use std::path::{Path, PathBuf};

use alloy_primitives::{hex, keccak256, Address, B256};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use sessionkey_policy::signature::{digest_preimage, period_digest_preimage, SessionSignature};

use crate::keystore::{self, KeystoreError, ScryptCost};

/// Why a key cannot be made or loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file cannot be read.
    #[error("cannot read key file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Text that is not 32 bytes of hex.
    #[error("private key: expected 32 bytes of hex (64 hex digits, optional 0x), got {got}")]
    NotHex {
        /// What was found, described (never the text itself: it may be a secret).
        got: String,
    },
    /// Zero or not below the curve order.
    #[error("private key: not a valid secp256k1 scalar (zero or not below the group order)")]
    InvalidScalar,
    /// A keystore file without a password.
    #[error("{}: is a keystore: give its password (--password-file or $SESSIONKEY_PASSWORD)", path.display())]
    PasswordRequired {
        /// The file.
        path: PathBuf,
    },
    /// The keystore cannot be opened.
    #[error("keystore {}: {source}", path.display())]
    Keystore {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: KeystoreError,
    },
}

/// A session key and its address.
#[derive(Clone)]
pub struct SessionKey {
    key: SigningKey,
    address: Address,
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        f.debug_struct("SessionKey")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl SessionKey {
    /// A fresh key from the operating system's randomness.
    pub fn generate() -> Self {
        Self::from_signing_key(SigningKey::random(&mut rand_core::OsRng))
    }

    /// The key with private scalar `bytes`.
    ///
    /// # Errors
    /// [`KeyError::InvalidScalar`] for zero or a value not below the group order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        SigningKey::from_slice(bytes)
            .map(Self::from_signing_key)
            .map_err(|_| KeyError::InvalidScalar)
    }

    /// The key written as 64 hex digits (optional `0x`, surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`KeyError::NotHex`], [`KeyError::InvalidScalar`].
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let t = text.trim();
        let digits = t.strip_prefix("0x").unwrap_or(t);
        let describe = || KeyError::NotHex {
            got: if digits.chars().all(|c| c.is_ascii_hexdigit()) {
                format!("{} hex digits", digits.len())
            } else {
                "text that is not hex".to_owned()
            },
        };
        if digits.len() != 64 {
            return Err(describe());
        }
        let bytes: [u8; 32] = hex::decode(digits)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(describe)?;
        Self::from_bytes(&bytes)
    }

    /// Loads a key file: a keystore (JSON, needs `password`) or a hex private key.
    ///
    /// # Errors
    /// [`KeyError::Io`], [`KeyError::PasswordRequired`], [`KeyError::Keystore`], and the
    /// errors of [`Self::from_hex`].
    pub fn load(path: &Path, password: Option<&str>) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?;
        if text.trim_start().starts_with('{') {
            let password = password.ok_or_else(|| KeyError::PasswordRequired {
                path: path.to_owned(),
            })?;
            let secret =
                keystore::decrypt(&text, password).map_err(|source| KeyError::Keystore {
                    path: path.to_owned(),
                    source,
                })?;
            return Self::from_bytes(&secret);
        }
        Self::from_hex(&text)
    }

    fn from_signing_key(key: SigningKey) -> Self {
        let address = address_of(key.verifying_key());
        Self { key, address }
    }

    /// The key's Ethereum address (the session's `signer`).
    pub fn address(&self) -> Address {
        self.address
    }

    /// The private key as `0x` + 64 hex digits. Handle with care.
    pub fn private_key_hex(&self) -> String {
        hex::encode_prefixed(self.key.to_bytes())
    }

    /// The key encrypted as a v3 keystore (scrypt, aes-128-ctr), as JSON text.
    pub fn to_keystore(&self, password: &str, cost: ScryptCost) -> String {
        keystore::encrypt(&self.key.to_bytes().into(), self.address, password, cost)
    }

    /// Signs a 32-byte digest: low `s`, `v = 27 + parity`, with this key as the named signer.
    pub fn sign_digest(&self, digest: &B256) -> SessionSignature {
        let (sig, recid) = self
            .key
            .sign_prehash_recoverable(digest.as_slice())
            .expect("signing a 32-byte prehash cannot fail");
        // k256 already returns the low-s form; normalise anyway, flipping the parity with it.
        let (sig, odd) = match sig.normalize_s() {
            Some(low) => (low, !recid.is_y_odd()),
            None => (sig, recid.is_y_odd()),
        };
        let bytes = sig.to_bytes();
        SessionSignature {
            signer: self.address,
            r: B256::from_slice(&bytes[..32]),
            s: B256::from_slice(&bytes[32..]),
            v: 27 + odd as u8,
        }
    }

    /// The session signature of a user operation: over `keccak256(userOpHash ‖ module)`.
    pub fn sign_user_op_hash(&self, user_op_hash: &B256, module: Address) -> SessionSignature {
        self.sign_digest(&session_digest(user_op_hash, module))
    }
}

/// What a session key signs for `user_op_hash` on `module`: `keccak256(userOpHash ‖ module)`.
pub fn session_digest(user_op_hash: &B256, module: Address) -> B256 {
    keccak256(digest_preimage(user_op_hash, module))
}

/// What a periodic session's key signs for `user_op_hash` on `module` in cap period `period`:
/// `keccak256(userOpHash ‖ module ‖ period)`.
pub fn period_session_digest(user_op_hash: &B256, module: Address, period: u32) -> B256 {
    keccak256(period_digest_preimage(user_op_hash, module, period))
}

/// The Ethereum address of a public key.
pub fn address_of(key: &VerifyingKey) -> Address {
    let point = key.to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

/// The address ecrecover returns for `sig` over `digest`, answering as the precompile does:
/// `None` for `v ∉ {27, 28}` or an unrecoverable signature; high `s` is accepted (refusing it is
/// the module's job, see [`SessionSignature::is_canonical`]).
pub fn ecrecover(digest: &B256, sig: &SessionSignature) -> Option<Address> {
    if sig.v != 27 && sig.v != 28 {
        return None;
    }
    let parsed = Signature::from_scalars(sig.r.0, sig.s.0).ok()?;
    let odd = sig.v == 28;
    let (parsed, odd) = match parsed.normalize_s() {
        Some(low) => (low, !odd),
        None => (parsed, odd),
    };
    let key =
        VerifyingKey::recover_from_prehash(digest.as_slice(), &parsed, RecoveryId::new(odd, false))
            .ok()?;
    Some(address_of(&key))
}

/// Whether `sig` is what the validator accepts for `digest`: canonical form (low `s`, `v` 27/28)
/// and recovering to the named signer.
pub fn verifies(digest: &B256, sig: &SessionSignature) -> bool {
    sig.is_canonical() && ecrecover(digest, sig) == Some(sig.signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_key_has_known_address() {
        // The private key 1 is the generator point; its address is well known.
        let mut one = [0u8; 32];
        one[31] = 1;
        let key = SessionKey::from_bytes(&one).unwrap();
        assert_eq!(
            key.address(),
            "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
                .parse::<Address>()
                .unwrap()
        );
    }

    #[test]
    fn hex_keys_round_trip_and_bad_ones_are_refused() {
        let key = SessionKey::generate();
        let again = SessionKey::from_hex(&key.private_key_hex()).unwrap();
        assert_eq!(again.address(), key.address());
        assert!(matches!(
            SessionKey::from_hex("0x1234"),
            Err(KeyError::NotHex { .. })
        ));
        assert!(matches!(
            SessionKey::from_hex(&"zz".repeat(32)),
            Err(KeyError::NotHex { .. })
        ));
        assert!(matches!(
            SessionKey::from_hex(&"00".repeat(32)),
            Err(KeyError::InvalidScalar)
        ));
        assert!(matches!(
            SessionKey::from_hex(&"ff".repeat(32)),
            Err(KeyError::InvalidScalar)
        ));
    }

    #[test]
    fn signatures_are_canonical_and_recover_to_the_signer() {
        let key = SessionKey::from_bytes(&[7u8; 32]).unwrap();
        let module = Address::repeat_byte(0xaa);
        for i in 0..8u8 {
            let hash = B256::repeat_byte(i);
            let sig = key.sign_user_op_hash(&hash, module);
            assert!(sig.is_canonical());
            assert!(verifies(&session_digest(&hash, module), &sig));
            assert!(!verifies(&session_digest(&hash, Address::ZERO), &sig));
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = SessionKey::from_bytes(&[7u8; 32]).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains(&key.private_key_hex()[2..]));
    }
}
