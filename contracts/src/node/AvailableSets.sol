// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {VramTiers} from "./VramTiers.sol";

/// @title AvailableSets
/// @notice Swap-and-pop sets of the nodes a draw may pick (the NodeRegistry lists Available and Busy nodes),
/// one per (group, VRAM tier). A group is either a GPU id
/// (keccak256 of the GPU name) or ANY (all GPUs). Every operation costs the same whatever the set sizes.
/// @dev Storage:
///  - `sizes[group]`: the sizes of the group's eight tier sets, 32 bits each, tier t at bits [32t, 32t + 32):
///    one SLOAD gives the sizes of every tier of a group. Sizes use the low 24 bits of their field; bit 255
///    (the top of tier 7's field) is set by the first `add` and never cleared, so that the word stays
///    non-zero when every member of a group has left (paused, quit): re-adding one then rewrites a non-zero slot (2,900 gas)
///    instead of a zero one (20,000), which a small group (a rare GPU) would otherwise pay on most releases.
///  - `members[group][tier << 32 | index]`: the member at `index` of the tier set.
/// The position of a member is stored by the caller (in the node's packed slot, 24 bits per group), which
/// bounds each set to 2^24 - 1 members. A popped slot is never zeroed: re-adding a member then writes a
/// non-zero slot (2,900 gas instead of 20,000) when a node pauses and resumes.
library AvailableSets {
    /// @notice The group of all GPUs.
    bytes32 internal constant ANY = bytes32(0);
    /// @notice The largest number of members in one tier set (positions are stored in 24 bits).
    uint256 internal constant MAX_SIZE = (1 << 24) - 1;

    /// @notice Marks a sizes word as written once (see the storage notes above); not a size.
    uint256 internal constant OCCUPIED = 1 << 255;

    uint256 private constant SIZE_MASK = 0xFFFFFF;

    /// @notice A tier set already holds `MAX_SIZE` members.
    error AvailableSetsFull(bytes32 group, uint256 tier);

    struct Sets {
        mapping(bytes32 group => uint256 sizes) sizes;
        mapping(bytes32 group => mapping(uint256 slot => address node)) members;
    }

    /// @notice Appends `node` to the set (`group`, `tier`).
    /// @return position the node's index in the set, to be stored by the caller.
    function add(Sets storage self, bytes32 group, uint256 tier, address node) internal returns (uint256 position) {
        uint256 sizes = self.sizes[group];
        uint256 shift = tier * 32;
        position = (sizes >> shift) & SIZE_MASK;
        if (position >= MAX_SIZE) revert AvailableSetsFull(group, tier);
        self.members[group][(tier << 32) | position] = node;
        // Cannot carry out of the size's 24 bits: position < MAX_SIZE = 2^24 - 1.
        unchecked {
            // One unit of the tier's field.
            // forge-lint: disable-next-line(incorrect-shift)
            self.sizes[group] = (sizes + (1 << shift)) | OCCUPIED;
        }
    }

    /// @notice Removes the member at `position` of the set (`group`, `tier`), moving the last member into its
    /// place.
    /// @return moved the member now at `position` (its stored position must be updated by the caller), or
    /// address(0) when the removed member was the last one.
    function remove(Sets storage self, bytes32 group, uint256 tier, uint256 position) internal returns (address moved) {
        uint256 sizes = self.sizes[group];
        uint256 shift = tier * 32;
        // Checked: removing from an empty set is a bookkeeping bug and must revert.
        uint256 last = ((sizes >> shift) & SIZE_MASK) - 1;
        if (position != last) {
            moved = self.members[group][(tier << 32) | last];
            self.members[group][(tier << 32) | position] = moved;
        }
        // The size of this tier is at least 1 (checked above), so no borrow from the next tier or OCCUPIED.
        unchecked {
            // One unit of the tier's field.
            // forge-lint: disable-next-line(incorrect-shift)
            self.sizes[group] = sizes - (1 << shift);
        }
    }

    /// @notice The size of the set (`group`, `tier`).
    function size(Sets storage self, bytes32 group, uint256 tier) internal view returns (uint256) {
        return (self.sizes[group] >> (tier * 32)) & SIZE_MASK;
    }

    /// @notice The sizes of `group`'s eight tiers, 32 bits each (tier t at bits [32t, 32t + 32)), without
    /// the OCCUPIED mark.
    function packedSizes(Sets storage self, bytes32 group) internal view returns (uint256) {
        return self.sizes[group] & ~OCCUPIED;
    }

    /// @notice The member at `index` of the set (`group`, `tier`) (no bound check).
    function memberAt(Sets storage self, bytes32 group, uint256 tier, uint256 index) internal view returns (address) {
        return self.members[group][(tier << 32) | index];
    }

    /// @notice The packed sizes of `group` and the total size of its tiers `firstTier` and above.
    function sizesFrom(Sets storage self, bytes32 group, uint256 firstTier)
        internal
        view
        returns (uint256 sizes, uint256 total)
    {
        sizes = self.sizes[group];
        // At most 8 tiers of at most 2^24 members: no overflow.
        unchecked {
            for (uint256 t = firstTier; t < VramTiers.COUNT; ++t) {
                total += (sizes >> (t * 32)) & SIZE_MASK;
            }
        }
    }

    /// @notice The member at `index` of the union of `group`'s tiers `firstTier` and above, in tier order.
    /// @param sizes the group's packed sizes, from `sizesFrom`.
    /// @param index below the total returned by `sizesFrom`.
    function unionAt(Sets storage self, bytes32 group, uint256 sizes, uint256 firstTier, uint256 index)
        internal
        view
        returns (address)
    {
        unchecked {
            for (uint256 t = firstTier; t < VramTiers.COUNT; ++t) {
                uint256 tierSize = (sizes >> (t * 32)) & SIZE_MASK;
                if (index < tierSize) return self.members[group][(t << 32) | index];
                index -= tierSize;
            }
        }
        return address(0);
    }
}
