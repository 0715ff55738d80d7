// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Cheatcodes the TaskManager tests need beyond test/utils/Vm.sol (same address, forge's exact
/// signatures).
interface VmExt {
    struct Wallet {
        address addr;
        uint256 publicKeyX;
        uint256 publicKeyY;
        uint256 privateKey;
    }

    function createWallet(uint256 privateKey) external returns (Wallet memory wallet);
    function setBlockhash(uint256 blockNumber, bytes32 blockHash) external;
    function snapshotState() external returns (uint256 snapshotId);
    function revertToState(uint256 snapshotId) external returns (bool success);
}
