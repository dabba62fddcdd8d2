# Cross-compiling for 64-bit Windows with Debian's mingw-w64 (posix threads,
# which std::thread and Qt need). REPODECK_WINDOWS_SDK names the prefix that
# installer/windows/sdk/build-sdk.sh filled; libraries are looked up only
# there and in the compiler's own sysroot, programs (moc, rcc) on the host.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(_mingw x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${_mingw}-gcc-posix)
set(CMAKE_CXX_COMPILER ${_mingw}-g++-posix)
set(CMAKE_RC_COMPILER ${_mingw}-windres)
if(NOT REPODECK_WINDOWS_SDK AND DEFINED ENV{REPODECK_WINDOWS_SDK})
    set(REPODECK_WINDOWS_SDK "$ENV{REPODECK_WINDOWS_SDK}")
endif()
set(CMAKE_FIND_ROOT_PATH /usr/${_mingw} ${REPODECK_WINDOWS_SDK})
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES REPODECK_WINDOWS_SDK)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# libgit2 is found through pkg-config: only the SDK's .pc files, with their
# prefix taken from where the SDK was unpacked.
if(REPODECK_WINDOWS_SDK)
    set(ENV{PKG_CONFIG_LIBDIR} "${REPODECK_WINDOWS_SDK}/lib/pkgconfig")
    set(ENV{PKG_CONFIG_PATH} "")
    set(PKG_CONFIG_ARGN --define-prefix)
endif()
