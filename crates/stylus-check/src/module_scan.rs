//! One pass over an already validated module, collecting what the activation rules inspect.

use wasmparser::{
    BinaryReaderError, CompositeInnerType, ExternalKind, FunctionBody, MemoryType, Parser, Payload,
    TypeRef,
};

use crate::error::ActivationError;
use crate::floats::{self, FloatSite};
use crate::signature::FuncSignature;

/// What an import brings in.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ImportKind {
    /// A function with the given type index.
    Func(u32),
    /// Anything else, by kind name.
    Other(&'static str),
}

/// One entry of the import section.
#[derive(Clone, Debug)]
pub(crate) struct ImportEntry {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

/// One entry of the export section.
#[derive(Clone, Debug)]
pub(crate) struct ExportEntry {
    pub name: String,
    pub kind: ExternalKind,
    pub index: u32,
}

/// The facts about a module the activation rules need.
#[derive(Debug, Default)]
pub(crate) struct ModuleScan {
    /// Type section, `None` for non-function (GC) types.
    pub types: Vec<Option<FuncSignature>>,
    pub imports: Vec<ImportEntry>,
    /// Type index of every function, imported ones first (the function index space).
    pub function_type_indices: Vec<u32>,
    pub defined_functions: usize,
    pub defined_memories: Vec<MemoryType>,
    pub defined_globals: usize,
    pub start_function: Option<u32>,
    pub exports: Vec<ExportEntry>,
    /// The first floating-point use, in module order.
    pub first_float: Option<FloatSite>,
    /// The first instruction Nitro's meter does not support: (function, offset, mnemonic).
    pub first_unsupported: Option<(u32, usize, &'static str)>,
    /// Bytes of every data and element segment entry, encoded whole.
    pub segment_bytes: u64,
}

impl ModuleScan {
    /// Scans a module that already passed validation.
    pub(crate) fn read(wasm: &[u8]) -> Result<Self, ActivationError> {
        let mut scan = Self::default();
        let mut imported_globals = 0u32;
        let mut next_code_function = 0u32;
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(invalid_wasm)? {
                Payload::TypeSection(reader) => {
                    for group in reader {
                        for sub_type in group.map_err(invalid_wasm)?.types() {
                            let signature = match &sub_type.composite_type.inner {
                                CompositeInnerType::Func(ty) => Some(FuncSignature::from_wasm(ty)),
                                _ => None,
                            };
                            if signature.as_ref().is_some_and(FuncSignature::has_float) {
                                scan.note_float(FloatSite::FunctionType {
                                    type_index: index_u32(scan.types.len()),
                                });
                            }
                            scan.types.push(signature);
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.map_err(invalid_wasm)?;
                        let kind = match import.ty {
                            TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                                scan.function_type_indices.push(ty);
                                ImportKind::Func(ty)
                            }
                            TypeRef::Table(_) => ImportKind::Other("table"),
                            TypeRef::Memory(_) => ImportKind::Other("memory"),
                            TypeRef::Global(_) => {
                                imported_globals += 1;
                                ImportKind::Other("global")
                            }
                            TypeRef::Tag(_) => ImportKind::Other("tag"),
                        };
                        scan.imports.push(ImportEntry {
                            module: import.module.to_owned(),
                            name: import.name.to_owned(),
                            kind,
                        });
                    }
                    next_code_function = index_u32(scan.function_type_indices.len());
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        scan.function_type_indices.push(ty.map_err(invalid_wasm)?);
                        scan.defined_functions += 1;
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        scan.defined_memories.push(memory.map_err(invalid_wasm)?);
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader {
                        let global = global.map_err(invalid_wasm)?;
                        if floats::is_float(global.ty.content_type) {
                            scan.note_float(FloatSite::Global {
                                global_index: imported_globals + index_u32(scan.defined_globals),
                            });
                        }
                        scan.defined_globals += 1;
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.map_err(invalid_wasm)?;
                        scan.exports.push(ExportEntry {
                            name: export.name.to_owned(),
                            kind: export.kind,
                            index: export.index,
                        });
                    }
                }
                Payload::StartSection { func, .. } => scan.start_function = Some(func),
                Payload::DataSection(reader) => {
                    for data in reader {
                        let data = data.map_err(invalid_wasm)?;
                        scan.segment_bytes += data.range.end - data.range.start;
                    }
                }
                Payload::ElementSection(reader) => {
                    for element in reader {
                        let element = element.map_err(invalid_wasm)?;
                        scan.segment_bytes += element.range.end - element.range.start;
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    if scan.first_float.is_none() {
                        scan.first_float = first_float_in_body(&body, next_code_function)?;
                    }
                    if scan.first_unsupported.is_none() {
                        scan.first_unsupported =
                            first_unsupported_in_body(&body, next_code_function)?;
                    }
                    next_code_function += 1;
                }
                _ => {}
            }
        }
        Ok(scan)
    }

    /// The signature of the function at `func_index` in the function index space.
    pub(crate) fn function_signature(&self, func_index: u32) -> Option<&FuncSignature> {
        let type_index = *self
            .function_type_indices
            .get(usize::try_from(func_index).ok()?)?;
        self.type_signature(type_index)
    }

    /// The signature of the function type at `type_index`.
    pub(crate) fn type_signature(&self, type_index: u32) -> Option<&FuncSignature> {
        self.types.get(usize::try_from(type_index).ok()?)?.as_ref()
    }

    /// Σ (parameters + results) over the types of the defined functions.
    pub(crate) fn defined_type_len(&self) -> u64 {
        let imported = self.function_type_indices.len() - self.defined_functions;
        self.function_type_indices[imported..]
            .iter()
            .filter_map(|ty| self.type_signature(*ty))
            .map(|sig| (sig.params.len() + sig.results.len()) as u64)
            .sum()
    }

    /// The export called `name`, if any.
    pub(crate) fn export(&self, name: &str) -> Option<&ExportEntry> {
        self.exports.iter().find(|export| export.name == name)
    }

    fn note_float(&mut self, site: FloatSite) {
        self.first_float.get_or_insert(site);
    }
}

/// The first float local, float block type or float instruction of a function body.
fn first_float_in_body(
    body: &FunctionBody<'_>,
    func_index: u32,
) -> Result<Option<FloatSite>, ActivationError> {
    for local in body.get_locals_reader().map_err(invalid_wasm)? {
        let (_, ty) = local.map_err(invalid_wasm)?;
        if floats::is_float(ty) {
            return Ok(Some(FloatSite::Local { func_index }));
        }
    }
    let mut operators = body.get_operators_reader().map_err(invalid_wasm)?;
    while !operators.eof() {
        let (op, offset) = operators.read_with_offset().map_err(invalid_wasm)?;
        let offset = offset_usize(offset);
        if let Some(mnemonic) = floats::float_instruction(&op) {
            return Ok(Some(FloatSite::Instruction {
                func_index,
                offset,
                mnemonic,
            }));
        }
        if floats::has_float_block_type(&op) {
            return Ok(Some(FloatSite::BlockType { func_index, offset }));
        }
    }
    Ok(None)
}

/// The first instruction Nitro's dynamic meter refuses (nitro `crates/prover/src/programs/
/// dynamic.rs`: "opcode not supported").
fn first_unsupported_in_body(
    body: &FunctionBody<'_>,
    func_index: u32,
) -> Result<Option<(u32, usize, &'static str)>, ActivationError> {
    use wasmparser::Operator as O;
    let mut operators = body.get_operators_reader().map_err(invalid_wasm)?;
    while !operators.eof() {
        let (op, offset) = operators.read_with_offset().map_err(invalid_wasm)?;
        let mnemonic = match op {
            O::MemoryInit { .. } => "memory.init",
            O::DataDrop { .. } => "data.drop",
            O::ElemDrop { .. } => "elem.drop",
            O::TableInit { .. } => "table.init",
            O::TableCopy { .. } => "table.copy",
            O::TableFill { .. } => "table.fill",
            O::TableGet { .. } => "table.get",
            O::TableSet { .. } => "table.set",
            O::TableGrow { .. } => "table.grow",
            O::TableSize { .. } => "table.size",
            _ => continue,
        };
        return Ok(Some((func_index, offset_usize(offset), mnemonic)));
    }
    Ok(None)
}

/// Maps a parser error to [`ActivationError::InvalidWasm`].
pub(crate) fn invalid_wasm(error: BinaryReaderError) -> ActivationError {
    ActivationError::InvalidWasm {
        offset: offset_usize(error.offset()),
        reason: error.message().to_owned(),
    }
}

/// A parser offset as `usize` (modules are at most 128 KiB, so this never saturates in practice).
pub(crate) fn offset_usize(offset: u64) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

/// A collection length as a wasm index (validated modules have fewer than 2^32 items).
fn index_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
