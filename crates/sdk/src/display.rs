//! How values are shown to people: checksummed addresses, decimal integers (signed where the
//! type is), hex bytes, and rules as `amount <= 100000000000000000000`.

use alloy_dyn_abi::{DynSolType, DynSolValue};
use alloy_primitives::{hex, B256, U256};
use sessionkey_policy::condition::Condition;
use sessionkey_policy::rule::ParamRule;

use crate::signature_abi::FunctionSignature;

/// A decoded ABI value as text.
pub fn format_value(v: &DynSolValue) -> String {
    match v {
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::FixedBytes(w, n) => hex::encode_prefixed(&w[..*n]),
        DynSolValue::Bytes(b) => hex::encode_prefixed(b),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Function(f) => hex::encode_prefixed(f.as_slice()),
        DynSolValue::Array(vs) | DynSolValue::FixedArray(vs) => {
            format!(
                "[{}]",
                vs.iter().map(format_value).collect::<Vec<_>>().join(", ")
            )
        }
        DynSolValue::Tuple(vs) => format!(
            "({})",
            vs.iter().map(format_value).collect::<Vec<_>>().join(", ")
        ),
        #[allow(unreachable_patterns)]
        _ => format!("{v:?}"),
    }
}

/// A calldata word read as `ty` (a static elementary type); raw hex if it does not decode
/// (e.g. a dirty address word).
pub fn format_word(word: &B256, ty: Option<&DynSolType>) -> String {
    match ty.and_then(|t| t.abi_decode(word.as_slice()).ok()) {
        Some(v) => format_value(&v),
        None => {
            let n = U256::from_be_bytes(word.0);
            if n < U256::from(1u128 << 64) {
                n.to_string()
            } else {
                word.to_string()
            }
        }
    }
}

/// A word read as the numeric type a condition implies (int256 for signed conditions).
fn word_for_condition(word: &B256, condition: Condition, ty: Option<&DynSolType>) -> String {
    match ty {
        Some(t) => format_word(word, Some(t)),
        None if condition.is_signed() => format_word(word, Some(&DynSolType::Int(256))),
        None => format_word(word, None),
    }
}

/// `param` name and type of a rule's word, if the function is known.
pub fn rule_param(rule: &ParamRule, f: Option<&FunctionSignature>) -> (String, Option<DynSolType>) {
    match f.and_then(|f| f.word(rule.word_index)) {
        Some(w) => (w.path.clone(), Some(w.ty.clone())),
        None => (format!("word[{}]", rule.word_index), None),
    }
}

/// A rule in words: `amount <= 100000000000000000000`, `10 <= fee <= 20`,
/// `to in [0x…, 0x…]`; signed comparisons are marked `(signed)` when the type is not known.
pub fn format_rule(rule: &ParamRule, f: Option<&FunctionSignature>) -> String {
    let (name, ty) = rule_param(rule, f);
    let v = |i: usize| word_for_condition(&rule.values[i], rule.condition, ty.as_ref());
    let signed_mark = if ty.is_none() && rule.condition.is_signed() {
        " (signed)"
    } else {
        ""
    };
    let op = match rule.condition {
        Condition::Eq => "==",
        Condition::Neq => "!=",
        Condition::Gt | Condition::SignedGt => ">",
        Condition::Gte | Condition::SignedGte => ">=",
        Condition::Lt | Condition::SignedLt => "<",
        Condition::Lte | Condition::SignedLte => "<=",
        Condition::InRange | Condition::SignedInRange => {
            return format!("{} <= {name} <= {}{signed_mark}", v(0), v(1));
        }
        Condition::OneOf => {
            let all: Vec<String> = (0..rule.values.len()).map(v).collect();
            return format!("{name} in [{}]", all.join(", "));
        }
    };
    format!("{name} {op} {}{signed_mark}", v(0))
}

/// The value of a rule's word in `calldata`, as text.
pub fn format_param(
    calldata: &[u8],
    rule: &ParamRule,
    f: Option<&FunctionSignature>,
) -> Option<String> {
    let word = sessionkey_policy::rule::param_word(calldata, rule.word_index)?;
    let (_, ty) = rule_param(rule, f);
    Some(word_for_condition(&word, rule.condition, ty.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, I256};

    #[test]
    fn rules_read_like_code() {
        let f =
            FunctionSignature::parse("swap(address to, uint256 amount, int256 minOut)").unwrap();
        let to = Address::repeat_byte(0xab);
        let eq = ParamRule::new(Condition::Eq, 0, to.into_word());
        assert_eq!(
            format_rule(&eq, Some(&f)),
            format!("to == {}", to.to_checksum(None))
        );
        let lte = ParamRule::new(Condition::Lte, 1, B256::from(U256::from(100)));
        assert_eq!(format_rule(&lte, Some(&f)), "amount <= 100");
        let neg = B256::from(I256::try_from(-3).unwrap());
        let sgte = ParamRule::new(Condition::SignedGte, 2, neg);
        assert_eq!(format_rule(&sgte, Some(&f)), "minOut >= -3");
        assert_eq!(format_rule(&sgte, None), "word[2] >= -3 (signed)");
    }
}
