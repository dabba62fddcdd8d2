# repodeck_add_test(NAME <name> SOURCES <files...> LIBS <targets...> LABELS <labels...> [TIMEOUT s] [GUI] [KEYRING])
# KEYRING: run inside a private D-Bus session with a throwaway unlocked
# Secret Service (tests/support/with-keyring.sh).
function(repodeck_add_test)
    cmake_parse_arguments(T "GUI;KEYRING" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 120)
    endif()
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE Qt6::Test ${T_LIBS})
    if(T_KEYRING)
        add_test(NAME ${T_NAME} COMMAND ${PROJECT_SOURCE_DIR}/tests/support/with-keyring.sh $<TARGET_FILE:${T_NAME}>)
    else()
        add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    endif()
    set(env "REPODECK_CLI=$<TARGET_FILE:repodeck-cli>")
    # Only KEYRING tests reach a keychain, and only their private one: the
    # rest must never read or write the developer's own keyring.
    if(NOT T_KEYRING)
        list(APPEND env "REPODECK_KEYCHAIN=off")
    endif()
    if(T_GUI)
        list(APPEND env "QT_QPA_PLATFORM=offscreen")
    endif()
    set_tests_properties(${T_NAME} PROPERTIES
        LABELS "${T_LABELS}"
        TIMEOUT ${T_TIMEOUT}
        ENVIRONMENT "${env}")
endfunction()
