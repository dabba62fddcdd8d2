#pragma once

#include "workspace/RepoSpec.h"

#include <QString>

namespace repodeck::ui {

// Whether a folder can receive a repository. Touches the disk, so the add
// dialog runs it on a worker thread.
struct DestinationVerdict
{
    enum class Kind {
        Missing,        // will be created
        Empty,          // an empty folder
        SameRepository, // already a clone of that URL: it will be fetched
        OtherRepository,
        NotEmpty, // a non-empty folder that is not a repository
        NotAFolder,
        Invalid, // not an absolute path
    };
    Kind kind = Kind::Invalid;
    QString message; // for the dialog, naming the fix when not usable

    bool usable() const
    {
        return kind == Kind::Missing || kind == Kind::Empty || kind == Kind::SameRepository;
    }

    static DestinationVerdict inspect(const QString &path, const QString &url, core::RepoMode mode);
};

} // namespace repodeck::ui
