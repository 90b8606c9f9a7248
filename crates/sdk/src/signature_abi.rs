//! Function signatures: from `"approve(address spender, uint256 amount)"` to the selector and to
//! the calldata word each named parameter occupies.
//!
//! Parsing is alloy's (`alloy_json_abi::Function::parse`, types resolved by `alloy-dyn-abi`), so
//! `uint` means `uint256`, tuples and arrays are understood and the selector is computed from the
//! canonical form. A rule checks head word *i* = `calldata[4 + 32i .. 4 + 32i + 32]`; this module
//! lays the parameters over those words exactly as the ABI head does:
//!
//! - a static elementary parameter (`address`, `bool`, `uintN`, `intN`, `bytesN`) is one word;
//! - a static tuple or fixed array is inlined, each element in turn (name its elements:
//!   `order.#1` for the second field of a tuple — alloy's signature parser takes no names
//!   inside tuples — and `fees[1]` for an array element);
//! - a dynamic parameter (`bytes`, `string`, `T[]`, or anything containing one) takes one word
//!   holding an *offset*, not its value: rules on it are refused, since they would check the
//!   offset.
//!
//! Parameters without a name are addressed by position: `#0`, `#1`, ….

use alloy_dyn_abi::{DynSolType, DynSolValue, Specifier};
use alloy_json_abi::{Function, Param};
use alloy_primitives::{keccak256, B256};

/// Most head words a signature may lay out (rules address words with a `u16`).
pub const MAX_HEAD_WORDS: usize = u16::MAX as usize + 1;

/// Why a signature or a parameter reference is not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Not a function signature alloy can parse.
    #[error("`{text}` is not a function signature like `approve(address spender, uint256 amount)`: {reason}")]
    Parse {
        /// The text.
        text: String,
        /// alloy's reason.
        reason: String,
    },
    /// More head words than a rule can address.
    #[error("`{function}` lays out more than {MAX_HEAD_WORDS} calldata words")]
    TooLarge {
        /// The function.
        function: String,
    },
    /// No parameter with that name or path.
    #[error("`{function}` has no parameter `{param}` (parameters: {available})")]
    NoSuchParam {
        /// The function.
        function: String,
        /// The name asked for.
        param: String,
        /// What it has.
        available: String,
    },
    /// A dynamic parameter: its head word is an offset.
    #[error("parameter `{param}` of `{function}` is `{ty}`, a dynamic type: its calldata word is an offset, not the value, so no rule can check it")]
    Dynamic {
        /// The function.
        function: String,
        /// The parameter.
        param: String,
        /// Its type.
        ty: String,
    },
    /// A static tuple or array named as a whole.
    #[error("parameter `{param}` of `{function}` is `{ty}`: name one of its elements ({hint})")]
    Composite {
        /// The function.
        function: String,
        /// The parameter.
        param: String,
        /// Its type.
        ty: String,
        /// Example element paths.
        hint: String,
    },
}

/// One calldata head word of a function: a static value, or the offset of a dynamic one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamWord {
    /// `name`, `#2`, `order.#1`, `fees[1]`.
    pub path: String,
    /// Type of the value in the word (for a dynamic parameter: the dynamic type).
    pub ty: DynSolType,
    /// Head word index (what a rule's `word_index` holds).
    pub word: u16,
    /// Whether the word is an offset to a dynamic value.
    pub dynamic: bool,
}

/// A parsed function signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSignature {
    /// Function name.
    pub name: String,
    /// `name(type,…)` in canonical types: what the selector hashes.
    pub canonical: String,
    /// First four bytes of `keccak256(canonical)`.
    pub selector: [u8; 4],
    /// Top-level parameters: (path, type).
    pub params: Vec<(String, DynSolType)>,
    /// Every head word, in order.
    pub words: Vec<ParamWord>,
}

impl FunctionSignature {
    /// Parses `name(type [name], …)`; a leading `function` and trailing modifiers/returns are
    /// accepted.
    ///
    /// # Errors
    /// [`SignatureError::Parse`], [`SignatureError::TooLarge`].
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let parse_err = |reason: String| SignatureError::Parse {
            text: text.trim().to_owned(),
            reason,
        };
        let f = Function::parse(text.trim()).map_err(|e| parse_err(e.to_string()))?;
        let mut params = Vec::with_capacity(f.inputs.len());
        for (i, p) in f.inputs.iter().enumerate() {
            let ty = p.resolve().map_err(|e| parse_err(e.to_string()))?;
            let path = if p.name.is_empty() {
                format!("#{i}")
            } else {
                p.name.clone()
            };
            params.push((path, ty));
        }
        let canonical = format!(
            "{}({})",
            f.name,
            params
                .iter()
                .map(|(_, t)| t.sol_type_name().into_owned())
                .collect::<Vec<_>>()
                .join(",")
        );
        let selector: [u8; 4] = keccak256(canonical.as_bytes())[..4]
            .try_into()
            .expect("4 bytes");
        let mut words = Vec::new();
        for ((path, ty), p) in params.iter().zip(&f.inputs) {
            lay_out(path, ty, Some(p), &mut words);
            if words.len() > MAX_HEAD_WORDS {
                return Err(SignatureError::TooLarge {
                    function: canonical,
                });
            }
        }
        Ok(Self {
            name: f.name,
            canonical,
            selector,
            params,
            words,
        })
    }

    /// The word a parameter reference names, refusing dynamic and composite parameters.
    ///
    /// # Errors
    /// [`SignatureError::NoSuchParam`], [`SignatureError::Dynamic`],
    /// [`SignatureError::Composite`].
    pub fn resolve(&self, param: &str) -> Result<&ParamWord, SignatureError> {
        let param = param.trim();
        if let Some(w) = self.words.iter().find(|w| w.path == param) {
            if w.dynamic {
                return Err(SignatureError::Dynamic {
                    function: self.canonical.clone(),
                    param: param.to_owned(),
                    ty: w.ty.sol_type_name().into_owned(),
                });
            }
            return Ok(w);
        }
        let inner: Vec<&str> = self
            .words
            .iter()
            .filter(|w| {
                w.path
                    .strip_prefix(param)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
            })
            .map(|w| w.path.as_str())
            .collect();
        if !inner.is_empty() {
            let ty = self
                .params
                .iter()
                .find(|(p, _)| p == param)
                .map(|(_, t)| t.sol_type_name().into_owned())
                .unwrap_or_else(|| "a tuple or array".to_owned());
            return Err(SignatureError::Composite {
                function: self.canonical.clone(),
                param: param.to_owned(),
                ty,
                hint: inner.iter().take(3).copied().collect::<Vec<_>>().join(", "),
            });
        }
        Err(SignatureError::NoSuchParam {
            function: self.canonical.clone(),
            param: param.to_owned(),
            available: if self.params.is_empty() {
                "none".to_owned()
            } else {
                self.params
                    .iter()
                    .map(|(p, t)| format!("{} {p}", t.sol_type_name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        })
    }

    /// The head word with index `word`, if the function has one.
    pub fn word(&self, word: u16) -> Option<&ParamWord> {
        self.words.get(word as usize)
    }

    /// `name(p1, p2)`: the function with its parameter names, for messages.
    pub fn display_with_names(&self) -> String {
        format!(
            "{}({})",
            self.name,
            self.params
                .iter()
                .map(|(p, _)| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    /// Calldata calling this function with `args` written as text (addresses as `0x…` with the
    /// EIP-55 check, integers as `100e18` / `1.5 ether` / `-3`, `true`, hex bytes, arrays as
    /// `[1, 2]`, tuples as `(a, b)`).
    ///
    /// # Errors
    /// A sentence naming the argument that does not fit its type, or a wrong count.
    pub fn encode_call(&self, args: &[String]) -> Result<Vec<u8>, String> {
        if args.len() != self.params.len() {
            return Err(format!(
                "`{}` takes {} argument(s), got {}",
                self.canonical,
                self.params.len(),
                args.len()
            ));
        }
        let mut values = Vec::with_capacity(args.len());
        for (i, ((name, ty), arg)) in self.params.iter().zip(args).enumerate() {
            let bad =
                |why: String| format!("argument #{i} (`{name}`, {}): {why}", ty.sol_type_name());
            let v = if *ty == DynSolType::Address {
                crate::address::parse_address(arg)
                    .map(DynSolValue::Address)
                    .map_err(|e| bad(e.to_string()))?
            } else {
                ty.coerce_str(arg)
                    .map_err(|_| bad(format!("`{arg}` is not a valid {}", ty.sol_type_name())))?
            };
            values.push(v);
        }
        let mut out = self.selector.to_vec();
        out.extend_from_slice(&DynSolValue::Tuple(values).abi_encode_params());
        Ok(out)
    }

    /// Decodes full calldata (selector first) into named values; `None` if it does not decode.
    pub fn decode_calldata(&self, calldata: &[u8]) -> Option<Vec<(String, DynSolValue)>> {
        if calldata.get(..4)? != self.selector {
            return None;
        }
        let types = DynSolType::Tuple(self.params.iter().map(|(_, t)| t.clone()).collect());
        let DynSolValue::Tuple(values) = types.abi_decode_sequence(&calldata[4..]).ok()? else {
            return None;
        };
        Some(
            self.params
                .iter()
                .map(|(p, _)| p.clone())
                .zip(values)
                .collect(),
        )
    }
}

/// Appends the head words of a parameter at `path` of type `ty`.
fn lay_out(path: &str, ty: &DynSolType, param: Option<&Param>, out: &mut Vec<ParamWord>) {
    if out.len() > MAX_HEAD_WORDS {
        return;
    }
    let word = out.len().min(u16::MAX as usize) as u16;
    if ty.is_dynamic() {
        out.push(ParamWord {
            path: path.to_owned(),
            ty: ty.clone(),
            word,
            dynamic: true,
        });
        return;
    }
    match ty {
        DynSolType::Tuple(types) => {
            let components = param.map(|p| p.components.as_slice()).unwrap_or(&[]);
            for (i, t) in types.iter().enumerate() {
                let c = components.get(i);
                let name = match c {
                    Some(c) if !c.name.is_empty() => c.name.clone(),
                    _ => format!("#{i}"),
                };
                lay_out(&format!("{path}.{name}"), t, c, out);
            }
        }
        DynSolType::FixedArray(inner, n) => {
            // Components of `tuple[n]` describe the element tuple.
            for i in 0..*n {
                lay_out(&format!("{path}[{i}]"), inner, param, out);
                if out.len() > MAX_HEAD_WORDS {
                    return;
                }
            }
        }
        _ => out.push(ParamWord {
            path: path.to_owned(),
            ty: ty.clone(),
            word,
            dynamic: false,
        }),
    }
}

/// Whether ordering comparisons (`<`, `<=`, ranges) make sense for `ty`, and whether they
/// compare as `int256`: `Some(false)` for `uintN`, `Some(true)` for `intN`, `None` otherwise.
pub fn ordering(ty: &DynSolType) -> Option<bool> {
    match ty {
        DynSolType::Uint(_) => Some(false),
        DynSolType::Int(_) => Some(true),
        _ => None,
    }
}

/// The 32-byte word a static elementary value occupies in calldata.
pub fn value_word(value: &DynSolValue) -> Option<B256> {
    value.as_word()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approve_has_the_known_selector_and_words() {
        let f = FunctionSignature::parse("approve(address spender, uint256 amount)").unwrap();
        assert_eq!(f.selector, [0x09, 0x5e, 0xa7, 0xb3]);
        assert_eq!(f.canonical, "approve(address,uint256)");
        assert_eq!(f.resolve("spender").unwrap().word, 0);
        assert_eq!(f.resolve("amount").unwrap().word, 1);
        assert_eq!(f.display_with_names(), "approve(spender, amount)");
    }

    #[test]
    fn unnamed_parameters_by_position_and_uint_is_uint256() {
        let f =
            FunctionSignature::parse("function transfer(address, uint) external returns (bool)")
                .unwrap();
        assert_eq!(f.canonical, "transfer(address,uint256)");
        assert_eq!(f.selector, [0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(f.resolve("#1").unwrap().word, 1);
    }

    #[test]
    fn static_tuples_and_arrays_are_inlined_dynamic_ones_take_one_word() {
        let f = FunctionSignature::parse(
            "swap((address,uint256) order, bytes data, uint8[2] fees, int256 minOut)",
        )
        .unwrap();
        assert_eq!(f.resolve("order.#0").unwrap().word, 0);
        assert_eq!(f.resolve("order.#1").unwrap().word, 1);
        assert!(matches!(
            f.resolve("data"),
            Err(SignatureError::Dynamic { .. })
        ));
        assert_eq!(f.resolve("fees[1]").unwrap().word, 4);
        assert_eq!(f.resolve("minOut").unwrap().word, 5);
        assert!(matches!(
            f.resolve("order"),
            Err(SignatureError::Composite { .. })
        ));
        assert!(matches!(
            f.resolve("amount"),
            Err(SignatureError::NoSuchParam { .. })
        ));
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "",
            "approve",
            "approve(address",
            "approve(addr x)",
            "(uint256)",
        ] {
            assert!(
                matches!(
                    FunctionSignature::parse(bad),
                    Err(SignatureError::Parse { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn encodes_calls_from_text_arguments() {
        let f = FunctionSignature::parse("approve(address spender, uint256 amount)").unwrap();
        let data = f
            .encode_call(&[
                "0x0000000000000000000000000000000000000de0".into(),
                "1e18".into(),
            ])
            .unwrap();
        assert_eq!(data.len(), 68);
        let args = f.decode_calldata(&data).unwrap();
        assert_eq!(
            args[1].1,
            DynSolValue::Uint(alloy_primitives::U256::from(10u128.pow(18)), 256)
        );
        assert!(f
            .encode_call(&["0x12".into(), "1".into()])
            .unwrap_err()
            .contains("`spender`"));
        assert!(f
            .encode_call(&["1".into()])
            .unwrap_err()
            .contains("takes 2"));
    }

    #[test]
    fn decodes_calldata_by_name() {
        let f = FunctionSignature::parse("transfer(address to, uint256 amount)").unwrap();
        let mut data = f.selector.to_vec();
        data.extend_from_slice(&[0u8; 31]);
        data.push(0x11);
        data.extend_from_slice(&[0u8; 31]);
        data.push(5);
        let args = f.decode_calldata(&data).unwrap();
        assert_eq!(args[1].0, "amount");
        assert_eq!(
            args[1].1,
            DynSolValue::Uint(alloy_primitives::U256::from(5), 256)
        );
    }
}
