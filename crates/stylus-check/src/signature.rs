//! Function signatures in the small vocabulary the activation rules need.

use core::fmt;

/// A WebAssembly value type, as far as the activation rules care.
///
/// Only `I32` and `I64` may appear in a deployable Stylus program; the other variants exist so
/// that a rejected signature can be reported exactly as it was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// 32-bit integer (also every pointer, `usize`, `bool`, `u8`, `u16` and `u32` on wasm32).
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float (forbidden in Stylus programs).
    F32,
    /// 64-bit float (forbidden in Stylus programs).
    F64,
    /// 128-bit SIMD vector (forbidden in Stylus programs).
    V128,
    /// Any reference type (forbidden in Stylus programs).
    Ref,
}

impl ValueType {
    /// Whether the type is a floating-point type.
    pub const fn is_float(self) -> bool {
        matches!(self, Self::F32 | Self::F64)
    }

    pub(crate) fn from_wasm(ty: wasmparser::ValType) -> Self {
        match ty {
            wasmparser::ValType::I32 => Self::I32,
            wasmparser::ValType::I64 => Self::I64,
            wasmparser::ValType::F32 => Self::F32,
            wasmparser::ValType::F64 => Self::F64,
            wasmparser::ValType::V128 => Self::V128,
            wasmparser::ValType::Ref(_) => Self::Ref,
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::I32 => "i32",
            Self::I64 => "i64",
            Self::F32 => "f32",
            Self::F64 => "f64",
            Self::V128 => "v128",
            Self::Ref => "ref",
        })
    }
}

/// Parameter and result types of a function, displayed as `(i32, i64) -> i32`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncSignature {
    /// Parameter types, in order.
    pub params: Vec<ValueType>,
    /// Result types, in order.
    pub results: Vec<ValueType>,
}

impl FuncSignature {
    /// Builds a signature from parameter and result slices.
    pub fn new(params: &[ValueType], results: &[ValueType]) -> Self {
        Self {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }

    /// Whether this signature has exactly the given parameters and results.
    pub fn is(&self, params: &[ValueType], results: &[ValueType]) -> bool {
        self.params == params && self.results == results
    }

    /// Whether any parameter or result is a floating-point type.
    pub fn has_float(&self) -> bool {
        self.params
            .iter()
            .chain(&self.results)
            .any(|ty| ty.is_float())
    }

    pub(crate) fn from_wasm(ty: &wasmparser::FuncType) -> Self {
        Self {
            params: ty
                .params()
                .iter()
                .copied()
                .map(ValueType::from_wasm)
                .collect(),
            results: ty
                .results()
                .iter()
                .copied()
                .map(ValueType::from_wasm)
                .collect(),
        }
    }
}

impl fmt::Display for FuncSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        write_list(f, &self.params)?;
        f.write_str(") -> ")?;
        match self.results.as_slice() {
            [] => f.write_str("()"),
            [single] => write!(f, "{single}"),
            many => {
                f.write_str("(")?;
                write_list(f, many)?;
                f.write_str(")")
            }
        }
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, types: &[ValueType]) -> fmt::Result {
    for (i, ty) in types.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{ty}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_wat() {
        use ValueType::*;
        assert_eq!(
            FuncSignature::new(&[I32], &[I32]).to_string(),
            "(i32) -> i32"
        );
        assert_eq!(FuncSignature::new(&[], &[]).to_string(), "() -> ()");
        assert_eq!(
            FuncSignature::new(&[I32, I64], &[I32, F64]).to_string(),
            "(i32, i64) -> (i32, f64)"
        );
    }
}
