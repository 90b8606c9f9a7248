//! P-256 session keys: a key that signs the session digest itself (as a cloud KMS or a secure
//! enclave does), and a passkey that signs it as a WebAuthn assertion. The module verifies both
//! through the RIP-7212 precompile; this module makes their signatures and checks them as the
//! module does (`sessionkey_policy::signer`), for the simulator and for tests.

use alloy_primitives::{keccak256, Address, B256, U256};
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sessionkey_policy::record::p256_signer;
use sessionkey_policy::signer::{
    base64url_32, P256PublicKey, P256Signature, WebAuthnAssertion, CLIENT_DATA_PREFIX,
    FLAG_USER_PRESENT, P256_HALF_ORDER, P256_ORDER,
};
use sha2::{Digest, Sha256};
use std::fmt;

/// A P-256 private key.
#[derive(Clone)]
pub struct P256Key {
    key: SigningKey,
    public: P256PublicKey,
}

impl fmt::Debug for P256Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        f.debug_struct("P256Key")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl P256Key {
    /// A fresh key from the operating system's randomness.
    pub fn generate() -> Self {
        Self::from_signing_key(SigningKey::random(&mut rand_core::OsRng))
    }

    /// The key with private scalar `bytes`; `None` for zero or a value not below the order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        SigningKey::from_slice(bytes)
            .ok()
            .map(Self::from_signing_key)
    }

    fn from_signing_key(key: SigningKey) -> Self {
        let point = key.verifying_key().to_encoded_point(false);
        let public = P256PublicKey {
            x: B256::from_slice(point.x().expect("an uncompressed point has x")),
            y: B256::from_slice(point.y().expect("an uncompressed point has y")),
        };
        Self { key, public }
    }

    /// The private scalar. Handle with care.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes().into()
    }

    /// The public key, as a session record holds it.
    pub fn public_key(&self) -> P256PublicKey {
        self.public
    }

    /// The session's signer address: `keccak256(x ‖ y)[12..]`.
    pub fn address(&self) -> Address {
        p256_signer(&self.public, |b| keccak256(b))
    }

    /// Signs a 32-byte hash as it is (no further hashing), low `s`.
    pub fn sign_prehash(&self, hash: &B256) -> P256Signature {
        let sig: Signature = self
            .key
            .sign_prehash(hash.as_slice())
            .expect("signing a 32-byte prehash cannot fail");
        let sig = sig.normalize_s().unwrap_or(sig);
        let bytes = sig.to_bytes();
        P256Signature {
            r: B256::from_slice(&bytes[..32]),
            s: B256::from_slice(&bytes[32..]),
        }
    }

    /// The session signature of a raw P-256 signer over `digest`: `signer ‖ r ‖ s`.
    pub fn sign_session_digest(&self, digest: &B256) -> Vec<u8> {
        let sig = self.sign_prehash(digest);
        let mut out = Vec::with_capacity(84);
        out.extend_from_slice(self.address().as_slice());
        out.extend_from_slice(sig.r.as_slice());
        out.extend_from_slice(sig.s.as_slice());
        out
    }

    /// A WebAuthn assertion over `challenge`, as a passkey in a browser would make it for
    /// `origin`: authenticator data with the user-present and user-verified flags, the client
    /// data in the order WebAuthn §5.8.1.1 fixes, and the signature over
    /// `sha256(authenticatorData ‖ sha256(clientDataJSON))`.
    pub fn webauthn_assert(&self, challenge: &B256, origin: &str, sign_count: u32) -> Assertion {
        let rp_id = origin
            .split("://")
            .nth(1)
            .unwrap_or(origin)
            .split([':', '/'])
            .next()
            .unwrap_or_default();
        let mut authenticator_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        // User present (bit 0) and user verified (bit 2).
        authenticator_data.push(FLAG_USER_PRESENT | 0x04);
        authenticator_data.extend_from_slice(&sign_count.to_be_bytes());
        let challenge_text =
            String::from_utf8(base64url_32(challenge).to_vec()).expect("base64url is ASCII");
        let client_data_json = format!(
            r#"{{"type":"webauthn.get","challenge":"{challenge_text}","origin":"{origin}","crossOrigin":false}}"#
        )
        .into_bytes();
        let signature = self.sign_prehash(&webauthn_message_hash(
            &authenticator_data,
            &client_data_json,
        ));
        Assertion {
            authenticator_data,
            client_data_json,
            signature,
        }
    }
}

/// A WebAuthn assertion as a browser returns it (`AuthenticatorAssertionResponse`), with the
/// DER signature already read into `r ‖ s`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assertion {
    /// `authenticatorData`.
    pub authenticator_data: Vec<u8>,
    /// `clientDataJSON`, whole.
    pub client_data_json: Vec<u8>,
    /// The signature.
    pub signature: P256Signature,
}

/// Why an assertion cannot be carried in a session signature.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    /// The client data does not start `{"type":"webauthn.get","challenge":"<challenge>"`.
    #[error("clientDataJSON does not start with the webauthn.get type and the expected challenge (WebAuthn §5.8.1.1 order)")]
    ClientDataMismatch,
    /// Authenticator data longer than the 16-bit length field holds, or shorter than 37 bytes.
    #[error("authenticatorData of {0} bytes (37 to 65,535)")]
    AuthenticatorDataLength(usize),
}

impl Assertion {
    /// The session signature carrying this assertion for `signer`:
    /// `signer ‖ r ‖ s ‖ u16 len ‖ authenticatorData ‖ clientDataJSON tail`, the tail being
    /// what follows the challenge's closing quote (the module rebuilds the rest), with `s`
    /// made low ([`low_s`]).
    ///
    /// # Errors
    /// [`AssertionError`] when the assertion is not for `challenge` or cannot be encoded.
    pub fn session_signature(
        &self,
        signer: Address,
        challenge: &B256,
    ) -> Result<Vec<u8>, AssertionError> {
        let mut head = CLIENT_DATA_PREFIX.to_vec();
        head.extend_from_slice(&base64url_32(challenge));
        head.push(b'"');
        let tail = self
            .client_data_json
            .strip_prefix(head.as_slice())
            .ok_or(AssertionError::ClientDataMismatch)?;
        let len = self.authenticator_data.len();
        let len16 = u16::try_from(len)
            .ok()
            .filter(|l| *l >= 37)
            .ok_or(AssertionError::AuthenticatorDataLength(len))?;
        let signature = low_s(&self.signature);
        let mut out = Vec::with_capacity(86 + len + tail.len());
        out.extend_from_slice(signer.as_slice());
        out.extend_from_slice(signature.r.as_slice());
        out.extend_from_slice(signature.s.as_slice());
        out.extend_from_slice(&len16.to_be_bytes());
        out.extend_from_slice(&self.authenticator_data);
        out.extend_from_slice(tail);
        Ok(out)
    }
}

/// `sig` with `s` in the lower half: `(r, n − s)` verifies wherever `(r, s)` does, and the
/// module takes only the low form. Authenticators return either half (a browser's DER
/// signature is not normalised), so a wallet must normalise before it sends.
pub fn low_s(sig: &P256Signature) -> P256Signature {
    let s = U256::from_be_bytes(sig.s.0);
    if s <= U256::from_be_bytes(P256_HALF_ORDER) {
        return *sig;
    }
    P256Signature {
        r: sig.r,
        s: B256::from(U256::from_be_bytes(P256_ORDER) - s),
    }
}

/// `sha256(authenticatorData ‖ sha256(clientDataJSON))`: the hash a passkey signs.
pub fn webauthn_message_hash(authenticator_data: &[u8], client_data_json: &[u8]) -> B256 {
    let client_data_hash = Sha256::digest(client_data_json);
    let mut h = Sha256::new();
    h.update(authenticator_data);
    h.update(client_data_hash);
    B256::from_slice(&h.finalize())
}

/// What `P256VERIFY` answers for `sig` by `key` over `hash` (high `s` accepted, as the
/// precompile does).
pub fn p256_verify(hash: &B256, sig: &P256Signature, key: &P256PublicKey) -> bool {
    let mut sec1 = [0u8; 65];
    sec1[0] = 4;
    sec1[1..33].copy_from_slice(key.x.as_slice());
    sec1[33..].copy_from_slice(key.y.as_slice());
    let (Ok(key), Ok(sig)) = (
        VerifyingKey::from_sec1_bytes(&sec1),
        Signature::from_scalars(sig.r.0, sig.s.0),
    ) else {
        return false;
    };
    key.verify_prehash(hash.as_slice(), &sig).is_ok()
}

/// Whether the module accepts a raw P-256 session signature over `digest`: low `s`, and the
/// precompile verifies it.
pub fn verifies_p256(digest: &B256, sig: &P256Signature, key: &P256PublicKey) -> bool {
    sig.is_canonical() && p256_verify(digest, sig, key)
}

/// Whether the module accepts a WebAuthn session signature with `challenge`: low `s`, the
/// user-present flag, and the precompile verifies the rebuilt message.
pub fn verifies_webauthn(
    challenge: &B256,
    assertion: &WebAuthnAssertion<'_>,
    key: &P256PublicKey,
) -> bool {
    let client_data = assertion.client_data(challenge);
    let hash = webauthn_message_hash(assertion.authenticator_data, &client_data);
    assertion.signature.is_canonical()
        && assertion.user_present()
        && p256_verify(&hash, &assertion.signature, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessionkey_policy::signer::{Proof, SignerKind};

    #[test]
    fn raw_signatures_are_low_s_and_verify() {
        let key = P256Key::from_bytes(&[9u8; 32]).unwrap();
        for i in 0..16u8 {
            let digest = keccak256([i]);
            let sig = key.sign_prehash(&digest);
            assert!(sig.is_canonical());
            assert!(verifies_p256(&digest, &sig, &key.public_key()));
            assert!(!verifies_p256(&keccak256([i, 1]), &sig, &key.public_key()));
            let bytes = key.sign_session_digest(&digest);
            assert_eq!(bytes.len(), 84);
            assert_eq!(
                Proof::parse(SignerKind::P256, key.address(), &bytes[20..]),
                Some(Proof::P256(sig))
            );
        }
    }

    #[test]
    fn a_webauthn_assertion_round_trips_through_the_session_signature() {
        let key = P256Key::from_bytes(&[3u8; 32]).unwrap();
        let challenge = keccak256(b"op");
        let a = key.webauthn_assert(&challenge, "https://wallet.example", 7);
        let bytes = a.session_signature(key.address(), &challenge).unwrap();
        let Some(Proof::WebAuthn(parsed)) =
            Proof::parse(SignerKind::WebAuthn, key.address(), &bytes[20..])
        else {
            panic!("not a WebAuthn proof");
        };
        assert_eq!(parsed.client_data(&challenge), a.client_data_json);
        assert_eq!(parsed.authenticator_data, a.authenticator_data.as_slice());
        assert!(verifies_webauthn(&challenge, &parsed, &key.public_key()));
        assert!(!verifies_webauthn(
            &keccak256(b"other"),
            &parsed,
            &key.public_key()
        ));
        // An assertion for another challenge cannot even be encoded for this one.
        assert_eq!(
            a.session_signature(key.address(), &keccak256(b"other")),
            Err(AssertionError::ClientDataMismatch)
        );
    }

    /// A real browser assertion (Chrome, a platform passkey, `http://localhost:5500`), as
    /// published in SoulWallet/soul-wallet-contract `test/libraries/WebAuthn.t.sol` and
    /// `contracts/dev/TestWebAuthn.sol` (commit 03ed193): the challenge is a 32-byte hash, and
    /// the authenticator's `s` is in the upper half, as half of all real assertions are.
    #[test]
    fn a_real_browser_assertion_verifies_once_its_s_is_made_low() {
        use alloy_primitives::{b256, hex};
        let key = P256PublicKey {
            x: b256!("e89e8b4be943fadb4dc599fe2e8af87a79b438adde328a3b72d43324506cd5b6"),
            y: b256!("4fbfe4a2f9934783c3b1af712ee87abc08f576e79346efc3b8355d931bd7b976"),
        };
        let challenge = b256!("83714056da6e6910b51595330c2c2cdfbf718f2deff5bdd84b95df7a7f36f6dd");
        let assertion = Assertion {
            authenticator_data: hex!(
                "49960de5880e8c687434170f6476605b8fe4aeb9a28632c7995cf3ba831d97630500000000"
            )
            .to_vec(),
            client_data_json: br#"{"type":"webauthn.get","challenge":"g3FAVtpuaRC1FZUzDCws379xjy3v9b3YS5Xfen829t0","origin":"http://localhost:5500","crossOrigin":false}"#.to_vec(),
            signature: P256Signature {
                r: b256!("2ae3ddfe4cc414dc0fad7ff3a5c960d1cee1211722d3099ade76e5ac1826731a"),
                s: b256!("87e5d654f357e4cd6cb52512b2da4d91eae0ae48e9d892ce532b9352f63a55d6"),
            },
        };
        // Our base64url of the challenge is the browser's.
        assert_eq!(
            &base64url_32(&challenge),
            b"g3FAVtpuaRC1FZUzDCws379xjy3v9b3YS5Xfen829t0"
        );
        // The precompile accepts it as the browser made it; the module's low-s rule does not.
        let hash =
            webauthn_message_hash(&assertion.authenticator_data, &assertion.client_data_json);
        assert!(p256_verify(&hash, &assertion.signature, &key));
        assert!(!assertion.signature.is_canonical());
        // Carried in a session signature, `s` is made low, and the module's checks pass.
        let signer = p256_signer(&key, |b| keccak256(b));
        let bytes = assertion.session_signature(signer, &challenge).unwrap();
        let Some(Proof::WebAuthn(parsed)) =
            Proof::parse(SignerKind::WebAuthn, signer, &bytes[20..])
        else {
            panic!("not a WebAuthn proof");
        };
        assert!(parsed.signature.is_canonical());
        assert_eq!(parsed.client_data(&challenge), assertion.client_data_json);
        assert!(verifies_webauthn(&challenge, &parsed, &key));
        // The tail the signature carries is what follows the challenge, and nothing else.
        assert_eq!(
            parsed.client_data_tail,
            br#","origin":"http://localhost:5500","crossOrigin":false}"#
        );
    }
}
