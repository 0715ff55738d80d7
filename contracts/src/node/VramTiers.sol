// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title VramTiers
/// @notice A small constant list of VRAM thresholds (GiB) that buckets available nodes, so that selection
/// looks at a constant number of buckets whatever the number of nodes.
/// @dev Tier t holds the nodes with THRESHOLD(t) <= vram < THRESHOLD(t + 1):
///      tier:       0    1    2    3    4    5    6    7
///      threshold:  0    8   12   16   24   40   48   80   (GiB)
/// The thresholds are the common consumer and data-centre card sizes, so most requests ask for exactly a
/// threshold and the boundary tier needs no rejection; the others reject the few too-small nodes.
library VramTiers {
    uint256 internal constant COUNT = 8;

    /// @notice The tier of a node with `vram` GiB (also: the first tier that may hold nodes with `vram`).
    function tierOf(uint256 vram) internal pure returns (uint256) {
        if (vram < 16) {
            if (vram < 8) return 0;
            return vram < 12 ? 1 : 2;
        }
        if (vram < 40) return vram < 24 ? 3 : 4;
        if (vram < 48) return 5;
        return vram < 80 ? 6 : 7;
    }

    /// @notice The lowest VRAM (GiB) of `tier`.
    function threshold(uint256 tier) internal pure returns (uint256) {
        // Eight 8-bit thresholds packed in one constant, tier 0 in the lowest byte.
        // The constant is shifted, not the index.
        // forge-lint: disable-next-line(incorrect-shift)
        return (0x50_30_28_18_10_0C_08_00 >> (tier * 8)) & 0xFF;
    }
}
