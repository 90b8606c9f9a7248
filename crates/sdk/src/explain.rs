//! Why an op passes or fails, in words: every [`Violation`], [`ExecutionError`] and
//! [`RecordError`] variant has a sentence naming the call (index, function, target), the rule
//! (as it reads in the permission, e.g. `amount <= 100000000000000000000`) and the value that
//! broke it.
//!
//! [`explain`] turns a [`Verdict`] of the simulator into an [`Explanation`];
//! [`explain_revert`] turns the validator's revert data (as a bundler or EntryPoint's
//! `FailedOpWithRevert` reports it) into the same sentences.

use alloy_primitives::{hex, Address, B256};
use alloy_sol_types::{sol, SolError};
use serde::Serialize;
use sessionkey_policy::error::ModuleError;
use sessionkey_policy::layout::{CallKey, SelectorMatch, TargetMatch};
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::record::{CallPolicy, Limit, SessionRecord, TokenLimit};
use sessionkey_policy::validation_data::ValidationData;
use sessionkey_policy::{ExecutionError, Violation};

use crate::account_calls::{Call, PackedUserOperation};
use crate::display::{format_param, format_rule, format_value};
use crate::function_book::FunctionBook;
use crate::hash::EntryPointVersion;
use crate::simulate::{Outcome, Rejection, Verdict};

sol! {
    /// EntryPoint v0.7 / v0.8 validation failures.
    #[derive(Debug)]
    error FailedOp(uint256 opIndex, string reason);
    /// EntryPoint v0.7 / v0.8 validation failure with the account's or module's revert data.
    #[derive(Debug)]
    error FailedOpWithRevert(uint256 opIndex, string reason, bytes inner);
}

/// What is known around a failure, to name things in sentences.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The session's record.
    pub record: Option<&'a SessionRecord>,
    /// Function signatures for naming calls and parameters.
    pub functions: &'a FunctionBook,
    /// The op's calls (empty when unknown).
    pub calls: &'a [Call],
    /// The op (for gas figures).
    pub op: Option<&'a PackedUserOperation>,
    /// The validator module.
    pub module: Option<Address>,
    /// The session's words before the op.
    pub store: Option<&'a MemoryStore>,
}

impl<'a> Context<'a> {
    /// A context knowing only function names.
    pub fn bare(functions: &'a FunctionBook) -> Self {
        Self {
            record: None,
            functions,
            calls: &[],
            op: None,
            module: None,
            store: None,
        }
    }
}

fn checksum(a: &Address) -> String {
    a.to_checksum(None)
}

/// `call #1 approve(spender, amount) on 0x…` (or `call #0, a plain transfer of 5 wei to 0x…`).
pub fn describe_call(index: usize, ctx: &Context<'_>) -> String {
    let Some(call) = ctx.calls.get(index) else {
        return format!("call #{index}");
    };
    let value = if call.value.is_zero() {
        String::new()
    } else {
        format!(" sending {} wei", call.value)
    };
    match call.data.len() {
        0 => format!(
            "call #{index}, a plain transfer of {} wei to {}",
            call.value,
            checksum(&call.target)
        ),
        1..=3 => format!(
            "call #{index} to {} with {} bytes of calldata{value}",
            checksum(&call.target),
            call.data.len()
        ),
        _ => {
            let sel: [u8; 4] = call.data[..4].try_into().expect("4 bytes");
            format!(
                "call #{index} {} on {}{value}",
                ctx.functions.name(sel),
                checksum(&call.target)
            )
        }
    }
}

/// The call with its decoded arguments: `approve(spender=0x…, amount=150) on 0x…`.
pub fn describe_call_with_args(index: usize, call: &Call, functions: &FunctionBook) -> String {
    let value = if call.value.is_zero() {
        String::new()
    } else {
        format!(", value {} wei", call.value)
    };
    if call.data.is_empty() {
        return format!(
            "#{index} plain transfer of {} wei to {}",
            call.value,
            checksum(&call.target)
        );
    }
    let body = match call.data.get(..4).and_then(|s| {
        let sel: [u8; 4] = s.try_into().ok()?;
        functions.get(sel)
    }) {
        Some(f) => match f.decode_calldata(&call.data) {
            Some(args) => format!(
                "{}({})",
                f.name,
                args.iter()
                    .map(|(n, v)| format!("{n}={}", format_value(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => format!(
                "{} with calldata that does not decode: {}",
                f.canonical,
                hex::encode_prefixed(&call.data)
            ),
        },
        None => format!("calldata {}", hex::encode_prefixed(&call.data)),
    };
    format!("#{index} {body} on {}{value}", checksum(&call.target))
}

/// The entry the engine uses for `call`: exact target+selector, then the target's any-selector
/// entry, then the selector's any-target entry.
pub fn entry_for<'r>(record: &'r SessionRecord, call: &Call) -> Option<&'r CallPolicy> {
    let selector = match call.data.len() {
        0 => SelectorMatch::Empty,
        1..=3 => return None,
        _ => SelectorMatch::Exact(call.data[..4].try_into().expect("4 bytes")),
    };
    let target = TargetMatch::Exact(call.target);
    [
        CallKey { target, selector },
        CallKey {
            target,
            selector: SelectorMatch::Any,
        },
        CallKey {
            target: TargetMatch::Any,
            selector,
        },
    ]
    .iter()
    .find_map(|k| record.calls.iter().find(|c| c.key == *k))
}

fn entry_function<'b>(
    p: &CallPolicy,
    functions: &'b FunctionBook,
) -> Option<&'b crate::signature_abi::FunctionSignature> {
    match p.key.selector {
        SelectorMatch::Exact(s) => functions.get(s),
        _ => None,
    }
}

/// What the record allows on `target`, for "not allowed" hints.
fn allowed_on(target: Address, ctx: &Context<'_>) -> Option<String> {
    let record = ctx.record?;
    let on: Vec<String> = record
        .calls
        .iter()
        .filter(|c| c.key.target == TargetMatch::Exact(target) || c.key.target == TargetMatch::Any)
        .map(|c| {
            let f = match c.key.selector {
                SelectorMatch::Exact(s) => ctx.functions.name(s),
                SelectorMatch::Any => "any function".to_owned(),
                SelectorMatch::Empty => "plain transfers".to_owned(),
            };
            if c.key.target == TargetMatch::Any {
                format!("{f} (on any target)")
            } else {
                f
            }
        })
        .collect();
    Some(if on.is_empty() {
        format!("the permission allows nothing on {}", checksum(&target))
    } else {
        format!("allowed on {}: {}", checksum(&target), on.join(", "))
    })
}

/// A sentence for a policy violation.
pub fn violation(v: &Violation, ctx: &Context<'_>) -> String {
    match *v {
        Violation::SelfCall { index } => {
            let target = ctx.calls.get(index).map(|c| c.target);
            let what = match (target, ctx.module) {
                (Some(t), Some(m)) if t == m => "the validator module itself",
                (Some(_), _) if ctx.module.is_some() => "the account itself",
                _ => "the account itself or the validator module",
            };
            format!(
                "{}: targets {what}; a session can never call its own account or the module (self-call escalation)",
                describe_call(index, ctx)
            )
        }
        Violation::CallNotAllowed {
            index,
            target,
            selector,
        } => {
            let what = if ctx.calls.get(index).is_some_and(|c| c.data.is_empty()) {
                "plain transfers to this target".to_owned()
            } else {
                format!("{} on this target", ctx.functions.name(selector))
            };
            let hint = allowed_on(target, ctx)
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            let call = if ctx.calls.is_empty() {
                format!(
                    "call #{index} {} on {}",
                    ctx.functions.name(selector),
                    checksum(&target)
                )
            } else {
                describe_call(index, ctx)
            };
            format!("{call}: no entry of the permission allows {what}{hint}")
        }
        Violation::CalldataTooShort { index } => format!(
            "{}: calldata of 1 to 3 bytes is neither empty (a plain transfer) nor a 4-byte selector",
            describe_call(index, ctx)
        ),
        Violation::ValueTooHigh { index, value, max } => format!(
            "{}: sends {value} wei, but the entry allows at most {max} wei per call",
            describe_call(index, ctx)
        ),
        Violation::ParamMissing { index, rule } => {
            let call = describe_call(index, ctx);
            match rule_context(index, rule, ctx) {
                Some((text, word, len)) => format!(
                    "{call}: rule #{rule} `{text}` reads calldata word {word} (bytes {}..{}), but the calldata is only {len} bytes",
                    4 + 32 * word as usize,
                    36 + 32 * word as usize
                ),
                None => format!("{call}: rule #{rule} reads a parameter past the end of the calldata"),
            }
        }
        Violation::RuleFailed { index, rule } => {
            let call = describe_call(index, ctx);
            let Some(c) = ctx.calls.get(index) else {
                return format!("{call}: rule #{rule} of its entry failed");
            };
            let Some(p) = ctx.record.and_then(|r| entry_for(r, c)) else {
                return format!("{call}: rule #{rule} of its entry failed");
            };
            let Some(r) = p.rules.get(rule) else {
                return format!("{call}: rule #{rule} of its entry failed");
            };
            let f = entry_function(p, ctx.functions);
            let got = format_param(&c.data, r, f).unwrap_or_else(|| "nothing".into());
            format!(
                "{call}: rule #{rule} `{}` failed (got {got})",
                format_rule(r, f)
            )
        }
        Violation::MalformedTokenCall { index } => {
            let len = ctx
                .calls
                .get(index)
                .map(|c| format!(" ({} bytes)", c.data.len()))
                .unwrap_or_default();
            format!(
                "{}: an ERC-20 spend call (transfer, transferFrom, approve, increaseAllowance) whose calldata{len} is not exactly its canonical encoding (68 bytes, or 100 for transferFrom, with clean address words)",
                describe_call(index, ctx)
            )
        }
        Violation::TokenCapMissing { token } => format!(
            "the op spends token {} (transfer, transferFrom, approve or increaseAllowance), but the permission sets no cap for it; add a token cap (or \"unlimited\")",
            checksum(&token)
        ),
        Violation::TokenCapExceeded {
            token,
            requested,
            remaining,
        } => {
            let cap = ctx
                .record
                .and_then(|r| r.token_caps.iter().find(|t| t.token == token))
                .and_then(|t| match t.limit {
                    TokenLimit::Limited(v) => Some(format!(" of {v}")),
                    TokenLimit::Unlimited => None,
                })
                .unwrap_or_default();
            format!(
                "the op spends {requested} of token {} (summed over its calls), but only {remaining} is left of the session's cap{cap}",
                checksum(&token)
            )
        }
        Violation::NativeCapExceeded {
            requested,
            remaining,
        } => {
            let cap = match ctx.record.map(|r| r.native_cap) {
                Some(Limit::Limited(0)) => " (the session may send no native value at all)".to_owned(),
                Some(Limit::Limited(c)) => format!(" of {c} wei"),
                _ => String::new(),
            };
            format!(
                "the op sends {requested} wei in total, but only {remaining} wei is left of the session's native-value cap{cap}"
            )
        }
        Violation::OpLimitReached => {
            let max = ctx
                .record
                .and_then(|r| r.max_ops)
                .map(|m| format!(" ({m} ops)"))
                .unwrap_or_default();
            format!("the session's op limit{max} is used up")
        }
        Violation::GasBudgetExceeded { cost, remaining } => {
            let formula = ctx.op.map(|op| {
                let half = |w: &B256, hi: bool| {
                    let b: [u8; 16] = if hi { w[..16].try_into() } else { w[16..].try_into() }
                        .expect("16 bytes");
                    u128::from_be_bytes(b)
                };
                format!(
                    " = (verificationGasLimit {} + callGasLimit {} + preVerificationGas {}) × maxFeePerGas {}",
                    half(&op.accountGasLimits, true),
                    half(&op.accountGasLimits, false),
                    op.preVerificationGas,
                    half(&op.gasFees, false)
                )
            });
            format!(
                "the op may cost up to {cost} wei in gas fees{}, but only {remaining} wei is left of the session's gas-fee budget",
                formula.unwrap_or_default()
            )
        }
        Violation::PaymasterNotAllowed { paymaster } => {
            let allowed = match ctx.record.map(|r| r.paymaster) {
                Some(Some(p)) => format!("allows only paymaster {}", checksum(&p)),
                Some(None) => "allows no paymaster (the account pays)".to_owned(),
                None => "does not allow it".to_owned(),
            };
            format!(
                "the op uses paymaster {}, but the session {allowed}",
                checksum(&paymaster)
            )
        }
        // Violations whose sentence needs nothing from the op (amounts overflowing 256 bits, or a
        // check newer than this function) read as the engine words them.
        _ => v.to_string(),
    }
}

/// (rule text, word index, calldata length) of rule `rule` of call `index`'s entry.
fn rule_context(index: usize, rule: usize, ctx: &Context<'_>) -> Option<(String, u16, usize)> {
    let c = ctx.calls.get(index)?;
    let p = entry_for(ctx.record?, c)?;
    let r = p.rules.get(rule)?;
    Some((
        format_rule(r, entry_function(p, ctx.functions)),
        r.word_index,
        c.data.len(),
    ))
}

/// A sentence for a malformed `execute` calldata (the wording is the engine's own, shared with
/// the bundler kit).
pub fn execution_error(e: &ExecutionError) -> String {
    format!("the op's callData is refused: {e}")
}

/// A sentence for a `validateUserOp` revert.
pub fn rejection(r: &Rejection, ctx: &Context<'_>) -> String {
    match r {
        Rejection::InvalidSignatureLength(n) => format!(
            "the signature is {n} bytes; a session signature is 85: signer (20) ‖ r (32) ‖ s (32) ‖ v (1)"
        ),
        Rejection::SessionNotActive { account, signer } => {
            let why = match ctx.record {
                Some(rec) if rec.signer != *signer => format!(
                    " (the permission given is for {})",
                    checksum(&rec.signer)
                ),
                Some(_) => " (it is revoked)".to_owned(),
                None => String::new(),
            };
            format!(
                "the signature names signer {}, which has no live session on account {}{why}",
                checksum(signer),
                checksum(account)
            )
        }
        Rejection::MalformedExecution(e) => execution_error(e),
        Rejection::Violation(v) => violation(v, ctx),
        Rejection::InvalidRecord(e) => {
            format!("the record this op would enable is refused: {e}")
        }
        Rejection::SessionAlreadyActive { account, signer } => format!(
            "the op would enable a session for {}, which already has a live session on account {}; \
             send it as an ordinary session op (or revoke the session first)",
            checksum(signer),
            checksum(account)
        ),
    }
}

/// An explanation, for people (`summary`, `details`) and scripts (the other fields).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// Whether the op passes validation (policy, signature and, when a time was given, window).
    pub passes: bool,
    /// `valid`, `rejected`, `bad-signature` or `outside-window`.
    pub verdict: &'static str,
    /// One sentence.
    pub summary: String,
    /// The Solidity error `validateUserOp` reverts with, if it reverts.
    pub error: Option<&'static str>,
    /// Its ABI-encoded revert data (hex).
    pub revert_data: Option<String>,
    /// The validationData it returns (hex), if it returns.
    pub validation_data: Option<String>,
    /// The op's calls, decoded.
    pub calls: Vec<String>,
    /// Further facts (window, spend).
    pub details: Vec<String>,
}

/// Whether `now` is inside the window EntryPoint enforces (v0.7: `validAfter <= now`,
/// v0.8: `validAfter < now`; `now <= validUntil` unless validUntil is 0).
pub fn in_window(vd: &ValidationData, now: u64, version: EntryPointVersion) -> bool {
    let started = match version {
        EntryPointVersion::V07 => now >= vd.valid_after,
        EntryPointVersion::V08 => now > vd.valid_after,
    };
    started && (vd.valid_until == 0 || now <= vd.valid_until)
}

/// Explains a verdict. `now` (unix seconds) with the EntryPoint version adds the window check
/// EntryPoint makes after validation.
pub fn explain(
    verdict: &Verdict,
    ctx: &Context<'_>,
    now: Option<(u64, EntryPointVersion)>,
) -> Explanation {
    let calls: Vec<String> = verdict
        .calls
        .iter()
        .enumerate()
        .map(|(i, c)| describe_call_with_args(i, c, ctx.functions))
        .collect();
    let mut details = Vec::new();
    match verdict.outcome {
        Outcome::Reverts(r) => Explanation {
            passes: false,
            verdict: "rejected",
            summary: rejection(&r, ctx),
            error: Some(r.error_name()),
            revert_data: Some(hex::encode_prefixed(r.revert_data())),
            validation_data: None,
            calls,
            details,
        },
        Outcome::Returns(vd) => {
            let window = format!(
                "window: validAfter {}, validUntil {}",
                vd.valid_after,
                if vd.valid_until == 0 {
                    "none".to_owned()
                } else {
                    vd.valid_until.to_string()
                }
            );
            details.push(window);
            if !verdict.native_spent.is_zero() {
                details.push(format!("sends {} wei in total", verdict.native_spent));
            }
            for (t, v) in &verdict.token_spent {
                details.push(format!("spends {v} of token {}", checksum(t)));
            }
            if !verdict.prefund.is_zero() {
                details.push(format!(
                    "gas fees charged to the session's budget: up to {} wei",
                    verdict.prefund
                ));
            }
            let (passes, kind, summary) = if vd.sig_failed {
                let signer = ctx.record.map(|r| checksum(&r.signer)).unwrap_or_default();
                (
                    false,
                    "bad-signature",
                    format!(
                        "the op passes the permission, but its signature is not session key {signer}'s over keccak256(userOpHash ‖ module): wrong key, chain, EntryPoint or module, or a high-s / v ∉ {{27, 28}} signature; validateUserOp returns SIG_VALIDATION_FAILED (EntryPoint: AA24 signature error)"
                    ),
                )
            } else {
                match now {
                    Some((t, version)) if !in_window(&vd, t, version) => (
                        false,
                        "outside-window",
                        format!(
                            "the op passes the permission and the signature, but at time {t} the session is {} (EntryPoint {version}: AA22 expired or not due)",
                            if vd.valid_until != 0 && t > vd.valid_until {
                                format!("expired (validUntil {})", vd.valid_until)
                            } else {
                                format!("not valid yet (validAfter {})", vd.valid_after)
                            }
                        ),
                    ),
                    _ => (
                        true,
                        "valid",
                        "the op passes: every call matches the permission, every cap holds and the signature is the session key's".to_owned(),
                    ),
                }
            };
            Explanation {
                passes,
                verdict: kind,
                summary,
                error: None,
                revert_data: None,
                validation_data: Some(vd.to_word().to_string()),
                calls,
                details,
            }
        }
    }
}

/// Explains revert data: one of the validator's errors, possibly wrapped in EntryPoint's
/// `FailedOpWithRevert` (or a plain `FailedOp`). `None` if the data is none of these.
pub fn explain_revert(data: &[u8], ctx: &Context<'_>) -> Option<(String, String)> {
    if let Ok(e) = FailedOpWithRevert::abi_decode(data) {
        let (name, inner) = explain_revert(&e.inner, ctx).unwrap_or_else(|| {
            (
                "unknown".into(),
                format!("revert data {}", hex::encode_prefixed(&e.inner)),
            )
        });
        return Some((
            format!("FailedOpWithRevert/{name}"),
            format!(
                "EntryPoint rejected op #{} ({}): {inner}",
                e.opIndex, e.reason
            ),
        ));
    }
    if let Ok(e) = FailedOp::abi_decode(data) {
        return Some((
            "FailedOp".into(),
            format!("EntryPoint rejected op #{}: {}", e.opIndex, e.reason),
        ));
    }
    let e = ModuleError::decode(data)?;
    let sentence = match e {
        ModuleError::Violation(v) => violation(&v, ctx),
        ModuleError::SessionNotActive { account, signer } => {
            rejection(&Rejection::SessionNotActive { account, signer }, ctx)
        }
        ModuleError::InvalidSignatureLength { length } => {
            rejection(&Rejection::InvalidSignatureLength(length), ctx)
        }
        other => other.to_string(),
    };
    let name = e.name().to_owned();
    Some((name, sentence))
}
