// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @title Counter
/// @notice Trivial call target for generic-call tests: records every ping and who sent it.
contract Counter {
    /// @notice Number of successful `ping`/`pingWithValue` calls.
    uint256 public count;
    /// @notice Argument of the last ping.
    uint256 public last;
    /// @notice Sender of the last ping.
    address public lastCaller;

    /// @notice Emitted on every ping.
    event Pinged(address indexed caller, uint256 x, uint256 value, uint256 count);

    /// @notice Always thrown by `boom`.
    error Boom(uint256 code);

    /// @notice Stores `x`, increments `count`, emits `Pinged`. Rejects ETH (non-payable).
    function ping(uint256 x) external {
        _ping(x);
    }

    /// @notice Like `ping`, but accepts ETH.
    function pingWithValue(uint256 x) external payable {
        _ping(x);
    }

    /// @notice Always reverts with `Boom(code)`.
    function boom(uint256 code) external pure {
        revert Boom(code);
    }

    function _ping(uint256 x) internal {
        uint256 n = count + 1;
        count = n;
        last = x;
        lastCaller = msg.sender;
        emit Pinged(msg.sender, x, msg.value, n);
    }
}

/// @title Reverter
/// @notice Call target that reverts on everything: a plain-ETH send or any calldata.
contract Reverter {
    /// @notice Revert reason of every call.
    error Reverted(bytes data);

    /// @notice Reverts with `Reverted("")` on a plain ETH transfer.
    receive() external payable {
        revert Reverted("");
    }

    /// @notice Reverts with `Reverted(msg.data)` on any call.
    fallback() external payable {
        revert Reverted(msg.data);
    }
}
