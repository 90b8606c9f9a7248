//! The ERC-1271 program the module delegates to (the contract's `src/erc1271.rs`), pinned by its
//! code hash. Written by `scripts/build-wasm.sh` from the program it builds; CI fails when it is
//! stale (`scripts/build-wasm.sh --check-codehash`).

/// keccak256 of the ERC-1271 program's deployable code (`target/session_key_erc1271.deployed.hex`),
/// the only code `isValidSignatureWithSender` delegates to.
pub const PROGRAM_CODEHASH: alloy_primitives::B256 =
    alloy_primitives::b256!("0xad0e49198fa6315790bb04c9dc6da28b0d80f9709a7955dbea0410237e727708");
