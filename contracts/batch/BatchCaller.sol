// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// Test stand-in for Multicall3 on a local chain: the same `aggregate3` interface (each call with
/// its own allowFailure), written for tollgate's tests; placed at Multicall3's canonical address
/// with anvil_setCode. Real chains use the deployed Multicall3 at that address.
contract BatchCaller {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory results) {
        uint256 length = calls.length;
        results = new Result[](length);
        for (uint256 i = 0; i < length; i++) {
            (bool success, bytes memory returnData) = calls[i].target.call(calls[i].callData);
            if (!success && !calls[i].allowFailure) {
                assembly {
                    revert(add(returnData, 32), mload(returnData))
                }
            }
            results[i] = Result(success, returnData);
        }
    }
}
