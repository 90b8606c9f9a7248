// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @notice ERC-4337 v0.7 packed user operation (the layout EntryPoint 0.7 passes to accounts and modules).
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

/// @notice One call of an ERC-7579 batch execution (callType 0x01).
struct Execution {
    address target;
    uint256 value;
    bytes callData;
}

/// @notice The part of the ERC-7579 validator module interface this account uses.
interface IValidator {
    /// @notice Called by the account when the module is installed.
    function onInstall(bytes calldata data) external;

    /// @notice Called by the account when the module is uninstalled.
    function onUninstall(bytes calldata data) external;

    /// @notice True if the module implements the given ERC-7579 module type (1 = validator).
    function isModuleType(uint256 moduleTypeId) external view returns (bool);

    /// @notice Validates a user operation on behalf of the calling account; returns ERC-4337 validationData.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external returns (uint256);

    /// @notice ERC-1271 check on behalf of the calling account; returns 0x1626ba7e when valid.
    function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata signature)
        external
        view
        returns (bytes4);
}

/// @title TestAccount7579
/// @notice Minimal ERC-7579-style smart account for EntryPoint v0.7, written for the session-key validator's tests.
///         Not for production use.
/// @dev Validation:
///      - The validator is selected from the 2D nonce key like MSA/Safe7579: `address(uint160(nonce >> 96))`, i.e. the
///        top 20 bytes of the 192-bit key.
///      - Selector address 0: the owner's ECDSA signature (65 bytes `r ‖ s ‖ v`) over the EIP-191 personal-sign digest
///        of the userOpHash, `keccak256("\x19Ethereum Signed Message:\n32" ‖ userOpHash)` (same as SimpleAccount v0.7).
///        High-s signatures and `v` other than 27/28 are rejected. Any mismatch returns 1 (SIG_VALIDATION_FAILED).
///      - Selector address = an installed validator module: the call is forwarded to
///        `IValidator(module).validateUserOp(userOp, userOpHash)` and its validationData is returned unchanged.
///      - Any other non-zero selector address (a module that is not installed): returns 1. There is no fallback to
///        the owner, so a test can never pass by accident through the wrong validator.
///      Execution: `execute(bytes32 mode, bytes executionCalldata)` supports callType 0x00 (single, packed
///      `target(20) ‖ value(32) ‖ callData`) and 0x01 (batch, `abi.encode(Execution[])`), execType 0x00 (revert on
///      failure, bubbling the callee's revert data). Mode bytes 2..31 (reserved, mode selector, payload) are ignored.
contract TestAccount7579 {
    /// @notice ERC-7579 module type id of validators, the only type this account supports.
    uint256 public constant MODULE_TYPE_VALIDATOR = 1;

    /// @notice ERC-4337 validationData meaning "signature mismatch".
    uint256 internal constant SIG_VALIDATION_FAILED = 1;

    /// @notice Half the secp256k1 group order; signatures with a larger `s` are malleable and rejected.
    uint256 internal constant SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice ERC-1271 magic value.
    bytes4 internal constant ERC1271_MAGIC = 0x1626ba7e;

    /// @notice The EntryPoint this account trusts.
    address public immutable entryPoint;

    /// @notice The ECDSA owner (validates userOps whose nonce key selects validator address 0).
    address public immutable owner;

    /// @notice Installed validator modules.
    mapping(address module => bool installed) internal _validators;

    /// @notice ERC-7579: emitted when a module is installed.
    event ModuleInstalled(uint256 moduleTypeId, address module);

    /// @notice ERC-7579: emitted when a module is uninstalled.
    event ModuleUninstalled(uint256 moduleTypeId, address module);

    /// @notice The caller is not the EntryPoint.
    error NotEntryPoint(address caller);
    /// @notice The caller is none of EntryPoint, the account itself, or the owner.
    error Unauthorized(address caller);
    /// @notice The constructor was given a zero address.
    error ZeroAddress();
    /// @notice `execute` was called with a callType other than 0x00 (single) or 0x01 (batch).
    error UnsupportedCallType(bytes1 callType);
    /// @notice `execute` was called with an execType other than 0x00 (revert on failure).
    error UnsupportedExecType(bytes1 execType);
    /// @notice A single execution's calldata is shorter than `target(20) ‖ value(32)`.
    error ExecutionCalldataTooShort(uint256 length);
    /// @notice Only module type 1 (validator) is supported.
    error UnsupportedModuleType(uint256 moduleTypeId);
    /// @notice The module does not declare itself a validator (`isModuleType(1)` was false).
    error NotAValidator(address module);
    /// @notice The module is already installed.
    error ModuleAlreadyInstalled(address module);
    /// @notice The module is not installed.
    error ModuleNotInstalled(address module);

    /// @param entryPoint_ The EntryPoint (v0.7) allowed to call `validateUserOp` and `execute`.
    /// @param owner_ The ECDSA owner address.
    constructor(address entryPoint_, address owner_) {
        if (entryPoint_ == address(0) || owner_ == address(0)) revert ZeroAddress();
        entryPoint = entryPoint_;
        owner = owner_;
    }

    modifier onlyEntryPoint() {
        if (msg.sender != entryPoint) revert NotEntryPoint(msg.sender);
        _;
    }

    /// @dev EntryPoint (userOps), the account itself (self-calls via `execute`), or the owner EOA (plain
    ///      transactions, so tests can set an account up without building userOps).
    modifier onlyEntryPointOrSelfOrOwner() {
        if (msg.sender != entryPoint && msg.sender != address(this) && msg.sender != owner) {
            revert Unauthorized(msg.sender);
        }
        _;
    }

    /// @notice Accepts plain ETH transfers.
    receive() external payable {}

    // ------------------------------------------------------------------------------------------------ ERC-4337

    /// @notice ERC-4337 v0.7 account validation (see the contract's NatSpec for how the validator is chosen).
    /// @param userOp The user operation.
    /// @param userOpHash The EntryPoint's hash of `userOp`.
    /// @param missingAccountFunds The prefund the account must send to EntryPoint.
    /// @return validationData 0 on success, 1 on signature mismatch, or a module's packed validationData.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        onlyEntryPoint
        returns (uint256 validationData)
    {
        address validator = address(uint160(userOp.nonce >> 96));
        if (validator == address(0)) {
            validationData = _isOwnerSignature(_ethSignedDigest(userOpHash), userOp.signature)
                ? 0
                : SIG_VALIDATION_FAILED;
        } else if (_validators[validator]) {
            validationData = IValidator(validator).validateUserOp(userOp, userOpHash);
        } else {
            validationData = SIG_VALIDATION_FAILED;
        }
        if (missingAccountFunds != 0) {
            // Like SimpleAccount: the EntryPoint checks the deposit itself, so the result is ignored.
            (bool ok,) = payable(msg.sender).call{value: missingAccountFunds}("");
            ok;
        }
    }

    // ------------------------------------------------------------------------------------------------ Execution

    /// @notice ERC-7579 execution (selector 0xe9ae5c53).
    /// @param mode byte 0 = callType (0x00 single, 0x01 batch), byte 1 = execType (0x00 revert); the rest is ignored.
    /// @param executionCalldata single: `target(20) ‖ value(32) ‖ callData`; batch: `abi.encode(Execution[])`.
    function execute(bytes32 mode, bytes calldata executionCalldata) external payable onlyEntryPointOrSelfOrOwner {
        bytes1 callType = mode[0];
        bytes1 execType = mode[1];
        if (execType != 0x00) revert UnsupportedExecType(execType);
        if (callType == 0x00) {
            if (executionCalldata.length < 52) revert ExecutionCalldataTooShort(executionCalldata.length);
            address target = address(bytes20(executionCalldata[0:20]));
            uint256 value = uint256(bytes32(executionCalldata[20:52]));
            _call(target, value, executionCalldata[52:]);
        } else if (callType == 0x01) {
            Execution[] memory executions = abi.decode(executionCalldata, (Execution[]));
            for (uint256 i = 0; i < executions.length; ++i) {
                _call(executions[i].target, executions[i].value, executions[i].callData);
            }
        } else {
            revert UnsupportedCallType(callType);
        }
    }

    /// @notice ERC-7579: whether this account can execute `mode`.
    function supportsExecutionMode(bytes32 mode) external pure returns (bool) {
        return (mode[0] == 0x00 || mode[0] == 0x01) && mode[1] == 0x00;
    }

    // ------------------------------------------------------------------------------------------------ Modules

    /// @notice Installs a validator module and calls its `onInstall(initData)`.
    /// @param moduleTypeId Must be 1 (validator).
    /// @param module The module address; must answer `isModuleType(1) == true`.
    /// @param initData Passed to `onInstall`.
    function installModule(uint256 moduleTypeId, address module, bytes calldata initData)
        external
        payable
        onlyEntryPointOrSelfOrOwner
    {
        if (moduleTypeId != MODULE_TYPE_VALIDATOR) revert UnsupportedModuleType(moduleTypeId);
        if (_validators[module]) revert ModuleAlreadyInstalled(module);
        if (!IValidator(module).isModuleType(MODULE_TYPE_VALIDATOR)) revert NotAValidator(module);
        _validators[module] = true;
        IValidator(module).onInstall(initData);
        emit ModuleInstalled(moduleTypeId, module);
    }

    /// @notice Uninstalls a validator module and calls its `onUninstall(deInitData)` (a revert there aborts).
    /// @param moduleTypeId Must be 1 (validator).
    /// @param module An installed module.
    /// @param deInitData Passed to `onUninstall`.
    function uninstallModule(uint256 moduleTypeId, address module, bytes calldata deInitData)
        external
        payable
        onlyEntryPointOrSelfOrOwner
    {
        if (moduleTypeId != MODULE_TYPE_VALIDATOR) revert UnsupportedModuleType(moduleTypeId);
        if (!_validators[module]) revert ModuleNotInstalled(module);
        _validators[module] = false;
        IValidator(module).onUninstall(deInitData);
        emit ModuleUninstalled(moduleTypeId, module);
    }

    /// @notice ERC-7579: whether `module` is installed as `moduleTypeId` (only type 1 can be).
    function isModuleInstalled(uint256 moduleTypeId, address module, bytes calldata additionalContext)
        external
        view
        returns (bool)
    {
        additionalContext;
        return moduleTypeId == MODULE_TYPE_VALIDATOR && _validators[module];
    }

    /// @notice ERC-7579: whether this account supports the module type (only 1, validators).
    function supportsModule(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_VALIDATOR;
    }

    /// @notice ERC-7579 account id.
    function accountId() external pure returns (string memory) {
        return "sessionkey.test-account-7579.0.1.0";
    }

    // ------------------------------------------------------------------------------------------------ ERC-1271

    /// @notice ERC-1271 through a validator: `signature = module(20) ‖ moduleSignature`; the module must be installed
    ///         and is asked `isValidSignatureWithSender(msg.sender, hash, moduleSignature)`. There is no owner path.
    /// @return 0x1626ba7e if the module accepts, 0xffffffff otherwise.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length < 20) return 0xffffffff;
        address module = address(bytes20(signature[0:20]));
        if (!_validators[module]) return 0xffffffff;
        bytes4 result = IValidator(module).isValidSignatureWithSender(msg.sender, hash, signature[20:]);
        return result == ERC1271_MAGIC ? ERC1271_MAGIC : bytes4(0xffffffff);
    }

    // ------------------------------------------------------------------------------------------------ Internals

    /// @dev Calls `target` and bubbles its revert data unchanged on failure.
    function _call(address target, uint256 value, bytes memory data) internal {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    /// @dev EIP-191 personal-sign digest of a 32-byte hash.
    function _ethSignedDigest(bytes32 hash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", hash));
    }

    /// @dev True iff `sig` is a 65-byte `r ‖ s ‖ v` signature by `owner` over `digest`, with low `s` and v in {27, 28}.
    function _isOwnerSignature(bytes32 digest, bytes calldata sig) internal view returns (bool) {
        if (sig.length != 65) return false;
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (uint256(s) > SECP256K1_HALF_N) return false;
        if (v != 27 && v != 28) return false;
        address signer = ecrecover(digest, v, r, s);
        return signer != address(0) && signer == owner;
    }
}
