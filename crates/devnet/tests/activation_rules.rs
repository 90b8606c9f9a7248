//! Every Stylus activation rule, violated by a small module, is rejected with stylus-check's
//! error, and the rejected program stays unusable.

mod common;

use common::{devnet, wat, ALICE, GAS};
use stylus_devnet::{ActivationError, Bytes, CallStatus, DevnetError, U256};

const VALID_TAIL: &str = r#"
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param i32) (result i32) i32.const 0)"#;

fn module(body: &str) -> Vec<u8> {
    wat(&format!("(module {body})"))
}

/// Deploys `code` as-is, activates it, returns the activation error.
fn rejection(code: &[u8]) -> ActivationError {
    let mut chain = devnet();
    let address = chain
        .deploy_evm(ALICE, common_initcode(code))
        .expect("deploys");
    let error = chain.activate(address).expect_err("activation must fail");
    assert!(!chain.is_activated(address));
    let outcome = chain
        .call(ALICE, address, U256::ZERO, Bytes::new(), GAS)
        .unwrap();
    if stylus_check::is_stylus_code(code) {
        assert_eq!(
            outcome.status,
            CallStatus::Revert,
            "a rejected program must not run"
        );
    }
    match error {
        DevnetError::Activation { address: at, error } => {
            assert_eq!(at, address);
            error
        }
        other => panic!("expected an activation error, got {other}"),
    }
}

/// Init code returning `code` (which may be longer than the 255 bytes `common::initcode`
/// handles).
fn common_initcode(code: &[u8]) -> Bytes {
    let len = u16::try_from(code.len()).unwrap().to_be_bytes();
    let mut init = vec![
        0x61, len[0], len[1], 0x80, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3,
    ];
    init.extend_from_slice(code);
    init.into()
}

fn rejected_wasm(wasm: &[u8]) -> ActivationError {
    rejection(&stylus_check::deployable_code(wasm))
}

#[test]
fn each_rule_violation_is_rejected_with_its_rule() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("valid-wasm", b"\0asm\x01\0\0\0garbage".to_vec()),
        (
            "feature-set",
            module(&format!(
                "(func (result i32 i32) i32.const 0 i32.const 1) {VALID_TAIL}"
            )),
        ),
        (
            "no-floats",
            module(&format!("(func (param f32)) {VALID_TAIL}")),
        ),
        (
            "single-memory",
            module("(func (export \"user_entrypoint\") (param i32) (result i32) i32.const 0)"),
        ),
        (
            "memory-pages",
            module(
                "(memory (export \"memory\") 200)
                 (func (export \"user_entrypoint\") (param i32) (result i32) i32.const 0)",
            ),
        ),
        (
            "no-start-function",
            module(&format!("(func $s) (start $s) {VALID_TAIL}")),
        ),
        ("required-exports", module("(memory (export \"memory\") 1)")),
        (
            "entrypoint-signature",
            module(
                "(memory (export \"memory\") 1)
                 (func (export \"user_entrypoint\") (param i64) (result i32) i32.const 0)",
            ),
        ),
        (
            "import-module",
            module(&format!("(import \"env\" \"f\" (func)) {VALID_TAIL}")),
        ),
        (
            "import-kind",
            module(&format!(
                "(import \"vm_hooks\" \"g\" (global i32)) {VALID_TAIL}"
            )),
        ),
        (
            "hostio-name",
            module(&format!(
                "(import \"vm_hooks\" \"nope\" (func)) {VALID_TAIL}"
            )),
        ),
        (
            "hostio-signature",
            module(&format!(
                "(import \"vm_hooks\" \"read_args\" (func (param i64))) {VALID_TAIL}"
            )),
        ),
        (
            "wasm-size",
            module(&format!(
                "(data (i32.const 0) \"{}\") {VALID_TAIL}",
                "\\00".repeat(140 * 1024)
            )),
        ),
    ];
    for (rule, wasm) in cases {
        let error = rejected_wasm(&wasm);
        assert_eq!(error.rule(), rule, "{rule}: got {error}");
    }
}

#[test]
fn malformed_deployed_code_is_rejected() {
    let not_stylus = rejection(&[0x60, 0x00]);
    assert!(
        matches!(not_stylus, ActivationError::NotStylusCode { .. }),
        "{not_stylus}"
    );
    let dictionary = rejection(&[0xef, 0xf0, 0x00, 0x01, 0x00]);
    assert_eq!(
        dictionary,
        ActivationError::UnsupportedDictionary { byte: 1 }
    );
    let corrupt = rejection(&[0xef, 0xf0, 0x00, 0x00, 0xff, 0xff, 0xff]);
    assert!(
        matches!(corrupt, ActivationError::CorruptCompression { .. }),
        "{corrupt}"
    );
}

#[test]
fn activating_an_empty_account_is_an_error() {
    let mut chain = devnet();
    let error = chain.activate(common::BOB).unwrap_err();
    assert!(matches!(error, DevnetError::NoCode { .. }), "{error}");
}
