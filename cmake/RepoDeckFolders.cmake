# Folder libraries for core/ and the include check that keeps them layered.

# Every folder directly under core/, for telling "git/X.h" (a core folder)
# from <git2.h> or "SyncHarness.h".
file(GLOB _repodeck_core_entries LIST_DIRECTORIES true RELATIVE ${PROJECT_SOURCE_DIR}/core
     ${PROJECT_SOURCE_DIR}/core/*)
set(REPODECK_CORE_ALL_FOLDERS "")
foreach(_entry IN LISTS _repodeck_core_entries)
    if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/core/${_entry})
        list(APPEND REPODECK_CORE_ALL_FOLDERS ${_entry})
    endif()
endforeach()

# repodeck_check_includes(<target> <scope> ALLOWED <core folder>... [FORBID <regex>...]
#                         SOURCES <file>...)
# Before <target> builds, fails the build when one of SOURCES includes a
# header of a core folder not in ALLOWED, or a header matching a FORBID
# regex. Runs again whenever one of the sources changes.
function(repodeck_check_includes target scope)
    cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "ALLOWED;FORBID;SOURCES")
    set(files "")
    foreach(src IN LISTS arg_SOURCES)
        if(src MATCHES "\\.(h|cpp)$")
            get_filename_component(abs ${src} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
            list(APPEND files ${abs})
        endif()
    endforeach()
    set(config ${CMAKE_BINARY_DIR}/include-checks/${target}.cmake)
    set(stamp ${CMAKE_BINARY_DIR}/include-checks/${target}.stamp)
    file(CONFIGURE OUTPUT ${config} CONTENT
"set(SCOPE \"${scope}\")
set(ALLOWED \"${arg_ALLOWED}\")
set(FORBID \"${arg_FORBID}\")
set(ALL_FOLDERS \"${REPODECK_CORE_ALL_FOLDERS}\")
set(SOURCES \"${files}\")
set(SOURCE_ROOT \"${PROJECT_SOURCE_DIR}\")
")
    add_custom_command(OUTPUT ${stamp}
        COMMAND ${CMAKE_COMMAND} -DCONFIG=${config} -DSTAMP=${stamp}
                -P ${PROJECT_SOURCE_DIR}/cmake/CheckFolderIncludes.cmake
        DEPENDS ${files} ${config} ${PROJECT_SOURCE_DIR}/cmake/CheckFolderIncludes.cmake
        COMMENT "Checking what ${scope} includes"
        VERBATIM)
    add_custom_target(${target}_includes DEPENDS ${stamp})
    add_dependencies(${target} ${target}_includes)
endfunction()

# repodeck_core_folder(<name> [DEPENDS <folder>...] SOURCES <file>...)
# core/<name> as the static library repodeck_core_<name>. DEPENDS must name
# folders declared earlier, so the folders form layers and a loop cannot be
# declared; the folder may include its own headers and those of DEPENDS and
# of what they depend on, nothing else.
function(repodeck_core_folder name)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "DEPENDS;SOURCES")
    set(allowed ${name})
    foreach(dep IN LISTS arg_DEPENDS)
        if(NOT TARGET repodeck_core_${dep})
            message(FATAL_ERROR "core/${name} depends on core/${dep}, which is not declared before it "
                "in core/CMakeLists.txt: folders are declared bottom-up, a lower folder cannot depend "
                "on a higher one. Move the code that needs core/${dep} up, or what it needs down.")
        endif()
        get_property(dep_allowed GLOBAL PROPERTY REPODECK_CORE_ALLOWED_${dep})
        list(APPEND allowed ${dep_allowed})
    endforeach()
    list(REMOVE_DUPLICATES allowed)
    set_property(GLOBAL PROPERTY REPODECK_CORE_ALLOWED_${name} ${allowed})

    add_library(repodeck_core_${name} STATIC ${arg_SOURCES})
    target_link_libraries(repodeck_core_${name} PUBLIC repodeck_core_base)
    foreach(dep IN LISTS arg_DEPENDS)
        target_link_libraries(repodeck_core_${name} PUBLIC repodeck_core_${dep})
    endforeach()
    repodeck_check_includes(repodeck_core_${name} "core/${name}" ALLOWED ${allowed} SOURCES ${arg_SOURCES})
endfunction()

# What ui/ must not include: the transports and the stream under libgit2.
# The front end learns about hosts from util/RemoteUrl and about a sync from
# the session, never from a transport's internals.
set(REPODECK_UI_FORBIDDEN_HEADERS
    "^net/ssh/OpenSshTransport[.]h$"
    "^net/TimeoutStream[.]h$"
    "^net/SocketApi[.]h$"
    "^net/NetworkSetup[.]h$"
    "^net/http/(Http|QtHttp|NetworkThread|BodyDecoder|ProxySettings|RetryAfter)")
