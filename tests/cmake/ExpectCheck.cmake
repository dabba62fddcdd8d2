# cmake -DCONFIG=<file> -DCHECK=<CheckFolderIncludes.cmake> [-DEXPECT=<regex>] -P ExpectCheck.cmake
# Runs the include check on CONFIG. With EXPECT: passes only when the check
# fails and its message matches EXPECT (names the file and the header).
# Without: passes only when the check passes.
cmake_minimum_required(VERSION 3.21)
execute_process(COMMAND ${CMAKE_COMMAND} -DCONFIG=${CONFIG} -P ${CHECK}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(DEFINED EXPECT)
    if(rc EQUAL 0)
        message(FATAL_ERROR "the include check accepted what it must refuse:\n${out}${err}")
    endif()
    if(NOT "${err}" MATCHES "${EXPECT}")
        message(FATAL_ERROR "the include check refused, but not with the expected message (${EXPECT}):\n${err}")
    endif()
    message(STATUS "refused as expected:\n${err}")
elseif(NOT rc EQUAL 0)
    message(FATAL_ERROR "the include check refused what it must accept:\n${out}${err}")
endif()
