//! Session keys: the keys that sign user operations for one session.
//!
//! [`SessionKey`] is a secp256k1 key. It is generated from the OS's randomness, or loaded from a
//! file holding either its 32-byte private key in hex or a Web3 Secret Storage (v3) keystore
//! ([`crate::keystore`]). It signs `keccak256(userOpHash ‖ module)` into the 85-byte session
//! signature the validator reads (`sessionkey_policy::signature`), always with low `s` and
//! `v ∈ {27, 28}`.
//!
//! [`SessionSigner`] is any of the three kinds a session may have (`SignerKind`): that key, a
//! raw P-256 key, or a passkey (a P-256 key answering WebAuthn assertions for a web origin).
//!
//! # Key files
//!
//! A secp256k1 key is kept as it always was: 64 hex digits (optional `0x`), or a v3 keystore.
//! Those two forms carry no kind and are only ever read as secp256k1, so an old file keeps its
//! meaning. Every other key is a JSON *key file* that names its kind:
//!
//! ```json
//! {
//!   "kind": "p256",                          // "secp256k1", "p256" or "passkey"
//!   "address": "0x…",                        // optional: the session's signer, checked on load
//!   "publicKey": { "x": "0x…", "y": "0x…" }, // optional (P-256 kinds): checked on load
//!   "origin": "https://wallet.example",      // passkey only, required: the WebAuthn origin
//!   "privateKey": "0x…"                      // 32 bytes of hex; or instead, encrypted:
//!   // "keystore": { …a v3 keystore of the same 32 bytes… }
//! }
//! ```
//!
//! A file is read as the kind it names and nothing else: an unknown kind, a field the kind does
//! not have, a stated address or public key that is not the private key's, or a loader that
//! wants another kind ([`SessionKey::load`] given a P-256 file) is an error naming the file. A
//! v3 keystore with a `kind` beside its `crypto` is refused too: the encrypted form nests the
//! keystore under `keystore`, so no other tool reads a P-256 secret as a secp256k1 key.

use std::fmt;
use std::path::{Path, PathBuf};

use alloy_primitives::{hex, keccak256, Address, Bytes, B256};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use serde_json::{Map, Value};
use sessionkey_policy::record::{p256_signer, SignerKey};
use sessionkey_policy::signature::{digest_preimage, period_digest_preimage, SessionSignature};
use sessionkey_policy::signer::{P256PublicKey, SignerKind};

use crate::keystore::{self, KeystoreError, ScryptCost};
use crate::p256_key::P256Key;

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
    /// A JSON key file with a missing, malformed or foreign field.
    #[error("{}: {field}: {problem}", path.display())]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// The field (`privateKey`, `origin`, …).
        field: String,
        /// What is wrong (never the field's value: it may be a secret).
        problem: String,
    },
    /// A key file naming a kind this version does not know.
    #[error("{}: kind: unknown key kind `{kind}` (expected {KIND_NAMES})", path.display())]
    UnknownKind {
        /// The file.
        path: PathBuf,
        /// The kind it names.
        kind: String,
    },
    /// A key file of another kind than the one asked for.
    #[error("{}: is a {} key file, not a {} key", path.display(), kind_name(*found), kind_name(*expected))]
    WrongKind {
        /// The file.
        path: PathBuf,
        /// The kind asked for.
        expected: SignerKind,
        /// The kind the file holds.
        found: SignerKind,
    },
    /// Zero or not below the P-256 group order.
    #[error("private key: not a valid P-256 scalar (zero or not below the group order)")]
    InvalidP256Scalar,
    /// Not a web origin a passkey can answer for.
    #[error("origin `{origin}`: expected a web origin, scheme://host[:port] (e.g. https://wallet.example)")]
    Origin {
        /// What was given.
        origin: String,
    },
    /// An origin for a key that has none, or none for a passkey.
    #[error("origin: {}", match kind {
        SignerKind::WebAuthn => "missing (a passkey answers for a web origin, e.g. https://wallet.example)",
        _ => "only a passkey answers for a web origin",
    })]
    OriginForKind {
        /// The key's kind.
        kind: SignerKind,
    },
    /// A P-256 public key that cannot be read or is not on the curve.
    #[error("P-256 public key: {0}")]
    PublicKey(String),
}

/// The names of the signer kinds, as key files and the CLI spell them.
pub const KIND_NAMES: &str = "secp256k1, p256 or passkey";

/// The name of `kind` in key files and on the command line: `secp256k1`, `p256`, `passkey`.
pub fn kind_name(kind: SignerKind) -> &'static str {
    match kind {
        SignerKind::Secp256k1 => "secp256k1",
        SignerKind::P256 => "p256",
        SignerKind::WebAuthn => "passkey",
    }
}

/// The kind named `name` ([`kind_name`]'s names; `webauthn` is accepted for `passkey`, as the
/// record calls that kind).
pub fn parse_kind(name: &str) -> Option<SignerKind> {
    match name.trim().to_ascii_lowercase().as_str() {
        "secp256k1" => Some(SignerKind::Secp256k1),
        "p256" | "p-256" => Some(SignerKind::P256),
        "passkey" | "webauthn" => Some(SignerKind::WebAuthn),
        _ => None,
    }
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

    /// Loads a secp256k1 key file: a keystore (JSON, needs `password`), a hex private key, or a
    /// key file of kind `secp256k1`. A key file of another kind is refused rather than read as
    /// a secp256k1 scalar; [`SessionSigner::load`] reads any kind.
    ///
    /// # Errors
    /// [`KeyError::WrongKind`], and those of [`SessionSigner::load`].
    pub fn load(path: &Path, password: Option<&str>) -> Result<Self, KeyError> {
        match SessionSigner::load(path, password)? {
            SessionSigner::Secp256k1(key) => Ok(key),
            other => Err(KeyError::WrongKind {
                path: path.to_owned(),
                expected: SignerKind::Secp256k1,
                found: other.kind(),
            }),
        }
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

/// A session's signing key, of any of the three kinds a session may have.
#[derive(Clone, Debug)]
pub enum SessionSigner {
    /// An Ethereum key: `signer ‖ r ‖ s ‖ v`, recovered by ecrecover.
    Secp256k1(SessionKey),
    /// A P-256 key signing the session digest itself (a KMS, a secure enclave): `signer ‖ r ‖ s`.
    P256(P256Key),
    /// A P-256 key answering WebAuthn assertions whose challenge is the session digest, as a
    /// passkey in a browser at `origin` does.
    Passkey {
        /// The key.
        key: P256Key,
        /// The web origin its assertions' client data names (`https://wallet.example`).
        origin: String,
    },
}

/// The public side of a session signer: what a session record needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicSigner {
    /// The session's signer address (for the P-256 kinds, `keccak256(x ‖ y)[12..]`).
    pub address: Address,
    /// The key the module checks signatures with.
    pub key: SignerKey,
}

impl PublicSigner {
    /// A secp256k1 signer: the address is the key.
    pub fn secp256k1(address: Address) -> Self {
        Self {
            address,
            key: SignerKey::Secp256k1,
        }
    }

    /// A P-256 signer of `kind` (`P256` or `WebAuthn`) with public key `key`; `None` for
    /// `Secp256k1`, whose public key a record does not hold.
    pub fn p256(kind: SignerKind, key: P256PublicKey) -> Option<Self> {
        let signer_key = match kind {
            SignerKind::Secp256k1 => return None,
            SignerKind::P256 => SignerKey::P256(key),
            SignerKind::WebAuthn => SignerKey::WebAuthn(key),
        };
        Some(Self {
            address: p256_signer(&key, |b| keccak256(b)),
            key: signer_key,
        })
    }

    /// The signer's kind.
    pub fn kind(&self) -> SignerKind {
        self.key.kind()
    }
}

impl SessionSigner {
    /// A fresh key of `kind` from the operating system's randomness; a passkey needs its
    /// `origin` (the others refuse one, so a caller's mix-up is not silently dropped).
    ///
    /// # Errors
    /// [`KeyError::OriginForKind`] for a missing or unexpected origin, [`KeyError::Origin`] for a
    /// malformed one.
    pub fn generate(kind: SignerKind, origin: Option<&str>) -> Result<Self, KeyError> {
        match (kind, origin) {
            (SignerKind::Secp256k1, None) => Ok(Self::Secp256k1(SessionKey::generate())),
            (SignerKind::P256, None) => Ok(Self::P256(P256Key::generate())),
            (SignerKind::WebAuthn, Some(origin)) => Self::passkey(P256Key::generate(), origin),
            (kind, _) => Err(KeyError::OriginForKind { kind }),
        }
    }

    /// A passkey answering for `origin`.
    ///
    /// # Errors
    /// [`KeyError::Origin`] unless `origin` is `scheme://host[:port]` in plain ASCII (it is
    /// written into the client data JSON as it is, so quotes, backslashes, spaces and paths are
    /// refused).
    pub fn passkey(key: P256Key, origin: &str) -> Result<Self, KeyError> {
        check_origin(origin)?;
        Ok(Self::Passkey {
            key,
            origin: origin.to_owned(),
        })
    }

    /// The signer's kind.
    pub fn kind(&self) -> SignerKind {
        match self {
            Self::Secp256k1(_) => SignerKind::Secp256k1,
            Self::P256(_) => SignerKind::P256,
            Self::Passkey { .. } => SignerKind::WebAuthn,
        }
    }

    /// The session's signer address, which every session signature starts with.
    pub fn address(&self) -> Address {
        match self {
            Self::Secp256k1(k) => k.address(),
            Self::P256(k) | Self::Passkey { key: k, .. } => k.address(),
        }
    }

    /// The key a session record for this signer holds.
    pub fn signer_key(&self) -> SignerKey {
        match self {
            Self::Secp256k1(_) => SignerKey::Secp256k1,
            Self::P256(k) => SignerKey::P256(k.public_key()),
            Self::Passkey { key, .. } => SignerKey::WebAuthn(key.public_key()),
        }
    }

    /// Address and key together.
    pub fn public(&self) -> PublicSigner {
        PublicSigner {
            address: self.address(),
            key: self.signer_key(),
        }
    }

    /// The session signature of a user operation, in this kind's shape, over
    /// [`session_digest`]`(user_op_hash, module)`: 85 bytes for secp256k1, 84 for P-256, and
    /// for a passkey `signer ‖ r ‖ s ‖ u16 len ‖ authenticatorData ‖ clientDataJSON tail`.
    pub fn sign_user_op_hash(&self, user_op_hash: &B256, module: Address) -> Vec<u8> {
        self.sign_session_digest(&session_digest(user_op_hash, module))
    }

    /// The session signature of a user operation of a **periodic** session, naming cap period
    /// `period`: `signer ‖ period (u32) ‖ proof`, the proof over
    /// [`period_session_digest`]`(user_op_hash, module, period)`. The op is valid only inside
    /// that period (the module returns its window) and is charged to its counters.
    pub fn sign_user_op_hash_in_period(
        &self,
        user_op_hash: &B256,
        module: Address,
        period: u32,
    ) -> Vec<u8> {
        let sig = self.sign_session_digest(&period_session_digest(user_op_hash, module, period));
        [&sig[..20], &period.to_be_bytes()[..], &sig[20..]].concat()
    }

    /// `signer ‖ proof` over `digest`, in this kind's shape (a passkey's assertion has
    /// `digest` as its challenge).
    pub fn sign_session_digest(&self, digest: &B256) -> Vec<u8> {
        let digest = *digest;
        match self {
            Self::Secp256k1(k) => k.sign_digest(&digest).to_bytes().to_vec(),
            Self::P256(k) => k.sign_session_digest(&digest),
            Self::Passkey { key, origin } => key
                .webauthn_assert(&digest, origin, 0)
                .session_signature(key.address(), &digest)
                .expect("an assertion made for this digest, with 37 bytes of authenticator data"),
        }
    }

    /// A stand-in signature for gas estimation: this kind's shape and length, naming the
    /// signer, with `r = s = 1`. It passes the low-`s` check, so the module runs ecrecover or
    /// `P256VERIFY` (and, for a passkey, hashes client data as long as a real one) and the
    /// estimate covers real validation; it never verifies, so it authorises nothing.
    pub fn estimation_signature(&self) -> Bytes {
        let mut sig = self.sign_user_op_hash(&B256::ZERO, Address::ZERO);
        sig[20..84].fill(0);
        sig[51] = 1;
        sig[83] = 1;
        if let Self::Secp256k1(_) = self {
            sig[84] = 27;
        }
        sig.into()
    }

    /// Loads a key file of any kind: a hex key or v3 keystore (secp256k1), or a JSON key file
    /// naming its kind (see the [module documentation](self)). `password` opens a keystore.
    ///
    /// # Errors
    /// [`KeyError::Io`], [`KeyError::PasswordRequired`], [`KeyError::Keystore`],
    /// [`KeyError::KeyFile`], [`KeyError::UnknownKind`], [`KeyError::NotHex`], the scalar and
    /// origin errors.
    pub fn load(path: &Path, password: Option<&str>) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_file_text(&text, path, password)
    }

    /// Reads the text of a key file; `path` only names it in errors.
    ///
    /// # Errors
    /// See [`Self::load`].
    pub fn from_file_text(
        text: &str,
        path: &Path,
        password: Option<&str>,
    ) -> Result<Self, KeyError> {
        if !text.trim_start().starts_with('{') {
            return SessionKey::from_hex(text).map(Self::Secp256k1);
        }
        let file_err = |field: &str, problem: &str| KeyError::KeyFile {
            path: path.to_owned(),
            field: field.to_owned(),
            problem: problem.to_owned(),
        };
        // serde_json's syntax errors give positions only, never the text.
        let value: Value = serde_json::from_str(text)
            .map_err(|e| file_err("(file)", &format!("not JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(file_err("(file)", "not a JSON object"));
        };
        if !map.contains_key("kind") {
            // A v3 keystore: secp256k1, as it always was.
            let password = password.ok_or_else(|| KeyError::PasswordRequired {
                path: path.to_owned(),
            })?;
            let secret =
                keystore::decrypt(text, password).map_err(|source| KeyError::Keystore {
                    path: path.to_owned(),
                    source,
                })?;
            return SessionKey::from_bytes(&secret).map(Self::Secp256k1);
        }
        KeyFile { path, map: &map }.read(password)
    }

    /// This key as a JSON key file (see the [module documentation](self)): `privateKey` in hex,
    /// or with `encrypt`, a v3 keystore under `keystore`. Handle the plain form with care.
    pub fn to_key_file(&self, encrypt: Option<(&str, ScryptCost)>) -> String {
        let secret: [u8; 32] = match self {
            Self::Secp256k1(k) => k.key.to_bytes().into(),
            Self::P256(k) | Self::Passkey { key: k, .. } => k.to_bytes(),
        };
        let mut out = Map::new();
        out.insert("kind".into(), kind_name(self.kind()).into());
        out.insert("address".into(), self.address().to_checksum(None).into());
        if let Some(pk) = self.signer_key().p256() {
            out.insert("publicKey".into(), public_key_json(pk));
        }
        if let Self::Passkey { origin, .. } = self {
            out.insert("origin".into(), origin.as_str().into());
        }
        match encrypt {
            None => {
                out.insert("privateKey".into(), hex::encode_prefixed(secret).into());
            }
            Some((password, cost)) => {
                let json = keystore::encrypt(&secret, self.address(), password, cost);
                let ks: Value = serde_json::from_str(&json).expect("the keystore writer's JSON");
                out.insert("keystore".into(), ks);
            }
        }
        serde_json::to_string_pretty(&Value::Object(out)).expect("serialisable") + "\n"
    }
}

/// `{"x": "0x…", "y": "0x…"}`.
pub fn public_key_json(key: &P256PublicKey) -> Value {
    serde_json::json!({ "x": key.x.to_string(), "y": key.y.to_string() })
}

/// Reads a P-256 public key written `X,Y` (two 32-byte hex numbers) or as an uncompressed
/// SEC1 point `0x04‖X‖Y`, and checks it is on the curve (a key off it verifies nothing, so a
/// session for it could never sign).
///
/// # Errors
/// [`KeyError::PublicKey`].
pub fn parse_p256_public_key(text: &str) -> Result<P256PublicKey, KeyError> {
    let word = |t: &str, name: &str| -> Result<B256, KeyError> {
        let t = t.trim();
        let digits = t.strip_prefix("0x").unwrap_or(t);
        if digits.len() != 64 {
            return Err(KeyError::PublicKey(format!(
                "{name}: expected 32 bytes of hex (64 hex digits)"
            )));
        }
        digits
            .parse::<B256>()
            .map_err(|_| KeyError::PublicKey(format!("{name}: not hex")))
    };
    let key = match text.split_once(',') {
        Some((x, y)) => P256PublicKey {
            x: word(x, "x")?,
            y: word(y, "y")?,
        },
        None => {
            let t = text.trim();
            let bytes = hex::decode(t).map_err(|_| {
                KeyError::PublicKey("expected X,Y or an uncompressed point 0x04‖X‖Y".into())
            })?;
            if bytes.len() != 65 || bytes[0] != 4 {
                return Err(KeyError::PublicKey(
                    "expected X,Y or an uncompressed point 0x04‖X‖Y (65 bytes)".into(),
                ));
            }
            P256PublicKey {
                x: B256::from_slice(&bytes[1..33]),
                y: B256::from_slice(&bytes[33..]),
            }
        }
    };
    check_public_key(&key)?;
    Ok(key)
}

/// Whether `key` is a point of P-256 (not the point at infinity).
fn check_public_key(key: &P256PublicKey) -> Result<(), KeyError> {
    let mut sec1 = [0u8; 65];
    sec1[0] = 4;
    sec1[1..33].copy_from_slice(key.x.as_slice());
    sec1[33..].copy_from_slice(key.y.as_slice());
    p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
        .map(|_| ())
        .map_err(|_| KeyError::PublicKey("not a point on the P-256 curve".into()))
}

fn check_origin(origin: &str) -> Result<(), KeyError> {
    let host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let ok = host.is_some_and(|h| {
        !h.is_empty()
            && !h.starts_with(':')
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
    });
    if ok {
        Ok(())
    } else {
        Err(KeyError::Origin {
            origin: origin.to_owned(),
        })
    }
}

/// A JSON key file being read: every field is taken out by name, the rest refused.
struct KeyFile<'a> {
    path: &'a Path,
    map: &'a Map<String, Value>,
}

impl KeyFile<'_> {
    fn err(&self, field: &str, problem: impl Into<String>) -> KeyError {
        KeyError::KeyFile {
            path: self.path.to_owned(),
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    fn string(&self, field: &str) -> Result<Option<&str>, KeyError> {
        match self.map.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.err(field, "expected a string")),
        }
    }

    fn read(&self, password: Option<&str>) -> Result<SessionSigner, KeyError> {
        let kind_text = self
            .string("kind")?
            .ok_or_else(|| self.err("kind", "expected a string"))?;
        let kind = parse_kind(kind_text).ok_or_else(|| KeyError::UnknownKind {
            path: self.path.to_owned(),
            kind: kind_text.chars().take(24).collect(),
        })?;
        let mut known = vec!["kind", "address", "privateKey", "keystore"];
        if kind.is_p256() {
            known.push("publicKey");
        }
        if kind == SignerKind::WebAuthn {
            known.push("origin");
        }
        if let Some(k) = self.map.keys().find(|k| !known.contains(&k.as_str())) {
            let shown: String = k.chars().take(24).collect();
            return Err(self.err(
                &shown,
                format!(
                    "not a field of a {} key file (expected: {})",
                    kind_name(kind),
                    known.join(", ")
                ),
            ));
        }
        let secret = self.secret(password)?;
        let signer = match kind {
            SignerKind::Secp256k1 => SessionSigner::Secp256k1(SessionKey::from_bytes(&secret)?),
            SignerKind::P256 => SessionSigner::P256(
                P256Key::from_bytes(&secret).ok_or(KeyError::InvalidP256Scalar)?,
            ),
            SignerKind::WebAuthn => {
                let key = P256Key::from_bytes(&secret).ok_or(KeyError::InvalidP256Scalar)?;
                let origin = self.string("origin")?.ok_or_else(|| {
                    self.err("origin", "missing (the web origin the passkey answers for)")
                })?;
                SessionSigner::passkey(key, origin)?
            }
        };
        if let Some(a) = self.string("address")? {
            let stated =
                crate::address::parse_address(a).map_err(|e| self.err("address", e.to_string()))?;
            if stated != signer.address() {
                return Err(self.err(
                    "address",
                    format!(
                        "the file states {stated} but its private key's address is {}",
                        signer.address()
                    ),
                ));
            }
        }
        if let Some(v) = self.map.get("publicKey") {
            let (Some(Value::String(x)), Some(Value::String(y)), 2) =
                (v.get("x"), v.get("y"), v.as_object().map_or(0, Map::len))
            else {
                return Err(self.err("publicKey", "expected { \"x\": \"0x…\", \"y\": \"0x…\" }"));
            };
            let stated = parse_p256_public_key(&format!("{x},{y}"))
                .map_err(|e| self.err("publicKey", e.to_string()))?;
            if Some(&stated) != signer.signer_key().p256() {
                return Err(self.err("publicKey", "not the private key's public key"));
            }
        }
        Ok(signer)
    }

    /// The 32 secret bytes, from `privateKey` or the `keystore`.
    fn secret(&self, password: Option<&str>) -> Result<[u8; 32], KeyError> {
        match (self.map.get("privateKey"), self.map.get("keystore")) {
            (Some(_), Some(_)) => {
                Err(self.err("keystore", "give privateKey or keystore, not both"))
            }
            (None, None) => Err(self.err("privateKey", "missing (or an encrypted keystore)")),
            (Some(v), None) => {
                let problem = "expected 32 bytes of hex (64 hex digits, optional 0x)";
                let Value::String(t) = v else {
                    return Err(self.err("privateKey", problem));
                };
                let t = t.trim();
                let digits = t.strip_prefix("0x").unwrap_or(t);
                if digits.len() != 64 {
                    return Err(self.err("privateKey", problem));
                }
                hex::decode(digits)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| self.err("privateKey", problem))
            }
            (None, Some(ks)) => {
                if !ks.is_object() {
                    return Err(self.err("keystore", "expected a v3 keystore object"));
                }
                let password = password.ok_or_else(|| KeyError::PasswordRequired {
                    path: self.path.to_owned(),
                })?;
                keystore::decrypt(&ks.to_string(), password).map_err(|source| KeyError::Keystore {
                    path: self.path.to_owned(),
                    source,
                })
            }
        }
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

    use crate::p256_key::{verifies_p256, verifies_webauthn};
    use sessionkey_policy::signer::{P256Signature, Proof};

    const ORIGIN: &str = "https://wallet.example";

    fn signers() -> [SessionSigner; 3] {
        [
            SessionSigner::Secp256k1(SessionKey::from_bytes(&[7u8; 32]).unwrap()),
            SessionSigner::P256(P256Key::from_bytes(&[8u8; 32]).unwrap()),
            SessionSigner::passkey(P256Key::from_bytes(&[9u8; 32]).unwrap(), ORIGIN).unwrap(),
        ]
    }

    /// Whether `sig` is what the module accepts from `signer` over `digest`.
    fn accepted(signer: &SessionSigner, digest: &B256, sig: &[u8]) -> bool {
        let public = signer.signer_key();
        match (
            Proof::parse_signature(signer.kind(), sig).map(|(_, p)| p),
            public.p256(),
        ) {
            (Some(Proof::Secp256k1(s)), None) => verifies(digest, &s),
            (Some(Proof::P256(s)), Some(pk)) => verifies_p256(digest, &s, pk),
            (Some(Proof::WebAuthn(a)), Some(pk)) => verifies_webauthn(digest, &a, pk),
            _ => false,
        }
    }

    /// Reads key-file text as [`SessionSigner::load`] reads a file named `key.json`.
    fn read(text: &str, password: Option<&str>) -> Result<SessionSigner, KeyError> {
        SessionSigner::from_file_text(text, Path::new("key.json"), password)
    }

    #[test]
    fn every_kind_signs_in_its_shape_over_the_session_digest() {
        let module = Address::repeat_byte(0xaa);
        for signer in signers() {
            for i in 0..4u8 {
                let hash = B256::repeat_byte(i);
                let sig = signer.sign_user_op_hash(&hash, module);
                assert_eq!(&sig[..20], signer.address().as_slice());
                match signer.kind() {
                    SignerKind::Secp256k1 => assert_eq!(sig.len(), 85),
                    SignerKind::P256 => assert_eq!(sig.len(), 84),
                    SignerKind::WebAuthn => assert!(sig.len() > 86 + 37),
                }
                assert!(accepted(&signer, &session_digest(&hash, module), &sig));
                assert!(!accepted(
                    &signer,
                    &session_digest(&hash, Address::ZERO),
                    &sig
                ));
            }
            assert_eq!(signer.public().address, signer.address());
            assert_eq!(signer.public().kind(), signer.kind());
        }
        // The record's P-256 signer address is the one the signatures name.
        let [_, p, w] = signers();
        let pk = *p.signer_key().p256().unwrap();
        assert_eq!(PublicSigner::p256(SignerKind::P256, pk), Some(p.public()));
        let wk = *w.signer_key().p256().unwrap();
        assert_eq!(
            PublicSigner::p256(SignerKind::WebAuthn, wk),
            Some(w.public())
        );
        assert_eq!(PublicSigner::p256(SignerKind::Secp256k1, pk), None);
    }

    #[test]
    fn estimation_signatures_have_the_shape_and_never_verify() {
        for signer in signers() {
            let real = signer.sign_user_op_hash(&B256::ZERO, Address::ZERO);
            let stand_in = signer.estimation_signature();
            assert_eq!(stand_in.len(), real.len());
            assert_eq!(&stand_in[..20], signer.address().as_slice());
            let ones = P256Signature {
                r: B256::with_last_byte(1),
                s: B256::with_last_byte(1),
            };
            match Proof::parse_signature(signer.kind(), &stand_in)
                .expect("parses as its kind")
                .1
            {
                Proof::Secp256k1(s) => assert_eq!((s.r, s.s, s.v), (ones.r, ones.s, 27)),
                Proof::P256(s) => assert_eq!(s, ones),
                Proof::WebAuthn(a) => {
                    assert_eq!(a.signature, ones);
                    assert!(a.user_present());
                }
            }
            let digest = session_digest(&B256::ZERO, Address::ZERO);
            assert!(!accepted(&signer, &digest, &stand_in));
        }
    }

    #[test]
    fn key_files_round_trip_for_every_kind() {
        for signer in signers() {
            let back = read(&signer.to_key_file(None), None).unwrap();
            assert_eq!(back.public(), signer.public());
            assert_eq!(back.to_key_file(None), signer.to_key_file(None));
        }
        // Encrypted (scrypt is slow in debug builds: one kind stands for all, they share the
        // code path).
        let [_, _, passkey] = signers();
        let enc = passkey.to_key_file(Some(("pw", ScryptCost::Light)));
        assert!(!enc.contains("privateKey"));
        assert!(matches!(
            read(&enc, None),
            Err(KeyError::PasswordRequired { .. })
        ));
        assert!(matches!(
            read(&enc, Some("nope")),
            Err(KeyError::Keystore {
                source: KeystoreError::WrongPassword,
                ..
            })
        ));
        let back = read(&enc, Some("pw")).unwrap();
        assert_eq!(back.public(), passkey.public());
        let SessionSigner::Passkey { origin, .. } = &back else {
            panic!("not a passkey: {back:?}");
        };
        assert_eq!(origin, ORIGIN);
        // The old secp256k1 forms still load, as secp256k1.
        let key = SessionKey::from_bytes(&[7u8; 32]).unwrap();
        let keystore = key.to_keystore("pw", ScryptCost::Light);
        for (text, pw) in [(key.private_key_hex(), None), (keystore, Some("pw"))] {
            let s = read(&text, pw).unwrap();
            assert_eq!(s.kind(), SignerKind::Secp256k1);
            assert_eq!(s.address(), key.address());
        }
    }

    #[test]
    fn a_key_file_is_never_read_as_another_kind() {
        let [_, p256, passkey] = signers();
        let f = std::env::temp_dir().join(format!("sessionkey-p256-{}.json", std::process::id()));
        std::fs::write(&f, p256.to_key_file(None)).unwrap();
        let e = SessionKey::load(&f, None).unwrap_err();
        std::fs::remove_file(&f).unwrap();
        assert!(matches!(
            e,
            KeyError::WrongKind {
                expected: SignerKind::Secp256k1,
                found: SignerKind::P256,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            format!("{}: is a p256 key file, not a secp256k1 key", f.display())
        );
        assert_eq!(
            read(&passkey.to_key_file(None), None).unwrap().kind(),
            SignerKind::WebAuthn
        );
        let unknown = r#"{"kind":"ed25519","privateKey":"0x01"}"#;
        assert_eq!(
            read(unknown, None).unwrap_err().to_string(),
            "key.json: kind: unknown key kind `ed25519` (expected secp256k1, p256 or passkey)"
        );
    }

    #[test]
    fn malformed_key_files_are_refused_without_showing_the_secret() {
        let [secp, p256, passkey] = signers();
        let p256_file: Value = serde_json::from_str(&p256.to_key_file(None)).unwrap();
        let secret = p256_file["privateKey"].as_str().unwrap().to_owned();
        let edit = |f: &dyn Fn(&mut Map<String, Value>)| {
            let mut v = p256_file.clone();
            f(v.as_object_mut().unwrap());
            v.to_string()
        };
        let refusal = |text: &str, field: &str, needle: &str| {
            let e = read(text, None).unwrap_err();
            let shown = e.to_string();
            assert!(
                matches!(&e, KeyError::KeyFile { field: f, .. } if f == field),
                "{shown}"
            );
            assert!(shown.contains(needle), "{shown}");
            assert!(!shown.contains(&secret[2..]), "{shown}");
        };
        refusal(
            &edit(&|m| {
                m.insert("origin".into(), ORIGIN.into());
            }),
            "origin",
            "not a field of a p256 key file",
        );
        refusal(
            &edit(&|m| {
                m.insert("privateKey".into(), secret[..40].into());
            }),
            "privateKey",
            "64 hex digits",
        );
        refusal(
            &edit(&|m| {
                m.insert("privateKey".into(), 12345.into());
            }),
            "privateKey",
            "64 hex digits",
        );
        refusal(
            &edit(&|m| {
                m.remove("privateKey");
            }),
            "privateKey",
            "missing",
        );
        let other = *passkey.signer_key().p256().unwrap();
        refusal(
            &edit(&|m| {
                m.insert("publicKey".into(), public_key_json(&other));
            }),
            "publicKey",
            "not the private key's public key",
        );
        refusal(
            &edit(&|m| {
                m.insert("address".into(), secp.address().to_checksum(None).into());
            }),
            "address",
            "its private key's address is",
        );
        // A passkey without its origin, or with one that is not an origin.
        let mut w: Value = serde_json::from_str(&passkey.to_key_file(None)).unwrap();
        w.as_object_mut().unwrap().remove("origin");
        refusal(&w.to_string(), "origin", "missing");
        w["origin"] = r#"https://a.example","x":"#.into();
        assert!(matches!(
            read(&w.to_string(), None),
            Err(KeyError::Origin { .. })
        ));
        // A flat v3 keystore marked with a kind is not the key-file shape.
        let key = SessionKey::from_bytes(&[7u8; 32]).unwrap();
        let mut flat: Value =
            serde_json::from_str(&key.to_keystore("pw", ScryptCost::Light)).unwrap();
        flat["kind"] = "p256".into();
        let e = read(&flat.to_string(), Some("pw"));
        assert!(matches!(e, Err(KeyError::KeyFile { .. })), "{e:?}");
        // Not JSON at all.
        assert!(matches!(
            read("{\"kind\": ", None),
            Err(KeyError::KeyFile { .. })
        ));
    }

    #[test]
    fn public_keys_parse_in_both_spellings_and_off_curve_points_are_refused() {
        let [_, p256, _] = signers();
        let pk = *p256.signer_key().p256().unwrap();
        assert_eq!(
            parse_p256_public_key(&format!("{},{}", pk.x, pk.y)).unwrap(),
            pk
        );
        let sec1 = format!("0x04{}{}", hex::encode(pk.x), hex::encode(pk.y));
        assert_eq!(parse_p256_public_key(&sec1).unwrap(), pk);
        let off = format!("{},{}", pk.x, B256::with_last_byte(1));
        assert!(matches!(
            parse_p256_public_key(&off),
            Err(KeyError::PublicKey(_))
        ));
        assert!(matches!(
            parse_p256_public_key("0x1234,0x56"),
            Err(KeyError::PublicKey(_))
        ));
        assert!(matches!(
            parse_p256_public_key("zz"),
            Err(KeyError::PublicKey(_))
        ));
    }

    #[test]
    fn origins_and_kind_names() {
        for good in [
            "https://wallet.example",
            "http://localhost:5173",
            "https://[::1]:8443",
        ] {
            SessionSigner::generate(SignerKind::WebAuthn, Some(good)).unwrap();
        }
        for bad in [
            "wallet.example",
            "https://",
            "https://a.example/path",
            "https://a b",
            "https://a\"b",
        ] {
            assert!(
                matches!(
                    SessionSigner::generate(SignerKind::WebAuthn, Some(bad)),
                    Err(KeyError::Origin { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            SessionSigner::generate(SignerKind::WebAuthn, None),
            Err(KeyError::OriginForKind { .. })
        ));
        assert!(matches!(
            SessionSigner::generate(SignerKind::P256, Some("https://a.example")),
            Err(KeyError::OriginForKind { .. })
        ));
        for kind in [
            SignerKind::Secp256k1,
            SignerKind::P256,
            SignerKind::WebAuthn,
        ] {
            assert_eq!(parse_kind(kind_name(kind)), Some(kind));
        }
        assert_eq!(parse_kind("WebAuthn"), Some(SignerKind::WebAuthn));
        assert_eq!(parse_kind("ed25519"), None);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = SessionKey::from_bytes(&[7u8; 32]).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains(&key.private_key_hex()[2..]));
        for signer in signers() {
            let file: Value = serde_json::from_str(&signer.to_key_file(None)).unwrap();
            let secret = file["privateKey"].as_str().unwrap();
            assert!(!format!("{signer:?}").contains(&secret[2..]));
        }
    }
}
