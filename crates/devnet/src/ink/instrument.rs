//! Rewrites a Stylus module so it meters itself in ink, the way Nitro's activation does.
//!
//! Two globals are appended and exported: [`INK_LEFT_EXPORT`] (`i64`, the ink the program may
//! still spend, read as unsigned) and [`INK_STATUS_EXPORT`] (`i32`, set to 1 when the program
//! ran out). Every function body is split into basic blocks at control-flow operators and
//! calls; at the entry of each block the block's summed opcode ink plus
//! [`super::prices::BLOCK_HEADER_INK`] is subtracted, and if the program
//! cannot afford it the status is set and the program traps with `unreachable`. Charging a
//! whole block up front may charge for operators a trap later skips — Nitro does the same.
//!
//! `memory.copy` / `memory.fill` additionally pay
//! [`super::prices::MEMORY_BYTE_INK`] per byte, computed at run time from
//! the length operand (one scratch `i32` local is added to functions that use them).
//!
//! The rewrite uses `wasmparser` to read and `wasm-encoder` (its `reencode` conversions) to
//! write; sections it does not change are copied byte for byte, custom sections are dropped.

use core::fmt;

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    BlockType, ConstExpr, ExportKind, ExportSection, Function, GlobalSection, GlobalType,
    Instruction, Module, RawSection, SectionId, ValType,
};
use wasmparser::{FunctionBody, Operator, Parser, Payload, TypeRef};

use super::prices::{opcode_ink, BLOCK_HEADER_INK, MEMORY_BYTE_INK};

/// Export name of the ink-left global the meter adds.
pub const INK_LEFT_EXPORT: &str = "stylus_ink_left";
/// Export name of the ink-status global the meter adds (1 = out of ink).
pub const INK_STATUS_EXPORT: &str = "stylus_ink_status";

/// Why a module could not be instrumented (it passed the activation check, so this means the
/// parser and the check disagree — report it as a devnet bug).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstrumentError {
    /// What went wrong.
    pub reason: String,
}

impl fmt::Display for InstrumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot add the ink meter to the module: {}", self.reason)
    }
}

impl std::error::Error for InstrumentError {}

fn fail(reason: impl fmt::Display) -> InstrumentError {
    InstrumentError {
        reason: reason.to_string(),
    }
}

/// Returns `wasm` with the ink meter added.
pub fn instrument(wasm: &[u8]) -> Result<Vec<u8>, InstrumentError> {
    let mut state = Rewrite::default();
    let mut module = Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(fail)?;
        state.section(&mut module, wasm, payload)?;
    }
    Ok(module.finish())
}

/// What the rewrite has learnt so far and which sections it has emitted.
#[derive(Default)]
struct Rewrite {
    /// Parameter count of every function type, by type index.
    param_counts: Vec<u32>,
    /// Type index of every defined function, in code-section order.
    defined_types: Vec<u32>,
    imported_globals: u32,
    defined_globals: u32,
    next_body: usize,
    globals_emitted: bool,
    code: Option<wasm_encoder::CodeSection>,
}

impl Rewrite {
    fn ink_global(&self) -> u32 {
        self.imported_globals + self.defined_globals
    }

    fn status_global(&self) -> u32 {
        self.ink_global() + 1
    }

    fn section(
        &mut self,
        module: &mut Module,
        wasm: &[u8],
        payload: Payload<'_>,
    ) -> Result<(), InstrumentError> {
        let raw = |module: &mut Module, id: SectionId, range: core::ops::Range<u64>| {
            let range = usize::try_from(range.start).unwrap_or(usize::MAX)
                ..usize::try_from(range.end).unwrap_or(usize::MAX);
            module.section(&RawSection {
                id: id as u8,
                data: wasm.get(range).unwrap_or_default(),
            });
        };
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader.clone() {
                    for sub in group.map_err(fail)?.into_types() {
                        let params = match sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(ref func) => func.params().len(),
                            _ => 0,
                        };
                        self.param_counts.push(u32::try_from(params).map_err(fail)?);
                    }
                }
                raw(module, SectionId::Type, reader.range());
            }
            Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports() {
                    if let TypeRef::Global(_) = import.map_err(fail)?.ty {
                        self.imported_globals += 1;
                    }
                }
                raw(module, SectionId::Import, reader.range());
            }
            Payload::FunctionSection(reader) => {
                for ty in reader.clone() {
                    self.defined_types.push(ty.map_err(fail)?);
                }
                raw(module, SectionId::Function, reader.range());
            }
            Payload::TableSection(reader) => raw(module, SectionId::Table, reader.range()),
            Payload::MemorySection(reader) => raw(module, SectionId::Memory, reader.range()),
            Payload::TagSection(reader) => raw(module, SectionId::Tag, reader.range()),
            Payload::GlobalSection(reader) => {
                let mut globals = GlobalSection::new();
                for global in reader {
                    let global = global.map_err(fail)?;
                    self.defined_globals += 1;
                    let ty = RoundtripReencoder.global_type(global.ty).map_err(fail)?;
                    let init = RoundtripReencoder
                        .const_expr(global.init_expr)
                        .map_err(fail)?;
                    globals.global(ty, &init);
                }
                Self::meter_globals(&mut globals);
                module.section(&globals);
                self.globals_emitted = true;
            }
            Payload::ExportSection(reader) => {
                self.ensure_globals(module);
                let mut exports = ExportSection::new();
                for export in reader {
                    let export = export.map_err(fail)?;
                    exports.export(
                        export.name,
                        RoundtripReencoder.export_kind(export.kind).map_err(fail)?,
                        export.index,
                    );
                }
                exports.export(INK_LEFT_EXPORT, ExportKind::Global, self.ink_global());
                exports.export(INK_STATUS_EXPORT, ExportKind::Global, self.status_global());
                module.section(&exports);
            }
            Payload::StartSection { range, .. } => {
                self.ensure_globals(module);
                raw(module, SectionId::Start, range);
            }
            Payload::ElementSection(reader) => {
                self.ensure_globals(module);
                raw(module, SectionId::Element, reader.range());
            }
            Payload::DataCountSection { range, .. } => {
                self.ensure_globals(module);
                raw(module, SectionId::DataCount, range);
            }
            Payload::CodeSectionStart { .. } => {
                self.ensure_globals(module);
                self.code = Some(wasm_encoder::CodeSection::new());
            }
            Payload::CodeSectionEntry(body) => {
                let function = self.meter_function(&body)?;
                self.next_body += 1;
                self.code
                    .as_mut()
                    .ok_or_else(|| fail("function body outside the code section"))?
                    .function(&function);
                if self.next_body == self.defined_types.len() {
                    if let Some(code) = self.code.take() {
                        module.section(&code);
                    }
                }
            }
            Payload::DataSection(reader) => {
                self.ensure_globals(module);
                if let Some(code) = self.code.take() {
                    module.section(&code);
                }
                raw(module, SectionId::Data, reader.range());
            }
            Payload::End(_) => {
                self.ensure_globals(module);
                if let Some(code) = self.code.take() {
                    module.section(&code);
                }
            }
            Payload::Version { .. } | Payload::CustomSection(_) => {}
            other => {
                return Err(fail(format_args!(
                    "unexpected section {:?}",
                    other.as_section()
                )))
            }
        }
        Ok(())
    }

    /// Emits a global section holding only the meter's globals when the module has none.
    fn ensure_globals(&mut self, module: &mut Module) {
        if !self.globals_emitted {
            let mut globals = GlobalSection::new();
            Self::meter_globals(&mut globals);
            module.section(&globals);
            self.globals_emitted = true;
        }
    }

    fn meter_globals(globals: &mut GlobalSection) {
        let mutable = |val_type| GlobalType {
            val_type,
            mutable: true,
            shared: false,
        };
        globals.global(mutable(ValType::I64), &ConstExpr::i64_const(0));
        globals.global(mutable(ValType::I32), &ConstExpr::i32_const(0));
    }

    fn meter_function(&self, body: &FunctionBody<'_>) -> Result<Function, InstrumentError> {
        let type_index = *self
            .defined_types
            .get(self.next_body)
            .ok_or_else(|| fail("more bodies than declared functions"))?;
        let params = self
            .param_counts
            .get(type_index as usize)
            .copied()
            .ok_or_else(|| fail("function type out of range"))?;

        let mut locals = Vec::new();
        let mut local_count = params;
        for local in body.get_locals_reader().map_err(fail)? {
            let (count, ty) = local.map_err(fail)?;
            local_count = local_count.saturating_add(count);
            locals.push((count, RoundtripReencoder.val_type(ty).map_err(fail)?));
        }

        let mut operators = Vec::new();
        let mut reader = body.get_operators_reader().map_err(fail)?;
        while !reader.eof() {
            operators.push(reader.read().map_err(fail)?);
        }
        let needs_scratch = operators.iter().any(|op| {
            matches!(
                op,
                Operator::MemoryCopy { .. } | Operator::MemoryFill { .. }
            )
        });
        let scratch = local_count;
        if needs_scratch {
            locals.push((1, ValType::I32));
        }

        let mut function = Function::new(locals);
        let mut block_start = 0;
        let mut block_ink = 0u64;
        for (i, op) in operators.iter().enumerate() {
            block_ink = block_ink.saturating_add(opcode_ink(op, &self.param_counts));
            if ends_basic_block(op) || i + 1 == operators.len() {
                self.charge(&mut function, block_ink.saturating_add(BLOCK_HEADER_INK));
                for op in &operators[block_start..=i] {
                    self.emit(&mut function, op, scratch)?;
                }
                block_start = i + 1;
                block_ink = 0;
            }
        }
        Ok(function)
    }

    /// Emits "if ink < cost { status = 1; trap } ink -= cost" for a constant cost.
    fn charge(&self, function: &mut Function, ink: u64) {
        let ink = i64::try_from(ink).unwrap_or(i64::MAX);
        function.instruction(&Instruction::GlobalGet(self.ink_global()));
        function.instruction(&Instruction::I64Const(ink));
        function.instruction(&Instruction::I64LtU);
        self.trap_if_short(function);
        function.instruction(&Instruction::GlobalGet(self.ink_global()));
        function.instruction(&Instruction::I64Const(ink));
        function.instruction(&Instruction::I64Sub);
        function.instruction(&Instruction::GlobalSet(self.ink_global()));
    }

    fn trap_if_short(&self, function: &mut Function) {
        function.instruction(&Instruction::If(BlockType::Empty));
        function.instruction(&Instruction::I32Const(1));
        function.instruction(&Instruction::GlobalSet(self.status_global()));
        function.instruction(&Instruction::Unreachable);
        function.instruction(&Instruction::End);
    }

    /// Emits one original operator, preceded by the per-byte charge for bulk memory.
    fn emit(
        &self,
        function: &mut Function,
        op: &Operator<'_>,
        scratch: u32,
    ) -> Result<(), InstrumentError> {
        if matches!(
            op,
            Operator::MemoryCopy { .. } | Operator::MemoryFill { .. }
        ) {
            // Stack: … len. Park len, charge len·MEMORY_BYTE_INK, push len back.
            let per_byte = i64::try_from(MEMORY_BYTE_INK).unwrap_or(i64::MAX);
            let cost = |function: &mut Function| {
                function.instruction(&Instruction::LocalGet(scratch));
                function.instruction(&Instruction::I64ExtendI32U);
                function.instruction(&Instruction::I64Const(per_byte));
                function.instruction(&Instruction::I64Mul);
            };
            function.instruction(&Instruction::LocalSet(scratch));
            function.instruction(&Instruction::GlobalGet(self.ink_global()));
            cost(function);
            function.instruction(&Instruction::I64LtU);
            self.trap_if_short(function);
            function.instruction(&Instruction::GlobalGet(self.ink_global()));
            cost(function);
            function.instruction(&Instruction::I64Sub);
            function.instruction(&Instruction::GlobalSet(self.ink_global()));
            function.instruction(&Instruction::LocalGet(scratch));
        }
        let instruction = RoundtripReencoder.instruction(op.clone()).map_err(fail)?;
        function.instruction(&instruction);
        Ok(())
    }
}

/// Operators after which a new basic block starts: branch targets (`loop`, `else`, `end`),
/// branches, and calls (so the ink a host function sees is exact at the call).
fn ends_basic_block(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::Unreachable
            | Operator::Call { .. }
            | Operator::CallIndirect { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ink::prices::BLOCK_HEADER_INK;

    /// Instantiates the metered module, gives it `ink`, calls `f`; returns (ok, ink left, status).
    fn run(source: &str, ink: u64) -> (bool, u64, i32) {
        let wasm = instrument(&wat::parse_str(source).unwrap()).unwrap();
        let engine = wasmi::Engine::default();
        let module = wasmi::Module::new(&engine, &wasm).unwrap();
        let mut store = wasmi::Store::new(&engine, ());
        let instance = wasmi::Instance::new(&mut store, &module, &[]).unwrap();
        let left = instance.get_global(&store, INK_LEFT_EXPORT).unwrap();
        let status = instance.get_global(&store, INK_STATUS_EXPORT).unwrap();
        left.set(&mut store, wasmi::Val::I64(ink as i64)).unwrap();
        let f = instance.get_typed_func::<(), ()>(&store, "f").unwrap();
        let ok = f.call(&mut store, ()).is_ok();
        let wasmi::Val::I64(left) = left.get(&store) else {
            panic!()
        };
        let wasmi::Val::I32(status) = status.get(&store) else {
            panic!()
        };
        (ok, left as u64, status)
    }

    const STRAIGHT_LINE: &str = r#"
        (module
          (global $g (mut i32) (i32.const 0))
          (func (export "f") i32.const 1 global.set $g))"#;

    #[test]
    fn straight_line_code_pays_its_table_sum_plus_one_header() {
        // i32.const 1 + global.set 575 + end 1, one basic block.
        let cost = 1 + 575 + 1 + BLOCK_HEADER_INK;
        assert_eq!(run(STRAIGHT_LINE, 10_000), (true, 10_000 - cost, 0));
    }

    #[test]
    fn running_short_traps_and_sets_the_status() {
        let (ok, _, status) = run(STRAIGHT_LINE, 100);
        assert!(!ok);
        assert_eq!(status, 1);
    }

    #[test]
    fn memory_copy_pays_per_byte() {
        let copy = |len: u32| {
            format!(
                r#"(module (memory 1)
                     (func (export "f") i32.const 0 i32.const 100 i32.const {len} memory.copy))"#
            )
        };
        let (_, small, _) = run(&copy(10), 1_000_000);
        let (_, large, _) = run(&copy(1_010), 1_000_000);
        assert_eq!(small - large, 1_000 * MEMORY_BYTE_INK);
    }

    #[test]
    fn modules_without_globals_get_the_meter_globals() {
        let (ok, left, _) = run(r#"(module (func (export "f")))"#, 5_000);
        assert!(ok);
        assert_eq!(left, 5_000 - 1 - BLOCK_HEADER_INK);
    }
}
