// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GroupOutcome} from "../../src/task/GroupOutcome.sol";
import {Test} from "../utils/Test.sol";

/// @notice The comparison rule is written twice, in Solidity (GroupOutcome.scoresMatch) and in TypeScript
/// (compareScores in packages/protocol/src/score); both replay the same vectors so they cannot drift apart.
contract GroupOutcomeVectorsTest is Test {
    string private constant VECTORS = "../packages/protocol/src/score/fixtures/compare-vectors.json";

    function test_scoresMatch_agreesWithTheSharedTypeScriptVectors() public view {
        string memory json = vm.readFile(VECTORS);
        uint256 count;
        for (; vm.keyExistsJson(json, _key(count, "")); ++count) {
            string memory name = vm.parseJsonString(json, _key(count, ".name"));
            // Text scores are LLM results (task type 1); images are SD (0).
            uint8 taskType =
                keccak256(bytes(vm.parseJsonString(json, _key(count, ".kind")))) == keccak256("text") ? 1 : 0;
            bool matched = GroupOutcome.scoresMatch(
                taskType,
                vm.parseJsonBytes(json, _key(count, ".a")),
                vm.parseJsonBytes(json, _key(count, ".b")),
                vm.parseJsonUint(json, _key(count, ".threshold"))
            );
            assertEq(matched, vm.parseJsonBool(json, _key(count, ".match")), name);
        }
        assertGe(count, 20);
    }

    function _key(uint256 index, string memory field) private pure returns (string memory) {
        return string.concat(".cases[", vm.toString(index), "]", field);
    }
}
