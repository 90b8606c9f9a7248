//! The ERC-1271 typed-data parsers: strict, and agreeing with alloy-sol-types where it decodes.
//!
//! `TypedDataSignature::parse`: whatever it accepts re-encodes with `encode_trailer` (after
//! `signer ‖ proof`) to exactly the input, with the contents description in the mode the input
//! used: implicit (`contentsType`) or explicit (`contentsType ‖ contentsName`). Both modes are
//! ERC-7739's and read the same name and type, so each accepted signature has exactly one twin
//! in the other mode that parses to the same value (and so the same digests): the harness checks
//! the twin too. Nothing else maps two inputs to one value.
//!
//! `Eip712Domain::decode` against alloy's validating decoder of ERC-5267's return tuple, read
//! with the strings as `bytes` (same ABI; Solidity hashes a string's bytes, UTF-8 or not, and so
//! does the module): what ours accepts, alloy accepts with the same fields and no extensions.
//! Ours is stricter by design, so alloy accepting and ours refusing is allowed only where the
//! module documents it: a non-canonical encoding (alloy's value re-encodes to other bytes) or a
//! non-empty `extensions` (fail closed); a canonical, extension-free encoding ours refuses is a
//! difference. The `string` reading (validate, so UTF-8 checked) accepts exactly when the
//! strings ours read are UTF-8, with the same strings.
//!
//! `decode_contents_descr` against the ERC-7739 rules as typed_data.rs states them, written as a
//! search rather than ours' first/last-parenthesis scan: every way to read the description as
//! `type` (ending in `)`, implicit) or `type ‖ name` (explicit, not ending in `)`) with a
//! non-empty name free of `\x00`, space, `,`, `(`, `)` and a type starting with `name(`; there
//! must be at most one, and ours must return it, as sub-slices of the input at those places.
#![no_main]

use std::ops::Range;

use alloy_primitives::{Bytes, FixedBytes, U256};
use alloy_sol_types::{sol, SolCall};
use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use sessionkey_fuzz as gen;
use sessionkey_policy::typed_data::{
    decode_contents_descr, encode_trailer, Eip712Domain, TypedDataSignature,
};

sol! {
    // ERC-5267's getter.
    function eip712Domain() returns (bytes1 fields, string name, string version, uint256 chainId,
        address verifyingContract, bytes32 salt, uint256[] extensions);
    // The same ABI with the strings as bytes (see the module documentation above).
    function eip712DomainBytes() returns (bytes1 fields, bytes name, bytes version,
        uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions);
}

/// Where `inner` sits in `outer`, if it is a sub-slice of it.
fn range_in(outer: &[u8], inner: &[u8]) -> Option<Range<usize>> {
    let start = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    let end = start + inner.len();
    (end <= outer.len()).then_some(start..end)
}

fn valid_name(name: &[u8]) -> bool {
    !name.is_empty()
        && !name
            .iter()
            .any(|b| matches!(b, 0 | b' ' | b',' | b'(' | b')'))
}

/// Every reading of `descr` the ERC-7739 rules allow, as (name, type) ranges.
fn readings(descr: &[u8]) -> Vec<(Range<usize>, Range<usize>)> {
    let n = descr.len();
    let type_ok = |ty: Range<usize>, name: &Range<usize>| {
        let (t, nm) = (&descr[ty], &descr[name.clone()]);
        t.last() == Some(&b')') && t.starts_with(nm) && t.get(nm.len()) == Some(&b'(')
    };
    let mut out = Vec::new();
    if descr.last() == Some(&b')') {
        // Implicit: the type is everything; the name is a prefix followed by '('.
        for k in 1..n {
            if descr[k] == b'(' && valid_name(&descr[..k]) && type_ok(0..n, &(0..k)) {
                out.push((0..k, 0..n));
            }
        }
    } else {
        // Explicit: the type is a prefix ending in ')', the name the rest.
        for k in 1..n {
            if descr[k - 1] == b')' && valid_name(&descr[k..]) && type_ok(0..k, &(k..n)) {
                out.push((k..n, 0..k));
            }
        }
    }
    out
}

fn check_descr(descr: &[u8]) {
    let expected = readings(descr);
    assert!(expected.len() <= 1, "ambiguous description: {expected:?}");
    let ours = decode_contents_descr(descr).map(|(name, ty)| {
        let name = range_in(descr, name).expect("name is not a sub-slice of the description");
        let ty = range_in(descr, ty).expect("type is not a sub-slice of the description");
        (name, ty)
    });
    assert_eq!(
        ours,
        expected.into_iter().next(),
        "decode_contents_descr vs ERC-7739"
    );
}

/// `signer ‖ proof ‖ trailer` with `descr` as the description; `None` when a count overflows.
fn encode(p: &TypedDataSignature, descr: &[u8]) -> Option<Vec<u8>> {
    let mut out = p.signer.to_vec();
    out.extend_from_slice(p.proof);
    encode_trailer(&mut out, &p.app_domain_separator, p.contents, descr)?;
    Some(out)
}

fn check_signature(sig: &[u8]) {
    let Some(p) = TypedDataSignature::parse(sig) else {
        return;
    };
    assert_eq!(p.contents.len() % 32, 0);
    assert_eq!(
        decode_contents_descr(p.contents_type),
        Some((p.contents_name, p.contents_type)),
        "the type read is not an implicit-mode description of itself"
    );
    let implicit = encode(&p, p.contents_type);
    let explicit = encode(&p, &[p.contents_type, p.contents_name].concat());
    let (same, twin) = if implicit.as_deref() == Some(sig) {
        (implicit, explicit)
    } else {
        (explicit, implicit)
    };
    assert_eq!(
        same.as_deref(),
        Some(sig),
        "accepted a signature that does not re-encode"
    );
    // The other mode: another input, the same value (a count may overflow 16 bits there).
    if let Some(twin) = twin {
        assert_eq!(
            TypedDataSignature::parse(&twin),
            Some(p),
            "the other mode's twin"
        );
    }
}

fn check_domain(data: &[u8]) {
    let ours = Eip712Domain::decode(data);
    let theirs = eip712DomainBytesCall::abi_decode_returns_validate(data).ok();
    let Some(d) = ours else {
        if let Some(t) = theirs {
            assert!(
                !t.extensions.is_empty() || eip712DomainBytesCall::abi_encode_returns(&t) != data,
                "refused a canonical eip712Domain() without extensions: {:?} {:?}",
                t.name,
                t.version
            );
        }
        return;
    };
    let t = theirs.expect("ours accepts what alloy refuses");
    assert_eq!(d.fields, t.fields[0]);
    assert_eq!(d.name, &t.name[..]);
    assert_eq!(d.version, &t.version[..]);
    assert_eq!(U256::from_be_bytes(d.chain_id.0), t.chainId);
    assert_eq!(d.verifying_contract, t.verifyingContract.into_word());
    assert_eq!(d.salt, t.salt);
    assert!(t.extensions.is_empty(), "accepted extensions");
    assert_eq!(
        eip712DomainBytesCall::abi_encode_returns(&t),
        data,
        "accepted a non-canonical encoding"
    );
    let utf8 = std::str::from_utf8(d.name).is_ok() && std::str::from_utf8(d.version).is_ok();
    match eip712DomainCall::abi_decode_returns_validate(data) {
        Ok(s) => {
            assert!(utf8);
            assert_eq!(s.name.as_bytes(), d.name);
            assert_eq!(s.version.as_bytes(), d.version);
        }
        Err(_) => assert!(!utf8, "alloy's string reading refuses a UTF-8 domain"),
    }
}

/// Bytes that decide how a description reads, and a letter or two.
const DESCR_BYTES: &[u8] = b"()()AAB, \0x";
/// Type names: the pool makes explicit-mode names match their type now and then.
const NAMES: [&[u8]; 5] = [b"Permit", b"Mail", b"A", b"TypedDataSign", b""];

fn descr(u: &mut Unstructured) -> arbitrary::Result<Vec<u8>> {
    let mut d = Vec::new();
    if u.ratio(1, 3)? {
        // Soup of the bytes that matter.
        for _ in 0..u.int_in_range(0..=24u8)? {
            d.push(*u.choose(DESCR_BYTES)?);
        }
        return Ok(d);
    }
    let name = *u.choose(&NAMES)?;
    d.extend_from_slice(name);
    d.extend_from_slice(match u.int_in_range(0..=3u8)? {
        0 => &b"()"[..],
        1 => b"(uint256 x)",
        2 => b"(Person from,uint256 v)Person(address a)",
        _ => b"(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)",
    });
    match u.int_in_range(0..=3u8)? {
        0 => d.extend_from_slice(name),
        1 => d.extend_from_slice(u.choose(&NAMES)?),
        _ => {}
    }
    if u.ratio(1, 4)? {
        let at = u.int_in_range(0..=d.len())?;
        d.insert(at, *u.choose(DESCR_BYTES)?);
    }
    Ok(d)
}

fn bytes(u: &mut Unstructured, max: usize) -> arbitrary::Result<Vec<u8>> {
    let n = u.int_in_range(0..=max)?;
    Ok(u.bytes(n)?.to_vec())
}

fn structured_signature(u: &mut Unstructured) -> arbitrary::Result<()> {
    let descr = descr(u)?;
    check_descr(&descr);
    let mut sig = gen::address(u)?.to_vec();
    // Proofs: empty, an ECDSA signature's length, or anything short.
    let proof = match u.int_in_range(0..=2u8)? {
        0 => Vec::new(),
        1 => u.bytes(65)?.to_vec(),
        _ => bytes(u, 100)?,
    };
    sig.extend_from_slice(&proof);
    let separator = gen::word(u)?;
    let mut contents = Vec::new();
    for _ in 0..u.int_in_range(0..=4u8)? {
        contents.extend_from_slice(gen::word(u)?.as_slice());
    }
    encode_trailer(&mut sig, &separator, &contents, &descr).expect("small counts");
    // Encoded from parts: parsed back to them exactly when the description reads.
    let parsed = TypedDataSignature::parse(&sig);
    match decode_contents_descr(&descr) {
        Some((name, ty)) => {
            let p = parsed.expect("refused a well-formed signature");
            assert_eq!(
                (p.proof, p.app_domain_separator, p.contents),
                (&proof[..], separator, &contents[..])
            );
            assert_eq!((p.contents_name, p.contents_type), (name, ty));
        }
        None => assert_eq!(parsed, None),
    }
    if u.ratio(1, 4)? {
        // The counts: the fields a parser from the end trusts most.
        let at = sig.len() - u.int_in_range(1..=4usize)?;
        sig[at] = sig[at].wrapping_add(*u.choose(&[1u8, 255, 32, 224])?);
    }
    gen::check_mutated(u, sig, check_signature)
}

fn structured_domain(u: &mut Unstructured) -> arbitrary::Result<()> {
    let mut extensions = Vec::new();
    if u.ratio(1, 8)? {
        for _ in 0..u.int_in_range(1..=2u8)? {
            extensions.push(U256::from(u.arbitrary::<u16>()?));
        }
    }
    let text = |u: &mut Unstructured| -> arbitrary::Result<Bytes> {
        Ok(if u.ratio(3, 4)? {
            u.choose(&[&b"OzAccount7579"[..], b"1", b"", b"Kernel", b"\xff\xfe"])?
                .to_vec()
                .into()
        } else {
            bytes(u, 70)?.into()
        })
    };
    let ret = (
        FixedBytes::<1>::from([u.arbitrary::<u8>()?]),
        text(u)?,
        text(u)?,
        U256::from_be_bytes(gen::word(u)?.0),
        gen::address(u)?,
        gen::word(u)?,
        extensions,
    );
    let data = eip712DomainBytesCall::abi_encode_returns_tuple(&ret);
    let accepted = Eip712Domain::decode(&data);
    assert_eq!(accepted.is_some(), ret.6.is_empty(), "alloy's own encoding");
    gen::check_mutated(u, data, check_domain)
}

fn structured(u: &mut Unstructured) -> arbitrary::Result<()> {
    match u.int_in_range(0..=2u8)? {
        0 => structured_signature(u),
        1 => structured_domain(u),
        _ => {
            let d = descr(u)?;
            gen::check_mutated(u, d, check_descr)
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((0, rest)) => {
            check_signature(rest);
            check_domain(rest);
            check_descr(rest);
        }
        Some((_, rest)) => {
            let _ = structured(&mut Unstructured::new(rest));
        }
        None => {}
    }
});
