// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title NodeVersion
/// @notice The worker version rule. Versions are packed as `major << 32 | minor << 16 | patch`.
library NodeVersion {
    uint64 private constant MINOR_PATCH_MASK = 0xFFFFFFFF;
    /// @notice The task type whose results are compared bit for bit (LLM).
    uint8 internal constant EXACT_MATCH_TASK_TYPE = 1;

    /// @notice True when a node at `nodeVersion` may run a task asking for `taskVersion`: same major, and the
    /// node's minor.patch at least the task's (a newer minor is backward compatible, a new major is not).
    function isCompatible(uint64 nodeVersion, uint64 taskVersion) internal pure returns (bool) {
        return (nodeVersion >> 32) == (taskVersion >> 32)
            && (nodeVersion & MINOR_PATCH_MASK) >= (taskVersion & MINOR_PATCH_MASK);
    }

    /// @notice The rule for a task of `taskType`. Exact-match tasks (LLM, type 1) compare result bits, and any
    /// worker version may change them (a tokenizer fix, a kernel, a sampling detail): two honest nodes on
    /// different versions would disagree and a group would slash one. So their nodes run exactly the
    /// requested version (finding 7). Image tasks compare perceptual hashes within a threshold and keep the
    /// backward-compatible rule.
    function fitsTask(uint64 nodeVersion, uint64 taskVersion, uint8 taskType) internal pure returns (bool) {
        if (taskType == EXACT_MATCH_TASK_TYPE) return nodeVersion == taskVersion;
        return isCompatible(nodeVersion, taskVersion);
    }

    /// @notice Packs `major.minor.patch`.
    function pack(uint32 major, uint16 minor, uint16 patch) internal pure returns (uint64) {
        return (uint64(major) << 32) | (uint64(minor) << 16) | uint64(patch);
    }
}
