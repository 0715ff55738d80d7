// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GroupOutcome} from "../../src/task/GroupOutcome.sol";
import {Test} from "../utils/Test.sol";

/// @notice The comparison and the outcome table, against slow reference implementations.
contract GroupOutcomeTest is Test {
    // ------------------------------------------------------------------ references

    function _bitDistance(bytes8 a, bytes8 b) internal pure returns (uint256 d) {
        uint64 x = uint64(a ^ b);
        for (uint256 i = 0; i < 64; ++i) {
            if ((x >> i) & 1 == 1) ++d;
        }
    }

    function _referenceImageMatch(bytes memory a, bytes memory b, uint256 threshold) internal pure returns (bool) {
        if (a.length != b.length || a.length == 0 || a.length % 8 != 0) return false;
        for (uint256 block_ = 0; block_ < a.length / 8; ++block_) {
            bytes8 x;
            bytes8 y;
            for (uint256 k = 0; k < 8; ++k) {
                x |= bytes8(a[block_ * 8 + k]) >> (k * 8);
                y |= bytes8(b[block_ * 8 + k]) >> (k * 8);
            }
            if (_bitDistance(x, y) > threshold) return false;
        }
        return true;
    }

    function _randomBytes(uint256 seed, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            out[i] = bytes1(uint8(uint256(keccak256(abi.encode(seed, i)))));
        }
    }

    /// @dev Flips `bits` distinct bits of block `blockIndex`.
    function _flip(bytes memory score, uint256 blockIndex, uint256 bits) internal pure returns (bytes memory out) {
        out = bytes.concat(score);
        for (uint256 b = 0; b < bits; ++b) {
            uint256 byteIndex = blockIndex * 8 + b / 8;
            out[byteIndex] = out[byteIndex] ^ bytes1(uint8(1) << uint8(b % 8));
        }
    }

    // ------------------------------------------------------------------ comparison

    function testFuzz_imageScoresMatch_equalsTheBitByBitReference(uint256 seed, uint8 blocks, uint8 threshold)
        public
        pure
    {
        uint256 length = bound(blocks, 1, 40) * 8;
        uint256 t = bound(threshold, 0, 40);
        bytes memory a = _randomBytes(seed, length);
        // Mostly close scores, so both outcomes occur.
        bytes memory b = bytes.concat(a);
        uint256 flips = bound(seed >> 128, 0, length * 3);
        for (uint256 i = 0; i < flips; ++i) {
            uint256 bit = uint256(keccak256(abi.encode(seed, "flip", i))) % (length * 8);
            b[bit / 8] = b[bit / 8] ^ bytes1(uint8(1) << uint8(bit % 8));
        }
        assertEq(GroupOutcome.imageScoresMatch(a, b, t), _referenceImageMatch(a, b, t));
    }

    function testFuzz_imageScoresMatch_flipsUpToTheThresholdMatch(uint256 seed, uint8 blocks, uint8 bits) public pure {
        uint256 count = bound(blocks, 1, 16);
        bytes memory a = _randomBytes(seed, count * 8);
        uint256 k = bound(bits, 0, 64);
        bytes memory b = _flip(a, bound(seed, 0, count - 1), k);
        assertEq(GroupOutcome.imageScoresMatch(a, b, 10), k <= 10);
        assertEq(GroupOutcome.imageScoresMatch(b, a, 10), k <= 10, "symmetric");
    }

    function testFuzz_imageScoresMatch_unequalLengthsNeverMatch(uint256 seed, uint8 blocksA, uint8 blocksB)
        public
        pure
    {
        uint256 la = bound(blocksA, 1, 8) * 8;
        uint256 lb = bound(blocksB, 1, 8) * 8;
        vm.assume(la != lb);
        bytes memory a = _randomBytes(seed, la);
        bytes memory b = _randomBytes(seed, lb);
        assertFalse(GroupOutcome.imageScoresMatch(a, b, 64));
    }

    function test_imageScoresMatch_refusesEmptyAndPartialBlocks() public pure {
        assertFalse(GroupOutcome.imageScoresMatch("", "", 64));
        assertFalse(GroupOutcome.imageScoresMatch(new bytes(12), new bytes(12), 64));
        assertTrue(GroupOutcome.imageScoresMatch(new bytes(16), new bytes(16), 0));
    }

    function test_imageScoresMatch_thresholdAppliesPerBlockNotInTotal() public pure {
        bytes memory a = new bytes(32);
        // 8 bits in each of the four blocks: 32 in total, each block within 10.
        bytes memory b = _flip(_flip(_flip(_flip(a, 0, 8), 1, 8), 2, 8), 3, 8);
        assertTrue(GroupOutcome.imageScoresMatch(a, b, 10));
        // The last lane of a partial word counts too (40 bytes: the second word has one lane).
        bytes memory c = new bytes(40);
        assertFalse(GroupOutcome.imageScoresMatch(c, _flip(c, 4, 11), 10));
        assertTrue(GroupOutcome.imageScoresMatch(c, _flip(c, 4, 10), 10));
    }

    function testFuzz_scoresMatch_llmOnlyWhenEqual(bytes32 x, bytes32 y) public pure {
        bytes memory a = abi.encodePacked(x);
        bytes memory b = abi.encodePacked(y);
        assertEq(GroupOutcome.scoresMatch(1, a, b, 32), x == y);
        assertTrue(GroupOutcome.scoresMatch(1, a, a, 0));
        assertFalse(GroupOutcome.scoresMatch(1, abi.encodePacked(x, x), abi.encodePacked(x, x), 32), "64 bytes");
    }

    // ------------------------------------------------------------------ outcome table

    /// @dev Reference model: classes stand for scores (equal class = match), 255 = error, 254 = silent.
    function _judgeClasses(uint8[3] memory classes, uint64[3] memory order)
        internal
        pure
        returns (GroupOutcome.Verdict[3] memory verdicts, uint256 paid, uint256 reported)
    {
        GroupOutcome.Report[3] memory reports;
        bytes[3] memory scores;
        for (uint256 i = 0; i < 3; ++i) {
            if (classes[i] == 254) continue;
            if (classes[i] == 255) {
                reports[i] = GroupOutcome.Report.Error;
            } else {
                reports[i] = GroupOutcome.Report.Score;
                scores[i] = abi.encodePacked(bytes8(keccak256(abi.encode(classes[i]))));
            }
        }
        return GroupOutcome.judge(reports, scores, order, 0, 10);
    }

    function testFuzz_judge_followsTheOutcomeTable(uint8 c0, uint8 c1, uint8 c2, uint64 o0, uint64 o1, uint64 o2)
        public
        pure
    {
        // Classes 0..2 for scores, 255 error, 254 silent.
        uint8[3] memory classes = [_class(c0), _class(c1), _class(c2)];
        uint64[3] memory order = [o0, o1, o2];
        vm.assume(o0 != o1 && o1 != o2 && o0 != o2);
        (GroupOutcome.Verdict[3] memory v, uint256 paid, uint256 reported) = _judgeClasses(classes, order);

        uint256 expectedReported;
        bool[3] memory agrees;
        for (uint256 i = 0; i < 3; ++i) {
            if (classes[i] == 254) continue;
            ++expectedReported;
            for (uint256 j = 0; j < 3; ++j) {
                if (j != i && classes[j] == classes[i]) agrees[i] = true;
            }
        }
        assertEq(reported, expectedReported);
        bool anyAgreement = agrees[0] || agrees[1] || agrees[2];
        uint256 paidCount;
        for (uint256 i = 0; i < 3; ++i) {
            if (classes[i] == 254) {
                assertEq(uint256(v[i]), uint256(GroupOutcome.Verdict.Untouched));
            } else if (!anyAgreement) {
                assertEq(uint256(v[i]), uint256(GroupOutcome.Verdict.Aborted), "no pair agrees: all aborted");
            } else if (!agrees[i]) {
                assertEq(uint256(v[i]), uint256(GroupOutcome.Verdict.Invalidated), "odd one out slashed");
            } else if (classes[i] == 255) {
                assertEq(uint256(v[i]), uint256(GroupOutcome.Verdict.Aborted), "agreeing errors: aborted");
            } else {
                assertTrue(v[i] == GroupOutcome.Verdict.Paid || v[i] == GroupOutcome.Verdict.Refunded);
            }
            if (v[i] == GroupOutcome.Verdict.Paid) ++paidCount;
        }
        bool scoresWin;
        for (uint256 i = 0; i < 3; ++i) {
            if (agrees[i] && classes[i] != 255) scoresWin = true;
        }
        assertEq(paidCount, scoresWin ? 1 : 0, "exactly one fee paid when results agree");
        if (scoresWin) {
            if (agrees[0]) {
                assertEq(paid, 0, "original paid when right");
            } else {
                for (uint256 i = 1; i < 3; ++i) {
                    if (agrees[i] && i != paid) assertLt(order[paid], order[i]);
                }
            }
        } else {
            assertEq(paid, 3);
        }
    }

    function _class(uint8 raw) private pure returns (uint8) {
        uint8 r = raw % 5;
        if (r == 3) return 255;
        if (r == 4) return 254;
        return r;
    }

    function test_judge_honestMajorityIsNeverInvalidated() public pure {
        // Two honest equal results and any third report: the honest pair always wins.
        uint8[4] memory thirds = [uint8(0), 1, 255, 254];
        for (uint256 t = 0; t < 4; ++t) {
            for (uint256 pos = 0; pos < 3; ++pos) {
                uint8[3] memory classes = [uint8(0), 0, 0];
                classes[pos] = thirds[t];
                (GroupOutcome.Verdict[3] memory v,,) = _judgeClasses(classes, [uint64(1), 2, 3]);
                for (uint256 i = 0; i < 3; ++i) {
                    if (i == pos) continue;
                    assertTrue(v[i] == GroupOutcome.Verdict.Paid || v[i] == GroupOutcome.Verdict.Refunded);
                }
            }
        }
    }

    function test_winnerRank_ranksBySubmissionOrder() public pure {
        GroupOutcome.Verdict[3] memory v =
            [GroupOutcome.Verdict.Paid, GroupOutcome.Verdict.Refunded, GroupOutcome.Verdict.Refunded];
        uint64[3] memory order = [uint64(20), 30, 10];
        (uint8 p0, uint8 t0) = GroupOutcome.winnerRank(v, order, 0);
        (uint8 p1,) = GroupOutcome.winnerRank(v, order, 1);
        (uint8 p2,) = GroupOutcome.winnerRank(v, order, 2);
        assertEq(t0, 3);
        assertEq(p2, 0);
        assertEq(p0, 1);
        assertEq(p1, 2);
        v[1] = GroupOutcome.Verdict.Invalidated;
        (p0, t0) = GroupOutcome.winnerRank(v, order, 0);
        assertEq(t0, 2);
        assertEq(p0, 1);
    }
}
