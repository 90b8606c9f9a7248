//! Native tests of the contract on stylus-test's TestVM. The TestVM does not roll back on a
//! revert, so every rejection test also proves the contract checks everything *before* its
//! first write: storage is compared before and after. End-to-end tests on the embedded devnet
//! (real WASM behind EntryPoint) live in the workspace's `tests/`.

mod abi_file;
mod audit;
mod enable;
mod erc1271;
mod harness;
mod install;
mod p256;
mod periodic;
mod register;
mod router;
mod threats;
mod validate;
