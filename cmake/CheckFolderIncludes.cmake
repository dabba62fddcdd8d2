# cmake -DCONFIG=<file> [-DSTAMP=<file>] -P CheckFolderIncludes.cmake
# CONFIG sets SCOPE, ALLOWED, FORBID, ALL_FOLDERS, SOURCES and SOURCE_ROOT
# (written by repodeck_check_includes in RepoDeckFolders.cmake). Fails with
# every offending include named when a source includes a header of a core
# folder outside ALLOWED, or one matching a FORBID regex.
cmake_minimum_required(VERSION 3.21)
include(${CONFIG})
set(problems "")
foreach(src IN LISTS SOURCES)
    file(STRINGS ${src} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
    file(RELATIVE_PATH shown ${SOURCE_ROOT} ${src})
    foreach(line IN LISTS lines)
        string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]*)[>\"].*$" "\\1" header "${line}")
        string(REGEX REPLACE "^core/" "" header "${header}")
        foreach(pattern IN LISTS FORBID)
            if(header MATCHES "${pattern}")
                string(APPEND problems "\n  ${shown} includes ${header}, which ${SCOPE} must not include")
            endif()
        endforeach()
        if(NOT header MATCHES "/")
            continue()
        endif()
        string(REGEX REPLACE "/.*$" "" top "${header}")
        if(top IN_LIST ALL_FOLDERS AND NOT top IN_LIST ALLOWED)
            string(APPEND problems "\n  ${shown} includes ${header}, but ${SCOPE} may include only ${ALLOWED}")
        endif()
    endforeach()
endforeach()
if(problems)
    message(FATAL_ERROR "Folder layering broken (core/CMakeLists.txt declares the folders bottom-up):"
        "${problems}\nMove the code to the folder it belongs in, or declare the dependency if it is "
        "one layer depending on a lower one.")
endif()
if(STAMP)
    file(TOUCH ${STAMP})
endif()
