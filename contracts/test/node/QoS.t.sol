// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {QoS} from "../../src/node/QoS.sol";
import {VramTiers} from "../../src/node/VramTiers.sol";
import {Test} from "../utils/Test.sol";

/// @notice Calls the library through an external function so that its reverts can be expected.
contract QoSCaller {
    function validate(QoS.Params memory p) external pure {
        QoS.validate(p);
    }

    function afterSubmission(QoS.Params memory p, uint16 score, uint8 position, uint8 total)
        external
        pure
        returns (uint16)
    {
        return QoS.afterSubmission(p, score, position, total);
    }
}

contract QoSTest is Test {
    QoSCaller internal caller = new QoSCaller();

    function test_defaults_areValid() public view {
        caller.validate(QoS.defaults());
    }

    function test_validate_rejectsEachBound() public {
        QoS.Params memory p = QoS.defaults();
        p.firstPoints = 10_001;
        vm.expectRevert(abi.encodeWithSelector(QoS.QoSParamOutOfBounds.selector, "firstPoints", 10_001, 2, 10_000));
        caller.validate(p);

        p = QoS.defaults();
        p.thirdPoints = p.secondPoints;
        vm.expectRevert(abi.encodeWithSelector(QoS.QoSParamOutOfBounds.selector, "thirdPoints", 7_000, 0, 6_999));
        caller.validate(p);

        p = QoS.defaults();
        p.timeoutPenalty = 0;
        vm.expectRevert(abi.encodeWithSelector(QoS.QoSParamOutOfBounds.selector, "timeoutPenalty", 0, 1, 10_000));
        caller.validate(p);

        p = QoS.defaults();
        p.minScore = 0;
        vm.expectRevert(abi.encodeWithSelector(QoS.QoSParamOutOfBounds.selector, "minScore", 0, 1, 10_000));
        caller.validate(p);

        p = QoS.defaults();
        p.initialScore = p.minScore - 1;
        vm.expectRevert(abi.encodeWithSelector(QoS.QoSParamOutOfBounds.selector, "initialScore", 999, 1_000, 10_000));
        caller.validate(p);

        p = QoS.defaults();
        p.smoothingShift = 9;
        vm.expectRevert(abi.encodeWithSelector(QoS.QoSParamOutOfBounds.selector, "smoothingShift", 9, 1, 8));
        caller.validate(p);
    }

    function test_pointsFor_rewardsSpeedOrder() public pure {
        QoS.Params memory p = QoS.defaults();
        assertEq(QoS.pointsFor(p, 0, 1), 10_000);
        assertEq(QoS.pointsFor(p, 0, 3), 10_000);
        assertEq(QoS.pointsFor(p, 1, 3), 7_000);
        assertEq(QoS.pointsFor(p, 2, 3), 4_000);
        assertEq(QoS.pointsFor(p, 1, 2), 7_000);
    }

    function test_afterSubmission_revertsOnInvalidPosition() public {
        vm.expectRevert(abi.encodeWithSelector(QoS.QoSInvalidPosition.selector, 0, 0));
        caller.afterSubmission(QoS.defaults(), 5_000, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(QoS.QoSInvalidPosition.selector, 3, 3));
        caller.afterSubmission(QoS.defaults(), 5_000, 3, 3);
    }

    function test_afterSubmission_convergesToThePoints() public pure {
        QoS.Params memory p = QoS.defaults();
        uint16 score = 0;
        for (uint256 i; i < 80; ++i) {
            score = QoS.afterSubmission(p, score, 1, 3);
        }
        assertEq(score, 7_000);
        for (uint256 i; i < 80; ++i) {
            score = QoS.afterSubmission(p, score, 2, 3);
        }
        assertEq(score, 4_000);
    }

    function test_afterTimeout_floorsAtZero() public pure {
        QoS.Params memory p = QoS.defaults();
        assertEq(QoS.afterTimeout(p, 10_000), 7_500);
        assertEq(QoS.afterTimeout(p, 2_500), 0);
        assertEq(QoS.afterTimeout(p, 100), 0);
    }

    function test_selectionFactor_hasAFloor() public pure {
        assertEq(QoS.selectionFactor(1_000, 0), 1_000);
        assertEq(QoS.selectionFactor(1_000, 4_321), 4_321);
    }

    function testFuzz_afterSubmission_movesTowardTargetWithinBounds(
        uint16 score,
        uint8 position,
        uint8 total,
        uint8 shift
    ) public pure {
        QoS.Params memory p = QoS.defaults();
        p.smoothingShift = uint8(bound(shift, 1, 8));
        score = uint16(bound(score, 0, QoS.MAX_SCORE));
        total = uint8(bound(total, 1, 3));
        position = uint8(bound(position, 0, total - 1));
        uint16 target = QoS.pointsFor(p, position, total);
        uint16 next = QoS.afterSubmission(p, score, position, total);
        assertLe(next, QoS.MAX_SCORE);
        if (score == target) assertEq(next, score);
        if (score < target) {
            assertGt(next, score);
            assertLe(next, target);
        }
        if (score > target) {
            assertLt(next, score);
            assertGe(next, target);
        }
    }

    function testFuzz_afterTimeout_neverIncreases(uint16 score, uint16 penalty) public pure {
        QoS.Params memory p = QoS.defaults();
        p.timeoutPenalty = uint16(bound(penalty, 1, QoS.MAX_SCORE));
        score = uint16(bound(score, 0, QoS.MAX_SCORE));
        uint16 next = QoS.afterTimeout(p, score);
        assertLe(next, score);
        assertEq(next, score > p.timeoutPenalty ? score - p.timeoutPenalty : 0);
    }

    function testFuzz_tierOf_matchesThresholds(uint256 vram) public pure {
        vram = bound(vram, 0, 70_000);
        uint256 tier = VramTiers.tierOf(vram);
        assertLt(tier, VramTiers.COUNT);
        assertLe(VramTiers.threshold(tier), vram);
        if (tier + 1 < VramTiers.COUNT) assertLt(vram, VramTiers.threshold(tier + 1));
    }

    function test_threshold_listsTheTiers() public pure {
        uint8[8] memory expected = [0, 8, 12, 16, 24, 40, 48, 80];
        for (uint256 t; t < 8; ++t) {
            assertEq(VramTiers.threshold(t), expected[t]);
            assertEq(VramTiers.tierOf(expected[t]), t);
        }
    }
}
