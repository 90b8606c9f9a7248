//! Regenerates `reports/gas.md`: gas per scenario on the embedded devnet, with the real release
//! WASM behind the canonical EntryPoint v0.7. The devnet is deterministic, so CI regenerates
//! the report and fails when it differs from the committed one.
//!
//! Usage: `gas-report [OUTPUT]` (default: print to stdout).

use std::fmt::Write as _;

use alloy_primitives::U256;
use devnet_bundler::devnet::erc7562::Rule;
use devnet_bundler::scenarios::{
    approve, batch, demo_record, single, transfer, ALICE, ATTACKER, DEX, UNIT,
};
use devnet_bundler::world::pair;
use devnet_bundler::{Account, BundleReport, OpOutcome, SessionKey, World, WorldError};
use stylus_devnet::FrameKind;

/// The least `verificationGasLimit` in `(lo, hi]` with which `ok` holds for a session op
/// running `call` (bisection: `ok` must fail at `lo` and hold at `hi`). Every probe runs from
/// the same state.
fn least_limit(
    world: &mut World,
    account: &Account,
    key: &SessionKey,
    call: &[u8],
    ok: impl Fn(&BundleReport) -> bool,
) -> Result<u64, WorldError> {
    let snapshot = world.chain.snapshot();
    let enforce = std::mem::replace(&mut world.enforce_erc7562, false);
    let (mut lo, mut hi) = (1_000u64, 1_500_000u64);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let mut op = world.session_op(account, key, call.to_vec());
        op.accountGasLimits = pair(u128::from(mid), 1_000_000);
        world.sign_session(&mut op, key);
        let report = world.submit(op)?;
        world.chain.revert_to(&snapshot);
        if ok(&report) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    world.enforce_erc7562 = enforce;
    Ok(hi)
}

/// The op executed.
fn executes(report: &BundleReport) -> bool {
    report.ops.len() == 1 && report.ops[0].succeeded()
}

/// The op executed and no profile refuses it for anything but rundler's Stylus rule.
fn every_tracer_accepts(report: &BundleReport) -> bool {
    executes(report)
        && report
            .validation
            .verdicts
            .iter()
            .all(|v| v.violations.iter().all(|x| x.rule == Rule::RundlerStylus))
}

struct Row {
    scenario: &'static str,
    outcome: String,
    handle_ops: u64,
    validation: u64,
    module: Option<u64>,
    calldata: usize,
    accepted: String,
    refused: String,
}

fn row(scenario: &'static str, report: &BundleReport) -> Row {
    let frames = &report.validation.trace.frames;
    let validation = frames.first().map_or(0, |f| f.gas_used);
    let module = frames
        .iter()
        .find(|f| f.kind == FrameKind::Stylus)
        .map(|f| f.gas_used);
    let outcome = match &report.ops[..] {
        [OpOutcome::Included { success: true, .. }] => "executed".to_string(),
        [OpOutcome::Included { success: false, .. }] => "execution reverted".to_string(),
        [OpOutcome::Rejected { reason, .. }] => format!("rejected: {reason}"),
        other => format!("{other:?}"),
    };
    let accepted = report.validation.accepted_by().join(", ");
    let refused: Vec<String> = report
        .validation
        .verdicts
        .iter()
        .filter(|v| !v.violations.is_empty())
        .map(|v| {
            let mut ids: Vec<&str> = v.violations.iter().map(|x| x.rule.id()).collect();
            ids.dedup();
            format!("{} ({})", v.profile.name, ids.join(", "))
        })
        .collect();
    Row {
        scenario,
        outcome,
        handle_ops: report.gas_used,
        validation,
        module,
        calldata: report.calldata_bytes,
        accepted,
        refused: if refused.is_empty() {
            "—".to_string()
        } else {
            refused.join("; ")
        },
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut world = World::new()?;
    world.chain.set_block_timestamp(1_000_000);
    let account = world.create_account(SessionKey::from_seed(1), 10)?;
    world.mint(account.address, U256::from(1000 * UNIT))?;
    let key = SessionKey::from_seed(7);
    let record = demo_record(key.address, world.token, 999_000);
    let installed = world.install_module(&account, record.encode())?;
    assert!(installed.success, "installModule failed");
    let token = world.token;

    // Warm-up: one op of each kind first, so every measured op finds its EntryPoint nonce and
    // the account's deposit slot already non-zero, as an account in use does.
    let op = world.owner_op(&account, single(ALICE, U256::from(1), vec![]));
    assert!(world.submit(op)?.ops[0].succeeded(), "owner warm-up op");
    let op = world.session_op(&account, &key, single(ALICE, U256::from(1), vec![]));
    assert!(world.submit(op)?.ops[0].succeeded(), "session warm-up op");

    let mut rows = Vec::new();
    let op = world.owner_op(&account, single(ALICE, U256::from(UNIT / 100), vec![]));
    rows.push(row(
        "owner-signed native transfer (account's own ECDSA validation)",
        &world.submit(op)?,
    ));
    let op = world.session_op(
        &account,
        &key,
        single(ALICE, U256::from(UNIT / 100), vec![]),
    );
    rows.push(row("session-key native transfer", &world.submit(op)?));
    let op = world.session_op(
        &account,
        &key,
        single(token, U256::ZERO, transfer(ALICE, U256::from(10 * UNIT))),
    );
    rows.push(row(
        "session-key ERC-20 transfer under a spend cap",
        &world.submit(op)?,
    ));
    let op = world.session_op(
        &account,
        &key,
        single(token, U256::ZERO, approve(DEX, U256::from(20 * UNIT))),
    );
    rows.push(row(
        "session-key approve with parameter rules",
        &world.submit(op)?,
    ));
    let op = world.session_op(
        &account,
        &key,
        batch(&[
            (token, U256::ZERO, transfer(ALICE, U256::from(UNIT))),
            (token, U256::ZERO, approve(DEX, U256::from(UNIT))),
            (ALICE, U256::from(UNIT / 100), vec![]),
        ]),
    );
    rows.push(row("session-key batch of 3 calls", &world.submit(op)?));
    let op = world.session_op(
        &account,
        &key,
        single(token, U256::ZERO, approve(ATTACKER, U256::from(UNIT))),
    );
    rows.push(row(
        "rejected op (approve to a spender the rules forbid)",
        &world.submit(op)?,
    ));

    // What a bundler's gas estimate must leave: the least verificationGasLimit that validates,
    // and the least with which no tracer reads a step as out of gas (Nitro reports the storage
    // flush with the gas left after it and the flush's whole cost).
    let mut limits = Vec::new();
    let limit_cases: [(&str, Vec<u8>); 3] = [
        (
            "session-key native transfer",
            single(ALICE, U256::from(UNIT / 100), vec![]),
        ),
        (
            "session-key ERC-20 transfer under a spend cap",
            single(token, U256::ZERO, transfer(ALICE, U256::from(10 * UNIT))),
        ),
        (
            "session-key batch of 3 calls",
            batch(&[
                (token, U256::ZERO, transfer(ALICE, U256::from(UNIT))),
                (token, U256::ZERO, approve(DEX, U256::from(UNIT))),
                (ALICE, U256::from(UNIT / 100), vec![]),
            ]),
        ),
    ];
    for (scenario, call) in limit_cases {
        let validates = least_limit(&mut world, &account, &key, &call, executes)?;
        let accepted = least_limit(&mut world, &account, &key, &call, every_tracer_accepts)?;
        limits.push((scenario, validates, accepted));
    }

    let mut md = String::new();
    writeln!(md, "# Gas report")?;
    writeln!(md)?;
    writeln!(
        md,
        "Generated by `scripts/gas-report.sh` (`cargo run -p devnet-bundler --bin gas-report`) on the embedded devnet \
         (`crates/devnet`): the release WASM (`target/session_key_validator.final.wasm`) behind the canonical \
         EntryPoint v0.7 and a Solidity ERC-7579 test account, one op per `handleOps`, after one warm-up op of each kind (an account in use: nonce and \
         deposit slots already non-zero). Stylus execution is \
         metered in ink at the published Stylus prices; see `crates/devnet/src/lib.rs` for every deviation from \
         Nitro. CI regenerates this file and fails on any difference."
    )?;
    writeln!(md)?;
    writeln!(md, "| scenario | outcome | `handleOps` gas | validation frame gas | module gas | calldata bytes | accepted by | refused by |")?;
    writeln!(md, "|---|---|---:|---:|---:|---:|---|---|")?;
    for r in &rows {
        let module = r.module.map_or("—".to_string(), group);
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.scenario,
            r.outcome,
            group(r.handle_ops),
            group(r.validation),
            module,
            group(r.calldata as u64),
            r.accepted,
            r.refused
        )?;
    }
    writeln!(md)?;
    writeln!(md, "- **`handleOps` gas**: the whole transaction (intrinsic gas included, after refunds). A rejected op reverts the whole `handleOps`.")?;
    writeln!(md, "- **validation frame gas**: EntryPoint's call of `account.validateUserOp` (the account's own code, the module call, ecrecover, prefund payment).")?;
    writeln!(md, "- **module gas**: the Stylus frame of the session-key module inside it (program entry, ink, storage, keccak, the ecrecover precompile).")?;
    writeln!(md, "- **accepted by / refused by**: the op's validation judged by the ERC-7562 checker (`crates/devnet/src/erc7562.rs`) under each bundler profile: `erc7562` the ERC as written, `rundler` Alchemy's rundler (JavaScript tracer; refuses Stylus code used below the EntryPoint's frame — its intent, the release's case-sensitive header compare does not fire today), `infinitism` eth-infinitism's reference bundler with geth's native `erc7562` tracer, `infinitism-js` the same with its JavaScript tracer. A rejected op is judged too: a bundler that refuses its trace never even reports the module's error.")?;
    writeln!(md)?;
    writeln!(md, "## Verification gas a bundler must give")?;
    writeln!(md)?;
    writeln!(md, "The least `verificationGasLimit` (bisection on the devnet, same state for every probe) with which the op executes, and the least with which no profile reads a step as out of gas. Nitro reports the module's storage flush as an `SSTORE` carrying the flush's whole cost and the gas left after it; if the cost were larger, JavaScript tracers (rundler, the reference bundler's collector, alto) would refuse the op with OP-020, so a gas estimate would need the margin on top. With this account the margin is what the table says: the account's own work after the module returns keeps more gas in the module's frame than the flush costs.")?;
    writeln!(md)?;
    writeln!(
        md,
        "| scenario | least limit that executes | least limit every tracer accepts | margin |"
    )?;
    writeln!(md, "|---|---:|---:|---:|")?;
    for (scenario, validates, accepted) in &limits {
        writeln!(
            md,
            "| {scenario} | {} | {} | {} |",
            group(*validates),
            group(*accepted),
            group(accepted.saturating_sub(*validates))
        )?;
    }
    writeln!(md)?;
    writeln!(md, "- Session: approve only to DEX (≤ 100 tokens), transfer ≤ 50 tokens per call, 150-token cap, ETH only to ALICE (≤ 0.1 ETH), 1-hour window.")?;

    match std::env::args().nth(1) {
        Some(path) => std::fs::write(&path, md)?,
        None => print!("{md}"),
    }
    Ok(())
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
