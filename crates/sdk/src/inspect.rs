//! Calldata, records and revert data made readable: what an owner is asked to sign (`execute`
//! wrapping `registerSession`, `installModule` with records, revocations), what a session op
//! does (its calls with decoded arguments), and why something reverted.
//!
//! [`inspect`] recognises, in order: the account's `execute` / `installModule` /
//! `uninstallModule`; the module's `registerSession` / `revokeSession` / `revokeAllSessions` /
//! `onInstall`; the validator's and EntryPoint's errors; a bare encoded record; any function in
//! the [`FunctionBook`]. Calls inside `execute` are inspected the same way.

use alloy_primitives::{hex, Address, U256};
use alloy_sol_types::SolCall;
use serde_json::{json, Value};
use sessionkey_policy::layout::{SelectorMatch, TargetMatch};
use sessionkey_policy::record::{Limit, SessionRecord, TokenLimit, RECORD_VERSION};
use sessionkey_policy::RecordError;

use crate::account_calls::{decode_calls, Call, IERC7579Account, ISessionKeyValidator};
use crate::display::format_rule;
use crate::explain::{describe_call_with_args, execution_error, explain_revert, Context};
use crate::function_book::FunctionBook;
use crate::permission_file::render;

/// A readable node: a title, detail lines, nested nodes, and the same as JSON.
#[derive(Clone, Debug)]
pub struct Node {
    /// One line.
    pub title: String,
    /// Lines under it.
    pub details: Vec<String>,
    /// Nested nodes (the calls of an `execute`).
    pub children: Vec<Node>,
    /// Machine-readable form.
    pub json: Value,
}

impl Node {
    fn leaf(title: String, json: Value) -> Self {
        Self {
            title,
            details: Vec::new(),
            children: Vec::new(),
            json,
        }
    }

    /// Indented text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        out.push_str(&format!("{pad}{}\n", self.title));
        for d in &self.details {
            out.push_str(&format!("{pad}  {d}\n"));
        }
        for c in &self.children {
            c.write(out, depth + 1);
        }
    }
}

fn checksum(a: &Address) -> String {
    a.to_checksum(None)
}

/// A record as lines a person reads.
pub fn record_lines(record: &SessionRecord, book: &FunctionBook) -> Vec<String> {
    let mut l = Vec::new();
    let window = match (record.valid_after, record.valid_until) {
        (0, 0) => "always (no window)".to_owned(),
        (a, 0) => format!("from {a} (unix seconds), no expiry"),
        (a, u) => format!("from {a} until {u} (unix seconds)"),
    };
    l.push(format!("valid: {window}"));
    let limit = |x: Limit, what: &str| match x {
        Limit::Unlimited => format!("{what}: unlimited"),
        Limit::Limited(0) => format!("{what}: none"),
        Limit::Limited(v) => format!("{what}: at most {v} wei in total"),
    };
    l.push(limit(record.native_cap, "native value"));
    l.push(limit(record.gas_budget, "gas fees paid by the account"));
    l.push(match record.max_ops {
        Some(n) => format!("ops: at most {n}"),
        None => "ops: no limit".to_owned(),
    });
    l.push(match record.paymaster {
        Some(p) => format!("paymaster: only {}", checksum(&p)),
        None => "paymaster: none (the account pays)".to_owned(),
    });
    if record.calls.is_empty() {
        l.push("calls: none (the session can do nothing)".to_owned());
    } else {
        l.push("calls:".to_owned());
    }
    for (i, c) in record.calls.iter().enumerate() {
        let target = match c.key.target {
            TargetMatch::Exact(a) => format!("on {}", checksum(&a)),
            TargetMatch::Any => "on ANY target".to_owned(),
        };
        let (what, f) = match c.key.selector {
            SelectorMatch::Exact(s) => (book.name(s), book.get(s)),
            SelectorMatch::Any => ("ANY function".to_owned(), None),
            SelectorMatch::Empty => ("plain transfers".to_owned(), None),
        };
        let target = if c.key.selector == SelectorMatch::Empty {
            target.replacen("on ", "to ", 1)
        } else {
            target
        };
        let value = if c.max_value == 0 {
            "no native value".to_owned()
        } else {
            format!("at most {} wei per call", c.max_value)
        };
        l.push(format!("  [{i}] {what} {target}, {value}"));
        for (j, r) in c.rules.iter().enumerate() {
            l.push(format!("        rule #{j}: {}", format_rule(r, f)));
        }
    }
    if record.token_caps.is_empty() {
        l.push("token caps: none (every ERC-20 spend call is refused)".to_owned());
    } else {
        l.push("token caps:".to_owned());
    }
    for t in &record.token_caps {
        l.push(match t.limit {
            TokenLimit::Unlimited => format!("  {}: unlimited", checksum(&t.token)),
            TokenLimit::Limited(v) => format!("  {}: at most {v} in total", checksum(&t.token)),
        });
    }
    l
}

fn record_node(title: String, bytes: &[u8], book: &FunctionBook) -> Node {
    match SessionRecord::decode(bytes) {
        Ok(r) => Node {
            title: format!("{title}: session for signer {}", checksum(&r.signer)),
            details: record_lines(&r, book),
            children: Vec::new(),
            json: json!({ "kind": "record", "permission": render(&r, book) }),
        },
        Err(e) => bad_record(title, &e),
    }
}

fn bad_record(title: String, e: &RecordError) -> Node {
    Node::leaf(
        format!("{title}: INVALID record: {e}"),
        json!({ "kind": "record", "error": e.to_string() }),
    )
}

fn records_node(title: String, mut bytes: &[u8], book: &FunctionBook) -> Node {
    let mut children = Vec::new();
    let mut records = Vec::new();
    let mut i = 0;
    while !bytes.is_empty() {
        match SessionRecord::decode_prefix(bytes) {
            Ok((r, used)) => {
                children.push(record_node(format!("record #{i}"), &bytes[..used], book));
                records.push(render(&r, book));
                bytes = &bytes[used..];
                i += 1;
            }
            Err(e) => {
                children.push(bad_record(format!("record #{i}"), &e));
                records.push(json!({ "error": e.to_string() }));
                break;
            }
        }
    }
    Node {
        title: format!("{title}: {} record(s)", records.len()),
        details: Vec::new(),
        children,
        json: json!({ "records": records }),
    }
}

/// Inspects calldata, a record or revert data.
pub fn inspect(data: &[u8], book: &FunctionBook) -> Node {
    let sel: Option<[u8; 4]> = data.get(..4).and_then(|s| s.try_into().ok());
    match sel {
        Some(IERC7579Account::executeCall::SELECTOR) => return inspect_execute(data, book),
        Some(IERC7579Account::installModuleCall::SELECTOR) => {
            if let Ok(c) = IERC7579Account::installModuleCall::abi_decode(data) {
                let mut n = records_node("initData".into(), &c.initData, book);
                n.title = format!(
                    "installModule(type {}, module {}) with {}",
                    c.moduleTypeId,
                    checksum(&c.module),
                    n.title.trim_start_matches("initData: ")
                );
                n.json = json!({
                    "function": "installModule",
                    "moduleTypeId": c.moduleTypeId.to_string(),
                    "module": checksum(&c.module),
                    "records": n.json["records"].clone(),
                });
                return n;
            }
        }
        Some(IERC7579Account::uninstallModuleCall::SELECTOR) => {
            if let Ok(c) = IERC7579Account::uninstallModuleCall::abi_decode(data) {
                return Node::leaf(
                    format!(
                        "uninstallModule(type {}, module {}): every session of the account dies",
                        c.moduleTypeId,
                        checksum(&c.module)
                    ),
                    json!({ "function": "uninstallModule", "moduleTypeId": c.moduleTypeId.to_string(), "module": checksum(&c.module) }),
                );
            }
        }
        Some(ISessionKeyValidator::registerSessionCall::SELECTOR) => {
            if let Ok(c) = ISessionKeyValidator::registerSessionCall::abi_decode(data) {
                let mut n = record_node("registerSession".into(), &c.record, book);
                n.json = json!({ "function": "registerSession", "record": n.json });
                return n;
            }
        }
        Some(ISessionKeyValidator::onInstallCall::SELECTOR) => {
            if let Ok(c) = ISessionKeyValidator::onInstallCall::abi_decode(data) {
                let mut n = records_node("onInstall".into(), &c.data, book);
                n.json = json!({ "function": "onInstall", "records": n.json["records"].clone() });
                return n;
            }
        }
        Some(ISessionKeyValidator::revokeSessionCall::SELECTOR) => {
            if let Ok(c) = ISessionKeyValidator::revokeSessionCall::abi_decode(data) {
                return Node::leaf(
                    format!(
                        "revokeSession(signer {}): its next op fails",
                        checksum(&c.signer)
                    ),
                    json!({ "function": "revokeSession", "signer": checksum(&c.signer) }),
                );
            }
        }
        Some(ISessionKeyValidator::revokeAllSessionsCall::SELECTOR) if data.len() == 4 => {
            return Node::leaf(
                "revokeAllSessions(): every session of the account dies".into(),
                json!({ "function": "revokeAllSessions" }),
            );
        }
        _ => {}
    }
    if let Some((name, sentence)) = explain_revert(data, &Context::bare(book)) {
        return Node::leaf(
            format!("revert {name}: {sentence}"),
            json!({ "revert": name, "explanation": sentence }),
        );
    }
    if data.first() == Some(&RECORD_VERSION) && SessionRecord::decode(data).is_ok() {
        return record_node("record".into(), data, book);
    }
    if let Some(f) = sel.and_then(|s| book.get(s)) {
        if let Some(args) = f.decode_calldata(data) {
            let call = Call::new(Address::ZERO, data.to_vec());
            let text = describe_call_with_args(0, &call, book);
            let text = text
                .trim_start_matches("#0 ")
                .trim_end_matches(&format!(" on {}", checksum(&Address::ZERO)))
                .to_owned();
            return Node::leaf(
                text,
                json!({
                    "function": f.canonical,
                    "args": args.iter().map(|(n, v)| (n.clone(), Value::String(crate::display::format_value(v)))).collect::<serde_json::Map<_, _>>(),
                }),
            );
        }
    }
    Node::leaf(
        match sel {
            Some(s) => format!(
                "unknown data: selector {} ({} bytes); pass --function \"name(types…)\" to decode it",
                hex::encode_prefixed(s),
                data.len()
            ),
            None => format!("unknown data ({} bytes)", data.len()),
        },
        json!({ "unknown": hex::encode_prefixed(data) }),
    )
}

fn inspect_execute(data: &[u8], book: &FunctionBook) -> Node {
    match decode_calls(data) {
        Err(e) => Node::leaf(
            format!(
                "execute(...) that the validator would refuse: {}",
                execution_error(&e)
            ),
            json!({ "function": "execute", "error": execution_error(&e) }),
        ),
        Ok((ty, calls)) => {
            let kind = match ty {
                sessionkey_policy::CallType::Single => "single",
                sessionkey_policy::CallType::Batch => "batch",
            };
            let children: Vec<Node> = calls
                .iter()
                .enumerate()
                .map(|(i, c)| call_node(i, c, book))
                .collect();
            let json_calls: Vec<Value> = children.iter().map(|n| n.json.clone()).collect();
            Node {
                title: format!("execute ({kind}, {} call(s))", calls.len()),
                details: Vec::new(),
                children,
                json: json!({ "function": "execute", "mode": kind, "calls": json_calls }),
            }
        }
    }
}

fn call_node(i: usize, c: &Call, book: &FunctionBook) -> Node {
    let head = json!({
        "target": checksum(&c.target),
        "value": c.value.to_string(),
        "data": hex::encode_prefixed(&c.data),
    });
    let sel: Option<[u8; 4]> = c.data.get(..4).and_then(|s| s.try_into().ok());
    let module_call = matches!(
        sel,
        Some(
            ISessionKeyValidator::registerSessionCall::SELECTOR
                | ISessionKeyValidator::revokeSessionCall::SELECTOR
                | ISessionKeyValidator::revokeAllSessionsCall::SELECTOR
                | ISessionKeyValidator::onInstallCall::SELECTOR
        )
    );
    let mut node = if module_call {
        let mut inner = inspect(&c.data, book);
        inner.title = format!(
            "#{i} to module {}{}: {}",
            checksum(&c.target),
            value_suffix(c.value),
            inner.title
        );
        inner
    } else {
        Node::leaf(describe_call_with_args(i, c, book), Value::Null)
    };
    let mut j = head;
    if !node.json.is_null() {
        j["decoded"] = node.json.clone();
    } else if let Some(f) = sel.and_then(|s| book.get(s)) {
        j["function"] = json!(f.canonical);
    }
    node.json = j;
    node
}

fn value_suffix(v: U256) -> String {
    if v.is_zero() {
        String::new()
    } else {
        format!(", value {v} wei")
    }
}
