//! Turns the module's revert data (as EntryPoint relays it in `FailedOpWithRevert`) into words.

use sessionkey_policy::error::ModuleError;

/// One sentence naming the module's error and its context (the engine's own wording, shared
/// with the SDK), or the raw hex when the data is not exactly one of the module's errors.
pub fn describe_module_error(data: &[u8]) -> String {
    match ModuleError::decode(data) {
        Some(e) => format!("{}: {e}", e.name()),
        None => format!("unrecognised revert data 0x{}", crate::world::hex(data)),
    }
}
