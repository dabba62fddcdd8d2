// A ui source that includes a transport header: the include check must
// refuse it (tests/cmake/CMakeLists.txt).
#include "net/ssh/HostKeyTrust.h"
#include "net/ssh/OpenSshTransport.h"
