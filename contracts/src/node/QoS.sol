// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title QoS
/// @notice Quality-of-service score of a node, in basis points [0, 10_000], and its share of the selection
/// weight.
/// @dev Maths (all integers, no value ever leaves [0, MAX_SCORE]):
///  - a result submitted in `position` (0 = first) among `total` results (1 to 3) earns
///    `points = [firstPoints, secondPoints, thirdPoints][position]` (a single task's node is always first);
///    the score moves toward `points` by 1/2^smoothingShift of the gap, rounded away from the score, so it
///    always moves by at least 1 and reaches `points` after enough equal submissions (an exponential moving
///    average with weight 2^-smoothingShift);
///  - a timeout subtracts `timeoutPenalty` (floored at 0);
///  - a new node starts at `initialScore` (a rejoining node does not shed a bad score for a better one as
///    long as `initialScore` is moderate);
///  - selection uses `max(score, minScore)`, so a node that timed out keeps a small chance to win tasks
///    and recover.
library QoS {
    uint16 internal constant MAX_SCORE = 10_000;
    /// @notice The largest number of results compared for one task (a validation group).
    uint8 internal constant MAX_RESULTS = 3;
    uint8 internal constant MAX_SMOOTHING_SHIFT = 8;

    struct Params {
        uint16 firstPoints;
        uint16 secondPoints;
        uint16 thirdPoints;
        uint16 timeoutPenalty;
        uint16 initialScore;
        uint16 minScore;
        uint8 smoothingShift;
    }

    /// @notice A QoS parameter is outside [min, max].
    error QoSParamOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice `position` is not a valid submission position among `total` results.
    error QoSInvalidPosition(uint8 position, uint8 total);

    /// @notice The default parameters: 10,000 / 7,000 / 4,000 points for first / second / third, a timeout
    /// costs 2,500, new nodes start at 5,000, selection floor 1,000, moving average weight 1/8.
    function defaults() internal pure returns (Params memory) {
        return Params({
            firstPoints: 10_000,
            secondPoints: 7_000,
            thirdPoints: 4_000,
            timeoutPenalty: 2_500,
            initialScore: 5_000,
            minScore: 1_000,
            smoothingShift: 3
        });
    }

    /// @notice Reverts unless 2 <= first <= 10,000, 1 <= second < first, third < second,
    /// 1 <= timeoutPenalty <= 10,000, 1 <= minScore <= initialScore <= 10,000 and 1 <= smoothingShift <= 8.
    function validate(Params memory p) internal pure {
        _check("firstPoints", p.firstPoints, 2, MAX_SCORE);
        _check("secondPoints", p.secondPoints, 1, p.firstPoints - 1);
        _check("thirdPoints", p.thirdPoints, 0, p.secondPoints - 1);
        _check("timeoutPenalty", p.timeoutPenalty, 1, MAX_SCORE);
        _check("minScore", p.minScore, 1, MAX_SCORE);
        _check("initialScore", p.initialScore, p.minScore, MAX_SCORE);
        _check("smoothingShift", p.smoothingShift, 1, MAX_SMOOTHING_SHIFT);
    }

    /// @notice The points earned by a result submitted in `position` (0 = first) among `total` results.
    function pointsFor(Params memory p, uint8 position, uint8 total) internal pure returns (uint16) {
        if (total == 0 || total > MAX_RESULTS || position >= total) revert QoSInvalidPosition(position, total);
        if (position == 0) return p.firstPoints;
        return position == 1 ? p.secondPoints : p.thirdPoints;
    }

    /// @notice The score after a result submitted in `position` among `total` results.
    function afterSubmission(Params memory p, uint16 score, uint8 position, uint8 total)
        internal
        pure
        returns (uint16)
    {
        uint256 target = pointsFor(p, position, total);
        uint256 round = (uint256(1) << p.smoothingShift) - 1;
        // Both values are at most MAX_SCORE and the step is at most the gap: the result lies between them.
        unchecked {
            if (target >= score) return uint16(score + ((target - score + round) >> p.smoothingShift));
            return uint16(score - ((score - target + round) >> p.smoothingShift));
        }
    }

    /// @notice The score after a timeout.
    function afterTimeout(Params memory p, uint16 score) internal pure returns (uint16) {
        unchecked {
            return score > p.timeoutPenalty ? score - p.timeoutPenalty : 0;
        }
    }

    /// @notice The QoS factor of the selection weight, in [minScore, MAX_SCORE].
    function selectionFactor(uint16 minScore, uint16 score) internal pure returns (uint256) {
        return score < minScore ? minScore : score;
    }

    function _check(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert QoSParamOutOfBounds(name, value, min, max);
    }
}
