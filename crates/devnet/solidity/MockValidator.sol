// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @notice ERC-4337 v0.7 packed user operation.
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

/// @title MockValidator
/// @notice ERC-7579 validator (module type 1) whose answer is scripted per account, for testing how an account routes
///         validation to modules. Every storage slot is keyed by the account (ERC-7562 "associated storage").
contract MockValidator {
    /// @notice The validationData `validateUserOp` returns to each account.
    mapping(address account => uint256) public validationDataOf;
    /// @notice Whether the account has installed this module.
    mapping(address account => bool) public isInitialized;
    /// @notice Number of `validateUserOp` calls from each account.
    mapping(address account => uint256) public validateCalls;
    /// @notice The last userOpHash each account asked about.
    mapping(address account => bytes32) public lastUserOpHash;

    /// @notice `onInstall` was called twice for the same account.
    error AlreadyInitialized(address account);
    /// @notice `onUninstall` was called for an account that never installed the module.
    error NotInitialized(address account);

    /// @notice Installs for `msg.sender`; `data`, if not empty, is `abi.encode(uint256 validationData)`.
    function onInstall(bytes calldata data) external {
        if (isInitialized[msg.sender]) revert AlreadyInitialized(msg.sender);
        isInitialized[msg.sender] = true;
        if (data.length != 0) validationDataOf[msg.sender] = abi.decode(data, (uint256));
    }

    /// @notice Uninstalls for `msg.sender` and forgets its scripted answer.
    function onUninstall(bytes calldata) external {
        if (!isInitialized[msg.sender]) revert NotInitialized(msg.sender);
        isInitialized[msg.sender] = false;
        validationDataOf[msg.sender] = 0;
    }

    /// @notice Scripts the validationData returned to `account` (open to anyone: test module).
    function setValidationData(address account, uint256 validationData) external {
        validationDataOf[account] = validationData;
    }

    /// @notice Only module type 1 (validator).
    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == 1;
    }

    /// @notice Records the call and returns the scripted validationData of `msg.sender`.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external returns (uint256) {
        userOp;
        validateCalls[msg.sender] += 1;
        lastUserOpHash[msg.sender] = userOpHash;
        return validationDataOf[msg.sender];
    }

    /// @notice Valid (0x1626ba7e) iff `signature` equals `abi.encodePacked(hash)`.
    function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata signature)
        external
        pure
        returns (bytes4)
    {
        sender;
        return keccak256(signature) == keccak256(abi.encodePacked(hash)) ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}
