//! Turns the module's revert data (as EntryPoint relays it in `FailedOpWithRevert`) into words.

use alloy_sol_types::SolInterface;

mod iface {
    alloy_sol_types::sol!("../../abi/ISessionKeyValidator.sol");
}
use iface::ISessionKeyValidator::ISessionKeyValidatorErrors as E;

/// One sentence naming the module's typed error and its context, or the raw hex when the data
/// is not one of the module's errors.
pub fn describe_module_error(data: &[u8]) -> String {
    let Ok(error) = E::abi_decode(data) else {
        return format!("unrecognised revert data 0x{}", crate::world::hex(data));
    };
    match error {
        E::NotInstalled(e) => format!("the module is not installed on {}", e.account),
        E::AlreadyInstalled(e) => format!("the module is already installed on {}", e.account),
        E::SessionAlreadyActive(e) => {
            format!("{} already has a live session on {}", e.signer, e.account)
        }
        E::SessionNotActive(e) => format!(
            "session {} is not active on {} (never registered, revoked or expired by uninstall)",
            e.signer, e.account
        ),
        E::InvalidRecord(e) => format!(
            "invalid permission record (code {}) at byte {}",
            e.code, e.position
        ),
        E::InvalidSignatureLength(e) => format!(
            "signature is {} bytes, not signer(20) ‖ r ‖ s ‖ v (85)",
            e.length
        ),
        E::SenderMismatch(e) => format!(
            "op sender {} is not the calling account {}",
            e.sender, e.caller
        ),
        E::MalformedExecution(e) => format!(
            "the account calldata is not a canonical, supported execute() (code {})",
            e.code
        ),
        E::MalformedCalldata(e) => format!(
            "the module's arguments are not canonical ABI (code {})",
            e.code
        ),
        E::SelfCallRejected(e) => format!(
            "call #{} targets the account or the module itself",
            e.callIndex
        ),
        E::CallNotAllowed(e) => format!(
            "call #{}: no permission for {} with selector 0x{}",
            e.callIndex,
            e.target,
            crate::world::hex(e.selector.as_slice())
        ),
        E::CalldataTooShort(e) => {
            format!("call #{}: calldata shorter than a selector", e.callIndex)
        }
        E::ValueTooHigh(e) => format!(
            "call #{}: value {} above the per-call limit {}",
            e.callIndex, e.value, e.max
        ),
        E::ParamMissing(e) => format!(
            "call #{}: rule #{} reads past the end of the calldata",
            e.callIndex, e.ruleIndex
        ),
        E::RuleFailed(e) => format!(
            "call #{}: parameter rule #{} does not hold",
            e.callIndex, e.ruleIndex
        ),
        E::MalformedTokenCall(e) => format!(
            "call #{}: ERC-20 spend call not in its exact canonical form",
            e.callIndex
        ),
        E::TokenCapMissing(e) => format!("no spend cap configured for token {}", e.token),
        E::TokenCapExceeded(e) => format!(
            "token {}: spends {} but only {} is left of the cap",
            e.token, e.requested, e.remaining
        ),
        E::NativeCapExceeded(e) => format!(
            "sends {} wei but only {} is left of the native cap",
            e.requested, e.remaining
        ),
        E::OpLimitReached(_) => "the session's op count is used up".to_string(),
        E::GasBudgetExceeded(e) => format!(
            "prefund {} wei exceeds the {} wei left of the gas budget",
            e.cost, e.remaining
        ),
        E::PaymasterNotAllowed(e) => {
            format!("paymaster {} is not the one the session names", e.paymaster)
        }
        E::AmountOverflow(_) => "amounts overflow 256 bits".to_string(),
    }
}
