//! The deployed code format: `EF F0 00` ‖ dictionary ‖ brotli(wasm).

use stylus_check::{
    compress_wasm, decompress_deployable, deployable_code, is_stylus_code, ActivationError,
    DEPLOYED_HEADER_BYTES, MAX_COMPRESSED_WASM, MAX_DEPLOYED_CODE, MAX_WASM_BYTES,
};

fn sample_wasm() -> Vec<u8> {
    wat::parse_str(
        r#"(module
             (import "vm_hooks" "read_args" (func (param i32)))
             (memory (export "memory") 1)
             (data (i32.const 16) "session keys, session keys, session keys")
             (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    )
    .expect("sample assembles")
}

#[test]
fn round_trips_through_decompress() {
    let wasm = sample_wasm();
    let code = deployable_code(&wasm);
    assert_eq!(&code[..4], &[0xEF, 0xF0, 0x00, 0x00]);
    assert!(is_stylus_code(&code));
    assert_eq!(
        code.len(),
        DEPLOYED_HEADER_BYTES + compress_wasm(&wasm).len()
    );
    assert_eq!(decompress_deployable(&code).expect("decompresses"), wasm);
}

#[test]
fn round_trips_a_large_module() {
    // 100 KiB of mixed bytes inside a custom section: larger than the 4 KiB I/O buffers.
    let mut wasm = sample_wasm();
    let payload: Vec<u8> = (0u32..100 * 1024)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut section = vec![4u8, b'b', b'l', b'o', b'b'];
    section.extend(&payload);
    wasm.push(0); // custom section id
    let mut size = section.len();
    loop {
        let byte = (size & 0x7F) as u8;
        size >>= 7;
        if size == 0 {
            wasm.push(byte);
            break;
        }
        wasm.push(byte | 0x80);
    }
    wasm.extend(section);
    let code = deployable_code(&wasm);
    assert_eq!(decompress_deployable(&code).expect("decompresses"), wasm);
}

#[test]
fn limits_are_consistent() {
    assert_eq!(MAX_DEPLOYED_CODE, 24_576);
    assert_eq!(MAX_COMPRESSED_WASM, 24_572);
    assert_eq!(
        MAX_COMPRESSED_WASM + DEPLOYED_HEADER_BYTES,
        MAX_DEPLOYED_CODE
    );
}

#[test]
fn rejects_code_without_the_stylus_prefix() {
    for code in [
        &b""[..],
        &[0xEF, 0xF0, 0x00],
        b"\x60\x80\x60\x40",
        &[0xEF, 0xF0, 0x01, 0x00],
    ] {
        assert!(
            matches!(
                decompress_deployable(code),
                Err(ActivationError::NotStylusCode { .. })
            ),
            "{code:?}"
        );
    }
}

#[test]
fn rejects_a_dictionary() {
    let mut code = deployable_code(&sample_wasm());
    code[3] = 0x01;
    assert_eq!(
        decompress_deployable(&code),
        Err(ActivationError::UnsupportedDictionary { byte: 0x01 })
    );
}

#[test]
fn rejects_corrupt_or_truncated_streams() {
    let code = deployable_code(&sample_wasm());
    let truncated = &code[..code.len() - 3];
    assert!(matches!(
        decompress_deployable(truncated),
        Err(ActivationError::CorruptCompression { .. })
    ));
    let mut garbage = code[..4].to_vec();
    garbage.extend([0xFF; 32]);
    assert!(matches!(
        decompress_deployable(&garbage),
        Err(ActivationError::CorruptCompression { .. })
    ));
}

#[test]
fn refuses_to_inflate_past_the_wasm_limit() {
    let bomb = vec![0u8; 4 * MAX_WASM_BYTES];
    let code = deployable_code(&bomb);
    assert!(code.len() < 1024, "zeros compress well");
    assert_eq!(
        decompress_deployable(&code),
        Err(ActivationError::DecompressedTooLarge {
            limit: MAX_WASM_BYTES
        })
    );
}
