// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title NodeVersion
/// @notice The worker version rule. Versions are packed as `major << 32 | minor << 16 | patch`.
library NodeVersion {
    uint64 private constant MINOR_PATCH_MASK = 0xFFFFFFFF;

    /// @notice True when a node at `nodeVersion` may run a task asking for `taskVersion`: same major, and the
    /// node's minor.patch at least the task's (a newer minor is backward compatible, a new major is not).
    function isCompatible(uint64 nodeVersion, uint64 taskVersion) internal pure returns (bool) {
        return (nodeVersion >> 32) == (taskVersion >> 32)
            && (nodeVersion & MINOR_PATCH_MASK) >= (taskVersion & MINOR_PATCH_MASK);
    }

    /// @notice Packs `major.minor.patch`.
    function pack(uint32 major, uint16 minor, uint16 patch) internal pure returns (uint64) {
        return (uint64(major) << 32) | (uint64(minor) << 16) | uint64(patch);
    }
}
