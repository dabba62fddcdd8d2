#pragma once

#include "workspace/RepoSpec.h"

#include <QList>
#include <QString>

namespace repodeck::core {

struct FoundRepository
{
    RepoSpec spec;   // name suggested from the folder, URL from origin
    QString problem; // non-empty when it cannot be added as is (e.g. no origin)
};

// Finds git repositories (working copies and bare) under `root` without
// descending into them, at most `maxDepth` folders deep. Reads only.
QList<FoundRepository> findRepositories(const QString &root, int maxDepth = 6);

} // namespace repodeck::core
