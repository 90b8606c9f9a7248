//! The parameter-rule evaluator against a plain model.
//!
//! The model reads word `i` as `calldata[4 + 32i ..][..32]` and compares with alloy-primitives'
//! `U256` / `I256` ordering: nothing shared with `condition::compare`'s sign-bit trick. Rules
//! are checked three ways: `ParamRule::check`, and through `authorize_op` over the storage
//! layout the contract writes (descriptors packed into words, values read lazily), where the
//! first missing word or failing rule must be the one reported.
#![no_main]

use alloy_primitives::{I256, U256};
use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use sessionkey_fuzz::{self as gen, ACCOUNT, ADDRESSES, MODULE};
use sessionkey_policy::condition::Condition;
use sessionkey_policy::engine::{authorize_op, OpFacts};
use sessionkey_policy::execution::Execution;
use sessionkey_policy::layout::{CallKey, SelectorMatch, TargetMatch};
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::record::{CallPolicy, Limit, SessionRecord};
use sessionkey_policy::rule::ParamRule;
use sessionkey_policy::Violation;

/// Not an ERC-20 spend, so the engine's verdict is the rules' alone.
const SELECTOR: [u8; 4] = [0x12, 0x34, 0x56, 0x78];

/// `None`: the word lies past the calldata.
fn model(rule: &ParamRule, calldata: &[u8]) -> Option<bool> {
    let start = 4 + 32 * rule.word_index as usize;
    let w = calldata.get(start..start + 32)?;
    let u = |b: &[u8]| U256::from_be_slice(b);
    let s = |b: &[u8]| I256::from_raw(U256::from_be_slice(b));
    let v = &rule.values;
    let (wu, ws) = (u(w), s(w));
    Some(match rule.condition {
        Condition::Eq => wu == u(&v[0][..]),
        Condition::Neq => wu != u(&v[0][..]),
        Condition::Gt => wu > u(&v[0][..]),
        Condition::Gte => wu >= u(&v[0][..]),
        Condition::Lt => wu < u(&v[0][..]),
        Condition::Lte => wu <= u(&v[0][..]),
        Condition::SignedGt => ws > s(&v[0][..]),
        Condition::SignedGte => ws >= s(&v[0][..]),
        Condition::SignedLt => ws < s(&v[0][..]),
        Condition::SignedLte => ws <= s(&v[0][..]),
        Condition::InRange => u(&v[0][..]) <= wu && wu <= u(&v[1][..]),
        Condition::SignedInRange => s(&v[0][..]) <= ws && ws <= s(&v[1][..]),
        Condition::OneOf => v.iter().any(|x| x[..] == *w),
    })
}

fn run(u: &mut Unstructured) -> arbitrary::Result<()> {
    let mut rules = Vec::new();
    for _ in 0..u.int_in_range(1..=5u8)? {
        rules.push(gen::rule(u)?);
    }
    let mut calldata = SELECTOR.to_vec();
    for _ in 0..u.int_in_range(0..=5u8)? {
        calldata.extend_from_slice(gen::word(u)?.as_slice());
    }
    if u.ratio(1, 4)? {
        let keep = u.int_in_range(4..=calldata.len())?;
        calldata.truncate(keep);
    }

    for rule in &rules {
        assert_eq!(rule.check(&calldata), model(rule, &calldata), "{rule:?}");
    }

    // The first rule that is missing its word or fails decides, as the engine reports it.
    let mut expected = Ok(());
    for (i, rule) in rules.iter().enumerate() {
        match model(rule, &calldata) {
            None => expected = Err(Violation::ParamMissing { index: 0, rule: i }),
            Some(false) => expected = Err(Violation::RuleFailed { index: 0, rule: i }),
            Some(true) => continue,
        }
        break;
    }
    let target = ADDRESSES[0];
    let record = SessionRecord {
        signer: ADDRESSES[3],
        signer_key: Default::default(),
        valid_after: 0,
        valid_until: 0,
        native_cap: Limit::Unlimited,
        gas_budget: Limit::Unlimited,
        max_ops: None,
        paymaster: None,
        period: None,
        calls: vec![CallPolicy {
            key: CallKey {
                target: TargetMatch::Exact(target),
                selector: SelectorMatch::Exact(SELECTOR),
            },
            max_value: 0,
            rules,
        }],
        token_caps: vec![],
        typed_data_scopes: vec![],
    };
    // Unordered ranges are refused at registration: such a rule is never stored.
    if record.validate().is_err() {
        return Ok(());
    }
    let mut store = MemoryStore::new(&record, 0);
    let session = store.header;
    let executions = [Execution {
        target,
        value: U256::ZERO,
        calldata: &calldata,
    }];
    let facts = OpFacts {
        account: ACCOUNT,
        module: MODULE,
        executions: &executions,
        prefund: U256::ZERO,
        paymaster: None,
        period: 0,
    };
    let got = authorize_op(&mut store, &session, &facts).map(|_| ());
    assert_eq!(got, expected, "engine vs model");
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
