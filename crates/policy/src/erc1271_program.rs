//! The ERC-1271 program the module delegates to (the contract's `src/erc1271.rs`), pinned by its
//! code hash. Written by `scripts/build-wasm.sh` from the program it builds (any change to code the
//! program links, even a line number in a panic location, changes it); CI fails when the committed
//! file differs from the one the build writes.

/// keccak256 of the ERC-1271 program's deployable code (`target/session_key_erc1271.deployed.hex`),
/// the only code `isValidSignatureWithSender` delegates to.
pub const PROGRAM_CODEHASH: alloy_primitives::B256 =
    alloy_primitives::b256!("0x521c24f55eccadf6aa70b73dad096b5d55a45d0834de39ea5e82bdd61d66225d");
