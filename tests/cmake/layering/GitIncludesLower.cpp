// A core/git source that includes only its own and lower folders, libgit2
// and Qt: the include check must accept it (tests/cmake/CMakeLists.txt).
#include "git/GitLibrary.h"
#include "retry/SyncError.h"
#include "util/RemoteUrl.h"

#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <QString>
