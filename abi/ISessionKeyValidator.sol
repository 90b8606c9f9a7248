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
/// @notice The complete interface and its single source: the contract's selectors, events and
/// errors, the SDK's and the bundler kit's encoders and decoders are generated from this file
/// by `sol!` (`crates/policy/src/interface.rs`). `ISessionKeyValidator.generated.sol` is what
/// `export-abi` prints of the functions (CI fails when it drifts); this file adds the
/// `validateUserOp` entry point (decoded by hand), the struct, events, errors and names.
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
    /// signer(20) ‖ r(32) ‖ s(32) ‖ v(1) over keccak256(userOpHash ‖ module)). A signature
    /// naming the zero signer first enables the session it carries: 0x00×20 ‖ u16 length ‖
    /// record ‖ u16 length ‖ owner signature ‖ the session's signature without its signer. The
    /// owner's signature is checked by the account's ERC-1271 isValidSignature over the EIP-712
    /// digest of EnableSession(address account,bytes record,uint64 enableNonce) in the domain
    /// ("SessionKeyValidator", "1", chainid, this module); the session is then registered as by
    /// registerSession and the op validated against it.
    /// @return validationData authorizer (0 ok, 1 bad signature) | validUntil << 160 | validAfter << 208.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
        external
        returns (uint256 validationData);

    /// @notice ERC-1271 through the account, scoped: 0x1626ba7e only for a live session's ERC-7739
    /// nested typed-data signature of typed data its record allows (a typed-data scope: app
    /// domain separator, contents typehash, rules on the contents words), within its window by
    /// block.timestamp, asked by anyone but this module; else 0xffffffff (never reverts on
    /// canonical calldata; writes nothing). signature = signer(20) ‖ proof ‖ appDomainSeparator
    /// ‖ contents words (n × 32) ‖ contentsDescr ‖ uint16 n ‖ uint16 contentsDescr length; the
    /// proof signs the TypedDataSign digest under the account's eip712Domain().
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

    /// @notice The module was installed on `account`.
    event ModuleInstalled(address indexed account);
    /// @notice The module was uninstalled from `account`; every session of it is dead.
    event ModuleUninstalled(address indexed account);
    /// @notice A session was registered; `recordHash` is keccak256 of its encoded record.
    event SessionRegistered(address indexed account, address indexed signer, uint64 permNonce, bytes32 recordHash);
    /// @notice One session was revoked.
    event SessionRevoked(address indexed account, address indexed signer, uint64 permNonce);
    /// @notice Every session registered with a nonce below `revokedBelow` was revoked.
    event AllSessionsRevoked(address indexed account, uint64 revokedBelow);

    // Errors. Each is raised by exactly one kind of check; `crates/policy/src/error.rs`
    // (`ModuleError`) encodes and decodes them, and its tests fail if this list and the code
    // disagree. Codes (`uint8 code`) are the engine's one-byte tables in the same file.

    /// @notice `onUninstall`, `registerSession`, `revokeSession`, `revokeAllSessions` or
    /// `validateUserOp` called by an account that has not installed the module.
    /// @param account The calling account.
    error NotInstalled(address account);

    /// @notice `onInstall` called by an account that already has the module.
    /// @param account The calling account.
    error AlreadyInstalled(address account);

    /// @notice A record registered for a signer whose session on the account is still live;
    /// revoke it first (re-registering then starts a fresh session with fresh counters).
    /// @param account The calling account.
    /// @param signer The record's session signer.
    error SessionAlreadyActive(address account, address signer);

    /// @notice The signer has no live session on the account: never registered, revoked (one or
    /// all), or the module was uninstalled since. Raised by `revokeSession` and by
    /// `validateUserOp` for the signer the signature names.
    /// @param account The account.
    /// @param signer The session signer named.
    error SessionNotActive(address account, address signer);

    /// @notice A permission record refused at registration (`onInstall` or `registerSession`).
    /// @param code `RecordError::code()` (the table in `crates/policy/src/error.rs`; the SDK and
    /// `sessionkey explain` name it).
    /// @param position Byte offset in the encoded record where the problem was found.
    error InvalidRecord(uint8 code, uint256 position);

    /// @notice `userOp.signature` does not have its session's signer kind's shape: signer(20) ‖
    /// r ‖ s ‖ v (85 bytes) for secp256k1, signer ‖ r ‖ s (84) for P-256, signer ‖ r ‖ s ‖
    /// u16 length ‖ authenticatorData (≥ 37) ‖ clientDataJSON tail for WebAuthn.
    /// @param length Its length.
    error InvalidSignatureLength(uint256 length);

    /// @notice `validateUserOp` called by an account other than `userOp.sender`.
    /// @param sender `userOp.sender`.
    /// @param caller The calling account.
    error SenderMismatch(address sender, address caller);

    /// @notice The op's `callData` is not a canonical ERC-7579 `execute` the module supports.
    /// @param code `ExecutionError::code()` (the table in `crates/policy/src/error.rs`).
    error MalformedExecution(uint8 code);

    /// @notice The module's own arguments are not canonical ABI (any entry point).
    /// @param code As in `MalformedExecution`.
    error MalformedCalldata(uint8 code);

    /// @notice A call targets the account itself or the module (self-call escalation).
    /// @param callIndex Position of the call in the op (0 for a single call).
    error SelfCallRejected(uint256 callIndex);

    /// @notice No entry of the permission allows this target with this selector.
    /// @param callIndex Position of the call in the op.
    /// @param target The call's target.
    /// @param selector The call's selector (zero for empty calldata).
    error CallNotAllowed(uint256 callIndex, address target, bytes4 selector);

    /// @notice Calldata of 1 to 3 bytes: neither a plain transfer nor a selector.
    /// @param callIndex Position of the call in the op.
    error CalldataTooShort(uint256 callIndex);

    /// @notice Native value above the matching entry's per-call maximum.
    /// @param callIndex Position of the call in the op.
    /// @param value Value sent.
    /// @param max The entry's per-call maximum.
    error ValueTooHigh(uint256 callIndex, uint256 value, uint256 max);

    /// @notice A parameter rule reads a calldata word past the end of the calldata.
    /// @param callIndex Position of the call in the op.
    /// @param ruleIndex Position of the rule in its entry.
    error ParamMissing(uint256 callIndex, uint256 ruleIndex);

    /// @notice A parameter rule's condition does not hold (e.g. `approve` to another spender).
    /// @param callIndex Position of the call in the op.
    /// @param ruleIndex Position of the rule in its entry.
    error RuleFailed(uint256 callIndex, uint256 ruleIndex);

    /// @notice An ERC-20 spend call (transfer, transferFrom, approve, increaseAllowance) whose
    /// calldata is not exactly its canonical encoding, so its amount cannot be trusted.
    /// @param callIndex Position of the call in the op.
    error MalformedTokenCall(uint256 callIndex);

    /// @notice An ERC-20 spend on a token the permission sets no cap for (not even unlimited).
    /// @param token The token called.
    error TokenCapMissing(address token);

    /// @notice The op's ERC-20 spends of a token, summed over its calls, exceed what is left of
    /// the token's cap.
    /// @param token The token.
    /// @param requested Summed over the op.
    /// @param remaining Left before this op.
    error TokenCapExceeded(address token, uint256 requested, uint256 remaining);

    /// @notice The op's native value, summed over its calls, exceeds what is left of the cap.
    /// @param requested Summed over the op.
    /// @param remaining Left before this op.
    error NativeCapExceeded(uint256 requested, uint256 remaining);

    /// @notice The session's op count is used up.
    error OpLimitReached();

    /// @notice The op's maximum prefund exceeds what is left of the session's gas-fee budget.
    /// @param cost `requiredPrefund` of the op, as EntryPoint computes it.
    /// @param remaining Left before this op.
    error GasBudgetExceeded(uint256 cost, uint256 remaining);

    /// @notice The op names a paymaster the session does not allow.
    /// @param paymaster The op's paymaster.
    error PaymasterNotAllowed(address paymaster);

    /// @notice Amounts summed over the op overflow 256 bits (only with absurd values).
    error AmountOverflow();

    /// @notice The op names a cap period of a periodic session that has closed: an op of a
    /// later period was validated, and the earlier period's counters are gone.
    /// @param period The period the op names.
    /// @param current The period the session's counters are for.
    error PeriodClosed(uint32 period, uint32 current);

    /// @notice The op names a cap period the session does not have: it would start after the
    /// session ends (or past 48-bit time).
    /// @param period The period the op names.
    error PeriodOutOfRange(uint32 period);
}
