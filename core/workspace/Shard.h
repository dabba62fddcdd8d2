#pragma once

#include <QString>

namespace repodeck::core {

// Which repositories a `--shard I/N` run covers: several machines (or cron
// entries) split one workspace without talking to each other, so the shard
// of a name must not depend on anything but the name.

// Deterministic shard of a repository name (FNV-1a over UTF-8), 0-based:
// the same on every machine and every RepoDeck version.
int shardOf(const QString &name, int shardCount);

// "2/5" -> {index 1 (0-based), count 5}; empty error on success.
bool parseShard(const QString &text, int *index, int *count, QString *error);

} // namespace repodeck::core
