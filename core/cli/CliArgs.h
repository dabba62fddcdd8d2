#pragma once

#include <QMap>
#include <QStringList>

namespace repodeck::core::cli {

// Splits a command line into positional words and --options. Options that
// take a value are listed up front so "--policy fast" and "--policy=fast"
// both work and a missing value is a usage error, not a silent default.
struct CliArgs
{
    QStringList positional;
    QMap<QString, QString> values; // --name VALUE
    QStringList flags;             // --name
    QString error;                 // usage problem, if any

    // The --shard I/N option (0-based index); false with *error set when malformed.
    bool shard(int *index, int *count, QString *error) const;

    static CliArgs parse(const QStringList &args, const QStringList &valueOptions,
                         const QStringList &flagOptions);
    bool has(const QString &flag) const { return flags.contains(flag) || values.contains(flag); }
    QString value(const QString &name) const { return values.value(name); }
};

} // namespace repodeck::core::cli
