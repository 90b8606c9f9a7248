//! Regenerates `reports/gas.md`: gas per scenario on the embedded devnet, with the real release
//! WASM behind the canonical EntryPoint v0.7, priced as Nitro prices Stylus (program entry from
//! the program's size, uncached unless cached). The devnet is deterministic, so CI regenerates
//! the report and fails when it differs from the committed one.
//!
//! Usage: `gas-report [OUTPUT]` (default: print to stdout).

use std::fmt::Write as _;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use devnet_bundler::bindings::PackedUserOperation;
use devnet_bundler::bindings::TestToken;
use devnet_bundler::devnet::erc7562::Rule;
use devnet_bundler::devnet::{AccessKind, FrameKind, ValidationTrace};
use devnet_bundler::scenarios::{
    approve, batch, demo_record, single, transfer, ALICE, ATTACKER, DEX, UNIT,
};
use devnet_bundler::world::pair;
use devnet_bundler::{
    Account, BundleReport, OpOutcome, SessionKey, ValidationCheck, World, WorldError,
};
use sessionkey_policy::layout::SelectorMatch;
use sessionkey_policy::SignerKey;
use sessionkey_sdk::p256_key::P256Key;
use stylus_check::entry_cost::{MIN_CACHED_INIT_GAS, MIN_INIT_GAS};

/// EIP-2929 cold SLOAD.
const COLD_SLOAD: u64 = 2_100;
/// EIP-2200/2929 SSTORE of a slot already read (non-zero → non-zero).
const WARM_RESET_SSTORE: u64 = 2_900;
/// EIP-2929 warm access of the precompile the module calls.
const WARM_ACCESS: u64 = 100;
/// The ecrecover precompile and its price.
const ECRECOVER: Address = Address::with_last_byte(1);
const ECRECOVER_GAS: u64 = 3_000;

/// One op measured once (no Stylus frame) or twice (module uncached, then cached).
struct Row {
    scenario: &'static str,
    outcome: String,
    handle_ops: [u64; 2],
    validation: [u64; 2],
    module: Option<[u64; 2]>,
    /// What the gas schedule makes unavoidable in the module frame: [cached, uncached].
    floor: Option<[u64; 2]>,
    accepted: String,
    refused: String,
}

fn module_frame(check: &ValidationCheck) -> Option<&devnet_bundler::devnet::FrameTrace> {
    check
        .trace
        .frames
        .iter()
        .find(|f| f.kind == FrameKind::Stylus)
}

/// The module frame's floor: cold reads, writes, the precompile calls (ecrecover; P256VERIFY
/// and SHA-256 for P-256 signers) at what they were charged, and the minimum entry.
fn floor(trace: &ValidationTrace) -> Option<[u64; 2]> {
    let index = trace
        .frames
        .iter()
        .position(|f| f.kind == FrameKind::Stylus)?;
    let frame = &trace.frames[index];
    let reads = frame
        .storage
        .iter()
        .filter(|a| a.kind == AccessKind::Read)
        .count() as u64;
    let writes = frame
        .storage
        .iter()
        .filter(|a| a.kind == AccessKind::Write)
        .count() as u64;
    // The frames the module opened: the next frames one level down, up to the module's return.
    let children = || {
        trace.frames[index + 1..]
            .iter()
            .take_while(|f| f.depth > frame.depth)
            .filter(|f| f.depth == frame.depth + 1)
    };
    // A call into contract code (the account's ERC-1271 check when a session is enabled) and
    // the fresh slots a registration sets have no fixed floor: none is claimed.
    if children().any(|f| f.kind != FrameKind::Precompile) {
        return None;
    }
    let precompiles: u64 = children()
        .map(|f| {
            debug_assert!(f.code_address != ECRECOVER || f.gas_used == ECRECOVER_GAS);
            f.gas_used + WARM_ACCESS
        })
        .sum();
    let schedule = reads * COLD_SLOAD + writes * WARM_RESET_SSTORE + precompiles;
    Some([
        schedule + MIN_CACHED_INIT_GAS,
        schedule + MIN_CACHED_INIT_GAS + MIN_INIT_GAS,
    ])
}

fn outcome(report: &BundleReport) -> String {
    match &report.ops[..] {
        [OpOutcome::Included { success: true, .. }] => "executed".to_string(),
        [OpOutcome::Included { success: false, .. }] => "execution reverted".to_string(),
        [OpOutcome::Rejected { reason, .. }] => format!("rejected: {reason}"),
        other => format!("{other:?}"),
    }
}

fn verdicts(check: &ValidationCheck) -> (String, String) {
    let accepted = check.accepted_by().join(", ");
    let refused: Vec<String> = check
        .verdicts
        .iter()
        .filter(|v| !v.violations.is_empty())
        .map(|v| {
            let mut ids: Vec<&str> = v.violations.iter().map(|x| x.rule.id()).collect();
            ids.dedup();
            format!("{} ({})", v.profile.name, ids.join(", "))
        })
        .collect();
    let refused = if refused.is_empty() {
        "—".to_string()
    } else {
        refused.join("; ")
    };
    (accepted, refused)
}

/// Runs `op` with the module uncached (a fresh block, not in the cache) and again, from the
/// same state, with the module placed in the cache; keeps the state of the second run.
fn measure(
    world: &mut World,
    scenario: &'static str,
    op: PackedUserOperation,
) -> Result<Row, WorldError> {
    let snapshot = world.chain.snapshot();
    let uncached = world.submit(op.clone())?;
    let stylus = module_frame(&uncached.validation).is_some();
    let cached = if stylus {
        world.chain.revert_to(&snapshot);
        world.chain.cache_program(world.module)?;
        let cached = world.submit(op)?;
        world.chain.evict_program(world.module)?;
        cached
    } else {
        uncached.clone()
    };
    let frame_gas = |r: &BundleReport| r.validation.trace.frames.first().map_or(0, |f| f.gas_used);
    let module = |r: &BundleReport| module_frame(&r.validation).map(|f| f.gas_used);
    let (accepted, refused) = verdicts(&uncached.validation);
    assert_eq!(
        outcome(&uncached),
        outcome(&cached),
        "{scenario}: caching changed the outcome"
    );
    Ok(Row {
        scenario,
        outcome: outcome(&uncached),
        handle_ops: [uncached.gas_used, cached.gas_used],
        validation: [frame_gas(&uncached), frame_gas(&cached)],
        module: module(&uncached).zip(module(&cached)).map(|(u, c)| [u, c]),
        floor: floor(&uncached.validation.trace),
        accepted,
        refused,
    })
}

/// The least `verificationGasLimit` in `(lo, hi]` with which `ok` holds for a session op
/// running `call` (bisection: `ok` must fail at `lo` and hold at `hi`). Every probe runs from
/// the same state, with the module uncached.
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

/// Five session ops of `account` in one `handleOps` (consecutive nonces): each op's module
/// frame gas.
fn bundle_of_five(
    world: &mut World,
    account: &Account,
    key: &SessionKey,
) -> Result<Vec<u64>, WorldError> {
    let snapshot = world.chain.snapshot();
    let nonce_key = world.module_nonce_key();
    let ops: Vec<PackedUserOperation> = (0..5u64)
        .map(|i| {
            let call = single(ALICE, U256::from(UNIT / 1000), vec![]);
            let mut op = world.op(account, nonce_key, call);
            op.nonce += U256::from(i);
            world.sign_session(&mut op, key);
            op
        })
        .collect();
    let report = world.handle_ops(ops)?;
    world.chain.revert_to(&snapshot);
    assert!(
        report.ops.iter().all(OpOutcome::succeeded),
        "{:?}",
        report.ops
    );
    Ok(report
        .validations
        .iter()
        .map(|check| module_frame(check).map_or(0, |f| f.gas_used))
        .collect())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut world = World::new()?;
    world.chain.set_block_timestamp(1_000_000);
    let account = world.create_account(SessionKey::from_seed(1), 10)?;
    world.mint(account.address, U256::from(1000 * UNIT))?;
    let simple = world.create_simple_account(SessionKey::from_seed(2), 10)?;
    world.mint(simple.address, U256::from(1000 * UNIT))?;
    let key = SessionKey::from_seed(7);
    let record = demo_record(key.address, world.token, 999_000);
    let installed = world.install_module(&account, record.encode())?;
    assert!(installed.success, "installModule failed");
    // A second session whose transfer entry has no parameter rule: the ERC-20 op then reads
    // account, header, call entry and token cap only.
    let plain_key = SessionKey::from_seed(8);
    let mut plain = demo_record(plain_key.address, world.token, 999_000);
    for call in &mut plain.calls {
        call.rules.retain(|_| {
            call.key.selector != SelectorMatch::Exact(TestToken::transferCall::SELECTOR)
        });
    }
    let registered = world.register_session(&account, plain.encode())?;
    assert!(registered.success, "registerSession failed");
    // The demo session for a P-256 key (signing the digest) and for a passkey (WebAuthn).
    let p256_key = P256Key::from_bytes(&[11; 32]).expect("a valid scalar");
    let passkey = P256Key::from_bytes(&[12; 32]).expect("a valid scalar");
    for (k, signer_key) in [
        (&p256_key, SignerKey::P256(p256_key.public_key())),
        (&passkey, SignerKey::WebAuthn(passkey.public_key())),
    ] {
        let mut r = demo_record(k.address(), world.token, 999_000);
        r.signer_key = signer_key;
        let registered = world.register_session(&account, r.encode())?;
        assert!(registered.success, "registerSession failed");
    }
    // The demo session with caps renewing every 10 minutes; the clock (1,000,000) is in its
    // period 1 (the window starts at 999,000).
    let periodic_key = SessionKey::from_seed(13);
    let mut periodic = demo_record(periodic_key.address, world.token, 999_000);
    periodic.period = Some(600);
    let registered = world.register_session(&account, periodic.encode())?;
    assert!(registered.success, "registerSession failed");
    let sign_p256 = |digest: B256| p256_key.sign_session_digest(&digest);
    let sign_passkey = |digest: B256| {
        passkey
            .webauthn_assert(&digest, "https://wallet.example.org", 1)
            .session_signature(passkey.address(), &digest)
            .expect("an assertion for this digest")
    };
    let token = world.token;
    let entry = world
        .chain
        .program_info(world.module)
        .expect("the module is activated")
        .report
        .entry;

    let native = || single(ALICE, U256::from(UNIT / 100), vec![]);
    let erc20 = || single(token, U256::ZERO, transfer(ALICE, U256::from(UNIT)));
    let approve_dex = || single(token, U256::ZERO, approve(DEX, U256::from(20 * UNIT)));
    let batch3 = || {
        batch(&[
            (token, U256::ZERO, transfer(ALICE, U256::from(UNIT))),
            (token, U256::ZERO, approve(DEX, U256::from(UNIT))),
            (ALICE, U256::from(UNIT / 100), vec![]),
        ])
    };
    let simple_erc20 = || transfer(ALICE, U256::from(UNIT));

    // Warm-up: one op of every kind measured, so each measured op finds the EntryPoint nonce,
    // the deposit, the recipient's token balance and the allowance already non-zero, as an
    // account in use does.
    type BuildOp<'a> = Box<dyn Fn(&mut World) -> PackedUserOperation + 'a>;
    let warm_ups: Vec<BuildOp> = vec![
        Box::new(|w| w.owner_op(&account, native())),
        Box::new(|w| w.owner_op(&account, erc20())),
        Box::new(|w| w.session_op(&account, &key, native())),
        Box::new(|w| w.session_op(&account, &key, erc20())),
        Box::new(|w| w.session_op(&account, &plain_key, erc20())),
        Box::new(|w| w.session_op(&account, &key, approve_dex())),
        Box::new(|w| w.session_op(&account, &key, batch3())),
        Box::new(|w| w.session_op_signed_with(&account, erc20(), sign_p256)),
        Box::new(|w| w.periodic_session_op(&account, &periodic_key, erc20(), 1)),
        Box::new(|w| w.session_op_signed_with(&account, erc20(), sign_passkey)),
        Box::new(|w| w.simple_account_op(&simple, ALICE, U256::from(UNIT / 100), vec![])),
        Box::new(|w| w.simple_account_op(&simple, token, U256::ZERO, simple_erc20())),
    ];
    for build in &warm_ups {
        // Built just before it is sent, so each op has its account's current nonce.
        let op = build(&mut world);
        assert!(world.submit(op)?.ops[0].succeeded(), "warm-up op");
    }

    let mut rows = Vec::new();
    let op = world.owner_op(&account, native());
    rows.push(measure(
        &mut world,
        "owner-signed native transfer (same account, its own ECDSA)",
        op,
    )?);
    let op = world.owner_op(&account, erc20());
    rows.push(measure(
        &mut world,
        "owner-signed ERC-20 transfer (same account)",
        op,
    )?);
    let op = world.simple_account_op(&simple, ALICE, U256::from(UNIT / 100), vec![]);
    rows.push(measure(
        &mut world,
        "SimpleAccount v0.7 native transfer (npm)",
        op,
    )?);
    let op = world.simple_account_op(&simple, token, U256::ZERO, simple_erc20());
    rows.push(measure(
        &mut world,
        "SimpleAccount v0.7 ERC-20 transfer (npm)",
        op,
    )?);
    let op = world.session_op(&account, &key, native());
    rows.push(measure(
        &mut world,
        "session-key native transfer under a cap",
        op,
    )?);
    let op = world.session_op(&account, &key, erc20());
    rows.push(measure(
        &mut world,
        "session-key ERC-20 transfer under a token cap",
        op,
    )?);
    let op = world.session_op(&account, &plain_key, erc20());
    rows.push(measure(
        &mut world,
        "session-key ERC-20 transfer under a token cap, no parameter rule",
        op,
    )?);
    let op = world.periodic_session_op(&account, &periodic_key, erc20(), 1);
    rows.push(measure(
        &mut world,
        "session-key ERC-20 transfer under a periodic token cap (10-minute periods)",
        op,
    )?);
    let op = world.session_op_signed_with(&account, erc20(), sign_p256);
    rows.push(measure(
        &mut world,
        "session-key ERC-20 transfer, P-256 key (RIP-7212)",
        op,
    )?);
    let op = world.session_op_signed_with(&account, erc20(), sign_passkey);
    rows.push(measure(
        &mut world,
        "session-key ERC-20 transfer, passkey (WebAuthn)",
        op,
    )?);
    // A session enabled by its first op: the owner's ERC-1271 check (ERC-7739 over ECDSA), the
    // registration of the demo record (new slots) and the ERC-20 transfer, in one validation.
    let enable_key = SessionKey::from_seed(14);
    let enabled = demo_record(enable_key.address, world.token, 999_000);
    let owner_signature = world.owner_enable_signature(&account, &enabled);
    let op = world.enable_session_op(&account, &enable_key, &enabled, &owner_signature, erc20());
    rows.push(measure(
        &mut world,
        "session enabled in its first op (owner ERC-1271 check, registration, ERC-20 transfer)",
        op,
    )?);
    // What it replaces: an owner op registering the same record (then a first session op).
    let register_key = SessionKey::from_seed(15);
    let registered = demo_record(register_key.address, world.token, 999_000);
    let grant = sessionkey_sdk::account_calls::grant(world.module, &registered);
    let op = world.owner_op(&account, grant.to_vec());
    rows.push(measure(
        &mut world,
        "owner op registering the same session (execute → registerSession)",
        op,
    )?);
    let op = world.session_op(&account, &key, approve_dex());
    rows.push(measure(
        &mut world,
        "session-key approve with parameter rules",
        op,
    )?);
    let op = world.session_op(&account, &key, batch3());
    rows.push(measure(&mut world, "session-key batch of 3 calls", op)?);
    let op = world.session_op(
        &account,
        &key,
        single(token, U256::ZERO, approve(ATTACKER, U256::from(UNIT))),
    );
    rows.push(measure(
        &mut world,
        "rejected op (approve to a spender the rules forbid)",
        op,
    )?);

    let bundle_60 = bundle_of_five(&mut world, &account, &key)?;
    world.chain.set_arbos_version(50);
    let bundle_50 = bundle_of_five(&mut world, &account, &key)?;
    world.chain.set_arbos_version(60);

    let mut limits = Vec::new();
    let limit_cases: [(&str, Vec<u8>); 3] = [
        ("session-key native transfer under a cap", native()),
        ("session-key ERC-20 transfer under a token cap", erc20()),
        ("session-key batch of 3 calls", batch3()),
    ];
    for (scenario, call) in limit_cases {
        let validates = least_limit(&mut world, &account, &key, &call, executes)?;
        let accepted = least_limit(&mut world, &account, &key, &call, every_tracer_accepts)?;
        limits.push((scenario, validates, accepted));
    }

    let erc1271 = erc1271_check(&mut world, &account)?;

    let find = |name: &str| {
        rows.iter()
            .find(|r| r.scenario.starts_with(name))
            .expect(name)
    };
    let ratio = |a: u64, b: u64| format!("{:.3}", a as f64 / b as f64);

    let mut md = String::new();
    writeln!(md, "# Gas report")?;
    writeln!(md)?;
    writeln!(
        md,
        "Generated by `scripts/gas-report.sh` (`cargo run -p devnet-bundler --bin gas-report`) on the embedded devnet \
         (`crates/devnet`): the release WASM (`target/session_key_validator.final.wasm`) behind the canonical \
         EntryPoint v0.7 and OpenZeppelin Contracts 5.7.0's `AccountERC7579` with `SignerECDSA` (compiled from the pinned npm package), one op per `handleOps`, each `handleOps` in a block \
         of its own, after one warm-up op of every kind measured (nonce, deposit, recipient balance and allowance \
         already non-zero). Stylus is priced as Nitro prices it (ArbOS 60): program entry from the program's size, \
         Nitro's hostio prices, ink per opcode; `crates/devnet/src/lib.rs` lists every remaining deviation. \
         CI regenerates this file and fails on any difference."
    )?;
    writeln!(md)?;
    writeln!(
        md,
        "program entry: cached {} gas, uncached {} gas",
        group(entry.call_gas(true)),
        group(entry.call_gas(false))
    )?;
    writeln!(md)?;
    writeln!(
        md,
        "(352 + cachedCost {} / + 8,832 + initCost {}, from {} bytes of WASM, {} functions, Σ params+results {}, \
         {} bytes of data and element segments, {} globals with Nitro's 4, {} page; its one page is free.)",
        entry.cached_cost,
        entry.init_cost,
        group(entry.inputs.wasm_len),
        entry.inputs.functions,
        entry.inputs.type_len,
        group(entry.inputs.data_len),
        entry.inputs.globals,
        entry.inputs.pages
    )?;
    writeln!(md)?;
    writeln!(md, "## One op per `handleOps`")?;
    writeln!(md)?;
    writeln!(md, "Each cell: module **uncached** / **cached** (placed in the program cache). Rows without the module show one figure.")?;
    writeln!(md)?;
    writeln!(md, "| scenario | outcome | `handleOps` gas | validation frame gas | module frame gas | module floor | module ÷ floor | accepted by | refused by |")?;
    writeln!(md, "|---|---|---:|---:|---:|---:|---:|---|---|")?;
    for r in &rows {
        let both = |v: [u64; 2]| {
            if r.module.is_some() {
                format!("{} / {}", group(v[0]), group(v[1]))
            } else {
                group(v[0])
            }
        };
        let module = r.module.map_or("—".to_string(), |m| {
            format!("{} / {}", group(m[0]), group(m[1]))
        });
        let floor = r.floor.map_or("—".to_string(), |f| {
            format!("{} / {}", group(f[1]), group(f[0]))
        });
        let over = match (r.module, r.floor) {
            (Some(m), Some(f)) => format!("{} / {}", ratio(m[0], f[1]), ratio(m[1], f[0])),
            _ => "—".to_string(),
        };
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.scenario,
            r.outcome,
            both(r.handle_ops),
            both(r.validation),
            module,
            floor,
            over,
            r.accepted,
            r.refused
        )?;
    }
    writeln!(md)?;
    writeln!(md, "- **`handleOps` gas**: the whole transaction (intrinsic gas included, after refunds). A rejected op reverts the whole `handleOps`.")?;
    writeln!(md, "- **validation frame gas**: EntryPoint's call of `account.validateUserOp` (the account's own code, the module call, ecrecover, prefund payment).")?;
    writeln!(md, "- **module frame gas**: the Stylus frame of the session-key module inside it (program entry, ink, storage, keccak, the ecrecover precompile).")?;
    writeln!(md, "- **module floor**: what the gas schedule makes unavoidable for that frame, counted from its trace: 2,100 per cold storage read, 2,900 per write of a slot already read, 3,100 for the ecrecover call, and the minimum program entry (352 cached, 9,184 uncached); none is given for a frame that calls contract code (enabling a session asks the account's `isValidSignature`, and its registration sets fresh slots). **module ÷ floor** is how far the module is from it.")?;
    writeln!(md, "- **accepted by / refused by**: the op's validation judged by the ERC-7562 checker (`crates/devnet/src/erc7562.rs`) under each bundler profile: `erc7562` the ERC as written, `rundler` Alchemy's rundler (JavaScript tracer; refuses Stylus code used below the EntryPoint's frame — its intent, the release's case-sensitive header compare does not fire today), `infinitism` eth-infinitism's reference bundler with geth's native `erc7562` tracer, `infinitism-js` the same with its JavaScript tracer. A rejected op is judged too: a bundler that refuses its trace never even reports the module's error.")?;
    writeln!(md, "- Session: approve only to DEX (≤ 100 tokens), transfer ≤ 50 tokens per call, 150-token cap, ETH only to ALICE (≤ 0.1 ETH), 1-hour window.")?;
    writeln!(md)?;
    writeln!(md, "## Ratios (`handleOps` gas, module uncached / cached)")?;
    writeln!(md)?;
    let session = find("session-key ERC-20");
    let owner = find("owner-signed ERC-20");
    let simple_row = find("SimpleAccount v0.7 ERC-20");
    writeln!(md, "| ratio | uncached | cached |")?;
    writeln!(md, "|---|---:|---:|")?;
    writeln!(
        md,
        "| session ERC-20 op ÷ owner-signed ERC-20 op, same account | {} | {} |",
        ratio(session.handle_ops[0], owner.handle_ops[0]),
        ratio(session.handle_ops[1], owner.handle_ops[1])
    )?;
    writeln!(
        md,
        "| session ERC-20 op ÷ SimpleAccount ERC-20 op | {} | {} |",
        ratio(session.handle_ops[0], simple_row.handle_ops[0]),
        ratio(session.handle_ops[1], simple_row.handle_ops[1])
    )?;
    writeln!(md)?;
    writeln!(md, "## A bundle of 5 session ops in one `handleOps`")?;
    writeln!(md)?;
    writeln!(md, "Five native transfers of one account (consecutive nonces), the module not in the cache. From ArbOS 60 a program called earlier in the same block counts as cached, so ops 2–5 pay the cached entry.")?;
    writeln!(md)?;
    writeln!(
        md,
        "| op | module frame gas, ArbOS 60 | module frame gas, ArbOS 50 |"
    )?;
    writeln!(md, "|---:|---:|---:|")?;
    for (i, (a, b)) in bundle_60.iter().zip(&bundle_50).enumerate() {
        writeln!(md, "| {} | {} | {} |", i + 1, group(*a), group(*b))?;
    }
    writeln!(md)?;
    writeln!(md, "## Verification gas a bundler must give")?;
    writeln!(md)?;
    writeln!(md, "The least `verificationGasLimit` (bisection on the devnet, same state for every probe, module uncached) with which the op executes, and the least with which no profile reads a step as out of gas. Nitro reports the module's storage flush as an `SSTORE` carrying the flush's whole cost and the gas left after it; if the cost were larger, JavaScript tracers (rundler, the reference bundler's collector, alto) would refuse the op with OP-020, so a gas estimate would need the margin on top. With this account the margin is what the table says: the account's own work after the module returns keeps more gas in the module's frame than the flush costs.")?;
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
    writeln!(md, "## ERC-1271: a session key's typed-data signature")?;
    writeln!(md)?;
    writeln!(md, "An app asks the account `isValidSignature(hash, module ‖ program ‖ signature)` for an ERC-2612-style `Permit` inside the session's typed-data scope (spender == DEX, value ≤ 100 tokens); the account asks the module `isValidSignatureWithSender`. The module checks the code hash of the named program and delegates the call to it (the check does not fit in the module's 24 KB, `src/erc1271.rs`); the program, on the module's storage, reads the account word, the session header, the scope entry's header and its two rule values, calls the account's `eip712Domain()` and ecrecover, and answers `0x1626ba7e`. A transaction from an EOA; both programs uncached / both cached. The module frame includes the program's.")?;
    writeln!(md)?;
    writeln!(
        md,
        "| check | answer | transaction gas | module frame gas | program frame gas |"
    )?;
    writeln!(md, "|---|---|---:|---:|---:|")?;
    writeln!(
        md,
        "| session-key `Permit` signature inside its scope (secp256k1) | `0x1626ba7e` | {} / {} | {} / {} | {} / {} |",
        group(erc1271[0]),
        group(erc1271[1]),
        group(erc1271[2]),
        group(erc1271[3]),
        group(erc1271[4]),
        group(erc1271[5])
    )?;

    match std::env::args().nth(1) {
        Some(path) => std::fs::write(&path, md)?,
        None => print!("{md}"),
    }
    Ok(())
}

/// Registers a session with a typed-data scope on `account` and measures one accepted
/// `account.isValidSignature` of it: `[tx, module frame, program frame]`, each uncached then
/// cached.
fn erc1271_check(
    world: &mut World,
    account: &Account,
) -> Result<[u64; 6], Box<dyn std::error::Error>> {
    use alloy_sol_types::{eip712_domain, sol, SolStruct};
    use sessionkey_sdk::builder::{Check, SessionBuilder, TypedDataScopeBuilder};
    use sessionkey_sdk::key::SessionSigner;
    use sessionkey_sdk::typed_data::{account_domain, sign_typed_data};
    sol! {
        struct Permit { address owner; address spender; uint256 value; uint256 nonce; uint256 deadline; }
        function isValidSignature(bytes32 hash, bytes signature) returns (bytes4);
    }
    const PERMIT: &str =
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)";
    let chain_id = world.chain.chain_id();
    let app = eip712_domain! {
        name: "TestToken",
        version: "1",
        chain_id: chain_id,
        verifying_contract: world.token,
    };
    let key = sessionkey_sdk::SessionKey::from_bytes(&[21; 32])?;
    let record = SessionBuilder::new(key.address())
        .valid_between(999_000, 0)
        .gas_budget(sessionkey_policy::Limit::Unlimited)
        .typed_data_scope(
            TypedDataScopeBuilder::new(&app, PERMIT)
                .rule("spender", Check::eq(DEX))
                .rule("value", Check::lte(U256::from(100 * UNIT))),
        )
        .build()?
        .record;
    let registered = world.register_session(account, record.encode())?;
    assert!(registered.success, "registerSession failed: {registered:?}");
    let permit = Permit {
        owner: account.address,
        spender: DEX,
        value: U256::from(UNIT),
        nonce: U256::ZERO,
        deadline: U256::from(2_000_000),
    };
    let domain = account_domain(&devnet_bundler::world::oz_account_domain(
        chain_id,
        account.address,
    ));
    let sig = sign_typed_data(
        world.erc1271_program,
        &SessionSigner::Secp256k1(key),
        &app.separator(),
        PERMIT,
        &permit.eip712_encode_data(),
        &domain,
    )
    .expect("a valid contents type");
    let data = isValidSignatureCall {
        hash: permit.eip712_signing_hash(&app),
        signature: [world.module.as_slice(), &sig].concat().into(),
    }
    .abi_encode();
    let run = |world: &mut World| -> Result<[u64; 3], Box<dyn std::error::Error>> {
        // A block of its own: from ArbOS 60 a program called earlier in the block is cached.
        world.chain.advance_block(1);
        world.chain.start_trace();
        let out = world.chain.call(
            world.deployer,
            account.address,
            U256::ZERO,
            data.clone().into(),
            1_000_000,
        )?;
        let trace = world.chain.take_trace();
        assert!(out.success, "isValidSignature reverted");
        assert_eq!(
            isValidSignatureCall::abi_decode_returns(&out.output)?.0,
            [0x16, 0x26, 0xba, 0x7e],
            "the in-scope signature is valid"
        );
        // The module's frame, then the program's (delegated from it).
        let mut stylus = trace.frames.iter().filter(|f| f.kind == FrameKind::Stylus);
        let module = stylus.next().expect("the module ran").gas_used;
        let program = stylus.next().expect("the program ran").gas_used;
        Ok([out.gas_used, module, program])
    };
    let snapshot = world.chain.snapshot();
    let uncached = run(world)?;
    world.chain.revert_to(&snapshot);
    let programs = [world.module, world.erc1271_program];
    for program in programs {
        world.chain.cache_program(program)?;
    }
    let cached = run(world)?;
    for program in programs {
        world.chain.evict_program(program)?;
    }
    Ok([
        uncached[0],
        cached[0],
        uncached[1],
        cached[1],
        uncached[2],
        cached[2],
    ])
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
