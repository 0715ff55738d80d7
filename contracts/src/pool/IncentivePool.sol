// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IIncentivePool} from "../interfaces/IIncentivePool.sol";

/// @title IncentivePool
/// @notice Receives every slashed stake (never the deployer: a defect of the reference contracts) and plain
/// transfers. The owner, meant to become a DAO through `transferOwnership`, spends from it with events.
/// @dev Anyone may deposit: the pool has no ledger to corrupt, its balance is all it holds.
contract IncentivePool is IIncentivePool, Ownable2Step {
    constructor(address initialOwner) Ownable(initialOwner) {}

    receive() external payable {
        emit Received(msg.sender, msg.value);
    }

    /// @inheritdoc IIncentivePool
    function depositSlashed(address node) external payable {
        emit SlashedStakeReceived(msg.sender, node, msg.value);
    }

    /// @inheritdoc IIncentivePool
    function spend(address payable to, uint256 amount, bytes32 reason) external onlyOwner {
        if (to == address(0)) revert IncentivePoolZeroAddress();
        uint256 balance = address(this).balance;
        if (amount > balance) revert IncentivePoolInsufficientBalance(balance, amount);
        emit Spent(to, amount, reason);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert IncentivePoolTransferFailed(to, amount);
    }
}
