// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.23;

/// @notice EntryPoint v0.7's packed user operation.
struct PackedUserOperation {
    address sender;
    uint256 nonce;
    bytes initCode;
    bytes callData;
    bytes32 accountGasLimits;
    uint256 preVerificationGas;
    bytes32 gasFees;
    bytes paymasterAndData;
    bytes signature;
}

/// @title Session-key validator (ERC-7579 module type 1) for Arbitrum Stylus.
/// @notice The complete interface. `ISessionKeyValidator.generated.sol` is what `export-abi`
/// prints (CI fails when it drifts); this file adds what export-abi cannot see: the
/// `validateUserOp` entry point (decoded by hand in the contract's fallback), the struct, the
/// events, and parameter names.
/// @dev Permission records are passed as the canonical byte encoding documented in
/// `crates/policy/src/record.rs` (README "Permission model"); build them with the SDK.
interface ISessionKeyValidator {
    /// @notice Installs the module for `msg.sender` and registers each record in `data`
    /// (zero or more encoded records back to back).
    function onInstall(bytes calldata data) external;

    /// @notice Uninstalls the module for `msg.sender`; every session of the account dies.
    /// `data` is ignored.
    function onUninstall(bytes calldata data) external;

    /// @notice True only for module type 1 (validator).
    function isModuleType(uint256 moduleTypeId) external view returns (bool);

    /// @notice Whether `smartAccount` has the module installed.
    function isInitialized(address smartAccount) external view returns (bool);

    /// @notice Registers a session for `msg.sender` from its canonical encoded record.
    function registerSession(bytes calldata record) external;

    /// @notice Revokes `msg.sender`'s session of `signer`; its next op fails.
    function revokeSession(address signer) external;

    /// @notice Revokes every session of `msg.sender` in one write.
    function revokeAllSessions() external;

    /// @notice Validates a user operation signed by a session key (signature =
    /// signer(20) ‖ r(32) ‖ s(32) ‖ v(1) over keccak256(userOpHash ‖ module)).
    /// @return validationData authorizer (0 ok, 1 bad signature) | validUntil << 160 | validAfter << 208.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
        external
        returns (uint256 validationData);

    /// @notice Session keys do not sign ERC-1271 messages: always 0xffffffff.
    function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata signature)
        external
        view
        returns (bytes4);

    /// @notice Raw storage words of a session: (account word, header, spend, paymaster).
    function sessionWords(address account, address signer)
        external
        view
        returns (bytes32 accountWord, bytes32 header, bytes32 spend, bytes32 paymaster);

    /// @notice Raw token-cap word of the signer's current registration for `token`.
    function tokenCapWord(address account, address signer, address token) external view returns (bytes32);

    event ModuleInstalled(address indexed account);
    event ModuleUninstalled(address indexed account);
    event SessionRegistered(address indexed account, address indexed signer, uint64 permNonce, bytes32 recordHash);
    event SessionRevoked(address indexed account, address indexed signer, uint64 permNonce);
    event AllSessionsRevoked(address indexed account, uint64 revokedBelow);

    error NotInstalled(address account);
    error AlreadyInstalled(address account);
    error SessionAlreadyActive(address account, address signer);
    error SessionNotActive(address account, address signer);
    /// @dev `code` is `RecordError::code()`, `position` the byte offset in the record.
    error InvalidRecord(uint8 code, uint256 position);
    error InvalidSignatureLength(uint256 length);
    error SenderMismatch(address sender, address caller);
    /// @dev `code` is `ExecutionError::code()`.
    error MalformedExecution(uint8 code);
    /// @dev The module's own arguments are not canonical ABI; `code` as in `MalformedExecution`.
    error MalformedCalldata(uint8 code);
    error SelfCallRejected(uint256 callIndex);
    error CallNotAllowed(uint256 callIndex, address target, bytes4 selector);
    error CalldataTooShort(uint256 callIndex);
    error ValueTooHigh(uint256 callIndex, uint256 value, uint256 max);
    error ParamMissing(uint256 callIndex, uint256 ruleIndex);
    error RuleFailed(uint256 callIndex, uint256 ruleIndex);
    error MalformedTokenCall(uint256 callIndex);
    error TokenCapMissing(address token);
    error TokenCapExceeded(address token, uint256 requested, uint256 remaining);
    error NativeCapExceeded(uint256 requested, uint256 remaining);
    error OpLimitReached();
    error GasBudgetExceeded(uint256 cost, uint256 remaining);
    error PaymasterNotAllowed(address paymaster);
    error AmountOverflow();
}
