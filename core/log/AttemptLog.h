#pragma once

#include <QObject>

namespace repodeck::core {

class Scheduler;

// Writes one structured record per attempt and per finished repository to
// the log: repository, attempt, URL without credentials, category, message,
// bytes, duration and the delay chosen before the next attempt.
class AttemptLog : public QObject
{
    Q_OBJECT

public:
    // `urlOf` maps a repository name to its (already redacted) URL.
    AttemptLog(Scheduler *scheduler, std::function<QString(const QString &)> urlOf,
               QObject *parent = nullptr);

private:
    std::function<QString(const QString &)> m_urlOf;
};

} // namespace repodeck::core
