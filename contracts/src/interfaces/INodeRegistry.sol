// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title INodeRegistry
/// @notice Nodes, their stakes and statuses, QoS, and node selection for tasks. The TaskManager is the only
/// contract allowed to select, occupy, release, penalize and slash nodes.
/// @dev Versions are packed as `major << 32 | minor << 16 | patch`. A node runs a task when the majors are
/// equal and the node's `minor << 16 | patch` is at least the task's.
interface INodeRegistry {
    enum NodeStatus {
        Quit, // not registered (never joined, quit, kicked out or slashed)
        Available,
        Busy,
        Paused,
        PendingPause, // busy; becomes Paused when its task ends
        PendingQuit // busy; quits (stake returned) when its task ends
    }

    /// @notice What a task needs from a node.
    struct SelectionRequest {
        uint8 taskType; // 0 = SD, 1 = LLM, 2 = SD_FT
        bytes32 requiredGpu; // keccak256 of the GPU name; 0 = any GPU (LLM tasks must set it)
        uint32 minVram; // GiB
        uint64 version; // packed task version
        bytes32[] modelIds; // models the task uses; nodes holding modelIds[0] are preferred
    }

    /// @notice One node's public record.
    struct NodeInfo {
        NodeStatus status;
        uint256 stake;
        bytes32 gpuId; // keccak256(gpuName)
        uint32 vram;
        uint64 version;
        address beneficiary;
        bytes32 currentTask; // task the node is busy with (0 when not busy)
    }

    /// @notice Selects, at random, an available node that fits `request`, and marks it Busy with `taskKey`.
    /// @return node the selected node, or address(0) when no node fits (the task is then queued).
    function selectNode(SelectionRequest calldata request, uint256 randomness, bytes32 taskKey)
        external
        returns (address node);

    /// @notice True when `node` is Available and fits `request` (used to dispatch queued tasks).
    function fits(address node, SelectionRequest calldata request) external view returns (bool);

    /// @notice Marks an Available `node` Busy with `taskKey` (dispatch of a queued task).
    function occupyNode(address node, bytes32 taskKey) external;

    /// @notice Ends `node`'s current task: Busy becomes Available, PendingPause becomes Paused and
    /// PendingQuit quits (stake returned to the node). No-op when the node is not busy with `taskKey`
    /// (for example when it was slashed or kicked out meanwhile).
    /// @return available true when the node is now Available (so a queued task may be dispatched to it).
    function releaseNode(address node, bytes32 taskKey) external returns (bool available);

    /// @notice QoS credit for a result submitted in `position` (0 = first) among `total` results.
    function recordSubmission(address node, uint8 position, uint8 total) external;

    /// @notice QoS penalty for a task that timed out on `node`; repeated timeouts kick the node out
    /// (stake returned, never slashed).
    function recordTimeout(address node) external;

    /// @notice Sends the node's whole stake to the incentive pool and removes the node from the network.
    function slash(address node) external;

    /// @notice Where payouts for `node` go: its beneficiary, or the node itself when none was set.
    function beneficiaryOf(address node) external view returns (address);

    function getNodeInfo(address node) external view returns (NodeInfo memory);
}
