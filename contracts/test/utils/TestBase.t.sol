// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";

contract TestBaseTest is Test {
    function test_bound_staysInRange(uint256 x) public pure {
        uint256 y = bound(x, 3, 9);
        assertGe(y, 3);
        assertLe(y, 9);
    }

    function test_cheatcodes_dealAndPrank() public {
        address alice = makeAddr("alice");
        vm.deal(alice, 1 ether);
        assertEq(alice.balance, 1 ether);
    }
}
