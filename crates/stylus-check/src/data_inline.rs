//! Moves a program's data segments into code at the start of `user_entrypoint`.
//!
//! Nitro charges every call `0.75244` gas per byte of data and element segments on entry, but
//! only `0.00122` gas (cached) or `0.1286` gas (uncached) per byte of WASM
//! ([`crate::EntryCost`]). A Stylus call always starts with fresh, zeroed memory and has no
//! start function, so writing the segments' bytes with `i64.store`s as the first thing
//! `user_entrypoint` does leaves memory exactly as the segments would — for about 0.1 gas per
//! 8 bytes of ink instead of 6 gas of entry cost. All-zero words are skipped (memory starts
//! zeroed). Only active segments of memory 0 at a constant offset can move; anything else
//! (passive segments, which only `memory.init` could read and activation refuses anyway) is
//! an error.

use wasm_encoder::{CodeSection, Encode, Instruction, MemArg, MemArgTarget, Module, RawSection};
use wasmparser::{CodeSectionReader, DataKind, ExternalKind, Operator, Parser, Payload, TypeRef};

use crate::activation::ENTRYPOINT_EXPORT;

/// Why the data could not be moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineError(pub String);

impl core::fmt::Display for InlineError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "cannot move data into code: {}", self.0)
    }
}

impl std::error::Error for InlineError {}

fn error(message: impl Into<String>) -> InlineError {
    InlineError(message.into())
}

/// One active segment: where it goes and its bytes.
struct Segment<'a> {
    address: u32,
    bytes: &'a [u8],
}

/// `wasm` with every data segment written by code at the start of `user_entrypoint` and the
/// data and data-count sections removed. A module without data comes back unchanged.
///
/// # Errors
///
/// A malformed module, no `user_entrypoint`, or a segment that is not active at a constant
/// offset of memory 0.
pub fn inline_data_segments(wasm: &[u8]) -> Result<Vec<u8>, InlineError> {
    let parse_error = |e: wasmparser::BinaryReaderError| error(e.to_string());
    let mut imported_functions = 0u32;
    let mut entrypoint = None;
    let mut segments = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(parse_error)? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(parse_error)?;
                    if matches!(import.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                        imported_functions += 1;
                    }
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(parse_error)?;
                    if export.name == ENTRYPOINT_EXPORT && export.kind == ExternalKind::Func {
                        entrypoint = Some(export.index);
                    }
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data.map_err(parse_error)?;
                    let DataKind::Active {
                        memory_index: 0,
                        offset_expr,
                    } = data.kind
                    else {
                        return Err(error("a data segment is passive or not in memory 0"));
                    };
                    let mut ops = offset_expr.get_operators_reader();
                    let address = match (ops.read(), ops.read()) {
                        (Ok(Operator::I32Const { value }), Ok(Operator::End)) => value as u32,
                        _ => return Err(error("a data segment's offset is not an i32 constant")),
                    };
                    segments.push(Segment {
                        address,
                        bytes: data.data,
                    });
                }
            }
            _ => {}
        }
    }
    if segments.is_empty() {
        return Ok(wasm.to_vec());
    }
    let entrypoint = entrypoint.ok_or_else(|| error("no `user_entrypoint` export"))?;
    let defined_index = entrypoint
        .checked_sub(imported_functions)
        .ok_or_else(|| error("`user_entrypoint` is an import"))?;
    let prologue = stores(&segments);

    let mut module = Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(parse_error)?;
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        let range = range.start as usize..range.end as usize;
        match payload {
            Payload::DataSection(_) | Payload::DataCountSection { .. } => {}
            Payload::CodeSectionStart { .. } => {
                let reader = CodeSectionReader::new(wasmparser::BinaryReader::new(
                    &wasm[range.clone()],
                    range.start as u64,
                ))
                .map_err(parse_error)?;
                let mut code = CodeSection::new();
                for (index, body) in reader.into_iter().enumerate() {
                    let body = body.map_err(parse_error)?;
                    let bytes = body.as_bytes();
                    if index as u32 == defined_index {
                        let operators = body
                            .get_binary_reader_for_operators()
                            .map_err(parse_error)?
                            .original_position();
                        let split = (operators - body.range().start) as usize;
                        let mut patched = bytes[..split].to_vec();
                        patched.extend_from_slice(&prologue);
                        patched.extend_from_slice(&bytes[split..]);
                        code.raw(&patched);
                    } else {
                        code.raw(bytes);
                    }
                }
                module.section(&code);
            }
            Payload::CodeSectionEntry(_) => {}
            _ => {
                module.section(&RawSection {
                    id,
                    data: &wasm[range],
                });
            }
        }
    }
    Ok(module.finish())
}

/// The instructions that write every non-zero byte of the segments.
fn stores(segments: &[Segment<'_>]) -> Vec<u8> {
    let memarg = MemArg {
        offset: 0,
        align: 0,
        target: MemArgTarget::Memory(0),
        ordering: None,
    };
    let mut out = Vec::new();
    for segment in segments {
        for (i, chunk) in segment.bytes.chunks(8).enumerate() {
            let address = segment.address.wrapping_add(8 * i as u32);
            if chunk.iter().all(|b| *b == 0) {
                continue;
            }
            if let Ok(word) = <[u8; 8]>::try_from(chunk) {
                Instruction::I32Const(address as i32).encode(&mut out);
                Instruction::I64Const(i64::from_le_bytes(word)).encode(&mut out);
                Instruction::I64Store(memarg).encode(&mut out);
            } else {
                for (j, byte) in chunk.iter().enumerate().filter(|(_, b)| **b != 0) {
                    Instruction::I32Const(address.wrapping_add(j as u32) as i32).encode(&mut out);
                    Instruction::I32Const(i32::from(*byte)).encode(&mut out);
                    Instruction::I32Store8(memarg).encode(&mut out);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_without_data_is_unchanged() {
        let wasm = wat::parse_str(
            r#"(module (memory (export "memory") 1)
                 (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
        )
        .unwrap();
        assert_eq!(inline_data_segments(&wasm).unwrap(), wasm);
    }

    #[test]
    fn passive_segments_are_refused() {
        let wasm = wat::parse_str(
            r#"(module (memory (export "memory") 1) (data "ab")
                 (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
        )
        .unwrap();
        assert_eq!(
            inline_data_segments(&wasm),
            Err(InlineError(
                "a data segment is passive or not in memory 0".to_owned()
            ))
        );
    }
}
