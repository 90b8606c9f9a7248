// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @notice The EntryPoint methods the ERC-7562 rules name.
interface IEntryPointMethods {
    function depositTo(address account) external payable;
    function incrementNonce(uint192 key) external;
    function getNonce(address sender, uint192 key) external view returns (uint256);
}

/// @title ProbeStore
/// @notice A contract that is no entity: the probe reads and writes its slots (STO-021…033).
contract ProbeStore {
    /// @notice Writes 1 into `slot`.
    function write(bytes32 slot) external {
        assembly {
            sstore(slot, 1)
        }
    }

    /// @notice Reads `slot`.
    function read(bytes32 slot) external view returns (uint256 value) {
        assembly {
            value := sload(slot)
        }
    }
}

/// @title ProbeChild
/// @notice What the probe creates.
contract ProbeChild {
    /// @notice Set at creation so the child has code.
    uint256 public immutable born = 1;
}

/// @title Erc7562Probe
/// @notice One function per thing an ERC-7562 validation rule allows or forbids. The devnet's checker is tested by
/// tracing a call of each and asserting exactly which rule each bundler profile reports
/// (crates/bundler/tests/erc7562_rules.rs).
contract Erc7562Probe {
    /// @notice Lets the tests fund the probe.
    receive() external payable {}

    /// @notice OP-011: TIMESTAMP.
    function readTimestamp() external view returns (uint256) {
        return block.timestamp;
    }

    /// @notice Allowed: CHAINID is not blocked.
    function readChainId() external view returns (uint256) {
        return block.chainid;
    }

    /// @notice OP-011: INVALID.
    function invalid() external pure {
        assembly {
            invalid()
        }
    }

    /// @notice OP-012: GAS not followed by a call.
    function readGasLeft() external view returns (uint256) {
        return gasleft();
    }

    /// @notice OP-012 allows GAS right before CALL (what `target.call` compiles to).
    function callTarget(address target) external returns (bool ok) {
        (ok,) = target.call("");
    }

    /// @notice OP-020: a child frame that runs out of gas, caught.
    function burnInChild() external returns (bool ok) {
        (ok,) = address(this).call{gas: 20_000}(abi.encodeCall(this.spin, ()));
    }

    /// @notice Allowed: a child frame with a gas limit that is enough.
    function cheapChild() external returns (bool ok) {
        (ok,) = address(this).call{gas: 20_000}(abi.encodeCall(this.nothing, ()));
    }

    /// @notice Loops until the frame is out of gas.
    function spin() external pure {
        assembly {
            for {} 1 {} {}
        }
    }

    /// @notice Does nothing.
    function nothing() external pure {}

    /// @notice OP-031: CREATE2.
    function create2Child(bytes32 salt) external returns (address child) {
        child = address(new ProbeChild{salt: salt}());
    }

    /// @notice OP-031: CREATE2 twice.
    function create2Twice() external returns (address a, address b) {
        a = address(new ProbeChild{salt: bytes32(uint256(1))}());
        b = address(new ProbeChild{salt: bytes32(uint256(2))}());
    }

    /// @notice OP-032: CREATE.
    function createChild() external returns (address child) {
        child = address(new ProbeChild());
    }

    /// @notice OP-041 (and OP-051/054 on the EntryPoint): EXTCODESIZE followed by ISZERO.
    function codeIsEmpty(address who) external view returns (bool empty) {
        assembly {
            empty := iszero(extcodesize(who))
        }
    }

    /// @notice OP-041/OP-054: EXTCODEHASH.
    function codeHashOf(address who) external view returns (bytes32 hash) {
        assembly {
            hash := extcodehash(who)
        }
    }

    /// @notice OP-052: `depositTo` on the EntryPoint, with value.
    function depositFor(address entryPoint, address account) external {
        IEntryPointMethods(entryPoint).depositTo{value: 1}(account);
    }

    /// @notice OP-053: the EntryPoint's fallback, with value.
    function payEntryPoint(address entryPoint) external returns (bool ok) {
        (ok,) = entryPoint.call{value: 1}("");
    }

    /// @notice OP-055: `incrementNonce` on the EntryPoint.
    function bumpNonce(address entryPoint) external {
        IEntryPointMethods(entryPoint).incrementNonce(7);
    }

    /// @notice OP-054: any other EntryPoint method.
    function readNonce(address entryPoint, address sender) external view returns (uint256) {
        return IEntryPointMethods(entryPoint).getNonce(sender, 0);
    }

    /// @notice OP-061: CALL with value.
    function sendValue(address target) external returns (bool ok) {
        (ok,) = target.call{value: 1}("");
    }

    /// @notice OP-062: a precompile.
    function callPrecompile(address precompile, bytes calldata input) external view returns (bool ok) {
        (ok,) = precompile.staticcall(input);
    }

    /// @notice OP-080: BALANCE.
    function balanceOf(address who) external view returns (uint256) {
        return who.balance;
    }

    /// @notice OP-080: SELFBALANCE.
    function selfBalance() external view returns (uint256) {
        return address(this).balance;
    }

    /// @notice STO-010 / STO-031: the probe's own storage.
    function writeOwn(bytes32 slot) external {
        assembly {
            sstore(slot, 1)
        }
    }

    /// @notice STO-021 / STO-022 / STO-032 / STO-041: slot `keccak(who ‖ 0)` of `store`, written.
    function writeAssociated(ProbeStore store, address who) external {
        store.write(keccak256(abi.encode(who, uint256(0))));
    }

    /// @notice STO-021: any slot of `store`, written.
    function writeAt(ProbeStore store, bytes32 slot) external {
        store.write(slot);
    }

    /// @notice STO-033: any slot of `store`, read.
    function readAt(ProbeStore store, bytes32 slot) external view returns (uint256) {
        return store.read(slot);
    }

    /// @notice rundler's Stylus rule: calls `program` from a frame below the probe's.
    function callFromBelow(address program, bytes calldata data) external returns (bool ok) {
        ok = this.callProgram(program, data);
    }

    /// @notice Calls `program` with `data`.
    function callProgram(address program, bytes calldata data) external returns (bool ok) {
        (ok,) = program.call(data);
    }
}
