// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIncentivePool} from "../../src/interfaces/IIncentivePool.sol";
import {NodeRegistry} from "../../src/node/NodeRegistry.sol";

/// @notice Test-only NodeRegistry with `bulkJoin`, which registers many nodes straight in storage (no public
/// key, no events) so that gas benchmarks can run with 100,000 nodes. Bulk nodes are real nodes: they are
/// selected, occupied, released, slashed and quit like any other, and their stakes are in the balance.
/// They are registered as if each had already run one task (a stale non-zero `currentTask`, masked by the
/// getters), which is the steady state of a live network: a node's very first task costs about 17,000 gas
/// more, because it writes a zeroed slot.
contract NodeRegistryHarness is NodeRegistry {
    /// @notice The number of nodes registered by `bulkJoin` so far.
    uint256 public bulkCount;

    bytes32 private constant STALE_TASK = keccak256("verinet.harness.previousTask");

    error HarnessInvalidBulkStake(uint256 value, uint256 count);

    constructor(address initialOwner, IIncentivePool pool, address taskManager_, uint256 minStake_)
        NodeRegistry(initialOwner, pool, taskManager_, minStake_)
    {}

    /// @notice The address of the `index`-th bulk node (deterministic, with no known private key).
    function bulkNodeAddress(uint256 index) public pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("verinet.harness.bulkNode", index)))));
    }

    /// @notice Registers `count` Available nodes with the same hardware, version and models; `msg.value` is
    /// split evenly into their stakes (each at least `minStake`).
    /// @return firstIndex the `bulkNodeAddress` index of the first new node.
    function bulkJoin(uint256 count, string calldata gpuName, uint32 vram, uint64 version, bytes32[] calldata modelIds)
        external
        payable
        returns (uint256 firstIndex)
    {
        if (count == 0 || msg.value % count != 0 || msg.value / count < _config.minStake) {
            revert HarnessInvalidBulkStake(msg.value, count);
        }
        if (vram == 0 || vram > MAX_VRAM) revert NodeRegistryInvalidVram(vram);
        _checkModels(modelIds);
        // Test-only: stakes far below 2^96.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint96 stake = uint96(msg.value / count);
        bytes32 gpuId = keccak256(bytes(gpuName));
        uint16 score = _settings.initialScore;
        firstIndex = bulkCount;
        for (uint256 i; i < count; ++i) {
            address node = bulkNodeAddress(firstIndex + i);
            Node storage n = _nodes[node];
            n.status = NodeStatus.Available;
            n.qosScore = score;
            // Fits: checked against MAX_VRAM above.
            // forge-lint: disable-next-line(unsafe-typecast)
            n.vram = uint16(vram);
            n.version = version;
            n.stake = stake;
            n.gpuId = gpuId;
            n.currentTask = STALE_TASK;
            // As join: the unsettled-report count starts at its bias (a non-zero slot, as on a real network).
            n.unsettledReports = UNSETTLED_BIAS;
            _addModels(node, modelIds);
            _addAvailable(node, n);
            _countRegistered(n, true);
        }
        _raiseCeilings(stake, score);
        bulkCount = firstIndex + count;
        totalStaked += msg.value;
    }
}
