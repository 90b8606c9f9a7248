//! The ERC-1271 typed-data parts of the policy crate against independent references:
//! alloy-sol-types' EIP-712 (`eip712_signing_hash`, `eip712Domain()` decoding), the ERC-7739
//! description rules as a table, and the scope check over a record in memory.

use alloy_primitives::{address, keccak256, Address, B256, U256};
use alloy_sol_types::{eip712_domain, sol, SolCall, SolStruct, SolValue};
use proptest::prelude::*;
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::typed_data::{
    decode_contents_descr, encode_trailer, in_window, AccountDomain, Eip712Domain, TypedDataScope,
    TypedDataSignature,
};
use sessionkey_policy::{scope_allows, Condition, Limit, ParamRule, SessionRecord, SignerKey};

sol! {
    struct Permit { address owner; address spender; uint256 value; uint256 nonce; uint256 deadline; }
    struct TypedDataSign {
        Permit contents;
        string name;
        string version;
        uint256 chainId;
        address verifyingContract;
        bytes32 salt;
    }
    function eip712Domain() returns (bytes1 fields, string name, string version, uint256 chainId,
        address verifyingContract, bytes32 salt, uint256[] extensions);
    // The same ABI with the strings as bytes: Solidity hashes a string's bytes, valid UTF-8 or
    // not, and so does the module.
    function eip712DomainBytes() returns (bytes1 fields, bytes name, bytes version, uint256 chainId,
        address verifyingContract, bytes32 salt, uint256[] extensions);
}

const PERMIT_TYPE: &str =
    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)";
const ACCOUNT: Address = address!("0x000000000000000000000000000000000000acc0");

fn keccak(b: &[u8]) -> B256 {
    keccak256(b)
}

fn permit(spender: Address, value: u64) -> Permit {
    Permit {
        owner: ACCOUNT,
        spender,
        value: U256::from(value),
        nonce: U256::from(3),
        deadline: U256::from(1_000_000),
    }
}

/// The contents words: `encodeData` without the typehash.
fn words(p: &Permit) -> Vec<u8> {
    p.eip712_encode_data()
}

fn signature(app: &B256, contents: &[u8], descr: &[u8]) -> Vec<u8> {
    let mut sig = vec![0x11; 20];
    sig.extend_from_slice(&[0x22; 65]);
    encode_trailer(&mut sig, app, contents, descr).unwrap();
    sig
}

fn account_domain(chain: u64, name: &str, version: &str) -> AccountDomain {
    AccountDomain {
        name_hash: keccak256(name),
        version_hash: keccak256(version),
        chain_id: B256::from(U256::from(chain)),
        verifying_contract: ACCOUNT.into_word(),
        salt: B256::ZERO,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Both digests equal alloy's EIP-712 of the app's `Permit` and of ERC-7739's nested
    /// `TypedDataSign { Permit contents; … }` under the app's domain.
    #[test]
    fn digests_equal_alloy_eip712(
        spender in any::<[u8; 20]>(), value in any::<u64>(), chain in 1u64..1_000_000,
        app_name in "[A-Za-z ]{0,40}", name in "[A-Za-z0-9]{0,40}",
    ) {
        let p = permit(Address::from(spender), value);
        let app = eip712_domain! {
            name: app_name,
            version: "1",
            chain_id: chain,
            verifying_contract: address!("0x0000000000000000000000000000000000007043"),
        };
        let separator = app.separator();
        let sig = signature(&separator, &words(&p), PERMIT_TYPE.as_bytes());
        let parsed = TypedDataSignature::parse(&sig).unwrap();
        let domain = account_domain(chain, &name, "1");
        let d = parsed.digests(&domain, &keccak);
        prop_assert_eq!(d.contents_typehash, p.eip712_type_hash());
        prop_assert_eq!(d.app_hash, p.eip712_signing_hash(&app));
        let nested = TypedDataSign {
            contents: p,
            name: name.clone(),
            version: "1".into(),
            chainId: U256::from(chain),
            verifyingContract: ACCOUNT,
            salt: B256::ZERO,
        };
        prop_assert_eq!(d.sign_digest, nested.eip712_signing_hash(&app));
    }

    /// `eip712Domain()` return data: ours decodes what alloy encodes.
    #[test]
    fn eip712_domain_decodes_like_alloy(
        name in "[ -~]{0,80}", version in "[ -~]{0,40}", chain in any::<[u8; 32]>(),
        contract in any::<[u8; 20]>(), salt in any::<[u8; 32]>(), fields in any::<u8>(),
    ) {
        let ret = eip712DomainCall::abi_encode_returns_tuple(&(
            alloy_primitives::FixedBytes::<1>::from([fields]),
            name.clone(),
            version.clone(),
            U256::from_be_bytes(chain),
            Address::from(contract),
            B256::from(salt),
            Vec::<U256>::new(),
        ));
        let d = Eip712Domain::decode(&ret).unwrap();
        prop_assert_eq!(d.fields, fields);
        prop_assert_eq!(d.name, name.as_bytes());
        prop_assert_eq!(d.version, version.as_bytes());
        prop_assert_eq!(d.chain_id, B256::from(chain));
        prop_assert_eq!(d.verifying_contract, Address::from(contract).into_word());
        prop_assert_eq!(d.salt, B256::from(salt));
    }

    /// Any byte changed: refused, or decoded to exactly what alloy decodes and re-encodes
    /// identically (canonical only).
    #[test]
    fn mutated_eip712_domain_is_refused_or_canonical(
        name in "[a-z]{0,40}", at in any::<prop::sample::Index>(), byte in any::<u8>(),
    ) {
        let mut ret = (
            alloy_primitives::FixedBytes::<1>::from([0x0f]),
            name,
            "1".to_string(),
            U256::from(42161),
            ACCOUNT,
            B256::ZERO,
            Vec::<U256>::new(),
        )
            .abi_encode_params();
        let i = at.index(ret.len());
        ret[i] = byte;
        if let Some(ours) = Eip712Domain::decode(&ret) {
            let theirs = eip712DomainBytesCall::abi_decode_returns(&ret).unwrap();
            prop_assert_eq!(ours.name, &theirs.name[..]);
            prop_assert_eq!(ours.version, &theirs.version[..]);
            prop_assert_eq!(ours.verifying_contract, theirs.verifyingContract.into_word());
            prop_assert!(theirs.extensions.is_empty());
            prop_assert_eq!(eip712DomainBytesCall::abi_encode_returns(&theirs), ret);
        }
    }
}

#[test]
fn eip712_domain_with_extensions_or_trailing_bytes_is_refused() {
    let ret = |ext: Vec<U256>| {
        (
            alloy_primitives::FixedBytes::<1>::from([0x0f]),
            "OzAccount7579".to_string(),
            "1".to_string(),
            U256::from(1),
            ACCOUNT,
            B256::ZERO,
            ext,
        )
            .abi_encode_params()
    };
    assert!(Eip712Domain::decode(&ret(vec![])).is_some());
    assert_eq!(Eip712Domain::decode(&ret(vec![U256::from(7739)])), None);
    let mut long = ret(vec![]);
    long.push(0);
    assert_eq!(Eip712Domain::decode(&long), None);
    assert_eq!(Eip712Domain::decode(&ret(vec![])[..224]), None);
    assert_eq!(Eip712Domain::decode(&[]), None);
}

/// ERC-7739 `contentsDescr` rules, one case per line: implicit mode, explicit mode, forbidden
/// characters in the name, empty names, and this module's `name(` prefix rule.
#[test]
fn contents_descr_cases() {
    let cases: &[(&str, Option<(&str, &str)>)] = &[
        (PERMIT_TYPE, Some(("Permit", PERMIT_TYPE))),
        ("A(uint256 x)", Some(("A", "A(uint256 x)"))),
        // Explicit: the name after the last ')'.
        (
            "Mail(Person from)Person(address a)Mail",
            Some(("Mail", "Mail(Person from)Person(address a)")),
        ),
        ("A(uint256 x)A", Some(("A", "A(uint256 x)"))),
        // Explicit mode naming a type the description does not start with.
        ("A(uint256 x)B", None),
        // Implicit mode with nothing before '('.
        ("(uint256 x)", None),
        ("", None),
        // No ')' at all in explicit mode.
        ("Permit", None),
        // Forbidden characters in the name (ERC-7739: \x00, space, ',', '(' , ')').
        ("Per mit(uint256 x)", None),
        ("Per,mit(uint256 x)", None),
        ("Per\0mit(uint256 x)", None),
        ("A(uint256 x)Per mit", None),
        ("A(uint256 x)A,B", None),
        ("A(uint256 x)A\0", None),
        ("A(uint256 x) A", None),
    ];
    for (descr, expected) in cases {
        let got = decode_contents_descr(descr.as_bytes());
        let expected = expected.map(|(n, t)| (n.as_bytes(), t.as_bytes()));
        assert_eq!(got, expected, "{descr:?}");
    }
}

#[test]
fn signature_parses_from_the_end_and_refuses_overruns() {
    let app = B256::repeat_byte(0xab);
    let contents = [7u8; 64];
    let sig = signature(&app, &contents, PERMIT_TYPE.as_bytes());
    let p = TypedDataSignature::parse(&sig).unwrap();
    assert_eq!(p.signer, Address::repeat_byte(0x11));
    assert_eq!(p.proof, &[0x22; 65][..]);
    assert_eq!(p.app_domain_separator, app);
    assert_eq!(p.contents, &contents[..]);
    assert_eq!(p.contents_name, b"Permit");
    assert_eq!(p.word(1), Some(B256::repeat_byte(7)));
    assert_eq!(p.word(2), None);
    // A word count larger than what precedes it.
    let mut bad = sig.clone();
    let n = bad.len() - 4;
    bad[n..n + 2].copy_from_slice(&60u16.to_be_bytes());
    assert_eq!(TypedDataSignature::parse(&bad), None);
    // A description length larger than the signature.
    let mut bad = sig.clone();
    let n = bad.len() - 2;
    bad[n..].copy_from_slice(&u16::MAX.to_be_bytes());
    assert_eq!(TypedDataSignature::parse(&bad), None);
    // No room for the signer.
    let mut short = vec![0u8; 19];
    encode_trailer(&mut short, &app, &contents, PERMIT_TYPE.as_bytes()).unwrap();
    assert_eq!(TypedDataSignature::parse(&short), None);
    assert_eq!(TypedDataSignature::parse(&[0, 0, 0]), None);
}

#[test]
fn window_bounds_are_inclusive() {
    assert!(in_window(10, 10, 20));
    assert!(in_window(20, 10, 20));
    assert!(!in_window(9, 10, 20));
    assert!(!in_window(21, 10, 20));
    assert!(in_window(u64::MAX, 10, 0));
}

fn scoped_record() -> SessionRecord {
    SessionRecord {
        signer: Address::repeat_byte(0x11),
        signer_key: SignerKey::Secp256k1,
        valid_after: 0,
        valid_until: 0,
        native_cap: Limit::Limited(0),
        gas_budget: Limit::Unlimited,
        max_ops: None,
        paymaster: None,
        period: None,
        calls: vec![],
        token_caps: vec![],
        typed_data_scopes: vec![TypedDataScope {
            app_domain_separator: B256::repeat_byte(0xab),
            contents_typehash: keccak256(PERMIT_TYPE),
            rules: vec![
                // spender (word 1) == 0xde..; value (word 2) ≤ 1000.
                ParamRule::new(Condition::Eq, 1, Address::repeat_byte(0xde).into_word()),
                ParamRule::new(Condition::Lte, 2, B256::from(U256::from(1000))),
            ],
        }],
    }
}

#[test]
fn scope_rules_read_the_contents_words() {
    let record = scoped_record();
    record.validate().unwrap();
    let mut store = MemoryStore::new(&record, 0);
    let th = keccak256(PERMIT_TYPE);
    let app = B256::repeat_byte(0xab);
    let ok = words(&permit(Address::repeat_byte(0xde), 1000));
    assert!(scope_allows(&mut store, &app, &th, &ok));
    let over = words(&permit(Address::repeat_byte(0xde), 1001));
    assert!(!scope_allows(&mut store, &app, &th, &over));
    let other_spender = words(&permit(Address::repeat_byte(0xdf), 1));
    assert!(!scope_allows(&mut store, &app, &th, &other_spender));
    // Another app, another type: no scope.
    assert!(!scope_allows(
        &mut store,
        &B256::repeat_byte(0xac),
        &th,
        &ok
    ));
    assert!(!scope_allows(&mut store, &app, &keccak256("Other()"), &ok));
    // Words missing for a rule: refused, never read as zero.
    assert!(!scope_allows(&mut store, &app, &th, &ok[..64]));
}
