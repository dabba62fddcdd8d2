#include "workspace/Shard.h"

#include <QStringList>

#include <algorithm>

namespace repodeck::core {

int shardOf(const QString &name, int shardCount)
{
    quint64 hash = 14695981039346656037ULL;
    for (const char c : name.toUtf8()) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return static_cast<int>(hash % static_cast<quint64>(std::max(1, shardCount)));
}

bool parseShard(const QString &text, int *index, int *count, QString *error)
{
    const QStringList parts = text.split(QLatin1Char('/'));
    bool okI = false, okN = false;
    const int i = parts.value(0).toInt(&okI);
    const int n = parts.value(1).toInt(&okN);
    if (parts.size() != 2 || !okI || !okN || n < 1 || i < 1 || i > n) {
        *error = QStringLiteral("--shard takes I/N with 1 <= I <= N, e.g. --shard 2/5");
        return false;
    }
    *index = i - 1;
    *count = n;
    return true;
}

} // namespace repodeck::core
