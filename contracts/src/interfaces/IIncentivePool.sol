// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IIncentivePool
/// @notice Holds slashed stakes (and any plain transfer) for the network's incentives. Only the owner (later
/// a DAO) spends from it.
interface IIncentivePool {
    /// @notice `amount` of `node`'s stake was slashed into the pool by `from` (the NodeRegistry).
    event SlashedStakeReceived(address indexed from, address indexed node, uint256 amount);
    /// @notice A plain transfer of `amount` from `from`.
    event Received(address indexed from, uint256 amount);
    /// @notice The owner paid `amount` to `to` for `reason`.
    event Spent(address indexed to, uint256 amount, bytes32 indexed reason);

    error IncentivePoolZeroAddress();
    error IncentivePoolInsufficientBalance(uint256 balance, uint256 amount);
    error IncentivePoolTransferFailed(address to, uint256 amount);

    /// @notice Receives the slashed stake of `node` (the whole `msg.value`).
    function depositSlashed(address node) external payable;

    /// @notice Pays `amount` to `to`; `reason` is a free label for bookkeeping. Owner only.
    function spend(address payable to, uint256 amount, bytes32 reason) external;
}
