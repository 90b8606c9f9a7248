//! Prints the contract's Solidity interface: `cargo run --features export-abi`.

fn main() {
    session_key_validator::print_from_args();
}
