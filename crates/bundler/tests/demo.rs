//! The demo completes, and each row ends the way the story says, for the stated reason.

#[test]
fn the_demo_story_holds_row_by_row() {
    let report = devnet_bundler::demo::run().expect("demo runs");
    assert!(report.all_as_expected, "{}", report.to_text());
    let expected: [(&str, &str); 10] = [
        ("done", "owner-signed userOp executed"),
        ("executed", "executed"),
        ("executed", "executed"),
        (
            "rejected",
            "AA23 reverted: RuleFailed: call #0, rule #0: a parameter rule does not hold",
        ),
        (
            "rejected",
            "20000000000000000000 spent, 10000000000000000000 left: an ERC-20 spend above",
        ),
        ("rejected", "CallNotAllowed: call #0"),
        ("rejected", "AA22 expired or not due"),
        ("executed", "executed"),
        ("done", "owner-signed userOp executed"),
        ("rejected", "SessionNotActive: "),
    ];
    assert_eq!(report.steps.len(), expected.len());
    for (row, (result, detail)) in report.steps.iter().zip(expected) {
        assert_eq!(row.result, result, "step {}: {}", row.step, row.action);
        assert!(
            row.detail.contains(detail),
            "step {}: {:?} lacks {detail:?}",
            row.step,
            row.detail
        );
        assert!(row.gas > 21_000, "step {} has its gas", row.step);
    }
    // Balances: 40 + 5 TST reached ALICE, the DEX holds a 100 TST allowance, nothing else moved.
    let last = report.steps.last().unwrap();
    assert_eq!(
        (
            last.account_tokens.as_str(),
            last.alice_tokens.as_str(),
            last.dex_allowance.as_str()
        ),
        ("955", "45", "100")
    );
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["steps"].as_array().unwrap().len(), 10);
}
