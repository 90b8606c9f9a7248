//! The ERC-7562 validation rules, judged on a [`ValidationTrace`] the way a bundler would.
//!
//! Every rule is named by its id in ERC-7562 (ethereum/ERCs `ERCS/erc-7562.md` at 0d32671e).
//! Rules that *allow* something (OP-042, OP-051, OP-052, OP-053, OP-055, STO-010, STO-021,
//! STO-022, STO-031, STO-032, STO-033) never appear as a violation: what they do not allow is
//! reported under the rule it is an exception to ([`Rule`] says which).
//!
//! Bundlers do not all apply the ERC as written; a [`Profile`] holds the differences that
//! decide whether an op is accepted, each read in the bundler's source:
//!
//! * [`ERC7562`]: the ERC as written; out of gas is a frame that failed out of gas.
//! * [`RUNDLER`] (alchemyplatform/rundler 6db381f4, `crates/sim/tracer/src/validationTracerV0_7.ts`,
//!   `crates/sim/src/simulation/simulator.rs`): its JavaScript tracer marks out of gas on any
//!   step with `gas < cost` (or an `SSTORE` below 2,300 gas); keeps keccak preimages of
//!   21–511 bytes; bans `BALANCE`/`SELFBALANCE` for unstaked entities, not `INVALID` or
//!   unassigned opcodes; allows precompiles 1–17 and 0x100; and refuses any code starting
//!   `EF F0 00` (Arbitrum Stylus) used by `*CALL`/`EXTCODE*` below the EntryPoint's frame
//!   (`AccessedUnsupportedContractType`, commit 459dab6f). Its release compares the header
//!   with `"0xEFF000"` while geth's tracer gives lower-case hex, so the rule does not fire
//!   today; the profile models the intent.
//! * [`INFINITISM`] (eth-infinitism/bundler c70c9095, `ERC7562Parser.ts` over go-ethereum's
//!   native `erc7562` tracer): out of gas per frame; every keccak preimage; precompiles only
//!   1–9 (RIP-7212 at 0x100 is refused); `depositTo` and the fallback of the EntryPoint from
//!   any entity; no `incrementNonce`.
//! * [`INFINITISM_JS`]: the same bundler with its JavaScript `BundlerCollectorTracer` and
//!   `TracerResultParser` (used with a separate tracer node): `gas < cost` out of gas,
//!   21–511-byte preimages, no precompile check.
//!
//! Not judged here, because a trace cannot show them: reputation (GREP, SREP, UREP, AREP),
//! the paymaster deposit (EREP-010), failure accounting (EREP-015…030, 055, 070), EIP-7702
//! (AUTH-0xx) and the size and gas limits (LIM-0xx). COD-010 compares two traces:
//! [`check_code_unchanged`].

use core::fmt;

use alloy_primitives::{keccak256, Address, B256, U256};
use revm::bytecode::opcode;

use crate::tracer::{
    is_assigned, opcode_name, AccessKind, CodeAccess, FrameKind, Opcode, ReportedStep,
    StorageAccess, ValidationTrace,
};

/// Slots `keccak(A ‖ x) + n` with `n` below this are associated with `A`.
pub const ASSOCIATED_SLOT_RANGE: u64 = 128;

/// `depositTo(address)`: the EntryPoint method OP-052 allows.
pub const DEPOSIT_TO: [u8; 4] = [0xb7, 0x60, 0xfa, 0xf9];
/// `incrementNonce(uint192)`: the EntryPoint method OP-055 allows the sender.
pub const INCREMENT_NONCE: [u8; 4] = [0x0b, 0xd2, 0x8e, 0x3b];

/// OP-011 as written (CREATE is judged by OP-031/032; GAS by OP-012; BALANCE and SELFBALANCE
/// by OP-080).
const OP_011: &[Opcode] = &[
    opcode::ORIGIN,
    opcode::GASPRICE,
    opcode::BLOCKHASH,
    opcode::COINBASE,
    opcode::TIMESTAMP,
    opcode::NUMBER,
    opcode::DIFFICULTY,
    opcode::GASLIMIT,
    opcode::BASEFEE,
    opcode::BLOBHASH,
    opcode::BLOBBASEFEE,
    opcode::INVALID,
    opcode::SELFDESTRUCT,
];

/// rundler's `BANNED_OPCODES` without GAS (OP-012) and BALANCE/SELFBALANCE (OP-080): no
/// `INVALID`.
const RUNDLER_BANNED: &[Opcode] = &[
    opcode::GASPRICE,
    opcode::GASLIMIT,
    opcode::DIFFICULTY,
    opcode::TIMESTAMP,
    opcode::BASEFEE,
    opcode::BLOCKHASH,
    opcode::BLOBBASEFEE,
    opcode::BLOBHASH,
    opcode::NUMBER,
    opcode::ORIGIN,
    opcode::COINBASE,
    opcode::SELFDESTRUCT,
];

/// How a bundler decides that validation ran out of gas (OP-020).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutOfGasTest {
    /// A frame failed with out of gas (geth's native tracer, `OnExit`).
    FrameFailed,
    /// Any step reported with `gas < cost`, or an `SSTORE` with less than 2,300 gas (the
    /// JavaScript tracers), or a frame that failed out of gas.
    ReportedCost,
}

/// What one bundler applies; see the module docs for the sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Short name, e.g. `"rundler"`.
    pub name: &'static str,
    /// OP-020.
    pub out_of_gas: OutOfGasTest,
    /// Keccak preimages the tracer keeps: lengths strictly between the bounds (`None`: all).
    pub keccak_lengths: Option<(usize, usize)>,
    /// Opcodes banned for every entity (OP-011).
    pub banned: &'static [Opcode],
    /// OP-013: unassigned opcodes are banned.
    pub bans_unassigned: bool,
    /// Highest address of the Ethereum precompiles allowed (OP-062).
    pub max_precompile: u64,
    /// Whether RIP-7212 / EIP-7951 P256VERIFY at 0x100 is allowed (OP-062).
    pub allows_p256: bool,
    /// Whether precompile calls are judged at all.
    pub checks_precompiles: bool,
    /// OP-052/053 allow `depositTo` and the fallback from any entity, not just sender/factory.
    pub entry_point_calls_from_any_entity: bool,
    /// OP-055: the sender may call `incrementNonce`.
    pub allows_increment_nonce: bool,
    /// rundler: code starting `EF F0 00` used below the EntryPoint's frame is refused.
    pub refuses_stylus_below_entry_point: bool,
}

/// The ERC as written.
pub const ERC7562: Profile = Profile {
    name: "erc7562",
    out_of_gas: OutOfGasTest::FrameFailed,
    keccak_lengths: None,
    banned: OP_011,
    bans_unassigned: true,
    max_precompile: 0x11,
    allows_p256: true,
    checks_precompiles: true,
    entry_point_calls_from_any_entity: false,
    allows_increment_nonce: true,
    refuses_stylus_below_entry_point: false,
};

/// Alchemy's rundler (v0.7 simulation), with the Stylus rule as intended.
pub const RUNDLER: Profile = Profile {
    name: "rundler",
    out_of_gas: OutOfGasTest::ReportedCost,
    keccak_lengths: Some((20, 512)),
    banned: RUNDLER_BANNED,
    bans_unassigned: false,
    max_precompile: 17,
    allows_p256: true,
    checks_precompiles: true,
    entry_point_calls_from_any_entity: false,
    allows_increment_nonce: false,
    refuses_stylus_below_entry_point: true,
};

/// eth-infinitism's reference bundler with geth's native `erc7562` tracer (its default).
pub const INFINITISM: Profile = Profile {
    name: "infinitism",
    out_of_gas: OutOfGasTest::FrameFailed,
    keccak_lengths: None,
    banned: OP_011,
    bans_unassigned: false,
    max_precompile: 9,
    allows_p256: false,
    checks_precompiles: true,
    entry_point_calls_from_any_entity: true,
    allows_increment_nonce: false,
    refuses_stylus_below_entry_point: false,
};

/// eth-infinitism's reference bundler with its JavaScript collector tracer.
pub const INFINITISM_JS: Profile = Profile {
    name: "infinitism-js",
    out_of_gas: OutOfGasTest::ReportedCost,
    keccak_lengths: Some((20, 512)),
    banned: OP_011,
    bans_unassigned: false,
    max_precompile: 9,
    allows_p256: false,
    checks_precompiles: false,
    entry_point_calls_from_any_entity: true,
    allows_increment_nonce: false,
    refuses_stylus_below_entry_point: false,
};

/// Every profile, in report order.
pub const PROFILES: [Profile; 4] = [ERC7562, RUNDLER, INFINITISM, INFINITISM_JS];

/// An ERC-7562 rule (or a bundler's own rule) that a trace broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// OP-011: a blocked opcode.
    Op011,
    /// OP-012: `GAS` not immediately followed by a `*CALL`.
    Op012,
    /// OP-013: an unassigned opcode.
    Op013,
    /// OP-020: out of gas.
    Op020,
    /// OP-031: `CREATE2` outside the deployment frame, or more than once.
    Op031,
    /// OP-032: `CREATE` other than by the sender itself of an op with a factory (EREP-060/061
    /// widen it for a staked factory).
    Op032,
    /// OP-041: `*CALL`/`EXTCODE*` on an address without code (OP-042: the sender is exempt in
    /// the deployment frame).
    Op041,
    /// OP-054: any access to the EntryPoint other than OP-051, OP-052, OP-053, OP-055.
    Op054,
    /// OP-061: `CALL` with value to anything but the EntryPoint.
    Op061,
    /// OP-062: a precompile that is not accepted.
    Op062,
    /// OP-070: transient storage outside what the STO rules allow.
    Op070,
    /// OP-080: `BALANCE`/`SELFBALANCE` by an unstaked entity.
    Op080,
    /// COD-010: the code of a used address changed between two validations.
    Cod010,
    /// STO-021: storage that is neither the sender's (STO-010) nor associated with it, and
    /// no staked entity's (STO-031…033): a write, or a read by an unstaked entity.
    Sto021,
    /// STO-022: the sender's associated storage in another contract while the sender is being
    /// deployed by an unstaked factory.
    Sto022,
    /// STO-031: an unstaked entity touched its own storage.
    Sto031,
    /// STO-032: an unstaked entity touched storage associated with itself.
    Sto032,
    /// STO-033: an unstaked entity read storage not associated with the sender.
    Sto033,
    /// STO-040: a factory, paymaster or aggregator that is the sender of another op.
    Sto040,
    /// STO-041: associated storage in a contract that is the sender of another op.
    Sto041,
    /// EREP-040: an unstaked aggregator.
    Erep040,
    /// EREP-050: an unstaked paymaster returned a context.
    Erep050,
    /// rundler: Stylus code used below the EntryPoint's frame.
    RundlerStylus,
}

impl Rule {
    /// The rule's id, e.g. `"OP-020"`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Op011 => "OP-011",
            Self::Op012 => "OP-012",
            Self::Op013 => "OP-013",
            Self::Op020 => "OP-020",
            Self::Op031 => "OP-031",
            Self::Op032 => "OP-032",
            Self::Op041 => "OP-041",
            Self::Op054 => "OP-054",
            Self::Op061 => "OP-061",
            Self::Op062 => "OP-062",
            Self::Op070 => "OP-070",
            Self::Op080 => "OP-080",
            Self::Cod010 => "COD-010",
            Self::Sto021 => "STO-021",
            Self::Sto022 => "STO-022",
            Self::Sto031 => "STO-031",
            Self::Sto032 => "STO-032",
            Self::Sto033 => "STO-033",
            Self::Sto040 => "STO-040",
            Self::Sto041 => "STO-041",
            Self::Erep040 => "EREP-040",
            Self::Erep050 => "EREP-050",
            Self::RundlerStylus => "rundler:AccessedUnsupportedContractType",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The entity a frame is attributed to (ERC-7562: each validation frame belongs to one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    /// The account (`userOp.sender`) and everything it calls.
    Sender,
    /// The factory deploying the sender.
    Factory,
    /// The paymaster.
    Paymaster,
    /// The aggregator.
    Aggregator,
    /// The EntryPoint's own frames (and its SenderCreator): not judged.
    EntryPoint,
}

/// Who is being validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationScope {
    /// The account (`userOp.sender`).
    pub sender: Address,
    /// The op's factory (`initCode`), when the sender is being deployed.
    pub factory: Option<Address>,
    /// The op's paymaster.
    pub paymaster: Option<Address>,
    /// The op's aggregator.
    pub aggregator: Option<Address>,
    /// The EntryPoint, whose own frames are not judged.
    pub entry_point: Option<Address>,
    /// The EntryPoint's SenderCreator, which calls the factory.
    pub sender_creator: Option<Address>,
    /// Entities with enough stake (SREP-010).
    pub staked: Vec<Address>,
    /// Length of the context the paymaster returned (EREP-050).
    pub paymaster_context_len: usize,
    /// Senders of the other ops in the mempool (STO-040, STO-041).
    pub mempool_senders: Vec<Address>,
}

impl ValidationScope {
    /// A scope for `sender` validated through `entry_point`, nothing else involved.
    pub fn sender(sender: Address, entry_point: Address) -> Self {
        Self {
            sender,
            entry_point: Some(entry_point),
            ..Self::default()
        }
    }

    fn is_staked(&self, address: Option<Address>) -> bool {
        address.is_some_and(|a| self.staked.contains(&a))
    }

    fn address_of(&self, entity: Entity) -> Option<Address> {
        match entity {
            Entity::Sender => Some(self.sender),
            Entity::Factory => self.factory,
            Entity::Paymaster => self.paymaster,
            Entity::Aggregator => self.aggregator,
            Entity::EntryPoint => self.entry_point,
        }
    }
}

/// What a violation is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// An opcode (or its Stylus hostio equivalent).
    Opcode(Opcode),
    /// A step a JavaScript tracer reads as out of gas (`None`: the frame failed out of gas).
    OutOfGas(Option<ReportedStep>),
    /// A storage access.
    Storage(StorageAccess),
    /// A use of an address's code.
    Code(CodeAccess),
    /// An entity's address.
    Entity(Address),
    /// An address whose code hash changed: before, after.
    CodeHash(Address, B256, B256),
}

/// A broken rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The rule.
    pub rule: Rule,
    /// The entity the frame is attributed to.
    pub entity: Entity,
    /// Index into [`ValidationTrace::frames`] (0 for op-level rules).
    pub frame: usize,
    /// The code that ran in that frame.
    pub code_address: Address,
    /// What broke it.
    pub subject: Subject,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} by {:?} (code {}): ",
            self.rule, self.entity, self.code_address
        )?;
        match self.subject {
            Subject::Opcode(op) => write!(f, "{}", opcode_name(op)),
            Subject::OutOfGas(Some(step)) => write!(
                f,
                "{} reported with gas {} < cost {}",
                opcode_name(step.opcode),
                step.gas,
                step.cost
            ),
            Subject::OutOfGas(None) => f.write_str("frame ran out of gas"),
            Subject::Storage(a) => write!(
                f,
                "{} of slot {} of {}",
                opcode_name(a.kind.opcode()),
                a.slot,
                a.address
            ),
            Subject::Code(c) => write!(f, "{} on {}", opcode_name(c.opcode), c.address),
            Subject::Entity(a) => write!(f, "entity {a}"),
            Subject::CodeHash(a, before, after) => {
                write!(f, "code of {a} changed from {before} to {after}")
            }
        }
    }
}

/// Whether `slot` is associated with `address`: the address itself, or `keccak(A ‖ x) + n`
/// (`n < 128`) for a recorded preimage starting with `A` left-padded to 32 bytes.
pub fn is_associated<P: AsRef<[u8]>>(slot: B256, address: Address, preimages: &[P]) -> bool {
    let padded = address.into_word();
    if slot == padded {
        return true;
    }
    let slot = U256::from_be_bytes(slot.0);
    preimages.iter().any(|preimage| {
        let preimage = preimage.as_ref();
        preimage.len() >= 32 && preimage[..32] == padded[..] && {
            let base = U256::from_be_bytes(keccak256(preimage).0);
            slot.checked_sub(base)
                .is_some_and(|n| n < U256::from(ASSOCIATED_SLOT_RANGE))
        }
    })
}

/// The entity of every frame: a frame entered from the EntryPoint or its SenderCreator (or a
/// root frame) starts the entity whose address it runs at; every other frame inherits its
/// caller's. Frames of the EntryPoint's own code are [`Entity::EntryPoint`].
pub fn attribute(trace: &ValidationTrace, scope: &ValidationScope) -> Vec<Entity> {
    let mut entities: Vec<Entity> = Vec::with_capacity(trace.frames.len());
    for (index, frame) in trace.frames.iter().enumerate() {
        let parent = trace.parent(index);
        let is_entry_code = |address: Address| {
            Some(address) == scope.entry_point || Some(address) == scope.sender_creator
        };
        let entity = if is_entry_code(frame.code_address) {
            Entity::EntryPoint
        } else if parent.is_none_or(|p| is_entry_code(trace.frames[p].code_address)) {
            if frame.address == scope.sender {
                Entity::Sender
            } else if Some(frame.address) == scope.factory {
                Entity::Factory
            } else if Some(frame.address) == scope.paymaster {
                Entity::Paymaster
            } else if Some(frame.address) == scope.aggregator {
                Entity::Aggregator
            } else {
                parent.map_or(Entity::Sender, |p| entities[p])
            }
        } else {
            parent.map_or(Entity::Sender, |p| entities[p])
        };
        entities.push(entity);
    }
    entities
}

/// Checks a validation trace under `profile`; returns every violation, in frame order.
pub fn check(
    trace: &ValidationTrace,
    scope: &ValidationScope,
    profile: &Profile,
) -> Vec<Violation> {
    let entities = attribute(trace, scope);
    let preimages: Vec<&[u8]> = trace
        .keccak_preimages
        .iter()
        .map(|p| p.as_ref())
        .filter(|p| {
            profile
                .keccak_lengths
                .is_none_or(|(low, high)| p.len() > low && p.len() < high)
        })
        .collect();
    let mut out = entity_violations(scope);
    let mut create2_in_deployment = 0usize;
    for (index, frame) in trace.frames.iter().enumerate() {
        let entity = entities[index];
        if entity == Entity::EntryPoint {
            continue;
        }
        let staked = scope.is_staked(scope.address_of(entity));
        let mut push = |rule: Rule, subject: Subject| {
            out.push(Violation {
                rule,
                entity,
                frame: index,
                code_address: frame.code_address,
                subject,
            });
        };
        for &op in frame.opcodes.keys() {
            if let Some(rule) = opcode_rule(op, entity, staked, frame.address, scope, profile) {
                push(rule, Subject::Opcode(op));
            }
            if op == opcode::CREATE2 && entity == Entity::Factory {
                create2_in_deployment += frame.opcodes[&op] as usize;
            }
        }
        let oog = match profile.out_of_gas {
            OutOfGasTest::FrameFailed => frame.out_of_gas,
            OutOfGasTest::ReportedCost => {
                frame.reported_oog.is_some()
                    || (frame.out_of_gas && frame.kind != FrameKind::Precompile)
            }
        };
        if oog {
            let step = match profile.out_of_gas {
                OutOfGasTest::ReportedCost => frame.reported_oog,
                OutOfGasTest::FrameFailed => None,
            };
            push(Rule::Op020, Subject::OutOfGas(step));
        }
        for access in &frame.code_accesses {
            for rule in code_rules(access, entity, frame.depth, scope, profile) {
                push(rule, Subject::Code(*access));
            }
        }
        for access in &frame.storage {
            if let Some(rule) = storage_rule(access, entity, &preimages, scope) {
                push(rule, Subject::Storage(*access));
            }
        }
    }
    if create2_in_deployment > 1 {
        out.push(Violation {
            rule: Rule::Op031,
            entity: Entity::Factory,
            frame: 0,
            code_address: scope.factory.unwrap_or_default(),
            subject: Subject::Opcode(opcode::CREATE2),
        });
    }
    out
}

/// The op-level rules: STO-040, EREP-040, EREP-050.
fn entity_violations(scope: &ValidationScope) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut push = |rule, entity, address: Address| {
        out.push(Violation {
            rule,
            entity,
            frame: 0,
            code_address: address,
            subject: Subject::Entity(address),
        });
    };
    for (entity, address) in [
        (Entity::Factory, scope.factory),
        (Entity::Paymaster, scope.paymaster),
        (Entity::Aggregator, scope.aggregator),
    ] {
        if let Some(address) = address {
            if scope.mempool_senders.contains(&address) {
                push(Rule::Sto040, entity, address);
            }
        }
    }
    if let Some(aggregator) = scope.aggregator {
        if !scope.is_staked(Some(aggregator)) {
            push(Rule::Erep040, Entity::Aggregator, aggregator);
        }
    }
    if let Some(paymaster) = scope.paymaster {
        if scope.paymaster_context_len > 0 && !scope.is_staked(Some(paymaster)) {
            push(Rule::Erep050, Entity::Paymaster, paymaster);
        }
    }
    out
}

fn opcode_rule(
    op: Opcode,
    entity: Entity,
    staked: bool,
    frame_address: Address,
    scope: &ValidationScope,
    profile: &Profile,
) -> Option<Rule> {
    let factory_staked = scope.is_staked(scope.factory);
    match op {
        opcode::GAS => Some(Rule::Op012),
        opcode::BALANCE | opcode::SELFBALANCE => (!staked).then_some(Rule::Op080),
        // OP-032 / EREP-060: the sender itself, when there is a factory; EREP-061: a staked
        // factory, itself or through a utility contract.
        opcode::CREATE => {
            let by_sender = entity == Entity::Sender
                && frame_address == scope.sender
                && scope.factory.is_some();
            let by_staked_factory = entity == Entity::Factory && factory_staked;
            (!(by_sender || by_staked_factory)).then_some(Rule::Op032)
        }
        // OP-031: in the deployment frame (counted by the caller); EREP-060: the sender of a
        // staked factory.
        opcode::CREATE2 => {
            let allowed = entity == Entity::Factory
                || (entity == Entity::Sender && frame_address == scope.sender && factory_staked);
            (!allowed).then_some(Rule::Op031)
        }
        _ if profile.banned.contains(&op) => Some(Rule::Op011),
        _ if profile.bans_unassigned && !is_assigned(op) => Some(Rule::Op013),
        _ => None,
    }
}

fn code_rules(
    access: &CodeAccess,
    entity: Entity,
    depth: usize,
    scope: &ValidationScope,
    profile: &Profile,
) -> Vec<Rule> {
    let mut rules = Vec::new();
    let is_call = matches!(
        access.opcode,
        opcode::CALL | opcode::CALLCODE | opcode::DELEGATECALL | opcode::STATICCALL
    );
    if Some(access.address) == scope.entry_point {
        if !entry_point_access_allowed(access, entity, is_call, profile) {
            rules.push(Rule::Op054);
        }
        return rules;
    }
    if access.opcode == opcode::CALL && !access.value.is_zero() {
        rules.push(Rule::Op061);
    }
    if access.precompile {
        let number = U256::from_be_slice(access.address.as_slice());
        let allowed = number <= U256::from(profile.max_precompile)
            || (profile.allows_p256 && number == U256::from(0x100));
        if profile.checks_precompiles && !allowed {
            rules.push(Rule::Op062);
        }
    } else if access.code_len == 0 {
        // OP-042: the factory may touch the sender it is deploying.
        let deploying_sender = entity == Entity::Factory && access.address == scope.sender;
        if !deploying_sender {
            rules.push(Rule::Op041);
        }
    }
    if profile.refuses_stylus_below_entry_point && access.stylus && depth >= 1 {
        rules.push(Rule::RundlerStylus);
    }
    rules
}

/// OP-051, OP-052, OP-053, OP-055.
fn entry_point_access_allowed(
    access: &CodeAccess,
    entity: Entity,
    is_call: bool,
    profile: &Profile,
) -> bool {
    if access.opcode == opcode::EXTCODESIZE {
        return access.iszero_follows;
    }
    if access.opcode != opcode::CALL || !is_call {
        return false;
    }
    let any = profile.entry_point_calls_from_any_entity;
    match access.selector {
        Some(DEPOSIT_TO) => any || matches!(entity, Entity::Sender | Entity::Factory),
        Some(INCREMENT_NONCE) => {
            profile.allows_increment_nonce && entity == Entity::Sender && access.value.is_zero()
        }
        Some(_) => false,
        None => any || entity == Entity::Sender,
    }
}

fn storage_rule(
    access: &StorageAccess,
    entity: Entity,
    preimages: &[&[u8]],
    scope: &ValidationScope,
) -> Option<Rule> {
    let transient = matches!(
        access.kind,
        AccessKind::TransientRead | AccessKind::TransientWrite
    );
    let rule = storage_rule_persistent(access, entity, preimages, scope)?;
    Some(if transient { Rule::Op070 } else { rule })
}

fn storage_rule_persistent(
    access: &StorageAccess,
    entity: Entity,
    preimages: &[&[u8]],
    scope: &ValidationScope,
) -> Option<Rule> {
    // STO-010: the sender's own storage.
    if access.address == scope.sender {
        return None;
    }
    let other_sender =
        scope.mempool_senders.contains(&access.address) && access.address != scope.sender;
    let entity_address = scope.address_of(entity);
    let entity_staked = scope.is_staked(entity_address);
    if is_associated(access.slot, scope.sender, preimages) {
        if other_sender {
            return Some(Rule::Sto041);
        }
        // STO-021: the account exists; STO-022: it is being deployed by a staked factory.
        let allowed = scope.factory.is_none() || scope.is_staked(scope.factory);
        return (!allowed).then_some(Rule::Sto022);
    }
    let own = Some(access.address) == entity_address && entity != Entity::Sender;
    let associated_with_entity = entity != Entity::Sender
        && entity_address.is_some_and(|a| is_associated(access.slot, a, preimages));
    if own {
        return (!entity_staked).then_some(Rule::Sto031);
    }
    if associated_with_entity {
        if other_sender {
            return Some(Rule::Sto041);
        }
        return (!entity_staked).then_some(Rule::Sto032);
    }
    if !access.kind.is_write() {
        return (!entity_staked).then_some(Rule::Sto033);
    }
    Some(Rule::Sto021)
}

/// COD-010: the code hash of every address used in both validations must be the same.
pub fn check_code_unchanged(first: &ValidationTrace, second: &ValidationTrace) -> Vec<Violation> {
    let mut out = Vec::new();
    let seen = |trace: &ValidationTrace| -> Vec<(Address, B256, usize)> {
        trace
            .frames
            .iter()
            .enumerate()
            .flat_map(|(i, f)| {
                f.code_accesses
                    .iter()
                    .map(move |c| (c.address, c.code_hash, i))
            })
            .collect()
    };
    let before = seen(first);
    for (address, after, frame) in seen(second) {
        if let Some((_, hash, _)) = before.iter().find(|(a, _, _)| *a == address) {
            if *hash != after && !out.iter().any(|v: &Violation| v.code_address == address) {
                out.push(Violation {
                    rule: Rule::Cod010,
                    entity: Entity::Sender,
                    frame,
                    code_address: address,
                    subject: Subject::CodeHash(address, *hash, after),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_slots_keyed_by_the_account_are_associated() {
        let account = Address::repeat_byte(0xAA);
        let mut preimage = account.into_word().to_vec();
        preimage.extend_from_slice(&[0u8; 32]); // mapping at slot 0
        let base = keccak256(&preimage);
        let base_u = U256::from_be_bytes(base.0);
        let cases = [
            (account.into_word(), true),
            (base, true),
            (B256::from(base_u + U256::from(127)), true),
            (B256::from(base_u + U256::from(128)), false),
            (B256::with_last_byte(7), false),
        ];
        for (slot, expected) in cases {
            assert_eq!(
                is_associated(slot, account, &[preimage.clone()]),
                expected,
                "{slot}"
            );
        }
        let other = Address::repeat_byte(0xBB);
        assert!(!is_associated(base, other, &[preimage]));
    }

    #[test]
    fn javascript_tracers_keep_only_preimages_of_21_to_511_bytes() {
        use crate::tracer::FrameTrace;
        let sender = Address::repeat_byte(0xAA);
        let store = Address::repeat_byte(0x55);
        let mut long = sender.into_word().to_vec();
        long.resize(512, 7);
        let slot = keccak256(&long);
        let mut frame = FrameTrace::started(FrameKind::Evm, store, store, sender, None, 0);
        frame.storage.push(StorageAccess {
            address: store,
            slot,
            kind: AccessKind::Write,
        });
        let trace = ValidationTrace {
            frames: vec![frame],
            keccak_preimages: vec![long.into()],
        };
        let scope = ValidationScope {
            sender,
            ..ValidationScope::default()
        };
        let rules = |profile| -> Vec<Rule> {
            check(&trace, &scope, profile)
                .into_iter()
                .map(|v| v.rule)
                .collect()
        };
        // The slot is keccak(sender ‖ 480 bytes): associated for a tracer that keeps every
        // preimage, unknown to one that drops preimages of 512 bytes or more.
        assert_eq!(rules(&ERC7562), []);
        assert_eq!(rules(&INFINITISM), []);
        assert_eq!(rules(&RUNDLER), [Rule::Sto021]);
        assert_eq!(rules(&INFINITISM_JS), [Rule::Sto021]);
    }

    #[test]
    fn rule_ids_are_unique() {
        let rules = [
            Rule::Op011,
            Rule::Op012,
            Rule::Op013,
            Rule::Op020,
            Rule::Op031,
            Rule::Op032,
            Rule::Op041,
            Rule::Op054,
            Rule::Op061,
            Rule::Op062,
            Rule::Op070,
            Rule::Op080,
            Rule::Cod010,
            Rule::Sto021,
            Rule::Sto022,
            Rule::Sto031,
            Rule::Sto032,
            Rule::Sto033,
            Rule::Sto040,
            Rule::Sto041,
            Rule::Erep040,
            Rule::Erep050,
            Rule::RundlerStylus,
        ];
        let ids: std::collections::BTreeSet<_> = rules.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), rules.len());
    }
}
