//! `abi_args` decodes what alloy-sol-types encodes, exactly, and refuses what alloy would
//! tolerate but Solidity never writes.

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::SolValue;
use proptest::prelude::*;
use sessionkey_policy::abi_args::{
    address_word_bytes, addresses, single_bytes, static_words, uint,
};
use sessionkey_policy::ExecutionError;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn single_bytes_equals_alloy(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let encoded = Bytes::from(data.clone()).abi_encode();
        prop_assert_eq!(single_bytes(&encoded).unwrap(), &data[..]);
        prop_assert_eq!(Bytes::abi_decode(&encoded).unwrap().to_vec(), data);
    }

    #[test]
    fn address_word_bytes_equals_alloy(
        a in any::<[u8; 20]>(), w in any::<[u8; 32]>(), data in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let (a, w) = (Address::from(a), B256::from(w));
        let encoded = (a, w, Bytes::from(data.clone())).abi_encode_params();
        prop_assert_eq!(address_word_bytes(&encoded).unwrap(), (a, w, &data[..]));
    }

    #[test]
    fn mutated_address_word_bytes_are_refused_or_decode_like_alloy(
        data in proptest::collection::vec(any::<u8>(), 0..100), at in any::<prop::sample::Index>(), byte in any::<u8>(),
    ) {
        let mut encoded = (Address::repeat_byte(7), B256::repeat_byte(9), Bytes::from(data)).abi_encode_params();
        let i = at.index(encoded.len());
        encoded[i] = byte;
        if let Ok((a, w, ours)) = address_word_bytes(&encoded) {
            let theirs = <(Address, B256, Bytes)>::abi_decode_params(&encoded).unwrap();
            prop_assert_eq!((a, w, ours), (theirs.0, theirs.1, &theirs.2[..]));
            prop_assert_eq!(theirs.abi_encode_params(), encoded);
        }
    }

    #[test]
    fn addresses_equal_alloy(a in any::<[u8; 20]>(), b in any::<[u8; 20]>(), c in any::<[u8; 20]>()) {
        let (a, b, c) = (Address::from(a), Address::from(b), Address::from(c));
        let encoded = (a, b, c).abi_encode_params();
        prop_assert_eq!(addresses::<3>(&encoded).unwrap(), [a, b, c]);
        let encoded = (a, b).abi_encode_params();
        prop_assert_eq!(addresses::<2>(&encoded).unwrap(), [a, b]);
    }

    #[test]
    fn uint_equals_alloy(v in any::<[u8; 32]>()) {
        let v = U256::from_be_bytes(v);
        let encoded = v.abi_encode();
        prop_assert_eq!(uint(&static_words::<1>(&encoded).unwrap()[0]), v);
    }

    #[test]
    fn mutated_bytes_are_refused_or_decode_like_alloy(
        data in proptest::collection::vec(any::<u8>(), 0..100), at in any::<prop::sample::Index>(), byte in any::<u8>(),
    ) {
        let mut encoded = Bytes::from(data).abi_encode();
        let i = at.index(encoded.len());
        encoded[i] = byte;
        if let Ok(ours) = single_bytes(&encoded) {
            // Accepted means canonical: alloy reads the same bytes and re-encodes identically.
            let theirs = Bytes::abi_decode(&encoded).unwrap();
            prop_assert_eq!(ours, &theirs[..]);
            prop_assert_eq!(theirs.abi_encode(), encoded);
        }
    }
}

#[test]
fn address_word_bytes_rejections() {
    let good = (
        Address::repeat_byte(1),
        B256::repeat_byte(2),
        Bytes::from(vec![1u8, 2, 3]),
    )
        .abi_encode_params();
    assert!(address_word_bytes(&good).is_ok());
    let mut dirty = good.clone();
    dirty[0] = 1;
    assert_eq!(
        address_word_bytes(&dirty),
        Err(ExecutionError::DirtyAddress)
    );
    let mut off = good.clone();
    off[95] = 0x80;
    assert_eq!(
        address_word_bytes(&off),
        Err(ExecutionError::NonCanonicalOffset)
    );
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(
        address_word_bytes(&trailing),
        Err(ExecutionError::TrailingBytes)
    );
    let mut padding = good.clone();
    *padding.last_mut().unwrap() = 1;
    assert_eq!(
        address_word_bytes(&padding),
        Err(ExecutionError::DirtyPadding)
    );
    assert_eq!(
        address_word_bytes(&good[..64]),
        Err(ExecutionError::TooShort)
    );
}

#[test]
fn single_bytes_rejections() {
    let good = Bytes::from(vec![1u8, 2, 3]).abi_encode();
    let mut off = good.clone();
    off[31] = 0x40;
    assert_eq!(single_bytes(&off), Err(ExecutionError::NonCanonicalOffset));
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(single_bytes(&trailing), Err(ExecutionError::TrailingBytes));
    let mut padding = good.clone();
    padding[64 + 3] = 9;
    assert_eq!(single_bytes(&padding), Err(ExecutionError::DirtyPadding));
    let mut long = good.clone();
    long[63] = 200;
    assert_eq!(single_bytes(&long), Err(ExecutionError::LengthOutOfBounds));
    assert_eq!(single_bytes(&good[..31]), Err(ExecutionError::TooShort));
}

#[test]
fn static_word_rejections() {
    let mut dirty = [0u8; 32];
    dirty[0] = 1;
    assert_eq!(addresses::<1>(&dirty), Err(ExecutionError::DirtyAddress));
    assert_eq!(static_words::<1>(&[0u8; 31]), Err(ExecutionError::TooShort));
    assert_eq!(
        static_words::<1>(&[0u8; 33]),
        Err(ExecutionError::TrailingBytes)
    );
    assert_eq!(static_words::<0>(&[]), Ok([] as [B256; 0]));
}
