// A core/git source that includes a header of a higher folder (core/net):
// the include check must refuse it (tests/cmake/CMakeLists.txt).
#include "git/GitLibrary.h"
#include "net/TimeoutStream.h"
