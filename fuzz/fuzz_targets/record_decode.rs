//! The record decoder: strict and canonical.
//!
//! Raw bytes: whatever `SessionRecord::decode` accepts re-encodes to exactly the same bytes (one
//! record, one encoding), passes `validate`, and `visit_exact` (what the contract runs to write
//! storage) agrees with it on acceptance, error and header. Structured: an arbitrary record that
//! `validate` accepts survives encode → decode unchanged, and a one-change mutation of its
//! encoding is either refused or canonical again.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use sessionkey_fuzz as gen;
use sessionkey_policy::record::{visit, visit_exact, CheckOnly, SessionRecord};

fn check_bytes(bytes: &[u8]) {
    let decoded = SessionRecord::decode(bytes);
    let visited = visit_exact(bytes, &mut CheckOnly);
    match (&decoded, &visited) {
        (Ok(r), Ok(h)) => {
            assert_eq!(r.encode(), bytes, "accepted a non-canonical encoding");
            assert_eq!(r.header(), *h, "visit and decode disagree on the header");
            assert_eq!(r.validate(), Ok(()));
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "visit and decode disagree on the error"),
        _ => panic!("decode {decoded:?} but visit {visited:?}"),
    }
    // A prefix decode (onInstall's back-to-back records) reads a canonical record too.
    if let Ok((r, used)) = SessionRecord::decode_prefix(bytes) {
        assert_eq!(r.encode(), bytes[..used]);
        assert_eq!(visit(bytes, &mut CheckOnly).map(|(_, n)| n), Ok(used));
    }
}

fn structured(u: &mut Unstructured) -> arbitrary::Result<()> {
    let signer = gen::address(u)?;
    let record = gen::record(u, signer)?;
    let bytes = record.encode();
    if record.validate().is_ok() {
        assert_eq!(SessionRecord::decode(&bytes).as_ref(), Ok(&record));
    } else {
        assert!(SessionRecord::decode(&bytes).is_err());
    }
    check_bytes(&bytes);
    let mut mutated = bytes;
    gen::mutate(u, &mut mutated)?;
    check_bytes(&mutated);
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((0, rest)) => check_bytes(rest),
        Some((_, rest)) => {
            let _ = structured(&mut Unstructured::new(rest));
        }
        None => {}
    }
});
