//! Detection of floating-point use, which Stylus forbids outright.
//!
//! A float value can only come into being through a float-typed parameter, result, local or
//! global, a float block or `select` type, or a float instruction (constant, load, conversion,
//! reinterpretation, arithmetic). The activation check rejects every one of these sites; the
//! saturating truncations are included because they read a float operand.

use core::fmt;

use wasmparser::{BlockType, Operator, ValType};

/// Where a module uses a floating-point type or instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FloatSite {
    /// A function type of the type section has a float parameter or result.
    FunctionType {
        /// Index in the type section.
        type_index: u32,
    },
    /// A defined global has a float type.
    Global {
        /// Index in the global index space.
        global_index: u32,
    },
    /// A defined function declares a float local.
    Local {
        /// Index in the function index space.
        func_index: u32,
    },
    /// A block, loop, if or typed `select` produces a float.
    BlockType {
        /// Index in the function index space.
        func_index: u32,
        /// Byte offset of the instruction in the module.
        offset: usize,
    },
    /// A float instruction.
    Instruction {
        /// Index in the function index space.
        func_index: u32,
        /// Byte offset of the instruction in the module.
        offset: usize,
        /// The instruction's text-format name, e.g. `f64.add`.
        mnemonic: &'static str,
    },
}

impl fmt::Display for FloatSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FunctionType { type_index } => {
                write!(
                    f,
                    "function type {type_index} has a float parameter or result"
                )
            }
            Self::Global { global_index } => write!(f, "global {global_index} has a float type"),
            Self::Local { func_index } => write!(f, "function {func_index} has a float local"),
            Self::BlockType { func_index, offset } => write!(
                f,
                "function {func_index} has a float-typed block or select at offset {offset:#x}"
            ),
            Self::Instruction {
                func_index,
                offset,
                mnemonic,
            } => write!(
                f,
                "function {func_index} uses `{mnemonic}` at offset {offset:#x}"
            ),
        }
    }
}

/// Whether a value type is `f32` or `f64`.
pub(crate) fn is_float(ty: ValType) -> bool {
    matches!(ty, ValType::F32 | ValType::F64)
}

/// Whether an instruction declares a float result type (block types and typed `select`).
pub(crate) fn has_float_block_type(op: &Operator<'_>) -> bool {
    match op {
        Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty } => {
            matches!(blockty, BlockType::Type(ty) if is_float(*ty))
        }
        Operator::TypedSelect { ty } => is_float(*ty),
        Operator::TypedSelectMulti { tys } => tys.iter().copied().any(is_float),
        _ => false,
    }
}

/// The text-format name of a scalar float instruction, or `None` for any other instruction.
///
/// SIMD float lanes are not listed: SIMD as a whole is rejected by the feature-set rule.
pub(crate) fn float_instruction(op: &Operator<'_>) -> Option<&'static str> {
    use Operator as O;
    Some(match op {
        O::F32Load { .. } => "f32.load",
        O::F64Load { .. } => "f64.load",
        O::F32Store { .. } => "f32.store",
        O::F64Store { .. } => "f64.store",
        O::F32Const { .. } => "f32.const",
        O::F64Const { .. } => "f64.const",
        O::F32Eq => "f32.eq",
        O::F32Ne => "f32.ne",
        O::F32Lt => "f32.lt",
        O::F32Gt => "f32.gt",
        O::F32Le => "f32.le",
        O::F32Ge => "f32.ge",
        O::F64Eq => "f64.eq",
        O::F64Ne => "f64.ne",
        O::F64Lt => "f64.lt",
        O::F64Gt => "f64.gt",
        O::F64Le => "f64.le",
        O::F64Ge => "f64.ge",
        O::F32Abs => "f32.abs",
        O::F32Neg => "f32.neg",
        O::F32Ceil => "f32.ceil",
        O::F32Floor => "f32.floor",
        O::F32Trunc => "f32.trunc",
        O::F32Nearest => "f32.nearest",
        O::F32Sqrt => "f32.sqrt",
        O::F32Add => "f32.add",
        O::F32Sub => "f32.sub",
        O::F32Mul => "f32.mul",
        O::F32Div => "f32.div",
        O::F32Min => "f32.min",
        O::F32Max => "f32.max",
        O::F32Copysign => "f32.copysign",
        O::F64Abs => "f64.abs",
        O::F64Neg => "f64.neg",
        O::F64Ceil => "f64.ceil",
        O::F64Floor => "f64.floor",
        O::F64Trunc => "f64.trunc",
        O::F64Nearest => "f64.nearest",
        O::F64Sqrt => "f64.sqrt",
        O::F64Add => "f64.add",
        O::F64Sub => "f64.sub",
        O::F64Mul => "f64.mul",
        O::F64Div => "f64.div",
        O::F64Min => "f64.min",
        O::F64Max => "f64.max",
        O::F64Copysign => "f64.copysign",
        O::I32TruncF32S => "i32.trunc_f32_s",
        O::I32TruncF32U => "i32.trunc_f32_u",
        O::I32TruncF64S => "i32.trunc_f64_s",
        O::I32TruncF64U => "i32.trunc_f64_u",
        O::I64TruncF32S => "i64.trunc_f32_s",
        O::I64TruncF32U => "i64.trunc_f32_u",
        O::I64TruncF64S => "i64.trunc_f64_s",
        O::I64TruncF64U => "i64.trunc_f64_u",
        O::F32ConvertI32S => "f32.convert_i32_s",
        O::F32ConvertI32U => "f32.convert_i32_u",
        O::F32ConvertI64S => "f32.convert_i64_s",
        O::F32ConvertI64U => "f32.convert_i64_u",
        O::F32DemoteF64 => "f32.demote_f64",
        O::F64ConvertI32S => "f64.convert_i32_s",
        O::F64ConvertI32U => "f64.convert_i32_u",
        O::F64ConvertI64S => "f64.convert_i64_s",
        O::F64ConvertI64U => "f64.convert_i64_u",
        O::F64PromoteF32 => "f64.promote_f32",
        O::I32ReinterpretF32 => "i32.reinterpret_f32",
        O::I64ReinterpretF64 => "i64.reinterpret_f64",
        O::F32ReinterpretI32 => "f32.reinterpret_i32",
        O::F64ReinterpretI64 => "f64.reinterpret_i64",
        O::I32TruncSatF32S => "i32.trunc_sat_f32_s",
        O::I32TruncSatF32U => "i32.trunc_sat_f32_u",
        O::I32TruncSatF64S => "i32.trunc_sat_f64_s",
        O::I32TruncSatF64U => "i32.trunc_sat_f64_u",
        O::I64TruncSatF32S => "i64.trunc_sat_f32_s",
        O::I64TruncSatF32U => "i64.trunc_sat_f32_u",
        O::I64TruncSatF64S => "i64.trunc_sat_f64_s",
        O::I64TruncSatF64U => "i64.trunc_sat_f64_u",
        _ => return None,
    })
}
