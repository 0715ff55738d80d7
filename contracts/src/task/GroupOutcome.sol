// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title GroupOutcome
/// @notice Pure judgement of a validation group: which results agree, who is paid, refunded, slashed or
/// aborted. Kept apart from storage so that every row of the outcome table can be fuzzed on its own.
library GroupOutcome {
    uint8 internal constant TASK_SD = 0;
    uint8 internal constant TASK_LLM = 1;
    uint8 internal constant TASK_SD_FT = 2;

    /// @dev Image scores are 64-bit pHash blocks; LLM scores are one sha256.
    uint256 internal constant IMAGE_HASH_BYTES = 8;
    uint256 internal constant LLM_SCORE_BYTES = 32;

    enum Report {
        None, // no report (timed out): takes no part in the judgement
        Score,
        Error
    }

    enum Verdict {
        Untouched, // did not report; its task already ended
        Paid, // winner whose fee goes to its node (exactly one per winning group of results)
        Refunded, // winner whose fee goes back to the app
        Invalidated, // disagrees with the winners: slashed, fee refunded
        Aborted // no agreement, or winners that agree on an error: fee refunded
    }

    /// @notice True when two image scores have equal lengths (a whole number of 64-bit blocks) and
    /// every block pair differs in at most `threshold` bits.
    function imageScoresMatch(bytes memory a, bytes memory b, uint256 threshold) internal pure returns (bool) {
        uint256 length = a.length;
        if (length != b.length || length == 0 || length % IMAGE_HASH_BYTES != 0) return false;
        // Four 64-bit lanes per word: a SWAR popcount per byte, then per-lane sums (at most 64 per lane,
        // so no byte ever carries into its neighbour).
        uint256 m1 = 0x5555555555555555555555555555555555555555555555555555555555555555;
        uint256 m2 = 0x3333333333333333333333333333333333333333333333333333333333333333;
        uint256 m4 = 0x0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f;
        for (uint256 offset = 0; offset < length; offset += 32) {
            uint256 x;
            assembly ("memory-safe") {
                x := xor(mload(add(add(a, 32), offset)), mload(add(add(b, 32), offset)))
            }
            uint256 remaining = length - offset;
            // Bytes past the end are not part of the score: zero them (a whole number of lanes).
            if (remaining < 32) x &= ~(type(uint256).max >> (remaining * 8));
            unchecked {
                x = x - ((x >> 1) & m1);
                x = (x & m2) + ((x >> 2) & m2);
                x = (x + (x >> 4)) & m4;
                x = x + (x >> 8);
                x = x + (x >> 16);
                x = x + (x >> 32);
            }
            for (uint256 lane = 0; lane < 4; ++lane) {
                if ((x >> (lane * 64)) & 0xff > threshold) return false;
            }
        }
        return true;
    }

    /// @notice True when two results of a `taskType` task agree: images within the Hamming threshold per
    /// block, text exactly.
    function scoresMatch(uint8 taskType, bytes memory a, bytes memory b, uint256 threshold)
        internal
        pure
        returns (bool)
    {
        if (taskType == TASK_LLM) {
            return a.length == LLM_SCORE_BYTES && b.length == LLM_SCORE_BYTES && keccak256(a) == keccak256(b);
        }
        return imageScoresMatch(a, b, threshold);
    }

    /// @notice Judges a group.
    /// @param reports what each member reported
    /// @param scores the members' scores (ignored unless `reports[i] == Score`)
    /// @param order submission order of each member (lower = earlier; ignored for `None`)
    /// @return verdicts one verdict per member
    /// @return paid index of the `Paid` member, or 3 when nobody is paid
    /// @return reported number of members that reported
    function judge(
        Report[3] memory reports,
        bytes[3] memory scores,
        uint64[3] memory order,
        uint8 taskType,
        uint256 threshold
    ) internal pure returns (Verdict[3] memory verdicts, uint256 paid, uint256 reported) {
        bool[3] memory wins;
        for (uint256 i = 0; i < 3; ++i) {
            if (reports[i] == Report.None) continue;
            ++reported;
            for (uint256 j = i + 1; j < 3; ++j) {
                if (reports[j] == Report.None || reports[i] != reports[j]) continue;
                if (reports[i] == Report.Error || scoresMatch(taskType, scores[i], scores[j], threshold)) {
                    wins[i] = true;
                    wins[j] = true;
                }
            }
        }
        paid = 3;
        // Errors only agree with errors and scores with scores; among at most three members both kinds
        // cannot win at once, so the first winner tells what the winners agree on.
        Report winning = Report.None;
        for (uint256 i = 0; i < 3; ++i) {
            if (wins[i]) {
                winning = reports[i];
                break;
            }
        }
        for (uint256 i = 0; i < 3; ++i) {
            if (reports[i] == Report.None) verdicts[i] = Verdict.Untouched;
            else if (winning == Report.None) verdicts[i] = Verdict.Aborted;
            else if (!wins[i]) verdicts[i] = Verdict.Invalidated;
            else if (winning == Report.Error) verdicts[i] = Verdict.Aborted;
            else verdicts[i] = Verdict.Refunded;
        }
        if (winning == Report.Score) {
            // The sampled original is paid when it is right; otherwise the fastest winner.
            if (wins[0]) {
                paid = 0;
            } else {
                for (uint256 i = 1; i < 3; ++i) {
                    if (wins[i] && (paid == 3 || order[i] < order[paid])) paid = i;
                }
            }
            verdicts[paid] = Verdict.Paid;
        }
    }

    /// @notice Rank (0 = first) of member `index` among the members with `verdict` Paid or Refunded, by
    /// submission order, and how many such members there are.
    function winnerRank(Verdict[3] memory verdicts, uint64[3] memory order, uint256 index)
        internal
        pure
        returns (uint8 position, uint8 total)
    {
        for (uint256 i = 0; i < 3; ++i) {
            if (verdicts[i] != Verdict.Paid && verdicts[i] != Verdict.Refunded) continue;
            ++total;
            if (i != index && order[i] < order[index]) ++position;
        }
    }
}
