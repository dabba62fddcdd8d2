#pragma once

// The few socket calls the timeout stream needs, behind one small interface
// so the stream itself has no platform #ifdefs.

#include <cstddef>
#include <cstdint>
#include <string>

namespace repodeck::core::sock {

#ifdef _WIN32
using Handle = std::uintptr_t;
#else
using Handle = int;
#endif
extern const Handle kInvalid;

enum class Wait { Ready, Timeout, Error };

bool initialize(); // WSAStartup on Windows; no-op elsewhere
Handle openNonBlocking(int family, int type, int protocol);
// SO_RCVBUF, before connecting (so that the window it offers follows it).
void setReceiveBuffer(Handle s, int bytes);
int connectStart(Handle s, const void *addr, std::size_t len); // 0, or errno-style code
bool connectInProgress(int code);
int pendingError(Handle s); // SO_ERROR after connect completes
Wait waitReadable(Handle s, int timeoutMs);
Wait waitWritable(Handle s, int timeoutMs);
long long receive(Handle s, void *buf, std::size_t len, int *error);
long long sendSome(Handle s, const char *buf, std::size_t len, int *error);
bool wouldBlock(int error);
bool isReset(int error);
bool isRefused(int error);
void closeHandle(Handle s);
std::string errorText(int error);
std::string resolveErrorText(int code); // what getaddrinfo's return code means
int lastError();

} // namespace repodeck::core::sock
