//! Every activation rule, each with the exact error it must produce.

use stylus_check::{
    check_activation, check_activation_with, ActivationError, CheckOptions, FloatSite, ValueType,
    MAX_INITIAL_PAGES, MAX_WASM_BYTES,
};

/// A module that passes every rule; `extra` is spliced in before the closing parenthesis.
fn stylus_module(extra: &str) -> Vec<u8> {
    stylus_module_importing("", extra)
}

/// [`stylus_module`] with `import` placed after its own imports (WAT wants imports first).
fn stylus_module_importing(import: &str, extra: &str) -> Vec<u8> {
    wasm(&format!(
        r#"(module
             (import "vm_hooks" "read_args" (func $read_args (param i32)))
             (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
             {import}
             (memory (export "memory") 1)
             (func (export "user_entrypoint") (param $len i32) (result i32)
               (call $read_args (i32.const 0))
               (call $write_result (i32.const 0) (local.get $len))
               (i32.const 0))
             {extra})"#
    ))
}

fn wasm(wat: &str) -> Vec<u8> {
    match wat::parse_str(wat) {
        Ok(bytes) => bytes,
        Err(error) => panic!("test WAT does not assemble: {error}\n{wat}"),
    }
}

fn rejected(wasm: &[u8]) -> ActivationError {
    match check_activation(wasm) {
        Ok(report) => panic!("module passed but should fail: {report:?}"),
        Err(error) => error,
    }
}

#[test]
fn minimal_module_passes_and_is_reported() {
    let module = stylus_module("");
    let report = check_activation(&module).expect("valid module");
    assert_eq!(report.wasm_bytes, module.len());
    assert_eq!(report.initial_pages, 1);
    assert_eq!(report.maximum_pages, None);
    assert_eq!(report.imports, ["read_args", "write_result"]);
    assert!(report.debug_imports.is_empty());
    assert_eq!(report.functions, 1);
    assert_eq!(report.exports, ["memory", "user_entrypoint"]);
}

#[test]
fn allowed_post_mvp_features_pass() {
    // sign-ext, bulk-memory (memory.copy / memory.fill) and a mutable global.
    let module = stylus_module(
        r#"(global $counter (mut i32) (i32.const 0))
           (data $bytes "abc")
           (func $allowed (param i32) (result i32)
             (memory.copy (i32.const 0) (i32.const 8) (i32.const 4))
             (memory.fill (i32.const 0) (i32.const 0) (i32.const 4))
             (global.set $counter (i32.extend8_s (local.get 0)))
             (i64.extend32_s (i64.const 7))
             (drop)
             (global.get $counter))
           (table 1 funcref)
           (elem (i32.const 0) $allowed)"#,
    );
    let report = check_activation(&module).expect("allowed features");
    assert_eq!(report.functions, 2);
    assert_eq!(report.globals, 1);
}

#[test]
fn every_documented_hostio_is_accepted_with_its_signature() {
    let imports: String = stylus_check::hostio::VM_HOOKS
        .iter()
        .map(|hostio| {
            let list = |types: &[ValueType]| {
                types
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            format!(
                r#"(import "vm_hooks" "{}" (func (param {}) (result {})))"#,
                hostio.name,
                list(hostio.params),
                list(hostio.results)
            )
        })
        .collect();
    let module = wasm(&format!(
        r#"(module {imports}
             (memory (export "memory") 1)
             (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#
    ));
    let report = check_activation(&module).expect("documented hostios");
    assert_eq!(report.imports.len(), stylus_check::hostio::VM_HOOKS.len());
}

#[test]
fn missing_user_entrypoint() {
    let module = wasm(
        r#"(module (memory (export "memory") 1)
             (func (export "entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    );
    assert_eq!(
        rejected(&module),
        ActivationError::MissingExport {
            name: "user_entrypoint"
        }
    );
}

#[test]
fn wrong_entrypoint_type() {
    let module = wasm(
        r#"(module (memory (export "memory") 1)
             (func (export "user_entrypoint") (param i32 i32) (result i32) (i32.const 0)))"#,
    );
    let error = rejected(&module);
    let ActivationError::EntrypointSignature { found } = &error else {
        panic!("unexpected error {error:?}");
    };
    assert_eq!(found.to_string(), "(i32, i32) -> i32");

    let no_result = wasm(
        r#"(module (memory (export "memory") 1)
             (func (export "user_entrypoint") (param i32)))"#,
    );
    assert!(matches!(
        rejected(&no_result),
        ActivationError::EntrypointSignature { .. }
    ));
}

#[test]
fn entrypoint_must_be_a_function() {
    let module = wasm(
        r#"(module (memory (export "memory") 1)
             (global (export "user_entrypoint") i32 (i32.const 0)))"#,
    );
    assert_eq!(
        rejected(&module),
        ActivationError::WrongExportKind {
            name: "user_entrypoint",
            expected: "function",
            found: "global",
        }
    );
}

#[test]
fn missing_memory_export() {
    let module = wasm(
        r#"(module (memory 1)
             (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    );
    assert_eq!(
        rejected(&module),
        ActivationError::MissingExport { name: "memory" }
    );
}

#[test]
fn two_memories() {
    let module = wasm(
        r#"(module (memory (export "memory") 1) (memory 1)
             (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    );
    assert_eq!(rejected(&module), ActivationError::MemoryCount { count: 2 });
}

#[test]
fn no_memory() {
    let module = wasm(
        r#"(module (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    );
    assert_eq!(rejected(&module), ActivationError::MemoryCount { count: 0 });
}

#[test]
fn imported_memory() {
    let module = wasm(
        r#"(module (import "vm_hooks" "memory" (memory 1))
             (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    );
    assert_eq!(
        rejected(&module),
        ActivationError::NonFunctionImport {
            module: "vm_hooks".into(),
            name: "memory".into(),
            kind: "memory",
        }
    );
}

#[test]
fn too_many_initial_pages() {
    let at_limit = wasm(&format!(
        r#"(module (memory (export "memory") {MAX_INITIAL_PAGES})
             (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#
    ));
    assert_eq!(
        check_activation(&at_limit)
            .expect("128 pages")
            .initial_pages,
        128
    );
    let over = wasm(
        r#"(module (memory (export "memory") 129)
             (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    );
    assert_eq!(
        rejected(&over),
        ActivationError::TooManyPages {
            initial: 129,
            limit: 128
        }
    );
}

#[test]
fn start_function() {
    let module = stylus_module("(func $init) (start $init)");
    assert_eq!(
        rejected(&module),
        ActivationError::StartFunction { func_index: 3 }
    );
}

#[test]
fn import_from_another_module() {
    let module = stylus_module_importing(r#"(import "env" "abort" (func))"#, "");
    assert_eq!(
        rejected(&module),
        ActivationError::ForbiddenImportModule {
            module: "env".into(),
            name: "abort".into(),
        }
    );
}

#[test]
fn unknown_vm_hooks_import() {
    let module = stylus_module_importing(
        r#"(import "vm_hooks" "math_div" (func (param i32 i32)))"#,
        "",
    );
    assert_eq!(
        rejected(&module),
        ActivationError::UnknownHostio {
            module: "vm_hooks".into(),
            name: "math_div".into(),
        }
    );
}

#[test]
fn hostio_with_wrong_signature() {
    // block_number returns u64, not u32.
    let module = stylus_module_importing(
        r#"(import "vm_hooks" "block_number" (func (result i32)))"#,
        "",
    );
    let error = rejected(&module);
    let ActivationError::HostioSignature {
        module,
        hostio,
        found,
    } = &error
    else {
        panic!("unexpected error {error:?}");
    };
    assert_eq!((*module, hostio.name), ("vm_hooks", "block_number"));
    assert_eq!(hostio.signature().to_string(), "() -> i64");
    assert_eq!(found.to_string(), "() -> i32");
}

#[test]
fn console_imports_need_allow_debug() {
    let module =
        stylus_module_importing(r#"(import "console" "log_txt" (func (param i32 i32)))"#, "");
    assert!(matches!(
        rejected(&module),
        ActivationError::ForbiddenImportModule { module, .. } if module == "console"
    ));
    let debug = CheckOptions { allow_debug: true };
    let report = check_activation_with(&module, debug).expect("console allowed");
    assert_eq!(report.debug_imports, ["log_txt"]);

    let unknown = stylus_module_importing(
        r#"(import "console" "log_bytes" (func (param i32 i32)))"#,
        "",
    );
    assert!(matches!(
        check_activation_with(&unknown, debug),
        Err(ActivationError::UnknownHostio { .. })
    ));
    // A known console function that takes a float still breaks the no-floats rule.
    let float_log =
        stylus_module_importing(r#"(import "console" "log_f64" (func (param f64)))"#, "");
    assert!(matches!(
        check_activation_with(&float_log, debug),
        Err(ActivationError::FloatUsage {
            site: FloatSite::FunctionType { .. }
        })
    ));
}

#[test]
fn float_instruction() {
    let module = stylus_module(
        r#"(func (param i64) (result i64)
             (i64.reinterpret_f64
               (f64.add (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 0)))))"#,
    );
    let error = rejected(&module);
    let ActivationError::FloatUsage {
        site:
            FloatSite::Instruction {
                func_index,
                mnemonic,
                ..
            },
    } = error
    else {
        panic!("unexpected error {error:?}");
    };
    assert_eq!(func_index, 3);
    assert_eq!(mnemonic, "f64.reinterpret_i64");
}

#[test]
fn saturating_truncation_counts_as_float_use() {
    // The sat-float-to-int feature is enabled, but its instructions read floats.
    let module = stylus_module(
        r#"(func (param i32) (result i32)
             (i32.trunc_sat_f32_s (f32.load (local.get 0))))"#,
    );
    assert!(matches!(
        rejected(&module),
        ActivationError::FloatUsage {
            site: FloatSite::Instruction {
                mnemonic: "f32.load",
                ..
            }
        }
    ));
}

#[test]
fn float_types_anywhere() {
    let param = stylus_module("(func (param f32))");
    assert!(matches!(
        rejected(&param),
        ActivationError::FloatUsage {
            site: FloatSite::FunctionType { .. }
        }
    ));
    let local = stylus_module("(func (local f64))");
    assert_eq!(
        rejected(&local),
        ActivationError::FloatUsage {
            site: FloatSite::Local { func_index: 3 }
        }
    );
    let global = stylus_module("(global f32 (f32.const 0))");
    assert_eq!(
        rejected(&global),
        ActivationError::FloatUsage {
            site: FloatSite::Global { global_index: 0 }
        }
    );
    let block = stylus_module("(func (block (result f64) (unreachable)) (drop))");
    assert!(matches!(
        rejected(&block),
        ActivationError::FloatUsage {
            site: FloatSite::BlockType { func_index: 3, .. }
        }
    ));
}

#[test]
fn reference_types_feature() {
    let module = stylus_module("(func (drop (ref.null func)))");
    assert!(matches!(
        rejected(&module),
        ActivationError::ForbiddenFeature {
            feature: "reference-types",
            ..
        }
    ));
    let two_tables = stylus_module("(table 1 funcref) (table 1 funcref)");
    assert!(matches!(
        rejected(&two_tables),
        ActivationError::ForbiddenFeature {
            feature: "reference-types",
            ..
        }
    ));
}

#[test]
fn overlong_call_indirect_is_reference_types() {
    // What rustc emits by default: `call_indirect` whose table index is padded to two bytes.
    let error = rejected(&hand_encoded_overlong_call_indirect());
    assert!(
        matches!(
            error,
            ActivationError::ForbiddenFeature {
                feature: "reference-types (overlong call_indirect encoding)",
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn simd_instruction() {
    let module = stylus_module("(func (drop (i32x4.splat (i32.const 1))))");
    assert!(matches!(
        rejected(&module),
        ActivationError::ForbiddenFeature {
            feature: "simd",
            ..
        }
    ));
}

#[test]
fn other_forbidden_proposals_are_named() {
    let cases = [
        (
            "(func (result i32 i32) (i32.const 1) (i32.const 2))",
            "multi-value",
        ),
        ("(func $f (return_call $f))", "tail-call"),
        ("(func (drop (i32.atomic.load (i32.const 0))))", "threads"),
        (
            "(global i32 (i32.add (i32.const 1) (i32.const 2)))",
            "extended-const",
        ),
    ];
    for (extra, feature) in cases {
        let error = rejected(&stylus_module(extra));
        assert!(
            matches!(&error, ActivationError::ForbiddenFeature { feature: f, .. } if *f == feature),
            "{extra}: {error:?}"
        );
    }
}

#[test]
fn memory64_is_forbidden() {
    let module = wasm(
        r#"(module (memory (export "memory") i64 1)
             (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    );
    assert!(matches!(
        rejected(&module),
        ActivationError::ForbiddenFeature {
            feature: "memory64",
            ..
        }
    ));
}

#[test]
fn oversized_module() {
    let mut module = stylus_module("");
    module.resize(MAX_WASM_BYTES + 1, 0);
    assert_eq!(
        rejected(&module),
        ActivationError::WasmTooLarge {
            bytes: MAX_WASM_BYTES + 1,
            limit: MAX_WASM_BYTES,
        }
    );
}

#[test]
fn garbage_and_truncated_input() {
    for input in [
        &b""[..],
        b"\0asm",
        b"hello world",
        &[0xEF, 0xF0, 0x00, 0x00],
    ] {
        assert!(
            matches!(rejected(input), ActivationError::InvalidWasm { .. }),
            "{input:?}"
        );
    }
    let module = stylus_module("");
    for cut in [9, module.len() / 2, module.len() - 1] {
        assert!(
            matches!(
                rejected(&module[..cut]),
                ActivationError::InvalidWasm { .. }
            ),
            "cut at {cut}"
        );
    }
    // An empty component: magic, version 0x0d, layer 1.
    let component = b"\0asm\x0d\0\x01\0";
    assert!(matches!(
        rejected(component),
        ActivationError::InvalidWasm { offset: 0, .. }
    ));
}

#[test]
fn errors_are_one_line_and_name_their_rule() {
    let cases = [
        (
            stylus_module_importing(r#"(import "env" "x" (func))"#, ""),
            "import-module",
        ),
        (stylus_module("(func (local f32))"), "no-floats"),
        (
            stylus_module("(func (drop (ref.null func)))"),
            "feature-set",
        ),
        (stylus_module("(func $s) (start $s)"), "no-start-function"),
    ];
    for (module, rule) in cases {
        let error = rejected(&module);
        assert_eq!(error.rule(), rule);
        let text = error.to_string();
        assert!(!text.contains('\n') && !text.is_empty(), "{text}");
    }
}

/// Builds, byte by byte, a module whose `call_indirect` uses the overlong (reference-types)
/// encoding of table index 0 (`80 00` instead of `00`).
fn hand_encoded_overlong_call_indirect() -> Vec<u8> {
    fn section(id: u8, contents: &[u8]) -> Vec<u8> {
        assert!(contents.len() < 128, "single-byte LEB sizes only");
        let mut out = vec![id, contents.len() as u8];
        out.extend_from_slice(contents);
        out
    }
    fn name(text: &str) -> Vec<u8> {
        let mut out = vec![text.len() as u8];
        out.extend_from_slice(text.as_bytes());
        out
    }
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    // Types: 0 = (i32) -> i32, 1 = () -> ().
    module.extend(section(1, &[2, 0x60, 1, 0x7F, 1, 0x7F, 0x60, 0, 0]));
    // Functions: entrypoint (type 0), helper (type 1).
    module.extend(section(3, &[2, 0, 1]));
    // One funcref table with one slot.
    module.extend(section(4, &[1, 0x70, 0x00, 1]));
    // One memory of one page.
    module.extend(section(5, &[1, 0x00, 1]));
    let mut exports = vec![2];
    exports.extend(name("user_entrypoint"));
    exports.extend([0x00, 0]);
    exports.extend(name("memory"));
    exports.extend([0x02, 0]);
    module.extend(section(7, &exports));
    let entry = [0, 0x41, 0, 0x0B]; // no locals; i32.const 0; end
    let helper = [0, 0x41, 0, 0x11, 1, 0x80, 0x00, 0x0B]; // call_indirect type 1, table 0 (overlong)
    let mut code = vec![2, entry.len() as u8];
    code.extend(entry);
    code.push(helper.len() as u8);
    code.extend(helper);
    module.extend(section(10, &code));
    module
}

#[test]
fn instructions_nitro_cannot_meter_are_refused() {
    let cases = [
        ("(data $d \"ab\") (func (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1)))", "memory.init"),
        ("(data $d \"ab\") (func (data.drop $d))", "data.drop"),
        ("(table 1 funcref) (elem $e func) (func (elem.drop $e))", "elem.drop"),
        ("(table 1 funcref) (elem $e func) (func (table.init $e (i32.const 0) (i32.const 0) (i32.const 0)))", "table.init"),
        ("(table 1 funcref) (func (table.copy (i32.const 0) (i32.const 0) (i32.const 0)))", "table.copy"),
    ];
    for (extra, expected) in cases {
        match rejected(&stylus_module(extra)) {
            ActivationError::UnsupportedInstruction {
                func_index,
                mnemonic,
                ..
            } => {
                // Two imports, then user_entrypoint: the extra function is function 3.
                assert_eq!((func_index, mnemonic), (3, expected));
            }
            other => panic!("{expected}: {other:?}"),
        }
    }
    // table.get/set/grow/size/fill are reference-types instructions, refused before that.
    let error = rejected(&stylus_module(
        "(table 1 funcref) (func (drop (table.size)))",
    ));
    assert!(
        matches!(
            error,
            ActivationError::ForbiddenFeature {
                feature: "reference-types",
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn entry_costs_are_nitro_s_prediction() {
    // The minimal module: 1 function of type (i32) -> i32, no globals of its own (4 added by
    // Nitro), no segments, 1 page. cachedCost = 1·13420/1e5 + 2·89/1e5 + len·122/1e5
    // + 4·1628/1e3 + 0 + 1·5 = 0 + 0 + 0 + 6 + 5 = 11; initCost = 1·8252/1e3 + 2·1059/1e3
    // + len·1286/1e4 = 8 + 2 + 22 = 32 for its 175 bytes (names section included).
    let module = stylus_module("");
    assert_eq!(module.len(), 175);
    let entry = check_activation(&module).unwrap().entry;
    assert_eq!((entry.inputs.functions, entry.inputs.type_len), (1, 2));
    assert_eq!((entry.inputs.globals, entry.inputs.data_len), (4, 0));
    assert_eq!((entry.cached_cost, entry.init_cost), (11, 32));
    assert_eq!(entry.call_gas(true), 352 + 11);
    assert_eq!(entry.call_gas(false), 352 + 11 + 8_832 + 32);

    // Plus a (i32, i64) -> i64 function, a mutable global, 2 pages and a 1,000-byte active data
    // segment, whose entry is flags (1) + `i32.const 0 end` (3) + length (2) + 1,000 = 1,006
    // bytes. cachedCost = 2·13420/1e5 + 5·89/1e5 + len·122/1e5 + 5·1628/1e3 + 1,006·75244/1e5
    // + 2·5 = 0 + 0 + 1 + 8 + 756 + 10 = 775; initCost = 2·8252/1e3 + 5·1059/1e3 + len·1286/1e4
    // = 16 + 5 + 155 = 176 for its 1,208 bytes.
    let module = wasm(&format!(
        r#"(module
             (import "vm_hooks" "read_args" (func $read_args (param i32)))
             (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
             (memory (export "memory") 2)
             (global $g (mut i32) (i32.const 0))
             (func (export "user_entrypoint") (param $len i32) (result i32) (i32.const 0))
             (func $other (param i32 i64) (result i64) (local.get 1))
             (data (i32.const 0) "{}"))"#,
        "x".repeat(1_000)
    ));
    assert_eq!(module.len(), 1_208);
    let entry = check_activation(&module).unwrap().entry;
    assert_eq!((entry.inputs.functions, entry.inputs.type_len), (2, 5));
    assert_eq!((entry.inputs.globals, entry.inputs.data_len), (5, 1_006));
    assert_eq!(entry.inputs.pages, 2);
    assert_eq!((entry.cached_cost, entry.init_cost), (775, 176));
    assert_eq!(entry.call_gas(false), 352 + 775 + 8_832 + 176);
}
