//! Test support shared by the workspace's tests, so each fact about the outside world is
//! written once: what the ecrecover precompile answers, how a test derives a session key, and
//! the demo permission the contract, SDK and end-to-end tests all exercise.
#![deny(missing_docs)]

use alloy_primitives::{Address, B256, U256};
use sessionkey_policy::layout::{CallKey, SelectorMatch, TargetMatch};
use sessionkey_policy::signature::SessionSignature;
use sessionkey_policy::signer::{P256PublicKey, P256Signature};
use sessionkey_policy::{
    erc20, CallPolicy, Condition, Limit, ParamRule, SessionRecord, TokenCap, TokenLimit,
};
use sessionkey_sdk::key::ecrecover;
use sessionkey_sdk::p256_key::{p256_verify, P256Key};
use sessionkey_sdk::SessionKey;

/// What the ecrecover precompile (address 1) returns for `input` = `hash ‖ v ‖ r ‖ s` (input
/// shorter than 128 bytes is zero-padded, longer is cut, as the precompile reads it): the
/// signer's address as a word, or nothing for a `v` other than 27 / 28 or an unrecoverable
/// signature. High `s` is accepted, as the precompile does; refusing it is the module's job.
/// Recovery itself is the SDK's [`ecrecover`], the one the simulator uses.
pub fn ecrecover_precompile(input: &[u8]) -> Vec<u8> {
    let mut padded = [0u8; 128];
    let n = input.len().min(128);
    padded[..n].copy_from_slice(&input[..n]);
    let word = |i: usize| B256::from_slice(&padded[32 * i..32 * (i + 1)]);
    let v = U256::from_be_bytes(word(1).0);
    let (Ok(v @ (27 | 28)),) = (u8::try_from(v),) else {
        return Vec::new();
    };
    let sig = SessionSignature {
        signer: Address::ZERO,
        r: word(2),
        s: word(3),
        v,
    };
    ecrecover(&word(0), &sig)
        .map(|a| a.into_word().to_vec())
        .unwrap_or_default()
}

/// What `P256VERIFY` (RIP-7212, address 0x100) returns for `input` =
/// `hash ‖ r ‖ s ‖ x ‖ y`: the word 1 when the signature verifies, nothing otherwise (input
/// other than 160 bytes included). High `s` is accepted, as the precompile does. Verification
/// is the SDK's [`p256_verify`], the one the simulator uses.
pub fn p256verify_precompile(input: &[u8]) -> Vec<u8> {
    let Ok(input) = <&[u8; 160]>::try_from(input) else {
        return Vec::new();
    };
    let word = |i: usize| B256::from_slice(&input[32 * i..32 * (i + 1)]);
    let sig = P256Signature {
        r: word(1),
        s: word(2),
    };
    let key = P256PublicKey {
        x: word(3),
        y: word(4),
    };
    if p256_verify(&word(0), &sig, &key) {
        B256::with_last_byte(1).to_vec()
    } else {
        Vec::new()
    }
}

/// The P-256 key with private scalar `[seed; 32]`.
pub fn p256_key(seed: u8) -> P256Key {
    P256Key::from_bytes(&[seed; 32]).expect("a repeated small byte is a valid P-256 scalar")
}

/// The session key with private scalar `[seed; 32]`: deterministic addresses for tests.
pub fn session_key(seed: u8) -> SessionKey {
    SessionKey::from_bytes(&[seed; 32]).expect("a repeated non-zero byte is a valid scalar")
}

/// Test shorthand over the SDK's key: the module's 85-byte session signature as bytes.
pub trait SignOp {
    /// `signer ‖ r ‖ s ‖ v` over `keccak256(user_op_hash ‖ module)`.
    fn sign(&self, user_op_hash: B256, module: Address) -> Vec<u8>;
}

impl SignOp for SessionKey {
    fn sign(&self, user_op_hash: B256, module: Address) -> Vec<u8> {
        self.sign_user_op_hash(&user_op_hash, module)
            .to_bytes()
            .to_vec()
    }
}

/// A call entry on exactly `target` and `selector`.
pub fn entry(
    target: Address,
    selector: [u8; 4],
    max_value: u128,
    rules: Vec<ParamRule>,
) -> CallPolicy {
    CallPolicy {
        key: CallKey {
            target: TargetMatch::Exact(target),
            selector: SelectorMatch::Exact(selector),
        },
        max_value,
        rules,
    }
}

/// A call entry for plain transfers (empty calldata) to `target`.
pub fn receive_entry(target: Address, max_value: u128) -> CallPolicy {
    CallPolicy {
        key: CallKey {
            target: TargetMatch::Exact(target),
            selector: SelectorMatch::Empty,
        },
        max_value,
        rules: Vec::new(),
    }
}

/// One ether in wei.
pub const ETH: u128 = 1_000_000_000_000_000_000;

/// The demo permission of the contract and end-to-end tests: on `token`, `approve` only to
/// `dex` and at most 100 `unit`s, `transfer` freely, 150 `unit`s in total; plain ETH only to
/// `alice`, at most 1 ETH per call and in total; valid for [1000, 4600).
pub fn demo_record(
    signer: Address,
    token: Address,
    dex: Address,
    alice: Address,
    unit: u128,
) -> SessionRecord {
    let amount = |n: u128| B256::from(U256::from(n) * U256::from(unit));
    let mut calls = vec![
        entry(
            token,
            erc20::APPROVE,
            0,
            vec![
                ParamRule::new(Condition::Eq, 0, dex.into_word()),
                ParamRule::new(Condition::Lte, 1, amount(100)),
            ],
        ),
        entry(token, erc20::TRANSFER, 0, vec![]),
        receive_entry(alice, ETH),
    ];
    // The encoding requires entries in ascending key order.
    calls.sort_by_key(|c| c.key.to_bytes());
    SessionRecord {
        signer,
        signer_key: Default::default(),
        valid_after: 1000,
        valid_until: 4600,
        native_cap: Limit::Limited(ETH),
        gas_budget: Limit::Unlimited,
        max_ops: None,
        paymaster: None,
        period: None,
        calls,
        token_caps: vec![TokenCap {
            token,
            limit: TokenLimit::Limited(U256::from(150) * U256::from(unit)),
        }],
        typed_data_scopes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::keccak256;
    use sessionkey_policy::signature::{digest_preimage, HALF_ORDER};

    fn input(sig: &SessionSignature, digest: &B256) -> Vec<u8> {
        sig.ecrecover_input(digest).to_vec()
    }

    #[test]
    fn the_stand_in_answers_as_the_precompile() {
        let key = session_key(7);
        let module = Address::repeat_byte(0x11);
        let hash = B256::repeat_byte(0x42);
        let digest = keccak256(digest_preimage(&hash, module));
        let sig = key.sign_user_op_hash(&hash, module);
        let signer = key.address().into_word().to_vec();
        assert_eq!(ecrecover_precompile(&input(&sig, &digest)), signer);
        // The high-s twin with the flipped parity recovers the same signer (the precompile
        // accepts it; the module refuses it).
        let order = (HALF_ORDER << 1) + U256::from(1);
        let twin = SessionSignature {
            s: B256::from(order - U256::from_be_bytes(sig.s.0)),
            v: if sig.v == 27 { 28 } else { 27 },
            ..sig
        };
        assert_eq!(ecrecover_precompile(&input(&twin, &digest)), signer);
        // v outside {27, 28}, in the low byte or above it: nothing.
        let mut bad = input(&sig, &digest);
        bad[63] = 29;
        assert!(ecrecover_precompile(&bad).is_empty());
        let mut high = input(&sig, &digest);
        high[62] = 1;
        assert!(ecrecover_precompile(&high).is_empty());
        // r = 0: unrecoverable.
        let zero_r = SessionSignature {
            r: B256::ZERO,
            ..sig
        };
        assert!(ecrecover_precompile(&input(&zero_r, &digest)).is_empty());
        // Short input is zero-padded: s = 0 is unrecoverable.
        assert!(ecrecover_precompile(&input(&sig, &digest)[..96]).is_empty());
    }

    #[test]
    fn the_demo_record_is_valid_and_sorted() {
        let r = demo_record(
            session_key(1).address(),
            Address::repeat_byte(0x70),
            Address::repeat_byte(0xde),
            Address::repeat_byte(0xa1),
            10,
        );
        let encoded = r.encode();
        assert_eq!(SessionRecord::decode(&encoded), Ok(r.clone()));
        assert_eq!(r.token_caps[0].limit, TokenLimit::Limited(U256::from(1500)));
    }
}
