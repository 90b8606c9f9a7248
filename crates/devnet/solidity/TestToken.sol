// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @title TestToken
/// @notice Minimal ERC-20 for the session-key validator's tests. `mint` is open to anyone. Not for production use.
/// @dev Functions return `true` on success and revert (with a custom error) on insufficient balance or allowance and on
///      a transfer to or approval of the zero address. An allowance of `type(uint256).max` is never decreased.
contract TestToken {
    /// @notice Token name.
    string public name;
    /// @notice Token symbol.
    string public symbol;
    /// @notice Token decimals.
    uint8 public immutable decimals;
    /// @notice Total supply.
    uint256 public totalSupply;
    /// @notice Balances.
    mapping(address account => uint256) public balanceOf;
    /// @notice Allowances: `allowance[owner][spender]`.
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    /// @notice ERC-20 Transfer event (also emitted by `mint`, with `from == address(0)`).
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice ERC-20 Approval event (also emitted by `transferFrom` and the allowance helpers).
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice `from` holds `balance`, less than the `needed` amount.
    error InsufficientBalance(address from, uint256 balance, uint256 needed);
    /// @notice `spender` may spend `allowance`, less than the `needed` amount.
    error InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    /// @notice Transfers/mints to the zero address are rejected.
    error InvalidReceiver(address receiver);
    /// @notice Approvals of the zero address are rejected.
    error InvalidSpender(address spender);

    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ Token decimals.
    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    /// @notice Mints `amount` to `to` (open to anyone: test token).
    function mint(address to, uint256 amount) external returns (bool) {
        if (to == address(0)) revert InvalidReceiver(to);
        totalSupply += amount;
        unchecked {
            balanceOf[to] += amount; // cannot overflow: bounded by totalSupply
        }
        emit Transfer(address(0), to, amount);
        return true;
    }

    /// @notice Moves `amount` from the caller to `to`.
    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    /// @notice Moves `amount` from `from` to `to` using the caller's allowance.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 current = allowance[from][msg.sender];
        if (current != type(uint256).max) {
            if (current < amount) revert InsufficientAllowance(msg.sender, current, amount);
            unchecked {
                _approve(from, msg.sender, current - amount);
            }
        }
        _transfer(from, to, amount);
        return true;
    }

    /// @notice Sets the caller's allowance for `spender` to `amount`.
    function approve(address spender, uint256 amount) external returns (bool) {
        _approve(msg.sender, spender, amount);
        return true;
    }

    /// @notice Raises the caller's allowance for `spender` by `added` (reverts on overflow).
    function increaseAllowance(address spender, uint256 added) external returns (bool) {
        _approve(msg.sender, spender, allowance[msg.sender][spender] + added);
        return true;
    }

    /// @notice Lowers the caller's allowance for `spender` by `subtracted`; reverts if it would go below zero.
    function decreaseAllowance(address spender, uint256 subtracted) external returns (bool) {
        uint256 current = allowance[msg.sender][spender];
        if (current < subtracted) revert InsufficientAllowance(spender, current, subtracted);
        unchecked {
            _approve(msg.sender, spender, current - subtracted);
        }
        return true;
    }

    function _transfer(address from, address to, uint256 amount) internal {
        if (to == address(0)) revert InvalidReceiver(to);
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance(from, balance, amount);
        unchecked {
            balanceOf[from] = balance - amount;
            balanceOf[to] += amount; // cannot overflow: bounded by totalSupply
        }
        emit Transfer(from, to, amount);
    }

    function _approve(address owner, address spender, uint256 amount) internal {
        if (spender == address(0)) revert InvalidSpender(spender);
        allowance[owner][spender] = amount;
        emit Approval(owner, spender, amount);
    }
}
