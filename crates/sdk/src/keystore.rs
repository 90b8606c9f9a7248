//! Web3 Secret Storage Definition, version 3: the encrypted key file geth, foundry (`cast wallet`)
//! and most wallets write.
//!
//! ```text
//! derived = KDF(password, salt)            scrypt(n, r, p) or PBKDF2-HMAC-SHA256(c), dklen 32
//! mac     = keccak256(derived[16..32] ‖ ciphertext)
//! secret  = AES-128-CTR(key = derived[0..16], iv) over ciphertext
//! ```
//!
//! Reading accepts both KDFs (and the `Crypto` spelling some tools use); writing uses scrypt.
//! KDF parameters are bounded so a hostile file cannot make us allocate or spin without limit.

use aes::Aes128;
use alloy_primitives::{hex, keccak256, Address};
use ctr::cipher::{KeyIvInit, StreamCipher};
use rand_core::RngCore;
use serde::{Deserialize, Serialize};

type Aes128Ctr = ctr::Ctr128BE<Aes128>;

/// Largest scrypt memory (128·r·n bytes) accepted when reading: 1 GiB.
pub const MAX_SCRYPT_MEMORY: u64 = 1 << 30;
/// Largest PBKDF2 iteration count accepted when reading.
pub const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;

/// Why a keystore cannot be opened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeystoreError {
    /// Not JSON of the expected shape.
    #[error("not a v3 keystore: {0}")]
    Format(String),
    /// A version other than 3.
    #[error("version {0} is not supported (only 3)")]
    Version(u64),
    /// A cipher other than aes-128-ctr.
    #[error("cipher `{0}` is not supported (only aes-128-ctr)")]
    Cipher(String),
    /// A KDF other than scrypt or pbkdf2 (hmac-sha256).
    #[error("kdf `{0}` is not supported (scrypt, or pbkdf2 with hmac-sha256)")]
    Kdf(String),
    /// KDF parameters out of the accepted range.
    #[error("kdfparams.{field}: {problem}")]
    KdfParams {
        /// The parameter.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// A hex field that does not decode or has the wrong length.
    #[error("crypto.{0}: not hex of the expected length")]
    Hex(&'static str),
    /// The MAC does not match: wrong password (or a corrupted file).
    #[error("wrong password (MAC mismatch)")]
    WrongPassword,
}

/// scrypt cost when writing a keystore.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScryptCost {
    /// geth's standard parameters: n = 2^18, r = 8, p = 1 (256 MiB, about a second).
    Standard,
    /// geth's light parameters: n = 2^12, r = 8, p = 6 (fast; for tests and throwaway keys).
    Light,
}

impl ScryptCost {
    fn params(self) -> (u8, u32, u32) {
        match self {
            Self::Standard => (18, 8, 1),
            Self::Light => (12, 8, 6),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct KeystoreFile {
    version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(alias = "Crypto")]
    crypto: Crypto,
}

#[derive(Serialize, Deserialize)]
struct Crypto {
    cipher: String,
    cipherparams: CipherParams,
    ciphertext: String,
    kdf: String,
    kdfparams: serde_json::Value,
    mac: String,
}

#[derive(Serialize, Deserialize)]
struct CipherParams {
    iv: String,
}

#[derive(Deserialize)]
struct ScryptParamsJson {
    dklen: u32,
    n: u64,
    r: u32,
    p: u32,
    salt: String,
}

#[derive(Deserialize)]
struct Pbkdf2ParamsJson {
    dklen: u32,
    c: u32,
    prf: String,
    salt: String,
}

fn unhex(field: &'static str, text: &str, len: Option<usize>) -> Result<Vec<u8>, KeystoreError> {
    let bytes =
        hex::decode(text.trim_start_matches("0x")).map_err(|_| KeystoreError::Hex(field))?;
    match len {
        Some(n) if bytes.len() != n => Err(KeystoreError::Hex(field)),
        _ => Ok(bytes),
    }
}

fn params<T: for<'de> Deserialize<'de>>(v: &serde_json::Value) -> Result<T, KeystoreError> {
    serde_json::from_value(v.clone()).map_err(|e| KeystoreError::Format(format!("kdfparams: {e}")))
}

fn kdf_param(field: &'static str, problem: impl Into<String>) -> KeystoreError {
    KeystoreError::KdfParams {
        field,
        problem: problem.into(),
    }
}

/// Decrypts a v3 keystore (JSON text) with `password` into the 32-byte private key.
///
/// # Errors
/// Every [`KeystoreError`]; [`KeystoreError::WrongPassword`] when the MAC does not match.
pub fn decrypt(json: &str, password: &str) -> Result<[u8; 32], KeystoreError> {
    let file: KeystoreFile =
        serde_json::from_str(json).map_err(|e| KeystoreError::Format(e.to_string()))?;
    if file.version != 3 {
        return Err(KeystoreError::Version(file.version));
    }
    let c = &file.crypto;
    if c.cipher != "aes-128-ctr" {
        return Err(KeystoreError::Cipher(c.cipher.clone()));
    }
    let iv = unhex("cipherparams.iv", &c.cipherparams.iv, Some(16))?;
    let ciphertext = unhex("ciphertext", &c.ciphertext, Some(32))?;
    let mac = unhex("mac", &c.mac, Some(32))?;
    let mut derived = [0u8; 32];
    match c.kdf.as_str() {
        "scrypt" => {
            let p: ScryptParamsJson = params(&c.kdfparams)?;
            if p.dklen != 32 {
                return Err(kdf_param("dklen", "must be 32"));
            }
            if !p.n.is_power_of_two() || p.n < 2 {
                return Err(kdf_param("n", "must be a power of two above 1"));
            }
            if p.r == 0 || p.p == 0 {
                return Err(kdf_param("r", "r and p must be positive"));
            }
            let memory = 128u64.saturating_mul(p.r as u64).saturating_mul(p.n);
            if memory > MAX_SCRYPT_MEMORY {
                return Err(kdf_param("n", format!("needs {memory} bytes, above 1 GiB")));
            }
            let salt = unhex("kdfparams.salt", &p.salt, None)?;
            let log_n = p.n.trailing_zeros() as u8;
            let sp = scrypt::Params::new(log_n, p.r, p.p, 32)
                .map_err(|e| kdf_param("n", e.to_string()))?;
            scrypt::scrypt(password.as_bytes(), &salt, &sp, &mut derived)
                .map_err(|e| kdf_param("dklen", e.to_string()))?;
        }
        "pbkdf2" => {
            let p: Pbkdf2ParamsJson = params(&c.kdfparams)?;
            if p.dklen != 32 {
                return Err(kdf_param("dklen", "must be 32"));
            }
            if p.prf != "hmac-sha256" {
                return Err(KeystoreError::Kdf(format!("pbkdf2 with {}", p.prf)));
            }
            if p.c == 0 || p.c > MAX_PBKDF2_ROUNDS {
                return Err(kdf_param("c", format!("must be 1..={MAX_PBKDF2_ROUNDS}")));
            }
            let salt = unhex("kdfparams.salt", &p.salt, None)?;
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), &salt, p.c, &mut derived);
        }
        other => return Err(KeystoreError::Kdf(other.to_owned())),
    }
    let expected = keccak256([&derived[16..], &ciphertext[..]].concat());
    if expected.as_slice() != mac.as_slice() {
        return Err(KeystoreError::WrongPassword);
    }
    let mut secret: [u8; 32] = ciphertext.try_into().expect("checked length");
    let mut cipher = Aes128Ctr::new(derived[..16].into(), iv.as_slice().into());
    cipher.apply_keystream(&mut secret);
    Ok(secret)
}

/// Encrypts `secret` (the private key of `address`) under `password` with scrypt, as JSON text.
pub fn encrypt(secret: &[u8; 32], address: Address, password: &str, cost: ScryptCost) -> String {
    let mut rng = rand_core::OsRng;
    let mut salt = [0u8; 32];
    let mut iv = [0u8; 16];
    let mut id = [0u8; 16];
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut iv);
    rng.fill_bytes(&mut id);
    let (log_n, r, p) = cost.params();
    let sp = scrypt::Params::new(log_n, r, p, 32).expect("fixed valid parameters");
    let mut derived = [0u8; 32];
    scrypt::scrypt(password.as_bytes(), &salt, &sp, &mut derived).expect("32-byte output");
    let mut ciphertext = *secret;
    Aes128Ctr::new(derived[..16].into(), (&iv).into()).apply_keystream(&mut ciphertext);
    let mac = keccak256([&derived[16..], &ciphertext[..]].concat());
    // A random (version 4) UUID.
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
    let h = hex::encode(id);
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    );
    let file = KeystoreFile {
        version: 3,
        id: Some(uuid),
        address: Some(hex::encode(address)),
        crypto: Crypto {
            cipher: "aes-128-ctr".into(),
            cipherparams: CipherParams {
                iv: hex::encode(iv),
            },
            ciphertext: hex::encode(ciphertext),
            kdf: "scrypt".into(),
            kdfparams: serde_json::json!({
                "dklen": 32,
                "n": 1u64 << log_n,
                "r": r,
                "p": p,
                "salt": hex::encode(salt),
            }),
            mac: hex::encode(mac),
        },
    };
    serde_json::to_string_pretty(&file).expect("serialisable")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PBKDF2 test vector of the Web3 Secret Storage Definition (ethereum wiki).
    const SPEC_PBKDF2: &str = r#"{
        "crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": { "iv": "6087dab2f9fdbbfaddc31a909735c1e6" },
            "ciphertext": "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
            "kdf": "pbkdf2",
            "kdfparams": {
                "c": 262144, "dklen": 32, "prf": "hmac-sha256",
                "salt": "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"
            },
            "mac": "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"
        },
        "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
        "version": 3
    }"#;

    #[test]
    fn opens_the_spec_vector() {
        let secret = decrypt(SPEC_PBKDF2, "testpassword").unwrap();
        assert_eq!(
            hex::encode(secret),
            "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"
        );
        assert_eq!(
            decrypt(SPEC_PBKDF2, "wrong"),
            Err(KeystoreError::WrongPassword)
        );
    }

    #[test]
    fn scrypt_round_trip() {
        let secret = [0x42u8; 32];
        let json = encrypt(&secret, Address::ZERO, "pw", ScryptCost::Light);
        assert_eq!(decrypt(&json, "pw").unwrap(), secret);
        assert_eq!(decrypt(&json, "pW"), Err(KeystoreError::WrongPassword));
    }

    #[test]
    fn hostile_parameters_are_refused() {
        let json = encrypt(&[1u8; 32], Address::ZERO, "pw", ScryptCost::Light);
        let huge = json.replace("\"n\": 4096", "\"n\": 1073741824");
        assert!(matches!(
            decrypt(&huge, "pw"),
            Err(KeystoreError::KdfParams { field: "n", .. })
        ));
        let not_pow2 = json.replace("\"n\": 4096", "\"n\": 4095");
        assert!(matches!(
            decrypt(&not_pow2, "pw"),
            Err(KeystoreError::KdfParams { field: "n", .. })
        ));
        assert!(matches!(
            decrypt(&json.replace("aes-128-ctr", "aes-256-gcm"), "pw"),
            Err(KeystoreError::Cipher(_))
        ));
        assert!(matches!(decrypt("{}", "pw"), Err(KeystoreError::Format(_))));
    }
}
